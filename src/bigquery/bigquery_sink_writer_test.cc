// End-to-end: the writer against ferry's BigQuery emulator (REST + Storage
// Write API on local ports).
#include "bigquery/bigquery_sink_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "bigquery/proto_rows.h"
#include "bigquery/rest_client.h"
#include "bigquery/schema_mapping.h"
#include "bigquery/storage_writer.h"
#include "bigquery/test_support.h"
#include "emulator/emulator.h"

namespace ferry::bigquery {
namespace {

using ::testing::HasSubstr;

class WriterTest : public test_support::EmulatorTest {
 protected:
  std::map<std::string, std::string> Props() {
    return {{"project", "p"},
            {"defaultDataset", "serverlog"},
            {"ferry.bigquery.rest.endpoint", emulator_->rest_endpoint()},
            {"ferry.bigquery.storage.endpoint", emulator_->grpc_endpoint()},
            {"sanitizeTopics", "true"},
            {"kafkaDataFieldName", "kafka"},
            {"timestampPartitionFieldName", "ce_time"},
            {"clusteringPartitionFieldNames", "ce_type,ce_subject"}};
  }

  // A writer as a task sets it up (exactly-once by default: its checkpoints
  // are accepted like acknowledged commits).
  std::unique_ptr<SinkWriter> Writer(const std::map<std::string, std::string>& props) {
    return test_support::TaskLikeWriter(props);
  }

  // Every row of the table, through tabledata.list (paged).
  std::vector<nlohmann::json> ReadAll(const TableReference& ref) { return ListRows(ref); }

  static SchemaPtr EventSchema() {
    static const SchemaPtr schema = SchemaBuilder::Struct()
                                        .AddField("ce_id", Schema::String())
                                        .AddField("ce_type", Schema::String())
                                        .AddField("ce_subject", Schema::String(true))
                                        .AddField("ce_time", Schema::Timestamp(true))
                                        .AddField("data", Schema::Json(true))
                                        .Build();
    return schema;
  }

  static SinkRecord Event(int64_t offset, Value id, Value time, Value data) {
    SinkRecord r;
    r.topic = "serverlog.member";
    r.partition = 0;
    r.offset = offset;
    r.timestamp_ms = 1714557600000 + offset;
    r.key = "member-" + std::to_string(offset);
    r.value_schema = EventSchema();
    r.value = StructBuilder(EventSchema())
                  .Put("ce_id", std::move(id))
                  .Put("ce_type", "serverlog.member")
                  .Put("ce_subject", "serverlog.member.LOGIN")
                  .Put("ce_time", std::move(time))
                  .Put("data", std::move(data))
                  .Build();
    return r;
  }

  // p.serverlog.evolving with a single REQUIRED column "id" of this type.
  Table CreateEvolving(FieldType id_type) {
    EXPECT_TRUE(rest_->InsertDataset("p", "serverlog").ok());
    Table table;
    table.ref = {"p", "serverlog", "evolving"};
    TableFieldSchema id;
    id.name = "id";
    id.type = id_type;
    id.mode = FieldMode::kRequired;
    table.schema.fields = {id};
    EXPECT_TRUE(rest_->InsertTable(table).ok());
    return table;
  }

  // n records of topic serverlog.member at offsets 0..n-1, values unset.
  static std::vector<SinkRecord> SchemalessRecords(int n) {
    std::vector<SinkRecord> records(n);
    for (int i = 0; i < n; ++i) {
      records[i].topic = "serverlog.member";
      records[i].offset = i;
    }
    return records;
  }

