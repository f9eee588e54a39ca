// DevKafkaProcess: spawning, readiness, the ready file, stopping, and how it
// reports a missing or failing executable.

#include "devkafka/dev_kafka_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace ferry::devkafka {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(DevKafkaProcessTest, ReportsBootstrapServersForEveryBroker) {
  DevKafkaOptions options;
  options.brokers = 3;
  auto kafka = DevKafkaProcess::Start(options);
  ASSERT_TRUE(kafka.ok()) << kafka.status();
  EXPECT_THAT((*kafka)->bootstrap_servers(),
              MatchesRegex("127\\.0\\.0\\.1:[0-9]+,127\\.0\\.0\\.1:[0-9]+,127\\.0\\.0\\.1:[0-9]+"));
  EXPECT_GT((*kafka)->control_port(), 0);
  EXPECT_EQ((*kafka)->Control("ping").value_or("?"), "pong");
}

TEST(DevKafkaProcessTest, SigtermStopsItCleanly) {
  auto kafka = DevKafkaProcess::Start({});
  ASSERT_TRUE(kafka.ok()) << kafka.status();
  auto code = (*kafka)->Stop(absl::Seconds(20));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << "SIGTERM is a normal shutdown";
  EXPECT_EQ(kill((*kafka)->pid(), 0), -1) << "the child is reaped";
  // Idempotent.
  EXPECT_EQ((*kafka)->Stop().value_or(-1), 0);
}

TEST(DevKafkaProcessTest, WritesTheReadyFileAndRemovesItOnExit) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("devkafka_ready_", getpid());
  std::filesystem::create_directories(dir);
  std::filesystem::path ready = dir / "ready";
  DevKafkaOptions options;
  options.extra_args = {"--ready-file", ready.string()};
  auto kafka = DevKafkaProcess::Start(options);
  ASSERT_TRUE(kafka.ok()) << kafka.status();

  // ferry-dev-kafka writes the file before it prints the ready lines.
  ASSERT_TRUE(std::filesystem::exists(ready));
  std::ifstream in(ready);
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_EQ(content.str(), absl::StrCat("bootstrap.servers=", (*kafka)->bootstrap_servers(),
                                        "\ncontrol=127.0.0.1:", (*kafka)->control_port(), "\n"));
  // Only the final file: the temporary one was renamed.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);

  ASSERT_EQ((*kafka)->Stop().value_or(-1), 0);
  EXPECT_FALSE(std::filesystem::exists(ready)) << "a stale ready file would lie";
  std::filesystem::remove_all(dir);
}

TEST(DevKafkaProcessTest, MissingExecutableIsNotFound) {
  DevKafkaOptions options;
  options.executable = "/nonexistent/ferry-dev-kafka";
  auto kafka = DevKafkaProcess::Start(options);
  EXPECT_EQ(kafka.status().code(), absl::StatusCode::kNotFound) << kafka.status();
}

TEST(DevKafkaProcessTest, EnvironmentOverridesTheBuildLocation) {
  std::string built = DevKafkaProcess::DefaultExecutable();
  ASSERT_EQ(setenv("FERRY_DEV_KAFKA", "/nonexistent/from-env", 1), 0);
  EXPECT_EQ(DevKafkaProcess::DefaultExecutable(), "/nonexistent/from-env");
  auto kafka = DevKafkaProcess::Start({});
  EXPECT_EQ(kafka.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(kafka.status().message()), HasSubstr("/nonexistent/from-env"));
  unsetenv("FERRY_DEV_KAFKA");
  EXPECT_EQ(DevKafkaProcess::DefaultExecutable(), built);
}

TEST(DevKafkaProcessTest, BadArgumentsFailFastWithTheExitCode) {
  DevKafkaOptions options;
  options.topics = {"no-partition-count"};
  absl::Time start = absl::Now();
  auto kafka = DevKafkaProcess::Start(options);
  EXPECT_EQ(kafka.status().code(), absl::StatusCode::kUnavailable) << kafka.status();
  EXPECT_THAT(std::string(kafka.status().message()), HasSubstr("exit code 2"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10)) << "not the start timeout";
}

TEST(DevKafkaProcessTest, StockLimitsExcludeExplicitLimits) {
  DevKafkaOptions options;
  options.stock_limits = true;
  options.max_partition_bytes = 1024;
  EXPECT_EQ(DevKafkaProcess::Start(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DevKafkaProcessTest, ControlRejectsMultiLineCommands) {
  auto kafka = DevKafkaProcess::Start({});
  ASSERT_TRUE(kafka.ok()) << kafka.status();
  EXPECT_EQ((*kafka)->Control("ping\nshutdown").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*kafka)->Control("ping").value_or("?"), "pong");
}

}  // namespace
}  // namespace ferry::devkafka
