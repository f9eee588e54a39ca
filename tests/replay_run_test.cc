// Replay of a dead-letter queue end to end, against the embedded Kafka and the
// BigQuery emulator. Events carry a field the table does not have, so BigQuery
// rejects them into the DLQ and a Slack alert fires; once the connector allows
// new fields, `ferry replay` loads them, the counts reconcile, and the replay's
// consumer group ends at the end of the DLQ. Also: dry runs, filters, records
// that fail again, and a replay of the replay's own DLQ.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "alert/clock.h"
#include "alert/testing/webhook_receiver.h"
#include "bigquery/rest_client.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "replay/dlq_entry.h"
#include "replay/replayer.h"
#include "tests/component_env.h"

namespace ferry::testing {
namespace {

using Props = std::map<std::string, std::string>;

constexpr char kTopic[] = "events";
constexpr char kDlq[] = "events-dlq";
constexpr char kConnector[] = "events-sink";
constexpr char kSlackPath[] = "/services/T0FERRY/B0FERRY/replaySecretToken";
constexpr int kEvents = 1000;
constexpr int64_t kTimestamp = 1764000000000;

// Every 10th event has a "country" field the table lacks; every 25th (when
// asked) is not JSON at all.
bool HasNewField(int i) { return i % 10 == 3; }
bool Malformed(int i) { return i % 25 == 7; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The count in a summary table's row ("loaded   100  100" → the last number).
int64_t SummaryCount(const std::string& table, const std::string& row) {
  for (absl::string_view line : absl::StrSplit(table, '\n')) {
    if (!absl::StartsWith(line, row + " ")) continue;
    std::vector<std::string> cells = absl::StrSplit(line, ' ', absl::SkipEmpty());
    std::string last = cells.back();
    last.erase(std::remove(last.begin(), last.end(), ','), last.end());
    return std::stoll(last);
  }
  return -1;
}

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = ComponentEnv::Start({.topics = {std::string(kTopic) + ":2"}});
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    auto rest = env_->Rest();
    ASSERT_TRUE(rest.ok()) << rest.status();
    rest_ = std::move(*rest);
    // A table with a fixed schema: schemaless JSON records go into it.
    ASSERT_TRUE(env_->CreateTable("d", "events",
                                  {Column("id", bigquery::FieldType::kInteger,
                                          bigquery::FieldMode::kRequired),
                                   Column("name", bigquery::FieldType::kString)})
                    .ok());
  }

  Props Connector(bool allow_new_fields) const {
    return {
        {"name", kConnector},
        {"connector.class", "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector"},
        {"tasks.max", "1"},
        {"topics", kTopic},
        {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"value.converter", "org.apache.kafka.connect.json.JsonConverter"},
        {"value.converter.schemas.enable", "false"},
        {"project", "ferry-local"},
        {"defaultDataset", "d"},
        {"autoCreateTables", "false"},
        {"allowNewBigQueryFields", allow_new_fields ? "true" : "false"},
        {"errors.tolerance", "all"},
        {"errors.deadletterqueue.topic.name", kDlq},
        {"errors.deadletterqueue.context.headers.enable", "true"},
        {"ferry.bigquery.rest.endpoint", env_->bigquery().rest_endpoint()},
        {"ferry.bigquery.storage.endpoint", env_->bigquery().grpc_endpoint()},
    };
  }

  Props Worker() const {
    Props w = env_->WorkerProps();
    w["offset.flush.interval.ms"] = "200";
    return w;
  }

  void Produce(bool with_malformed) {
    auto producer = kafka::Producer::Create({{"bootstrap.servers", env_->bootstrap()}});
    ASSERT_TRUE(producer.ok()) << producer.status();
    for (int i = 0; i < kEvents; ++i) {
      kafka::ProducerRecord r;
      r.topic = kTopic;
      r.partition = i % 2;
      r.key = absl::StrCat("k-", i);
      r.value = absl::StrCat(R"({"id":)", i, R"(,"name":"e)", i, "\"",
                             HasNewField(i) ? R"(,"country":"NL")" : "", "}");
      if (with_malformed && Malformed(i)) r.value = absl::StrCat(R"({"id":)", i, ",");
      r.timestamp_ms = kTimestamp + i;
      r.headers = {{"trace", absl::StrCat("t-", i)}};
      ASSERT_TRUE((*producer)->Send(r).ok());
    }
    ASSERT_TRUE((*producer)->Flush(30000).ok());
  }