  static std::vector<const SinkRecord*> Pointers(const std::vector<SinkRecord>& records) {
    std::vector<const SinkRecord*> out;
    for (const SinkRecord& r : records) out.push_back(&r);
    return out;
  }
};

TEST_F(WriterTest, AutoCreatesThePartitionedClusteredTableAndWritesRows) {
  auto writer = Writer(Props());
  ASSERT_NE(writer, nullptr);
  std::vector<SinkRecord> records;
  for (int i = 0; i < 20; ++i) {
    records.push_back(Event(i, "id-" + std::to_string(i), Timestamp{1714557600000000 + i},
                            R"({"user":)" + std::to_string(i) + "}"));
  }
  auto results = writer->Write(Pointers(records));
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), records.size());
  for (const RecordResult& r : *results) EXPECT_EQ(r.status, WriteStatus::kDelivered) << r.reason;

  TableReference ref{"p", "serverlog", "serverlog_member"};  // sanitized topic.
  auto table = rest_->GetTable(ref);
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_TRUE(table->time_partitioning.has_value());
  EXPECT_EQ(table->time_partitioning->type, "DAY");
  EXPECT_EQ(table->time_partitioning->field, "ce_time");
  EXPECT_EQ(table->clustering_fields, (std::vector<std::string>{"ce_type", "ce_subject"}));
  ASSERT_NE(table->schema.FindField("ce_id"), nullptr);
  EXPECT_EQ(table->schema.FindField("ce_id")->mode, FieldMode::kRequired);
  EXPECT_EQ(table->schema.FindField("data")->type, FieldType::kJson);
  ASSERT_NE(table->schema.FindField("kafka"), nullptr);
  EXPECT_EQ(table->schema.FindField("kafka")->type, FieldType::kRecord);

  auto rows = ReadAll(ref);
  ASSERT_EQ(rows.size(), 20u);
  // Columns in table order: ce_id, ce_type, ce_subject, ce_time, data, kafka.
  std::set<std::string> ids;
  for (const auto& row : rows) ids.insert(row["f"][0]["v"].get<std::string>());
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_TRUE(ids.count("id-7"));
  const nlohmann::json& first = rows[0]["f"];
  EXPECT_EQ(first[1]["v"], "serverlog.member");
  const nlohmann::json& kafka = first[5]["v"]["f"];
  EXPECT_EQ(kafka[0]["v"], "serverlog.member");  // topic
  EXPECT_EQ(kafka[1]["v"], "0");                 // partition, as BigQuery renders INT64.

  // A second batch reuses the cached table and the open stream.
  std::vector<SinkRecord> more = {Event(20, "id-20", Timestamp{1714557600000000}, nullptr)};
  results = writer->Write(Pointers(more));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kDelivered);
  EXPECT_EQ(ReadAll(ref).size(), 21u);
}

TEST_F(WriterTest, BadRowsAreRejectedNamingTheColumnAndTheRestDelivered) {
  auto writer = Writer(Props());
  ASSERT_NE(writer, nullptr);
  std::vector<SinkRecord> records;
  for (int i = 0; i < 100; ++i) {
    Value id = "id-" + std::to_string(i);
    Value time = Timestamp{1714557600000000};
    Value data = R"({"ok":true})";
    if (i == 10) id = nullptr;                          // REQUIRED column null.
    if (i == 50) time = Timestamp{300000000000000000};  // year ~11476: out of range.
    if (i == 90) data = "{broken";                      // invalid JSON text.
    records.push_back(Event(i, id, time, data));
  }
  auto results = writer->Write(Pointers(records));
  ASSERT_TRUE(results.ok()) << results.status();
  int delivered = 0;
  for (const RecordResult& r : *results) delivered += r.status == WriteStatus::kDelivered;
  EXPECT_EQ(delivered, 97);
  EXPECT_EQ((*results)[10].status, WriteStatus::kRejected);
  EXPECT_EQ((*results)[10].location, "ce_id");
  EXPECT_EQ((*results)[50].status, WriteStatus::kRejected);
  EXPECT_EQ((*results)[50].location, "ce_time");
  EXPECT_THAT((*results)[50].reason, HasSubstr("out of range"));
  EXPECT_EQ((*results)[90].status, WriteStatus::kRejected);
  EXPECT_EQ((*results)[90].location, "data");
  EXPECT_EQ(ReadAll({"p", "serverlog", "serverlog_member"}).size(), 97u);
}

