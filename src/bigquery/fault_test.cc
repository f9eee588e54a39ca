// Fault tests of the BigQuery writer against the emulator's fault injection
// (src/emulator/faults.h). For each write mode (exactly_once, default_stream,
// insertAll) and each fault class that applies to it, the test plays the
// task's part as exactly_once_test.cc does: it writes the records of two
// partitions (2,000; 1,000 through insertAll) in batches, writes the
// kRetriable ones again, commits offsets with the writer's metadata, and
// moves the partitions to a new writer half way (Close, then Open from the
// committed metadata). Then it reads the table back through tabledata.list:
// every record must be there, exactly once in exactly_once mode; in the
// at-least-once modes a record may be there more than once only when the
// fault can cause it (an append that persisted but whose response was lost),
// and only in the batch the fault hit.
//
// Retries are bounded by bigQueryRetry / bigQueryRetryWait: a fault the
// writer's retries absorb leaves no kRetriable record; a fault that outlasts
// them leaves kRetriable records (neither a task-level error nor an endless
// loop) after about the configured waits (measured), and the writer recovers
// once the fault clears. Retries are logged (spdlog, captured here).
//
// Cases that show a writer problem are kept, with the reason beside them,
// but instantiated as DISABLED_KnownProblems/... so that they do not run;
// run them with --gtest_also_run_disabled_tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bigquery/bigquery_sink_writer.h"
#include "bigquery/rest_client.h"
#include "bigquery/test_support.h"
#include "emulator/emulator.h"
#include "emulator/faults.h"
#include "record/schema.h"
#include "record/value.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace ferry::bigquery {
namespace {

using emulator::Fault;
using emulator::FaultKind;

enum class Mode { kExactlyOnce, kDefaultStream, kInsertAll };

std::string ModeName(Mode mode) {
  switch (mode) {
    case Mode::kExactlyOnce:
      return "ExactlyOnce";
    case Mode::kDefaultStream:
      return "DefaultStream";
    case Mode::kInsertAll:
      return "InsertAll";
  }
  return "";
}

constexpr char kTopic[] = "serverlog.member";
constexpr int kPartitions = 2;

// How the task cuts the records into batches: `per_batch` records of each
// partition, interleaved as a poll returns them.
struct Workload {
  int64_t per_batch;
  int batches;
  int64_t per_partition() const { return per_batch * batches; }
  int64_t records() const { return kPartitions * per_partition(); }
  int rebalance_before() const { return batches / 2; }
};

Workload WorkloadFor(Mode mode) {
  // insertAll: 40-record batches, so that an insertAll body stays under 4 KB.
  // The emulator answers a REST fault from httplib's pre-routing hook, before
  // the request body is read, and more than about 4 KB of unread body spoils
  // the next request on the keep-alive connection (HTTP 400 or 414). Each
  // emulator REST call takes about 25 ms (its server does not set
  // TCP_NODELAY), hence 1,000 records rather than 2,000.
  if (mode == Mode::kInsertAll) return {20, 25};
  return {125, 8};  // 250-record batches, each several AppendRows requests.
}

// Where in the run a fault is added.
enum class At {
  kFirstBatch,      // before the first Write: dataset and table calls, first streams.
  kSecondBatch,     // on an open connection, streams in place.
  kOnClose,         // before the rebalance's Close (a times = -1 fault is cleared after it).
  kAfterRebalance,  // before the new writer's first Write.
  // Before the new writer's first Write, after a rebalance whose final commit
  // after Close was lost: the new owner meets the streams Close finalized.
  kAfterUnrecordedClose,
};

std::string AtName(At at) {
  switch (at) {
    case At::kFirstBatch:
      return "";
    case At::kSecondBatch:
      return "";
    case At::kOnClose:
      return "_on_close";
    case At::kAfterRebalance:
      return "_after_rebalance";
    case At::kAfterUnrecordedClose:
      return "_after_unrecorded_close";
  }
  return "";
}

// Part of every injected error's message, so that log lines naming the error
// can be told from others.
constexpr char kInjected[] = "fault_test-injected";

std::string CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    default:
      return absl::StrCat(static_cast<int>(code));
  }
}

Fault GrpcError(const std::string& method, grpc::StatusCode code, int64_t times) {
  Fault f;
  f.method = method;
  f.times = times;
  f.kind = FaultKind::kError;
  f.grpc_code = code;
  f.message = absl::StrCat(CodeName(code), ": ", kInjected, " ", method, " failure");
  return f;
}

// An HTTP error with Google's error body and the reason BigQuery gives for the
// status (503 backendError, 500 internalError, 429/403 rateLimitExceeded).
Fault HttpError(const std::string& method, int http_status, int64_t times) {
  Fault f;
  f.method = method;
  f.times = times;
  f.kind = FaultKind::kError;
  f.http_status = http_status;
  f.message = absl::StrCat(kInjected, " ", method, " HTTP ", http_status);
  return f;
}

Fault Latency(const std::string& method, absl::Duration latency, int64_t times) {
  Fault f;
  f.method = method;
  f.times = times;
  f.kind = FaultKind::kLatency;
  f.latency = latency;
  return f;
}

Fault Drop(FaultKind kind, int64_t times) {
  Fault f;
  f.method = "AppendRows";
  f.times = times;
  f.kind = kind;
  return f;
}

std::string FaultName(const Fault& f) {
  const std::string method = absl::StrReplaceAll(f.method, {{".", "_"}});
  switch (f.kind) {
    case FaultKind::kError:
      return emulator::IsGrpcMethod(f.method) ? absl::StrCat(method, "_", CodeName(f.grpc_code))
                                              : absl::StrCat(method, "_HTTP", f.http_status);
    case FaultKind::kLatency:
      return absl::StrCat(method, "_latency");
    case FaultKind::kDropBeforePersist:
      return "AppendRows_drop_before_persist";
    case FaultKind::kDropAfterPersist:
      return "AppendRows_drop_after_persist";
  }
  return method;
}