  int64_t Committed(const std::string& group, const std::string& topic) {
    auto n = kafka::PartitionCount(env_->bootstrap(), topic);
    if (!n.ok()) return -2;
    auto offsets = kafka::CommittedOffsets(env_->bootstrap(), group, topic, *n);
    if (!offsets.ok()) return -2;
    int64_t sum = 0;
    for (const auto& [p, o] : *offsets) sum += std::max<int64_t>(o, 0);
    return sum;
  }

  // The DLQ's end offsets summed, and whether the group is at each one.
  bool GroupAtEnd(const std::string& group, const std::string& topic) {
    auto n = kafka::PartitionCount(env_->bootstrap(), topic);
    if (!n.ok()) return false;
    auto offsets = kafka::CommittedOffsets(env_->bootstrap(), group, topic, *n);
    auto marks = kafka::Watermarks(env_->bootstrap(), topic, *n);
    if (!offsets.ok() || !marks.ok()) return false;
    for (const auto& [p, mark] : *marks) {
      const int64_t committed = offsets->at(p);
      if (mark.second > 0 ? committed != mark.second : committed > 0) return false;
    }
    return true;
  }

  // Runs the connector in-process until every event is resolved.
  void FillDlq(bool with_malformed) {
    Produce(with_malformed);
    auto worker = WorkerThread::Start(Worker(), {Connector(false)}, {});
    ASSERT_TRUE(worker.ok()) << worker.status();
    ASSERT_TRUE((*worker)->WaitUntil(
        [&] { return Committed("connect-events-sink", kTopic) == kEvents; }, absl::Seconds(90)));
    (*worker)->Stop();
    ASSERT_TRUE((*worker)->Wait().ok());
  }

  std::multiset<int64_t> Ids() {
    auto column = env_->ReadColumn("d", "events", "id");
    EXPECT_TRUE(column.ok()) << column.status();
    std::multiset<int64_t> ids;
    if (column.ok()) {
      for (const std::string& v : *column) ids.insert(std::stoll(v));
    }
    return ids;
  }

  absl::StatusOr<replay::ReplayReport> Replay(replay::ReplayOptions options) {
    options.worker_props = Worker();
    if (options.connector.props.empty()) options.connector = {kConnector, Connector(true)};
    auto r = replay::Replay::Create(std::move(options));
    if (!r.ok()) return r.status();
    return (*r)->Run();
  }

  std::unique_ptr<ComponentEnv> env_;
  std::unique_ptr<bigquery::RestClient> rest_;
};

std::multiset<int64_t> Range(int from, int to, const std::function<bool(int)>& keep) {
  std::multiset<int64_t> out;
  for (int i = from; i < to; ++i) {
    if (keep(i)) out.insert(i);
  }
  return out;
}