TEST_F(WriterTest, BatchesOverTenMegabytesAreSplit) {
  auto props = Props();
  props["threadPoolSize"] = "3";  // several requests in flight.
  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  std::vector<SinkRecord> records;
  const std::string payload = R"({"blob":")" + std::string(100 * 1024, 'x') + R"("})";
  for (int i = 0; i < 120; ++i) {  // ~12 MB in one batch.
    records.push_back(Event(i, "id-" + std::to_string(i), Timestamp{1714557600000000}, payload));
  }
  auto results = writer->Write(Pointers(records));
  ASSERT_TRUE(results.ok()) << results.status();
  for (const RecordResult& r : *results) {
    ASSERT_EQ(r.status, WriteStatus::kDelivered) << r.reason;
  }
  auto table = rest_->GetTable({"p", "serverlog", "serverlog_member"});
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->num_rows, 120);
}

// The premise of the split test: BigQuery (and the emulator) refuse an
// AppendRows request over 10 MB, as a task-level error for the writer.
TEST_F(WriterTest, AnUnsplitRequestOverTenMegabytesIsRefused) {
  ASSERT_TRUE(rest_->InsertDataset("p", "d").ok());
  Table table;
  table.ref = {"p", "d", "big"};
  TableFieldSchema s;
  s.name = "s";
  s.type = FieldType::kString;
  table.schema.fields = {s};
  ASSERT_TRUE(rest_->InsertTable(table).ok());
  auto descriptor = BuildRowDescriptor(table.schema);
  ASSERT_TRUE(descriptor.ok());
  StorageWriterOptions options;
  options.endpoint = emulator_->grpc_endpoint();
  options.max_request_bytes = 12 * 1024 * 1024;  // above BigQuery's limit, on purpose.
  auto storage = StorageWriter::Create(options);
  ASSERT_TRUE(storage.ok());
  std::string text(100 * 1024, 'x');
  std::string row = "\x0a";
  for (uint32_t n = static_cast<uint32_t>(text.size()); n >= 0x80; n >>= 7) {
    row += static_cast<char>((n & 0x7f) | 0x80);
    if ((n >> 7) < 0x80) {
      row += static_cast<char>(n >> 7);
      break;
    }
  }
  row += text;
  std::vector<std::string> rows(110, row);  // ~11 MB.
  auto results = (*storage)->Append(table.ref, *descriptor, rows);
  if (results.ok()) {
    for (const auto& r : *results) ADD_FAILURE() << static_cast<int>(r.status) << " " << r.reason;
  }
  ASSERT_FALSE(results.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(results.status())) << results.status();
}

TEST_F(WriterTest, MissingTableWithoutAutoCreateIsATaskLevelError) {
  auto props = Props();
  props["autoCreateTables"] = "false";
  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  std::vector<SinkRecord> records = {Event(0, "id", Timestamp{0}, nullptr)};
  auto results = writer->Write(Pointers(records));
  ASSERT_FALSE(results.ok());
  EXPECT_TRUE(absl::IsNotFound(results.status())) << results.status();
  EXPECT_THAT(std::string(results.status().message()), HasSubstr("autoCreateTables"));
}