std::string CaseName(Mode mode, const Fault& fault, const std::string& suffix = "") {
  return absl::StrCat(ModeName(mode), "_", FaultName(fault), suffix);
}

// Cases with a known writer problem (non-empty `known_problem`, the reason
// beside the case) are instantiated as DISABLED_KnownProblems/..., so that
// neither the binary nor ctest runs them; the others as Faults/...
template <typename Case>
std::vector<Case> Select(const std::vector<Case>& cases, bool known_problems) {
  std::vector<Case> out;
  for (const Case& c : cases) {
    if (c.known_problem.empty() != known_problems) out.push_back(c);
  }
  return out;
}

template <typename Case>
std::string ParamName(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

// What the task keeps per partition: the committed offset and metadata.
struct Committed {
  int64_t offset = 0;
  std::string metadata;
};

// One batch written as the task's WriteWithRetry does.
struct TaskStats {
  absl::Status status;     // a task-level error ends the rounds.
  int rounds = 0;          // Write calls.
  int64_t retriable = 0;   // kRetriable results over all rounds.
  int64_t unresolved = 0;  // still kRetriable after the last round.
  std::string last_reason;
};

class WriterFaultTest : public test_support::EmulatorTest {
 protected:
  void SetUp() override {
    EmulatorTest::SetUp();

    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    sink->set_pattern("%l %v");
    auto logger = std::make_shared<spdlog::logger>("fault_test", std::move(sink));
    logger->set_level(spdlog::level::debug);
    previous_logger_ = spdlog::default_logger();
    spdlog::set_default_logger(std::move(logger));
  }

  void TearDown() override {
    spdlog::set_default_logger(previous_logger_);
    if (HasFailure()) {
      std::string text = log_.str();
      if (text.size() > 6000) text = "..." + text.substr(text.size() - 6000);
      std::cerr << "--- writer log ---\n" << text << "--- end of writer log ---\n";
    }
  }

  void Use(Mode mode) {
    mode_ = mode;
    work_ = WorkloadFor(mode);
  }

  int BatchOf(At at) const {
    switch (at) {
      case At::kFirstBatch:
        return 0;
      case At::kSecondBatch:
        return 1;
      case At::kOnClose:
      case At::kAfterRebalance:
      case At::kAfterUnrecordedClose:
        return work_.rebalance_before();
    }
    return 0;
  }

  int64_t BatchRecords() const { return kPartitions * work_.per_batch; }

  std::map<std::string, std::string> Props(int retries, absl::Duration wait) const {
    std::map<std::string, std::string> props = {
        {"project", "p"},
        {"defaultDataset", "d"},
        {"ferry.bigquery.rest.endpoint", emulator_->rest_endpoint()},
        {"ferry.bigquery.storage.endpoint", emulator_->grpc_endpoint()},
        {"topic2TableMap", absl::StrCat(kTopic, ":events")},
        {"bigQueryRetry", std::to_string(retries)},
        {"bigQueryRetryWait", std::to_string(absl::ToInt64Milliseconds(wait))}};
    switch (mode_) {
      case Mode::kExactlyOnce:
        props["ferry.bigquery.write.mode"] = "exactly_once";
        // About 60 rows per request: each partition's rows of a batch take
        // several pipelined requests.
        props["ferry.bigquery.max.request.bytes"] = "1024";
        break;
      case Mode::kDefaultStream:
        props["ferry.bigquery.write.mode"] = "default_stream";
        props["ferry.bigquery.max.request.bytes"] = "1024";
        break;
      case Mode::kInsertAll:
        props["useStorageWriteApi"] = "false";
        props["ferry.bigquery.max.request.bytes"] = "3072";  // see WorkloadFor.
        break;
    }
    return props;
  }

  // A writer for the partitions, opened from what is committed, as a task's.
  std::unique_ptr<SinkWriter> Resume(int retries, absl::Duration wait,
                                     const std::map<std::string, std::string>& overrides = {}) {
    std::map<std::string, std::string> props = Props(retries, wait);
    for (const auto& [key, value] : overrides) props[key] = value;
    auto writer = CreateBigQuerySinkWriter(props);
    EXPECT_TRUE(writer.ok()) << writer.status();
    if (!writer.ok()) return nullptr;
    SinkWriter* raw = writer->get();
    (*writer)->SetCheckpoint([this, raw](const std::vector<TopicPartition>& tps) {
      for (const TopicPartition& tp : tps) Commit(*raw, tp, position_[tp]);
      return absl::OkStatus();
    });
    std::map<TopicPartition, std::string> metadata;
    for (int p = 0; p < kPartitions; ++p) {
      TopicPartition tp{kTopic, p};
      metadata[tp] = committed_[tp].metadata;
      position_[tp] = committed_[tp].offset;
    }
    absl::Status opened = (*writer)->Open(metadata);
    EXPECT_TRUE(opened.ok()) << opened;
    return *std::move(writer);
  }

  void Commit(SinkWriter& writer, const TopicPartition& tp, int64_t offset) {
    committed_[tp] = {offset, writer.CommitMetadata(tp, offset)};
  }

  // The batch is resolved: the partitions' positions move past it.
  void CommitBatch(SinkWriter& writer, int batch) {
    for (int p = 0; p < kPartitions; ++p) {
      TopicPartition tp{kTopic, p};
      position_[tp] = (batch + 1) * work_.per_batch;
      Commit(writer, tp, position_[tp]);
    }
  }

  // A rebalance as the task does it: Close, the final commit (unless
  // `commit_after_close` is false: that commit was lost), and a new writer
  // opened from it.
  std::unique_ptr<SinkWriter> Rebalance(std::unique_ptr<SinkWriter> writer, int retries,
                                        absl::Duration wait, bool commit_after_close = true) {
    std::vector<TopicPartition> tps;
    for (int p = 0; p < kPartitions; ++p) tps.push_back({kTopic, p});
    writer->Close(tps);
    for (const TopicPartition& tp : tps) {
      if (commit_after_close && position_.count(tp) > 0) Commit(*writer, tp, position_[tp]);
    }
    writer->Abandon(tps);
    writer.reset();
    return Resume(retries, wait);
  }

  static SchemaPtr EventSchema() {
    static const SchemaPtr schema = SchemaBuilder::Struct()
                                        .AddField("id", Schema::String())
                                        .AddField("n", Schema::Int64())
                                        .Build();
    return schema;
  }

  static std::string Id(int32_t partition, int64_t offset) {
    return absl::StrCat("p", partition, "-", offset);
  }

  static SinkRecord Event(int32_t partition, int64_t offset) {
    SinkRecord r;
    r.topic = kTopic;
    r.partition = partition;
    r.offset = offset;
    r.value_schema = EventSchema();
    r.value =
        StructBuilder(EventSchema()).Put("id", Id(partition, offset)).Put("n", offset).Build();
    return r;
  }

  std::vector<SinkRecord> Batch(int b) const {
    std::vector<SinkRecord> records;
    for (int64_t o = b * work_.per_batch; o < (b + 1) * work_.per_batch; ++o) {
      for (int p = 0; p < kPartitions; ++p) records.push_back(Event(p, o));
    }
    return records;
  }

  static std::vector<const SinkRecord*> Pointers(const std::vector<SinkRecord>& records) {
    std::vector<const SinkRecord*> out;
    for (const SinkRecord& r : records) out.push_back(&r);
    return out;
  }

  // Writes `pending` as the task does: Write, then the kRetriable records
  // again, at most `max_rounds` Write calls in all. The partitions' positions
  // stay at the batch's start meanwhile (that is what a checkpoint commits).
  static TaskStats WriteAsTask(SinkWriter& writer, std::vector<const SinkRecord*> pending,
                               int max_rounds) {
    TaskStats stats;
    while (!pending.empty() && stats.rounds < max_rounds) {
      ++stats.rounds;
      auto results = writer.Write(pending);
      if (!results.ok()) {
        stats.status = results.status();
        break;
      }
      if (results->size() != pending.size()) {
        ADD_FAILURE() << "one result per record expected";
        break;
      }
      std::vector<const SinkRecord*> again;
      for (size_t k = 0; k < pending.size(); ++k) {
        const RecordResult& r = (*results)[k];
        if (r.status == WriteStatus::kRejected) {
          ADD_FAILURE() << Id(pending[k]->partition, pending[k]->offset)
                        << " rejected: " << r.reason;
        } else if (r.status == WriteStatus::kRetriable) {
          again.push_back(pending[k]);
          ++stats.retriable;
          stats.last_reason = r.reason;
        }
      }
      pending = std::move(again);
    }
    stats.unresolved = static_cast<int64_t>(pending.size());
    return stats;
  }

  // Row count per id, through tabledata.list.
  std::map<std::string, int> Rows() { return CountByColumn({"p", "d", "events"}, "id"); }

  // Every record is in the table, once; only records of batch `dup_batch` (-1:
  // none) may be there more than once, with at most `max_extra` extra rows.
  // Returns the number of extra rows.
  int64_t ExpectEveryRecord(int dup_batch = -1, int64_t max_extra = 0) {
    std::map<std::string, int> rows = Rows();
    int64_t missing = 0;
    int64_t extra = 0;
    int64_t extra_elsewhere = 0;
    std::string first_missing;
    std::string first_twice;
    for (int p = 0; p < kPartitions; ++p) {
      for (int64_t o = 0; o < work_.per_partition(); ++o) {
        const std::string id = Id(p, o);
        auto it = rows.find(id);
        if (it == rows.end()) {
          if (missing++ == 0) first_missing = id;
          continue;
        }
        if (it->second == 1) continue;
        if (first_twice.empty()) first_twice = id;
        extra += it->second - 1;
        if (o / work_.per_batch != dup_batch) extra_elsewhere += it->second - 1;
      }
    }
    EXPECT_EQ(missing, 0) << "records lost, e.g. " << first_missing;
    EXPECT_EQ(rows.size(), static_cast<size_t>(work_.records())) << "rows of no record";
    EXPECT_EQ(extra_elsewhere, 0) << "records written twice, e.g. " << first_twice;
    EXPECT_LE(extra, max_extra) << "e.g. " << first_twice;
    return extra;
  }

  // Warning-or-worse log lines that contain `text`.
  int64_t WarningsWith(const std::string& text) const {
    int64_t n = 0;
    for (absl::string_view line : absl::StrSplit(log_.str(), '\n')) {
      const bool warning = absl::StartsWith(line, "warning ") || absl::StartsWith(line, "error ") ||
                           absl::StartsWith(line, "critical ");
      if (warning && absl::StrContains(line, text)) ++n;
    }
    return n;
  }

  int64_t Calls(const std::string& method) const {
    const auto counters = emulator_->faults().Counters();
    auto it = counters.find(method);
    return it == counters.end() ? 0 : it->second.calls;
  }
  int64_t FaultsHit(const std::string& method) const {
    const auto counters = emulator_->faults().Counters();
    auto it = counters.find(method);
    return it == counters.end() ? 0 : it->second.faults;
  }

  Mode mode_ = Mode::kExactlyOnce;
  Workload work_ = WorkloadFor(Mode::kExactlyOnce);
  std::map<TopicPartition, Committed> committed_;
  std::map<TopicPartition, int64_t> position_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> previous_logger_;
};

// ---------------------------------------------------------------------------
// Faults the writer's retries absorb (bigQueryRetry=3): every record is
// delivered in the task's first round, each once - in default_stream mode a
// dropped response may repeat the rows of the batch it hit.

constexpr int kRetries = 3;
constexpr absl::Duration kWait = absl::Milliseconds(10);

struct RecoveryCase {
  std::string name;
  Mode mode;
  Fault fault;
  At at;
  bool may_duplicate = false;
  std::string known_problem;  // none so far.
};
void PrintTo(const RecoveryCase& c, std::ostream* os) { *os << c.name; }

std::vector<RecoveryCase> RecoveryCases() {
  const std::vector<grpc::StatusCode> codes = {
      grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::INTERNAL,
      grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::ABORTED};
  const std::vector<int> http_statuses = {503, 500, 429, 403};
  const std::vector<std::string> table_calls = {"datasets.get", "datasets.insert", "tables.get",
                                                "tables.insert"};
  std::vector<RecoveryCase> cases;
  auto add = [&](Mode mode, Fault fault, At at, bool may_duplicate = false) {
    std::string name = CaseName(mode, fault, AtName(at));
    cases.push_back({std::move(name), mode, std::move(fault), at, may_duplicate});
  };
  const std::vector<Mode> modes = {Mode::kExactlyOnce, Mode::kDefaultStream, Mode::kInsertAll};
  // The first Write of a writer, with no dataset yet, makes the four table
  // calls, the same code in every mode: each status on each call once, the
  // pairs dealt out over the modes so that each mode sees each call.
  for (size_t i = 0; i < table_calls.size() * http_statuses.size(); ++i) {
    add(modes[i % modes.size()],
        HttpError(table_calls[i / http_statuses.size()], http_statuses[i % http_statuses.size()],
                  2),
        At::kFirstBatch);
  }
  add(Mode::kDefaultStream, Latency("tables.get", absl::Milliseconds(100), 2), At::kFirstBatch);
  for (const Mode mode : modes) {
    if (mode == Mode::kInsertAll) {
      // One fault each: every insertAll retry waits up to 1 s of jitter.
      for (int status : http_statuses) {
        add(mode, HttpError("tabledata.insertAll", status, 1), At::kSecondBatch);
      }
      add(mode, Latency("tabledata.insertAll", absl::Milliseconds(100), 3), At::kSecondBatch);
      continue;
    }
    // AppendRows on a connection that is already open, then on the new
    // writer's first connection.
    for (grpc::StatusCode code : codes) {
      add(mode, GrpcError("AppendRows", code, 2), At::kSecondBatch);
    }
    add(mode, GrpcError("AppendRows", grpc::StatusCode::UNAVAILABLE, 2), At::kAfterRebalance);
    add(mode, Latency("AppendRows", absl::Milliseconds(30), 5), At::kSecondBatch);
    add(mode, Drop(FaultKind::kDropBeforePersist, 2), At::kSecondBatch);
    add(mode, Drop(FaultKind::kDropBeforePersist, 1), At::kAfterRebalance);
    const bool dup = mode == Mode::kDefaultStream;
    add(mode, Drop(FaultKind::kDropAfterPersist, 2), At::kSecondBatch, dup);
    add(mode, Drop(FaultKind::kDropAfterPersist, 1), At::kAfterRebalance, dup);
    if (mode == Mode::kExactlyOnce) {
      // A stream per partition in the first batch, and after the rebalance
      // (the former owner finalized the streams on Close).
      for (grpc::StatusCode code : codes) {
        add(mode, GrpcError("CreateWriteStream", code, 2), At::kFirstBatch);
        add(mode, GrpcError("CreateWriteStream", code, 2), At::kAfterRebalance);
      }
      add(mode, Latency("CreateWriteStream", absl::Milliseconds(100), 2), At::kFirstBatch);
      // A new owner whose metadata names streams Close finalized (the commit
      // after Close was lost) finalizes them again to learn their row count
      // before it moves to new ones.
      for (grpc::StatusCode code : codes) {
        add(mode, GrpcError("FinalizeWriteStream", code, 2), At::kAfterUnrecordedClose);
      }
      // Close cannot finalize at all: the streams stay open and the new owner
      // goes on appending to them.
      add(mode, GrpcError("FinalizeWriteStream", grpc::StatusCode::UNAVAILABLE, -1), At::kOnClose);
    }
  }
  return cases;
}

class RecoveryTest : public WriterFaultTest, public ::testing::WithParamInterface<RecoveryCase> {};

TEST_P(RecoveryTest, NothingLostAndTheTaskNeverRetries) {
  const RecoveryCase& c = GetParam();
  Use(c.mode);
  std::unique_ptr<SinkWriter> writer = Resume(kRetries, kWait);
  ASSERT_NE(writer, nullptr);
  const int inject = BatchOf(c.at);
  for (int b = 0; b < work_.batches; ++b) {
    if (b == inject && c.at == At::kOnClose) {
      ASSERT_TRUE(emulator_->faults().Add(c.fault).ok());
    }
    if (b == work_.rebalance_before()) {
      writer = Rebalance(std::move(writer), kRetries, kWait,
                         /*commit_after_close=*/c.at != At::kAfterUnrecordedClose);
      ASSERT_NE(writer, nullptr);
    }
    if (b == inject && c.at == At::kOnClose && c.fault.times < 0) emulator_->faults().Clear();
    if (b == inject && c.at != At::kOnClose) {
      ASSERT_TRUE(emulator_->faults().Add(c.fault).ok());
    }
    std::vector<SinkRecord> records = Batch(b);
    TaskStats stats = WriteAsTask(*writer, Pointers(records), /*max_rounds=*/5);
    ASSERT_TRUE(stats.status.ok()) << "batch " << b << ": task-level error " << stats.status;
    ASSERT_EQ(stats.unresolved, 0) << "batch " << b << ": " << stats.last_reason;
    // bigQueryRetry covers the fault: the task never sees it.
    EXPECT_EQ(stats.retriable, 0) << "batch " << b << ": " << stats.last_reason;
    CommitBatch(*writer, b);
  }
  EXPECT_THAT(emulator_->faults().Pending(), ::testing::IsEmpty()) << "the fault never hit";
  EXPECT_GT(FaultsHit(c.fault.method), 0);
  // A dropped response makes the default stream append a request again (and
  // the drop may hit the request sent again): at most one batch per drop.
  const int64_t extra = ExpectEveryRecord(c.may_duplicate ? inject : -1,
                                          c.may_duplicate ? c.fault.times * BatchRecords() : 0);
  if (c.may_duplicate) RecordProperty("duplicated_rows", std::to_string(extra));
  if (c.at == At::kOnClose) {
    EXPECT_GT(WarningsWith(kInjected), 0) << "Close says it could not finalize";
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, RecoveryTest, ::testing::ValuesIn(Select(RecoveryCases(), false)),
                         ParamName<RecoveryCase>);

// ---------------------------------------------------------------------------
// Faults that outlast bigQueryRetry (2 retries, 30 ms doubling): a Write
// while the fault lasts comes back after about the configured waits with the
// records it could not write kRetriable - not a task-level error, not an
// endless loop. Once the fault clears, the same writer (or, after a crash, a
// new one resumed from the committed metadata) writes them, and nothing is
// lost or written twice.

constexpr int kShortRetries = 2;
constexpr absl::Duration kShortWait = absl::Milliseconds(30);
// Scheduling and the emulator's own time, on a shared machine.
constexpr absl::Duration kSlack = absl::Seconds(3);

// The waits of one exhausted retry budget: bigQueryRetryWait doubling per
// retry for the Storage Write API and table calls; for insertAll the wait
// plus 0-1 s of jitter per retry, as kcbq.
absl::Duration MinBudget(Mode mode) {
  if (mode == Mode::kInsertAll) return kShortRetries * kShortWait;
  return kShortWait * ((int64_t{1} << kShortRetries) - 1);
}
absl::Duration MaxBudget(Mode mode) {
  if (mode == Mode::kInsertAll) return kShortRetries * (kShortWait + absl::Seconds(1));
  return MinBudget(mode);
}

struct OutlastingCase {
  std::string name;
  Mode mode;
  Fault fault;  // times = -1: until cleared.
  At at = At::kSecondBatch;
  // The Write cannot tell whether its rows landed: they come back kRetriable.
  // (With drop_after_persist in exactly-once mode every append lands and the
  // offsets prove it, so the writer may deliver everything.)
  bool expect_retriable = true;
  bool may_duplicate = false;
  bool crash = false;  // the task crashes (no commit, no Close) before the fault clears.
  std::string known_problem;
};
void PrintTo(const OutlastingCase& c, std::ostream* os) { *os << c.name; }

std::vector<OutlastingCase> OutlastingCases() {
  std::vector<OutlastingCase> cases;
  auto add = [&](OutlastingCase c, const std::string& known_problem = "") {
    c.name = CaseName(c.mode, c.fault, absl::StrCat(AtName(c.at), c.crash ? "_then_crash" : ""));
    c.known_problem = known_problem;
    cases.push_back(std::move(c));
  };
  const grpc::StatusCode unavailable = grpc::StatusCode::UNAVAILABLE;
  for (Mode mode : {Mode::kExactlyOnce, Mode::kDefaultStream}) {
    const bool eo = mode == Mode::kExactlyOnce;
    add({"", mode, GrpcError("AppendRows", unavailable, -1)});
    add({"", mode, GrpcError("AppendRows", grpc::StatusCode::RESOURCE_EXHAUSTED, -1)});
    add({"", mode, Drop(FaultKind::kDropBeforePersist, -1)});
    add({"", mode, Drop(FaultKind::kDropAfterPersist, -1), At::kSecondBatch,
         /*expect_retriable=*/!eo, /*may_duplicate=*/!eo});
  }
  add({"", Mode::kExactlyOnce, GrpcError("AppendRows", unavailable, -1), At::kSecondBatch, true,
       false, /*crash=*/true});
  add({"", Mode::kExactlyOnce, Drop(FaultKind::kDropAfterPersist, -1), At::kSecondBatch, false,
       false, /*crash=*/true});
  add({"", Mode::kExactlyOnce, Drop(FaultKind::kDropBeforePersist, -1), At::kAfterRebalance});
  add({"", Mode::kExactlyOnce, GrpcError("CreateWriteStream", unavailable, -1), At::kFirstBatch});
  add({"", Mode::kExactlyOnce, GrpcError("CreateWriteStream", unavailable, -1),
       At::kAfterRebalance});
  // The new owner of a partition finds its stream finalized (the commit after
  // Close was lost) and calls FinalizeWriteStream to learn the row count; an
  // outage then leaves the rows kRetriable on the ended stream.
  add({"", Mode::kExactlyOnce, GrpcError("FinalizeWriteStream", unavailable, -1),
       At::kAfterUnrecordedClose});
  add({"", Mode::kInsertAll, HttpError("tabledata.insertAll", 503, -1)});
  return cases;
}

class OutlastingFaultTest : public WriterFaultTest,
                            public ::testing::WithParamInterface<OutlastingCase> {};

TEST_P(OutlastingFaultTest, RecordsComeBackRetriableThenTheWriterRecovers) {
  const OutlastingCase& c = GetParam();
  Use(c.mode);
  std::unique_ptr<SinkWriter> writer = Resume(kShortRetries, kShortWait);
  ASSERT_NE(writer, nullptr);
  const int inject = BatchOf(c.at);
  // Exactly-once writes each partition's rows on their own: each waits out
  // the budget.
  const int groups = c.mode == Mode::kExactlyOnce ? kPartitions : 1;
  int64_t rounds_with_retriable = 0;
  for (int b = 0; b < work_.batches; ++b) {
    if (b == work_.rebalance_before()) {
      writer = Rebalance(std::move(writer), kShortRetries, kShortWait,
                         /*commit_after_close=*/c.at != At::kAfterUnrecordedClose);
      ASSERT_NE(writer, nullptr);
    }
    std::vector<SinkRecord> records = Batch(b);
    std::vector<const SinkRecord*> pending = Pointers(records);
    if (b == inject) {
      ASSERT_TRUE(emulator_->faults().Add(c.fault).ok());
      // Two task rounds while the fault lasts.
      for (int round = 0; round < 2 && !pending.empty(); ++round) {
        const int64_t calls_before = Calls(c.fault.method);
        const absl::Time start = absl::Now();
        auto results = writer->Write(pending);
        const absl::Duration took = absl::Now() - start;
        const int64_t calls = Calls(c.fault.method) - calls_before;
        ASSERT_TRUE(results.ok()) << "a transient fault outlasting bigQueryRetry must leave the "
                                     "records kRetriable, not fail the task: "
                                  << results.status();
        ASSERT_EQ(results->size(), pending.size());
        std::vector<const SinkRecord*> again;
        for (size_t k = 0; k < pending.size(); ++k) {
          EXPECT_NE((*results)[k].status, WriteStatus::kRejected) << (*results)[k].reason;
          if ((*results)[k].status == WriteStatus::kRetriable) again.push_back(pending[k]);
        }
        if (round == 0 && c.expect_retriable) {
          ASSERT_FALSE(again.empty()) << "every record written while every call fails?";
        }
        if (!again.empty()) {
          ++rounds_with_retriable;
          EXPECT_GE(took, MinBudget(c.mode)) << "round " << round << ": gave up without waiting";
        }
        EXPECT_LE(took, groups * MaxBudget(c.mode) + kSlack) << "round " << round;
        // A few calls per attempt at most (exactly-once probes what a
        // dropped connection left behind with a binary search of single-row
        // appends), never a loop.
        EXPECT_LE(calls, 12 * groups * (kShortRetries + 1)) << "round " << round;
        RecordProperty(absl::StrCat("round", round, "_ms"),
                       std::to_string(absl::ToInt64Milliseconds(took)));
        RecordProperty(absl::StrCat("round", round, "_calls"), std::to_string(calls));
        pending = std::move(again);
      }
      EXPECT_GT(FaultsHit(c.fault.method), 0);
      emulator_->faults().Clear();
      if (c.crash) {
        // No commit, no Close: a new writer resumes from the committed
        // metadata and the whole batch is read again.
        writer.reset();
        writer = Resume(kShortRetries, kShortWait);
        ASSERT_NE(writer, nullptr);
        pending = Pointers(records);
      }
    }
    // No fault (any more): one round writes everything.
    TaskStats stats = WriteAsTask(*writer, pending, /*max_rounds=*/1);
    ASSERT_TRUE(stats.status.ok()) << "batch " << b << ": " << stats.status;
    ASSERT_EQ(stats.unresolved, 0) << "batch " << b << ": " << stats.last_reason;
    CommitBatch(*writer, b);
  }
  RecordProperty("rounds_with_retriable", std::to_string(rounds_with_retriable));
  // At-least-once under a lasting drop_after_persist: every attempt (two
  // connections each in default_stream mode) may land the batch again.
  const int64_t extra =
      ExpectEveryRecord(c.may_duplicate ? inject : -1,
                        c.may_duplicate ? 2 * 2 * (kShortRetries + 1) * BatchRecords() : 0);
  if (c.may_duplicate) RecordProperty("duplicated_rows", std::to_string(extra));
}

INSTANTIATE_TEST_SUITE_P(Faults, OutlastingFaultTest,
                         ::testing::ValuesIn(Select(OutlastingCases(), false)),
                         ParamName<OutlastingCase>);
INSTANTIATE_TEST_SUITE_P(DISABLED_KnownProblems, OutlastingFaultTest,
                         ::testing::ValuesIn(Select(OutlastingCases(), true)),
                         ParamName<OutlastingCase>);

// ---------------------------------------------------------------------------
// An outage costs a Write one retry budget, however many requests or
// partitions its batch has: at most bigQueryRetry + 1 attempts, each one call
// (two in default_stream mode, which reconnects once at once before it
// waits), then every record not written is kRetriable.

struct BudgetCase {
  std::string name;
  Mode mode;
  Fault fault;
  std::string known_problem;
};
void PrintTo(const BudgetCase& c, std::ostream* os) { *os << c.name; }

std::vector<BudgetCase> BudgetCases() {
  const Fault append = GrpcError("AppendRows", grpc::StatusCode::UNAVAILABLE, -1);
  const Fault insert_all = HttpError("tabledata.insertAll", 503, -1);
  return {
      {CaseName(Mode::kExactlyOnce, append), Mode::kExactlyOnce, append, ""},
      {CaseName(Mode::kDefaultStream, append), Mode::kDefaultStream, append, ""},
      {CaseName(Mode::kInsertAll, insert_all), Mode::kInsertAll, insert_all, ""},
  };
}

class RetryBudgetTest : public WriterFaultTest, public ::testing::WithParamInterface<BudgetCase> {};

TEST_P(RetryBudgetTest, AnOutageCostsAWriteOneRetryBudget) {
  const BudgetCase& c = GetParam();
  Use(c.mode);
  constexpr int kOneRetry = 1;
  // insertAll: requests of about a dozen rows, four per batch.
  std::map<std::string, std::string> overrides;
  if (c.mode == Mode::kInsertAll) overrides["ferry.bigquery.max.request.bytes"] = "1024";
  std::unique_ptr<SinkWriter> writer = Resume(kOneRetry, kWait, overrides);
  ASSERT_NE(writer, nullptr);
  std::vector<SinkRecord> first = Batch(0);
  TaskStats stats = WriteAsTask(*writer, Pointers(first), 1);
  ASSERT_TRUE(stats.status.ok()) << stats.status;
  ASSERT_EQ(stats.unresolved, 0) << stats.last_reason;
  CommitBatch(*writer, 0);

  ASSERT_TRUE(emulator_->faults().Add(c.fault).ok());
  std::vector<SinkRecord> second = Batch(1);
  const int64_t calls_before = Calls(c.fault.method);
  const absl::Time start = absl::Now();
  auto results = writer->Write(Pointers(second));
  const absl::Duration took = absl::Now() - start;
  const int64_t calls = Calls(c.fault.method) - calls_before;
  ASSERT_TRUE(results.ok()) << results.status();
  for (const RecordResult& r : *results) EXPECT_EQ(r.status, WriteStatus::kRetriable);
  const int calls_per_attempt = c.mode == Mode::kDefaultStream ? 2 : 1;
  EXPECT_LE(calls, calls_per_attempt * (kOneRetry + 1));
  RecordProperty("calls", std::to_string(calls));
  RecordProperty("ms", std::to_string(absl::ToInt64Milliseconds(took)));

  emulator_->faults().Clear();
  stats = WriteAsTask(*writer, Pointers(second), 1);
  ASSERT_TRUE(stats.status.ok()) << stats.status;
  EXPECT_EQ(stats.unresolved, 0) << stats.last_reason;
}

INSTANTIATE_TEST_SUITE_P(Faults, RetryBudgetTest, ::testing::ValuesIn(Select(BudgetCases(), false)),
                         ParamName<BudgetCase>);
INSTANTIATE_TEST_SUITE_P(DISABLED_KnownProblems, RetryBudgetTest,
                         ::testing::ValuesIn(Select(BudgetCases(), true)), ParamName<BudgetCase>);

// ---------------------------------------------------------------------------
// Dataset and table calls that keep failing past bigQueryRetry: the batch's
// records come back kRetriable (the task tries again later), as for
// AppendRows, and the writer recovers once the fault clears.
//
// Known problem (every case): EnsureTable / EnsureDataset
// (bigquery_sink_writer.cc) return the last UNAVAILABLE of WithRetries, and
// Write() passes it up as a task-level error, so a table-call outage longer
// than bigQueryRetry x bigQueryRetryWait fails the task, where the same
// outage on AppendRows or CreateWriteStream leaves the records kRetriable.

struct TableCallCase {
  std::string name;
  Mode mode;
  Fault fault;
  std::string known_problem;
};
void PrintTo(const TableCallCase& c, std::ostream* os) { *os << c.name; }

std::vector<TableCallCase> TableCallCases() {
  std::vector<TableCallCase> cases;
  for (Mode mode : {Mode::kExactlyOnce, Mode::kDefaultStream, Mode::kInsertAll}) {
    for (const char* method : {"tables.get", "tables.insert", "datasets.get"}) {
      Fault fault = HttpError(method, 503, -1);
      cases.push_back({CaseName(mode, fault), mode, fault, ""});
    }
  }
  return cases;
}

class TableCallFaultTest : public WriterFaultTest,
                           public ::testing::WithParamInterface<TableCallCase> {};

TEST_P(TableCallFaultTest, RecordsComeBackRetriableThenTheWriterRecovers) {
  const TableCallCase& c = GetParam();
  Use(c.mode);
  std::unique_ptr<SinkWriter> writer = Resume(kShortRetries, kShortWait);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(emulator_->faults().Add(c.fault).ok());
  std::vector<SinkRecord> first = Batch(0);
  const absl::Time start = absl::Now();
  auto results = writer->Write(Pointers(first));
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(results.ok()) << "a transient fault outlasting bigQueryRetry must leave the "
                               "records kRetriable, not fail the task: "
                            << results.status();
  for (const RecordResult& r : *results) EXPECT_EQ(r.status, WriteStatus::kRetriable);
  EXPECT_GE(took, MinBudget(Mode::kDefaultStream));
  EXPECT_LE(took, MaxBudget(Mode::kDefaultStream) + kSlack);
  emulator_->faults().Clear();
  for (int b = 0; b < work_.batches; ++b) {
    if (b == work_.rebalance_before()) {
      writer = Rebalance(std::move(writer), kShortRetries, kShortWait);
      ASSERT_NE(writer, nullptr);
    }
    std::vector<SinkRecord> batch = Batch(b);
    TaskStats stats = WriteAsTask(*writer, Pointers(batch), /*max_rounds=*/1);
    ASSERT_TRUE(stats.status.ok()) << "batch " << b << ": " << stats.status;
    ASSERT_EQ(stats.unresolved, 0) << "batch " << b << ": " << stats.last_reason;
    CommitBatch(*writer, b);
  }
  ExpectEveryRecord();
}

INSTANTIATE_TEST_SUITE_P(Faults, TableCallFaultTest,
                         ::testing::ValuesIn(Select(TableCallCases(), false)),
                         ParamName<TableCallCase>);
INSTANTIATE_TEST_SUITE_P(DISABLED_KnownProblems, TableCallFaultTest,
                         ::testing::ValuesIn(Select(TableCallCases(), true)),
                         ParamName<TableCallCase>);

// ---------------------------------------------------------------------------
// Retries are logged: a warning that names the error, both for retries the
// writer makes within bigQueryRetry and when it gives up past it.
//
// Known problem: only the insertAll path logs its retries
// (InsertAllWriter::Send, spdlog::warn per retry and on giving up). The
// Storage Write API path (StorageWriter: Append, AppendAt, Unary in
// storage_writer.cc) and the table calls (BigQuerySinkWriter::WithRetries in
// bigquery_sink_writer.cc) retry and give up silently: an operator sees
// nothing of an outage the writer rides out, and after it only the
// kRetriable reason the task logs.

struct LogCase {
  std::string name;
  Mode mode;
  Fault fault;  // `times` is set by each test.
  At at;
  std::string expected_text;  // what the warning must contain.
  std::string known_problem;
};
void PrintTo(const LogCase& c, std::ostream* os) { *os << c.name; }

std::vector<LogCase> LogCases() {
  std::vector<LogCase> cases;
  auto add = [&](Mode mode, Fault fault, At at, const std::string& text,
                 const std::string& known_problem) {
    cases.push_back({CaseName(mode, fault), mode, std::move(fault), at, text, known_problem});
  };
  const grpc::StatusCode unavailable = grpc::StatusCode::UNAVAILABLE;
  const std::string silent;  // every retry path logs.
  add(Mode::kExactlyOnce, GrpcError("AppendRows", unavailable, 1), At::kSecondBatch, kInjected,
      silent);
  add(Mode::kExactlyOnce, Drop(FaultKind::kDropBeforePersist, 1), At::kSecondBatch,
      "Connection reset by peer", silent);
  add(Mode::kExactlyOnce, GrpcError("CreateWriteStream", unavailable, 1), At::kFirstBatch,
      kInjected, silent);
  add(Mode::kDefaultStream, GrpcError("AppendRows", unavailable, 1), At::kSecondBatch, kInjected,
      silent);
  add(Mode::kDefaultStream, Drop(FaultKind::kDropBeforePersist, 1), At::kSecondBatch,
      "Connection reset by peer", silent);
  add(Mode::kInsertAll, HttpError("tabledata.insertAll", 503, 1), At::kSecondBatch, kInjected, "");
  for (Mode mode : {Mode::kExactlyOnce, Mode::kDefaultStream, Mode::kInsertAll}) {
    add(mode, HttpError("tables.get", 503, 1), At::kFirstBatch, kInjected, silent);
  }
  return cases;
}

class RetryLogTest : public WriterFaultTest, public ::testing::WithParamInterface<LogCase> {
 protected:
  // Writes the batches up to the case's, adding the fault (hitting `times`
  // calls) before it; the log holds only what that batch's Write logged.
  TaskStats WriteWithFault(int64_t times, int retries) {
    const LogCase& c = GetParam();
    Use(c.mode);
    std::unique_ptr<SinkWriter> writer = Resume(retries, kWait);
    TaskStats stats;
    if (writer == nullptr) return stats;
    const int inject = BatchOf(c.at);
    for (int b = 0; b <= inject; ++b) {
      if (b == inject) {
        Fault fault = c.fault;
        fault.times = times;
        EXPECT_TRUE(emulator_->faults().Add(fault).ok());
        log_.str("");
      }
      std::vector<SinkRecord> records = Batch(b);
      stats = WriteAsTask(*writer, Pointers(records), /*max_rounds=*/1);
      if (b < inject) CommitBatch(*writer, b);
    }
    return stats;
  }
};

TEST_P(RetryLogTest, RetriesWithinTheBudgetAreLogged) {
  TaskStats stats = WriteWithFault(/*times=*/2, /*retries=*/kRetries);
  ASSERT_TRUE(stats.status.ok()) << stats.status;
  ASSERT_EQ(stats.unresolved, 0) << stats.last_reason;
  EXPECT_GE(WarningsWith(GetParam().expected_text), 1)
      << "no warning names the error the writer retried";
}

TEST_P(RetryLogTest, GivingUpIsLogged) {
  TaskStats stats = WriteWithFault(/*times=*/-1, /*retries=*/1);
  emulator_->faults().Clear();
  ASSERT_GT(stats.unresolved, 0) << "the fault should outlast one retry";
  EXPECT_GE(WarningsWith(GetParam().expected_text), 1)
      << "no warning names the error the writer gave up on";
}

INSTANTIATE_TEST_SUITE_P(Faults, RetryLogTest, ::testing::ValuesIn(Select(LogCases(), false)),
                         ParamName<LogCase>);
INSTANTIATE_TEST_SUITE_P(DISABLED_KnownProblems, RetryLogTest,
                         ::testing::ValuesIn(Select(LogCases(), true)), ParamName<LogCase>);

}  // namespace
}  // namespace ferry::bigquery
