// Crash test: ferry (a separate process) is killed with SIGKILL at random
// moments while it loads 1,000,000 events, and restarted each time. In
// exactly-once mode every event is in the table exactly once afterwards; in
// _default-stream mode nothing is lost and the duplicates are counted.
//
// FERRY_CRASH_EVENTS and FERRY_CRASH_SEED override the event count and the
// random seed (printed, so a failing run can be repeated).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "bigquery/rest_client.h"
#include "tests/component_env.h"

namespace ferry::testing {
namespace {

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::stoll(v) : fallback;
}

// Rows in the table so far (0 before it exists).
int64_t TableRows(ComponentEnv& env) {
  auto client = env.Rest();
  if (!client.ok()) return 0;
  auto table = (*client)->GetTable({"ferry-local", "serverlog", "serverlog_kafka"});
  return table.ok() ? table->num_rows.value_or(0) : 0;
}

struct Outcome {
  int64_t rows = 0;
  int64_t distinct = 0;
  int64_t duplicates = 0;  // rows beyond the first of their event.
  int64_t lost = 0;        // produced events without a row.
};

class CrashTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CrashTest, KilledTenTimesAndRestarted) {
  const std::string mode = GetParam();
  const int64_t events = EnvInt("FERRY_CRASH_EVENTS", 1000000);
  const uint64_t seed = static_cast<uint64_t>(
      EnvInt("FERRY_CRASH_SEED", std::chrono::system_clock::now().time_since_epoch().count()));
  std::cout << "mode " << mode << ", " << events << " events, FERRY_CRASH_SEED=" << seed
            << std::endl;
  std::mt19937_64 random(seed);

  auto env = ComponentEnv::Start({});
  ASSERT_TRUE(env.ok()) << env.status();
  cli::GeneratorOptions gen;
  gen.count = events;
  auto produced = (*env)->Produce(gen);
  ASSERT_TRUE(produced.ok()) << produced.status();
  ASSERT_EQ(*produced, events);

  const std::string dir = ::testing::TempDir() + "crash_" + mode + "_" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  auto connector = (*env)->ServerlogConnector("serverlog");
  if (mode == "batch") {
    // enableBatchMode: PENDING streams committed every 15 s (kcbq's smallest
    // commitInterval), offsets held back until then.
    connector["enableBatchMode"] = "true";
    connector["commitInterval"] = "15";
  } else {
    connector["ferry.bigquery.write.mode"] = mode;
  }
  // A killed member leaves the group only when its session times out.
  connector["consumer.override.session.timeout.ms"] = "6000";
  connector["consumer.override.heartbeat.interval.ms"] = "500";
  auto worker = (*env)->WorkerProps();
  worker["offset.flush.interval.ms"] = "2000";
  WriteProperties(dir + "/worker.properties", worker);
  WriteProperties(dir + "/connector.properties", connector);
  const std::string log = dir + "/ferry.log";
  std::cout << "ferry's output: " << log << std::endl;
  const std::vector<std::string> args = {FERRY_BINARY, "standalone", dir + "/worker.properties",
                                         dir + "/connector.properties"};

  // Odd kills come at a random moment after start (often while ferry joins
  // the group or opens streams); even ones a random moment after ferry has
  // written rows in this run, so in mid-write.
  std::uniform_int_distribution<int> start_ms(200, 5000);
  std::uniform_int_distribution<int> write_ms(0, 1500);
  for (int kill_no = 1; kill_no <= 10; ++kill_no) {
    const int64_t before = TableRows(**env);
    FerryProcess ferry(args, log);
    ASSERT_TRUE(ferry.started());
    int ms = 0;
    if (kill_no % 2 == 0) {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      // (Batch mode shows rows only when it commits; once every event is in
      // the table there is nothing more to wait for.)
      while (TableRows(**env) == before && before < events &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the table.
      }
      ms = write_ms(random);
    } else {
      ms = start_ms(random);
    }
    // The random moment to crash at: waiting for it is the point of the test.
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    ferry.Kill();
    std::cout << "kill " << kill_no << (kill_no % 2 == 0 ? " after writing +" : " at ") << ms
              << " ms; rows " << TableRows(**env) << std::endl;
  }
  std::vector<std::string> drain = args;
  drain.push_back("--until-drained");
  FerryProcess last(drain, log);
  ASSERT_TRUE(last.started());
  ASSERT_EQ(last.Wait(std::chrono::seconds(600)), 0) << "see " << log;