// The issue's end-to-end run, through the `ferry` binary as a user runs it.
TEST_F(ReplayTest, RejectedFieldToDlqAndAlertThenReplayCompletesTheTable) {
  Produce(/*with_malformed=*/false);
  alert::testing::Receiver slack(&alert::RealClock());
  // The webhook URL is a secret: the connector names it through ${env:...}.
  ASSERT_EQ(setenv("FERRY_TEST_SLACK_WEBHOOK", slack.Url(kSlackPath).c_str(), 1), 0);

  const std::string dir = ::testing::TempDir() + "replay_e2e_" + std::to_string(getpid()) + "/";
  std::filesystem::create_directories(dir);
  Props connector = Connector(/*allow_new_fields=*/false);
  connector["ferry.alert.slack.webhook.url"] = "${env:FERRY_TEST_SLACK_WEBHOOK}";
  connector["ferry.alert.dlq.threshold"] = "10";
  WriteProperties(dir + "worker.properties", Worker());
  WriteProperties(dir + "connector.properties", connector);
  const std::string log = dir + "ferry.log";
  {
    FerryProcess run({FERRY_BINARY, "standalone", dir + "worker.properties",
                      dir + "connector.properties", "--until-drained"},
                     log);
    ASSERT_TRUE(run.started());
    ASSERT_EQ(run.Wait(std::chrono::seconds(120)), 0) << ReadFile(log);
  }
  // 900 rows; the 100 events with the new field are in the DLQ.
  EXPECT_EQ(Ids(), Range(0, kEvents, [](int i) { return !HasNewField(i); }));
  auto dlq = env_->ReadTopic(kDlq);
  ASSERT_TRUE(dlq.ok()) << dlq.status();
  ASSERT_EQ(dlq->size(), 100u);
  for (const RawRecord& r : *dlq) {
    auto entry = replay::ParseDlqRecord(r);
    ASSERT_TRUE(entry.ok()) << entry.status();
    EXPECT_EQ(entry->stage_name, "TASK_PUT");
    EXPECT_EQ(entry->bigquery_location, "country");
  }
  // The alert fired, in Slack's format, and the URL never reached the log.
  ASSERT_TRUE(slack.WaitFor(1));
  auto posts = slack.received(kSlackPath);
  ASSERT_FALSE(posts.empty());
  auto body = nlohmann::json::parse(posts[0].body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << posts[0].body;
  EXPECT_TRUE(body["blocks"].is_array());
  EXPECT_TRUE(absl::StrContains(body["text"].get<std::string>(), "dead-letter queue"))
      << posts[0].body;
  EXPECT_FALSE(absl::StrContains(ReadFile(log), "replaySecretToken"));

  // The schema change is allowed now: replay.
  WriteProperties(dir + "fixed.properties", Connector(/*allow_new_fields=*/true));
  const std::string replay_log = dir + "replay.log";
  {
    FerryProcess replay(
        {FERRY_BINARY, "replay", dir + "worker.properties", dir + "fixed.properties"}, replay_log);
    ASSERT_TRUE(replay.started());
    ASSERT_EQ(replay.Wait(std::chrono::seconds(120)), 0) << ReadFile(replay_log);
  }
  const std::string output = ReadFile(replay_log);
  EXPECT_EQ(SummaryCount(output, "loaded"), 100) << output;
  EXPECT_EQ(SummaryCount(output, "failed again"), 0) << output;
  // Counts reconcile: every event exactly once, the replayed ones complete.
  EXPECT_EQ(Ids(), Range(0, kEvents, [](int) { return true; }));
  auto countries = env_->ReadColumn("d", "events", "country");
  ASSERT_TRUE(countries.ok()) << countries.status();
  EXPECT_EQ(std::count(countries->begin(), countries->end(), "NL"), 100);
  EXPECT_TRUE(GroupAtEnd("ferry-replay-events-sink", kDlq));
  EXPECT_FALSE(kafka::PartitionCount(env_->bootstrap(), std::string(kDlq) + ".replay").ok() &&
               !env_->ReadTopic(std::string(kDlq) + ".replay")->empty());

  // Run again: the group is at the end, nothing is loaded twice.
  const std::string again_log = dir + "again.log";
  {
    FerryProcess again(
        {FERRY_BINARY, "replay", dir + "worker.properties", dir + "fixed.properties"}, again_log);
    ASSERT_EQ(again.Wait(std::chrono::seconds(120)), 0) << ReadFile(again_log);
  }
  EXPECT_EQ(SummaryCount(ReadFile(again_log), "total"), 0) << ReadFile(again_log);
  EXPECT_EQ(Ids().size(), static_cast<size_t>(kEvents));
}

TEST_F(ReplayTest, DryRunReportsAndChangesNothing) {
  FillDlq(/*with_malformed=*/false);
  const auto before = Ids();
  replay::ReplayOptions options;
  options.dry_run = true;
  auto fixed = Replay(options);
  ASSERT_TRUE(fixed.ok()) << fixed.status();
  EXPECT_EQ(fixed->offsets_to_go, 100);
  EXPECT_EQ(fixed->summary.Count(replay::ReplayOutcome::kLoaded), 100);
  EXPECT_EQ(fixed->summary.Count(replay::ReplayOutcome::kFailedAgain), 0);
  EXPECT_TRUE(absl::StrContains(fixed->summary.RenderTable({.dry_run = true}), "would load"));

  options.connector = {kConnector, Connector(/*allow_new_fields=*/false)};
  auto unfixed = Replay(options);
  ASSERT_TRUE(unfixed.ok()) << unfixed.status();
  EXPECT_EQ(unfixed->summary.Count(replay::ReplayOutcome::kFailedAgain), 100);
  EXPECT_EQ(unfixed->summary.Count(replay::ReplayOutcome::kLoaded), 0);

  // Nothing written, patched, sent or committed.
  EXPECT_EQ(Ids(), before);
  auto table = rest_->GetTable({"ferry-local", "d", "events"});
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->schema.fields.size(), 2u);
  EXPECT_EQ(Committed("ferry-replay-events-sink", kDlq), 0);
  auto replay_dlq = kafka::PartitionCount(env_->bootstrap(), std::string(kDlq) + ".replay");
  if (replay_dlq.ok()) {
    EXPECT_TRUE(env_->ReadTopic(std::string(kDlq) + ".replay")->empty());
  }
}