TEST_F(WriterTest, SchemalessRecordsGoToAnExistingTable) {
  ASSERT_TRUE(rest_->InsertDataset("p", "serverlog").ok());
  Table table;
  table.ref = {"p", "serverlog", "serverlog_kafka"};
  auto column = [](std::string name, FieldType type, FieldMode mode) {
    TableFieldSchema f;
    f.name = std::move(name);
    f.type = type;
    f.mode = mode;
    return f;
  };
  table.schema.fields = {column("ce_id", FieldType::kString, FieldMode::kRequired),
                         column("ce_time", FieldType::kTimestamp, FieldMode::kNullable),
                         column("data", FieldType::kJson, FieldMode::kNullable),
                         KafkaDataField("kafka")};
  ASSERT_TRUE(rest_->InsertTable(table).ok());

  auto props = Props();
  props["topic2TableMap"] = "serverlog.member:serverlog_kafka";
  props["autoCreateTables"] = "false";
  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  SinkRecord r;
  r.topic = "serverlog.member";
  r.offset = 5;
  r.value = Map{{"ce_id", "a"},
                {"ce_time", "2024-05-01T10:00:00Z"},
                {"data", Map{{"user", 1}, {"tags", Array{"x"}}}}};
  std::vector<SinkRecord> records = {r};
  auto results = writer->Write(Pointers(records));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kDelivered) << (*results)[0].reason;
  auto rows = ReadAll(table.ref);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["f"][0]["v"], "a");
  EXPECT_EQ(rows[0]["f"][1]["v"], "1714557600000000");  // useInt64Timestamp.
  EXPECT_EQ(nlohmann::json::parse(rows[0]["f"][2]["v"].get<std::string>()),
            nlohmann::json::parse(R"({"user":1,"tags":["x"]})"));
}

TEST_F(WriterTest, ServerRowErrorsRejectThoseRowsAndTheOthersAreResent) {
  // Rows the encoder would never produce (invalid UTF-8 in a STRING), sent
  // straight through the storage writer, to exercise BigQuery's row_errors.
  ASSERT_TRUE(rest_->InsertDataset("p", "d").ok());
  Table table;
  table.ref = {"p", "d", "t"};
  TableFieldSchema s;
  s.name = "s";
  s.type = FieldType::kString;
  table.schema.fields = {s};
  ASSERT_TRUE(rest_->InsertTable(table).ok());
  auto descriptor = BuildRowDescriptor(table.schema);
  ASSERT_TRUE(descriptor.ok());

  StorageWriterOptions options;
  options.endpoint = emulator_->grpc_endpoint();
  auto storage = StorageWriter::Create(options);
  ASSERT_TRUE(storage.ok());
  std::vector<std::string> rows;
  for (int i = 0; i < 10; ++i) {
    std::string text = (i == 2 || i == 5 || i == 7) ? std::string("\xff\xfe", 2) : "ok";
    std::string row = "\x0a";  // field 1, length-delimited.
    row += static_cast<char>(text.size());
    row += text;
    rows.push_back(row);
  }
  auto results = (*storage)->Append(table.ref, *descriptor, rows);
  ASSERT_TRUE(results.ok()) << results.status();
  for (int i = 0; i < 10; ++i) {
    if (i == 2 || i == 5 || i == 7) {
      EXPECT_EQ((*results)[i].status, WriteStatus::kRejected) << i;
      EXPECT_THAT((*results)[i].reason, HasSubstr("BigQuery rejected the row"));
    } else {
      EXPECT_EQ((*results)[i].status, WriteStatus::kDelivered) << i << (*results)[i].reason;
    }
  }
  EXPECT_EQ(ReadAll(table.ref).size(), 7u);
}

TEST_F(WriterTest, UnreachableStorageEndpointGivesRetriableResultsAfterRetries) {
  ASSERT_TRUE(rest_->InsertDataset("p", "d").ok());
  Table table;
  table.ref = {"p", "d", "t"};
  TableFieldSchema s;
  s.name = "s";
  s.type = FieldType::kString;
  table.schema.fields = {s};
  auto descriptor = BuildRowDescriptor(table.schema);
  ASSERT_TRUE(descriptor.ok());
  StorageWriterOptions options;
  options.endpoint = "127.0.0.1:1";  // nothing listens there.
  options.retries = 2;
  options.retry_wait = absl::Milliseconds(10);
  auto storage = StorageWriter::Create(options);
  ASSERT_TRUE(storage.ok());
  std::vector<std::string> rows = {std::string("\x0a\x02ok", 4)};
  auto results = (*storage)->Append(table.ref, *descriptor, rows);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kRetriable);
  EXPECT_THAT((*results)[0].reason, HasSubstr("after 3 attempt(s)"));
}

}  // namespace
}  // namespace ferry::bigquery