  auto ids = (*env)->ReadColumn("serverlog", "serverlog_kafka", "ce_id");
  ASSERT_TRUE(ids.ok()) << ids.status();
  std::unordered_map<std::string, int> count;
  count.reserve(static_cast<size_t>(events));
  for (const std::string& id : *ids) ++count[id];
  Outcome o;
  o.rows = static_cast<int64_t>(ids->size());
  o.distinct = static_cast<int64_t>(count.size());
  o.duplicates = o.rows - o.distinct;
  o.lost = events - o.distinct;
  std::cout << "mode " << mode << ": " << o.rows << " rows, " << o.distinct << " distinct events, "
            << o.duplicates << " duplicates, " << o.lost << " lost" << std::endl;
  RecordProperty("rows", std::to_string(o.rows));
  RecordProperty("duplicates", std::to_string(o.duplicates));
  RecordProperty("lost", std::to_string(o.lost));
  EXPECT_EQ(o.lost, 0) << "see " << log;
  EXPECT_EQ(o.distinct, events);
  if (mode != "default_stream") {
    EXPECT_EQ(o.duplicates, 0) << "see " << log;
    EXPECT_EQ(o.rows, events);
  }
}

// After a SIGKILL the killed consumer stays in the group until its session
// times out (45 s by default); with ferry.consumer.static.membership the
// restarted worker rejoins under the same group.instance.id and replaces it at
// once. Returns the seconds from the restart to its first new row.
double RestartToFirstRowSeconds(bool static_membership) {
  auto env = ComponentEnv::Start({});
  EXPECT_TRUE(env.ok()) << env.status();
  if (!env.ok()) return -1;
  cli::GeneratorOptions gen;
  gen.count = 2000;
  EXPECT_EQ((*env)->Produce(gen).value_or(0), gen.count);
  const std::string dir =
      absl::StrCat(::testing::TempDir(), "restart_", static_membership, "_", getpid());
  std::filesystem::create_directories(dir);
  auto connector = (*env)->ServerlogConnector("serverlog");
  connector["consumer.override.session.timeout.ms"] = "45000";
  auto worker = (*env)->WorkerProps();
  worker["offset.flush.interval.ms"] = "1000";
  worker["ferry.worker.id"] = "restart-test";
  worker["ferry.consumer.static.membership"] = static_membership ? "true" : "false";
  WriteProperties(dir + "/worker.properties", worker);
  WriteProperties(dir + "/connector.properties", connector);
  const std::string log = dir + "/ferry.log";
  const std::vector<std::string> args = {FERRY_BINARY, "standalone", dir + "/worker.properties",
                                         dir + "/connector.properties"};
  auto wait_for_rows = [&](int64_t more_than, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (TableRows(**env) <= more_than && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the table.
    }
    return TableRows(**env);
  };
  {
    FerryProcess first(args, log);
    EXPECT_TRUE(first.started());
    EXPECT_EQ(wait_for_rows(gen.count - 1, std::chrono::seconds(60)), gen.count) << "see " << log;
    first.Kill();
  }
  gen.seed = 7;  // other events.
  gen.count = 1000;
  EXPECT_EQ((*env)->Produce(gen).value_or(0), gen.count);
  const auto start = std::chrono::steady_clock::now();
  FerryProcess second(args, log);
  EXPECT_TRUE(second.started());
  const int64_t rows = wait_for_rows(2000, std::chrono::seconds(120));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GT(rows, 2000) << "see " << log;
  std::cout << "restart to first row, static membership " << (static_membership ? "on" : "off")
            << ": " << seconds << " s" << std::endl;
  return seconds;
}

TEST(RestartTest, StaticMembershipTakesThePartitionsBackAtOnce) {
  EXPECT_LT(RestartToFirstRowSeconds(/*static_membership=*/true), 15.0);
}

// The comparison for docs/benchmarks.md (takes ~50 s; run with
// --gtest_also_run_disabled_tests).
TEST(RestartTest, DISABLED_WithoutStaticMembershipARestartWaitsOutTheSession) {
  EXPECT_GT(RestartToFirstRowSeconds(/*static_membership=*/false), 30.0);
}

INSTANTIATE_TEST_SUITE_P(WriteModes, CrashTest,
                         ::testing::Values("exactly_once", "default_stream", "batch"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ferry::testing
