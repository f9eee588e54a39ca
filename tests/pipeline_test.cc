// The whole pipeline against the embedded Kafka and the BigQuery emulator:
// every produced CloudEvent lands in serverlog.serverlog_kafka exactly once
// with the right column values, whichever binding mode it arrived in, and a
// stop in mid-stream followed by a restart loses nothing.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/match.h"
#include "tests/component_env.h"

namespace ferry::testing {
namespace {

std::optional<std::string> HeaderOf(const RawRecord& r, const std::string& key) {
  for (const auto& [k, v] : r.headers) {
    if (k == key) return v;
  }
  return std::nullopt;
}

// What a row must hold for one Kafka record, derived from the raw record
// independently of ferry's converter.
struct Expected {
  std::string id, source, type, subject, specversion, time, datacontenttype;
  nlohmann::json data;
  nlohmann::json extensions;
  const RawRecord* raw = nullptr;
};

Expected ExpectedOf(const RawRecord& r) {
  Expected e;
  e.raw = &r;
  std::string ct = HeaderOf(r, "content-type").value_or("");
  if (absl::StartsWith(ct, "application/cloudevents+json")) {
    nlohmann::json j = nlohmann::json::parse(*r.value);
    e.id = j["id"];
    e.source = j["source"];
    e.type = j["type"];
    e.subject = j["subject"];
    e.specversion = j["specversion"];
    e.time = j["time"];
    e.datacontenttype = j["datacontenttype"];
    e.data = j["data"];
    e.extensions = {{"partitionkey", j["partitionkey"]}};
  } else {
    e.id = *HeaderOf(r, "ce_id");
    e.source = *HeaderOf(r, "ce_source");
    e.type = *HeaderOf(r, "ce_type");
    e.subject = *HeaderOf(r, "ce_subject");
    e.specversion = *HeaderOf(r, "ce_specversion");
    e.time = *HeaderOf(r, "ce_time");
    e.datacontenttype = ct;
    e.data = nlohmann::json::parse(*r.value);
    e.extensions = {{"partitionkey", *HeaderOf(r, "ce_partitionkey")}};
  }
  return e;
}

// "2026-11-01T10:11:12.345Z" → micros since the epoch.
int64_t Micros(const std::string& rfc3339) {
  std::tm tm{};
  strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  int64_t secs = timegm(&tm);
  int ms = std::stoi(rfc3339.substr(20, 3));
  return secs * 1000000 + ms * 1000;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = ComponentEnv::Start({});
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
  }
  std::unique_ptr<ComponentEnv> env_;
};

TEST_F(PipelineTest, EveryEventLandsExactlyOnceWithItsColumns) {
  cli::GeneratorOptions gen;
  gen.count = 20000;
  auto produced = env_->Produce(gen);
  ASSERT_TRUE(produced.ok()) << produced.status();
  ASSERT_EQ(*produced, 20000);

  runtime::WorkerOptions wo;
  wo.stop_when_drained = true;
  auto worker =
      WorkerThread::Start(env_->WorkerProps(), {env_->ServerlogConnector("serverlog")}, wo);
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE((*worker)->Wait().ok());
  EXPECT_EQ((*worker)->Written(), 20000);

  auto records = env_->ReadTopic("serverlog.member");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 20000u);
  std::map<std::string, Expected> expected;
  int structured = 0;
  for (const RawRecord& r : *records) {
    Expected e = ExpectedOf(r);
    if (absl::StartsWith(HeaderOf(r, "content-type").value_or(""), "application/cloudevents")) {
      ++structured;
    }
    ASSERT_TRUE(expected.emplace(e.id, e).second) << "duplicate id produced: " << e.id;
  }
  ASSERT_GT(structured, 1000);

  auto rows = env_->ReadTable("serverlog", "serverlog_kafka");
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 20000u);
  std::set<std::string> seen;
  for (const nlohmann::json& row : *rows) {
    std::string id = row["ce_id"];
    ASSERT_TRUE(seen.insert(id).second) << "row twice: " << id;
    auto it = expected.find(id);
    ASSERT_NE(it, expected.end()) << "row for an event never produced: " << id;
    const Expected& e = it->second;
    EXPECT_EQ(row["ce_source"], e.source);
    EXPECT_EQ(row["ce_type"], e.type);
    EXPECT_EQ(row["ce_subject"], e.subject);
    EXPECT_EQ(row["ce_specversion"], e.specversion);
    EXPECT_EQ(row["ce_datacontenttype"], e.datacontenttype);
    // TIMESTAMP column, read back as int64 micros.
    EXPECT_EQ(std::stoll(row["ce_time"].get<std::string>()), Micros(e.time)) << e.time;
    EXPECT_EQ(nlohmann::json::parse(row["data"].get<std::string>()), e.data);
    EXPECT_EQ(nlohmann::json::parse(row["ce_extensions"].get<std::string>()), e.extensions);
    const nlohmann::json& k = row["kafka"];
    EXPECT_EQ(k["topic"], "serverlog.member");
    EXPECT_EQ(std::stoll(k["partition"].get<std::string>()), e.raw->partition);
    EXPECT_EQ(std::stoll(k["offset"].get<std::string>()), e.raw->offset);
    EXPECT_EQ(std::stoll(k["timestamp"].get<std::string>()), e.raw->timestamp_ms * 1000);
    EXPECT_EQ(k["key"], *e.raw->key);
  }
  EXPECT_EQ(seen.size(), expected.size());
}