namespace ferry::bigquery {
namespace {

// Schemaless JSON (JsonConverter, schemas.enable=false): the table is created
// from the values, unlike kcbq, which needs a hand-made table.
TEST_F(WriterTest, SchemalessRecordsCreateTheirTableByInference) {
  auto props = Props();
  props["topic2TableMap"] = "serverlog.member:inferred";
  props.erase("timestampPartitionFieldName");
  props.erase("clusteringPartitionFieldNames");
  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  std::vector<SinkRecord> records(3);
  for (int i = 0; i < 3; ++i) {
    records[i].topic = "serverlog.member";
    records[i].offset = i;
  }
  records[0].value = Map{{"id", "a"}, {"n", 1}, {"tags", Array{"x"}}, {"maybe", Value()}};
  records[1].value = Map{{"id", "b"}, {"n", 2.5}, {"nested", Map{{"ok", true}}}};
  records[2].value = Map{{"id", 7}};  // an id of another type than the others'.
  auto results = writer->Write(Pointers(records));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kDelivered) << (*results)[0].reason;
  EXPECT_EQ((*results)[1].status, WriteStatus::kDelivered) << (*results)[1].reason;
  EXPECT_EQ((*results)[2].status, WriteStatus::kRejected);
  EXPECT_THAT((*results)[2].reason, HasSubstr("id"));

  auto table = rest_->GetTable({"p", "serverlog", "inferred"});
  ASSERT_TRUE(table.ok()) << table.status();
  std::map<std::string, FieldType> types;
  for (const TableFieldSchema& f : table->schema.fields) types[f.name] = f.type;
  EXPECT_EQ(types["id"], FieldType::kString);
  EXPECT_EQ(types["n"], FieldType::kFloat);  // INTEGER and FLOAT merge to FLOAT.
  EXPECT_EQ(types["nested"], FieldType::kRecord);
  EXPECT_EQ(types.count("maybe"), 0u);  // only nulls: no column until a value shows its type.
  EXPECT_EQ(ReadAll(table->ref).size(), 2u);
}

TEST_F(WriterTest, NewFieldsExtendTheTableOnlyWhenAllowed) {
  const Table table = CreateEvolving(FieldType::kString);
  std::vector<SinkRecord> records = SchemalessRecords(2);
  records[0].value = Map{{"id", "a"}};
  records[1].value = Map{{"id", "b"}, {"extra", 42}};

  auto props = Props();
  props["topic2TableMap"] = "serverlog.member:evolving";
  props.erase("kafkaDataFieldName");
  auto strict = Writer(props);
  auto results = strict->Write(Pointers(records));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kDelivered);
  EXPECT_EQ((*results)[1].status, WriteStatus::kRejected);

  props["allowNewBigQueryFields"] = "true";
  auto evolving = Writer(props);
  records[0].offset = records[1].offset = 10;
  results = evolving->Write(Pointers(records));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kDelivered) << (*results)[0].reason;
  EXPECT_EQ((*results)[1].status, WriteStatus::kDelivered) << (*results)[1].reason;
  auto after = rest_->GetTable(table.ref);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->schema.fields.size(), 2u);
  EXPECT_EQ(after->schema.fields[1].name, "extra");
  EXPECT_EQ(after->schema.fields[1].type, FieldType::kInteger);
  EXPECT_EQ(after->schema.fields[1].mode, FieldMode::kNullable);
  EXPECT_EQ(ReadAll(table.ref).size(), 3u);
}