TEST_F(ReplayTest, RecordsThatFailAgainGoToTheReplayDlqAndCanBeReplayedFromThere) {
  FillDlq(/*with_malformed=*/false);
  replay::ReplayOptions options;
  options.connector = {kConnector, Connector(/*allow_new_fields=*/false)};  // not fixed yet.
  auto report = Replay(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->summary.Count(replay::ReplayOutcome::kFailedAgain), 100);
  EXPECT_EQ(report->dlq_topic, "events-dlq.replay");
  EXPECT_TRUE(GroupAtEnd("ferry-replay-events-sink", kDlq));

  // Each one with the new failure, its original position, bytes and headers.
  auto again = env_->ReadTopic("events-dlq.replay");
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->size(), 100u);
  std::set<std::pair<int32_t, int64_t>> positions;
  for (const RawRecord& r : *again) {
    auto entry = replay::ParseDlqRecord(r);
    ASSERT_TRUE(entry.ok()) << entry.status();
    EXPECT_EQ(entry->original.topic, kTopic);
    EXPECT_EQ(entry->stage_name, "TASK_PUT");
    EXPECT_EQ(entry->bigquery_location, "country");
    EXPECT_TRUE(absl::StrContains(entry->message, "allowNewBigQueryFields")) << entry->message;
    const int i = static_cast<int>(2 * entry->original.offset + entry->original.partition);
    EXPECT_TRUE(HasNewField(i)) << i;
    EXPECT_EQ(entry->original.key, absl::StrCat("k-", i));
    EXPECT_EQ(entry->original.timestamp_ms, kTimestamp + i);
    ASSERT_EQ(entry->original.headers.size(), 1u);
    EXPECT_EQ(entry->original.headers[0].second, absl::StrCat("t-", i));
    positions.insert({entry->original.partition, entry->original.offset});
  }
  EXPECT_EQ(positions.size(), 100u);

  // Fixed: the replay's DLQ replays like any other.
  options.connector = {kConnector, Connector(/*allow_new_fields=*/true)};
  options.source_topic = "events-dlq.replay";
  options.dlq_topic = "events-dlq.replay2";
  auto second = Replay(options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->summary.Count(replay::ReplayOutcome::kLoaded), 100);
  EXPECT_EQ(Ids(), Range(0, kEvents, [](int) { return true; }));
}

TEST_F(ReplayTest, FiltersSelectAndTheRestIsPassedOver) {
  FillDlq(/*with_malformed=*/true);
  auto dlq = env_->ReadTopic(kDlq);
  ASSERT_TRUE(dlq.ok());
  const int malformed = static_cast<int>(Range(0, kEvents, Malformed).size());
  const int rejected = static_cast<int>(
      Range(0, kEvents, [](int i) { return HasNewField(i) && !Malformed(i); }).size());
  ASSERT_EQ(dlq->size(), static_cast<size_t>(malformed + rejected));

  // A record that is no dead-letter record (no context headers) is passed over.
  {
    auto producer = kafka::Producer::Create({{"bootstrap.servers", env_->bootstrap()}});
    ASSERT_TRUE(producer.ok());
    kafka::ProducerRecord stray;
    stray.topic = kDlq;
    stray.value = "not from a dead-letter queue reporter";
    ASSERT_TRUE((*producer)->Send(stray).ok());
    ASSERT_TRUE((*producer)->Flush(30000).ok());
  }

  replay::ReplayOptions options;
  auto filter = replay::ParseReplayFilter({.stages = {"TASK_PUT"}});
  ASSERT_TRUE(filter.ok());
  options.filter = *filter;
  auto report = Replay(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->summary.Count(replay::ReplayOutcome::kLoaded), rejected);
  EXPECT_EQ(report->summary.Count(replay::ReplayOutcome::kNotSelected), malformed);
  EXPECT_EQ(report->summary.Count(replay::ReplayOutcome::kUnreadable), 1);
  EXPECT_EQ(report->summary.CountForStage(replay::ReplayOutcome::kNotSelected, "VALUE_CONVERTER"),
            malformed);
  EXPECT_TRUE(GroupAtEnd("ferry-replay-events-sink", kDlq));
  EXPECT_EQ(Ids(), Range(0, kEvents, [](int i) { return !Malformed(i); }));
}

TEST_F(ReplayTest, RefusesToReplayIntoItself) {
  replay::ReplayOptions options;
  options.worker_props = Worker();
  options.connector = {kConnector, Connector(true)};
  options.dlq_topic = kDlq;
  auto r = replay::Replay::Create(options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  options.dlq_topic = kTopic;
  r = replay::Replay::Create(options);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  options.dlq_topic.clear();
  options.connector.props.erase("errors.deadletterqueue.topic.name");
  r = replay::Replay::Create(options);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "--source-topic")) << r.status();
}

}  // namespace
}  // namespace ferry::testing
