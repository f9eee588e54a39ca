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

  // Every row of the table as tabledata.list returns it (paged), of the
  // columns in `selected_fields` ("" = all).
  std::vector<nlohmann::json> ListRows(const TableReference& ref,
                                       const std::string& selected_fields = "") {
    std::vector<nlohmann::json> rows;
    TableDataListOptions options;
    options.max_results = 5000;
    options.selected_fields = selected_fields;
    for (;;) {
      auto page = rest_->ListTableData(ref, options);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const nlohmann::json& row : page->value("rows", nlohmann::json::array())) {
        rows.push_back(row);
      }
      std::string token = page->value("pageToken", "");
      if (token.empty()) break;
      options.page_token = std::move(token);
    }
    return rows;
  }

  // How many rows hold each value of the STRING column `column`.
  std::map<std::string, int> CountByColumn(const TableReference& ref, const std::string& column) {
    std::map<std::string, int> count;
    for (const nlohmann::json& row : ListRows(ref, column)) {
      ++count[row["f"][0]["v"].get<std::string>()];
    }
    return count;
  }

  std::unique_ptr<emulator::Emulator> emulator_;
  std::unique_ptr<RestClient> rest_;
};

}  // namespace ferry::bigquery::test_support