TEST_F(PipelineTest, StopMidStreamAndRestartLosesNothing) {
  cli::GeneratorOptions gen;
  gen.count = 60000;
  auto produced = env_->Produce(gen);
  ASSERT_TRUE(produced.ok()) << produced.status();

  auto connector = env_->ServerlogConnector("serverlog-restart");
  connector["ferry.task.max.poll.records"] = "500";  // many small batches
  {
    auto first = WorkerThread::Start(env_->WorkerProps(), {connector}, {});
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_TRUE(
        (*first)->WaitUntil([&] { return (*first)->Written() >= 10000; }, absl::Seconds(60)));
    (*first)->Stop();
    ASSERT_TRUE((*first)->Wait().ok());
    ASSERT_LT((*first)->Written(), 60000) << "stopped too late to test a restart";
  }
  runtime::WorkerOptions wo;
  wo.stop_when_drained = true;
  auto second = WorkerThread::Start(env_->WorkerProps(), {connector}, wo);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE((*second)->Wait().ok());

  auto rows = env_->ReadTable("serverlog", "serverlog_kafka");
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::map<std::string, int> count;
  for (const nlohmann::json& row : *rows) ++count[row["ce_id"].get<std::string>()];
  auto records = env_->ReadTopic("serverlog.member");
  ASSERT_TRUE(records.ok());
  int missing = 0;
  for (const RawRecord& r : *records) {
    if (!count.count(ExpectedOf(r).id)) ++missing;
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(count.size(), 60000u);
  // A clean stop commits what was written before leaving the group, so the
  // restart re-writes nothing.
  EXPECT_EQ(rows->size(), 60000u);
}

// Two exactly-once runs of one connector, each until drained, against a
// Storage Write server that sends no StorageError details: the second run
// must not append to the streams the first one finalized at its clean stop
// (its final commit says where they ended), nor stall or restart.
TEST(PipelineRunsTest, ASecondExactlyOnceRunAfterACleanStopDoesNotStall) {
  ComponentEnv::Options options;
  options.storage_error_details = false;
  auto env = ComponentEnv::Start(options);
  ASSERT_TRUE(env.ok()) << env.status();
  const auto connector = (*env)->ServerlogConnector("serverlog-twice");
  for (uint64_t run = 0; run < 2; ++run) {
    cli::GeneratorOptions gen;
    gen.count = 5000;
    gen.seed = 42 + run;  // other ids in the second run.
    auto produced = (*env)->Produce(gen);
    ASSERT_TRUE(produced.ok()) << produced.status();
    runtime::WorkerOptions wo;
    wo.stop_when_drained = true;
    auto worker = WorkerThread::Start((*env)->WorkerProps(), {connector}, wo);
    ASSERT_TRUE(worker.ok()) << worker.status();
    const bool drained =
        (*worker)->WaitUntil([&] { return (*worker)->Written() >= 5000; }, absl::Seconds(120));
    if (!drained) (*worker)->Stop();
    ASSERT_TRUE(drained) << "run " << run << " wrote " << (*worker)->Written() << " of 5000";
    ASSERT_TRUE((*worker)->Wait().ok()) << "run " << run;
    EXPECT_EQ((*worker)->Written(), 5000) << "run " << run;
    for (const auto& c : (*worker)->worker().Status()) {
      for (const auto& t : c.tasks) EXPECT_EQ(t.restarts, 0) << "run " << run << ": " << t.trace;
    }
  }
  auto ids = (*env)->ReadColumn("serverlog", "serverlog_kafka", "ce_id");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(ids->size(), 10000u);
  EXPECT_EQ(std::set<std::string>(ids->begin(), ids->end()).size(), 10000u);
}

TEST_F(PipelineTest, RebalanceMidStreamCommitsBeforeLettingGo) {
  cli::GeneratorOptions gen;
  gen.count = 150000;
  ASSERT_TRUE(env_->Produce(gen).ok());
  auto connector = env_->ServerlogConnector("serverlog-rebalance");
  connector["tasks.max"] = "1";
  connector["ferry.task.max.poll.records"] = "500";
  auto a = WorkerThread::Start(env_->WorkerProps(), {connector}, {});
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE((*a)->WaitUntil([&] { return (*a)->Written() >= 10000; }, absl::Seconds(60)));
  // A second worker joins the group: the first must commit what it wrote
  // before its partitions move, or the newcomer writes them again.
  auto b = WorkerThread::Start(env_->WorkerProps(), {connector}, {});
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE((*a)->WaitUntil([&] { return (*a)->Written() + (*b)->Written() >= 150000; },
                              absl::Seconds(120)));
  (*a)->Stop();
  (*b)->Stop();
  ASSERT_TRUE((*a)->Wait().ok());
  ASSERT_TRUE((*b)->Wait().ok());
  EXPECT_GT((*b)->Written(), 0) << "the second worker never got partitions";
  EXPECT_EQ((*a)->Written() + (*b)->Written(), 150000);
  auto rows = env_->ReadTable("serverlog", "serverlog_kafka");
  ASSERT_TRUE(rows.ok()) << rows.status();
  std::set<std::string> ids;
  for (const nlohmann::json& row : *rows) ids.insert(row["ce_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 150000u);
  EXPECT_EQ(rows->size(), 150000u);
}

}  // namespace
}  // namespace ferry::testing