// ferry replay --dry-run: what would happen, with nothing created, patched
// or appended.
TEST_F(WriterTest, DryRunTellsWhatWouldHappenAndChangesNothing) {
  auto dry_writer = [&](std::map<std::string, std::string> props) {
    auto settings = ParseBigQuerySinkSettings(props);
    EXPECT_TRUE(settings.ok()) << settings.status();
    settings->dry_run = true;
    auto writer = CreateBigQuerySinkWriter(*settings, nullptr);
    EXPECT_TRUE(writer.ok()) << writer.status();
    // No exactly-once state: a checkpoint request would fail the test.
    (*writer)->SetCheckpoint([](const std::vector<TopicPartition>&) {
      ADD_FAILURE() << "a dry run asked for a checkpoint";
      return absl::InternalError("dry run");
    });
    EXPECT_TRUE((*writer)->Open({{TopicPartition{"serverlog.member", 0}, "garbage"}}).ok());
    return *std::move(writer);
  };
  // A missing table: would be created (autoCreateTables), or a task-level error.
  std::vector<SinkRecord> events = {Event(0, "id-0", Timestamp{1714557600000000}, nullptr)};
  auto results = dry_writer(Props())->Write(Pointers(events));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kDelivered);
  EXPECT_THAT((*results)[0].reason, HasSubstr("would be created"));
  EXPECT_TRUE(absl::IsNotFound(rest_->GetTable({"p", "serverlog", "serverlog_member"}).status()));
  auto props = Props();
  props["autoCreateTables"] = "false";
  EXPECT_TRUE(absl::IsNotFound(dry_writer(props)->Write(Pointers(events)).status()));

  // An existing table: fits, fits after an allowed update, never fits.
  const Table table = CreateEvolving(FieldType::kInteger);
  std::vector<SinkRecord> records = SchemalessRecords(3);
  records[0].value = Map{{"id", 1}};
  records[1].value = Map{{"id", 2}, {"extra", "x"}};
  records[2].value = Map{{"id", "not a number"}};
  props = Props();
  props["topic2TableMap"] = "serverlog.member:evolving";
  props.erase("kafkaDataFieldName");
  props["allowNewBigQueryFields"] = "true";
  results = dry_writer(props)->Write(Pointers(records));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status, WriteStatus::kDelivered);
  EXPECT_EQ((*results)[1].status, WriteStatus::kDelivered);
  EXPECT_THAT((*results)[1].reason, HasSubstr("schema update"));
  EXPECT_EQ((*results)[2].status, WriteStatus::kRejected);
  EXPECT_EQ((*results)[2].location, "id");
  props["allowNewBigQueryFields"] = "false";
  results = dry_writer(props)->Write(Pointers(records));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[1].status, WriteStatus::kRejected);
  EXPECT_THAT((*results)[1].reason, HasSubstr("allowNewBigQueryFields"));
  // Nothing was written or patched.
  EXPECT_TRUE(ReadAll(table.ref).empty());
  auto after = rest_->GetTable(table.ref);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->schema.fields.size(), 1u);
}

TEST_F(WriterTest, InsertAllWritesWithKcbqInsertIds) {
  auto props = Props();
  props["useStorageWriteApi"] = "false";
  auto writer = Writer(props);
  ASSERT_NE(writer, nullptr);
  std::vector<SinkRecord> records;
  for (int i = 0; i < 50; ++i) {
    records.push_back(
        Event(i, "id-" + std::to_string(i), Timestamp{1714557600000000 + i}, R"({"k":1})"));
  }
  records[7] = Event(7, "id-7", Timestamp{1714557600000000}, "{broken");
  auto results = writer->Write(Pointers(records));
  ASSERT_TRUE(results.ok()) << results.status();
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ((*results)[i].status, i == 7 ? WriteStatus::kRejected : WriteStatus::kDelivered)
        << i << " " << (*results)[i].reason;
  }
  // The same records again (a redelivery): insertIds de-duplicate them.
  results = writer->Write(Pointers(records));
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(ReadAll({"p", "serverlog", "serverlog_member"}).size(), 49u);
}

}  // namespace
}  // namespace ferry::bigquery
