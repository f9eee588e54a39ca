#pragma once

// Helpers shared by the BigQuery writer's tests (header-only, tests only).

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bigquery/bigquery_sink_writer.h"
#include "bigquery/rest_client.h"
#include "bigquery/table_schema.h"
#include "emulator/emulator.h"

namespace ferry::bigquery::test_support {

// A column of a table schema.
inline TableFieldSchema Col(std::string name, FieldType type, FieldMode mode = FieldMode::kNullable,
                            std::vector<TableFieldSchema> fields = {}) {
  TableFieldSchema f;
  f.name = std::move(name);
  f.type = type;
  f.mode = mode;
  f.fields = std::move(fields);
  return f;
}

// A writer set up as a task sets it up, with no committed state; its
// checkpoints are accepted like acknowledged commits.
inline std::unique_ptr<SinkWriter> TaskLikeWriter(const std::map<std::string, std::string>& props) {
  auto writer = CreateBigQuerySinkWriter(props);
  EXPECT_TRUE(writer.ok()) << writer.status();
  if (!writer.ok()) return nullptr;
  (*writer)->SetCheckpoint([](const std::vector<TopicPartition>&) { return absl::OkStatus(); });
  EXPECT_TRUE((*writer)->Open({}).ok());
  return *std::move(writer);
}

// A fixture with an in-process emulator and a REST client for it.
class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { StartEmulator({}); }

  void StartEmulator(emulator::EmulatorOptions options) {
    auto emulator = emulator::Emulator::Start(std::move(options));
    ASSERT_TRUE(emulator.ok()) << emulator.status();
    emulator_ = *std::move(emulator);
    RestClientOptions rest_options;
    rest_options.endpoint = emulator_->rest_endpoint();
    auto rest = RestClient::Create(rest_options);
    ASSERT_TRUE(rest.ok()) << rest.status();
    rest_ = *std::move(rest);
  }

  std::unique_ptr<emulator::Emulator> emulator_;
  std::unique_ptr<RestClient> rest_;
};

}  // namespace ferry::bigquery::test_support
