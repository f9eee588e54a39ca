#include "bigquery/bigquery_sink_writer.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "bigquery/google_auth.h"
#include "bigquery/insert_all_writer.h"
#include "bigquery/json_rows.h"
#include "bigquery/proto_rows.h"
#include "bigquery/rest_client.h"
#include "bigquery/retry_budget.h"
#include "bigquery/schema_evolution.h"
#include "bigquery/schema_mapping.h"
#include "bigquery/storage_writer.h"
#include "bigquery/stream_ledger.h"
#include "bigquery/ulid.h"
#include "spdlog/spdlog.h"

namespace ferry::bigquery {
namespace {

std::string_view PartitioningName(TimePartitioningType type) {
  switch (type) {
    case TimePartitioningType::kHour:
      return "HOUR";
    case TimePartitioningType::kMonth:
      return "MONTH";
    case TimePartitioningType::kYear:
      return "YEAR";
    default:
      return "DAY";
  }
}

bool IsTransient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsResourceExhausted(status) ||
         absl::IsDeadlineExceeded(status);
}

// A Storage Write API call that failed the way StorageWriter retries
// (absl and gRPC codes coincide): worth another try later.
bool IsRetriableStorage(const absl::Status& status) {
  return IsRetriableCode(static_cast<int>(status.code()));
}

class BigQuerySinkWriter final : public SinkWriter {
 public:
  BigQuerySinkWriter(BigQuerySinkSettings settings, std::unique_ptr<RestClient> rest,
                     std::unique_ptr<StorageWriter> storage)
      : settings_(std::move(settings)),
        router_(settings_.project, settings_.default_dataset, settings_.topic_to_table,
                settings_.sanitize_topics),
        rest_(std::move(rest)),
        storage_(std::move(storage)) {
    if (settings_.write_mode == WriteMode::kInsertAll) {
      InsertAllWriterOptions options;
      options.max_request_bytes = settings_.max_request_bytes;
      options.retries = settings_.retries;
      options.retry_wait = settings_.retry_wait;
      options.ignore_unknown_values = settings_.ignore_unknown_fields;
      insert_all_ = std::make_unique<InsertAllWriter>(*rest_, options);
    }
  }

  absl::StatusOr<std::vector<RecordResult>> Write(
      absl::Span<const SinkRecord* const> records) override {
    // One retry budget for everything this Write calls (kcbq's bigQueryRetry).
    RetryBudget budget(settings_.retries);
    budget_ = &budget;
    absl::Cleanup forget = [this] { budget_ = nullptr; };
    // trackPutAttempts: every batch handed to the writer is a new attempt.
    if (settings_.track_put_attempts) put_attempt_id_ = NewUlid();
    if (settings_.dry_run) return WriteDryRun(records);
    if (UsesLedger()) {
      auto results = WriteExactlyOnce(records);
      // A stream that ended under us (finalized by a former owner of the
      // partition) was replaced: its records go again right away.
      for (int round = 0; results.ok() && rotated_ && round < 3; ++round) {
        rotated_ = false;
        std::vector<const SinkRecord*> again;
        std::vector<size_t> where;
        for (size_t i = 0; i < records.size(); ++i) {
          if ((*results)[i].status == WriteStatus::kRetriable) {
            again.push_back(records[i]);
            where.push_back(i);
          }
        }
        if (again.empty()) break;
        auto more = WriteExactlyOnce(again);
        if (!more.ok()) return more.status();
        for (size_t k = 0; k < where.size(); ++k) (*results)[where[k]] = std::move((*more)[k]);
      }
      rotated_ = false;
      return results;
    }
    return WriteDefault(records);
  }

  void SetCheckpoint(Checkpoint checkpoint) override { checkpoint_ = std::move(checkpoint); }

  absl::Status Open(const std::map<TopicPartition, std::string>& committed_metadata) override {
    if (!UsesLedger()) return absl::OkStatus();
    for (const auto& [tp, metadata] : committed_metadata) {
      auto ledger = StreamLedger::Parse(metadata);
      if (!ledger.ok()) {
        // E.g. a consumer group taken over from another connector: nothing of
        // ferry's to resume; rows re-read from its offset are written anew.
        spdlog::warn("{}: {}; starting exactly-once state afresh", tp.DebugString(),
                     std::string(ledger.status().message()));
        ledgers_[tp] = StreamLedger();
        ledgers_[tp].set_pending(Batch());
        continue;
      }
      if (ledger->pending() != Batch()) {
        if (absl::Status s = ConvertLedger(tp, *ledger); !s.ok()) return s;
      }
      ledger->set_pending(Batch());
      ledgers_[tp] = *std::move(ledger);
    }
    return absl::OkStatus();
  }

  // The connector switched between exactly-once and batch mode: the streams
  // the committed metadata names are of the other kind. Each one still open
  // is finalized (and committed, if PENDING) and its segment ended at what it
  // holds, so the re-read skips those rows and writes the rest in this mode.
  absl::Status ConvertLedger(const TopicPartition& tp, StreamLedger& ledger) {
    for (const StreamLedger::OpenSegment& segment : ledger.CurrentSegments()) {
      auto end = storage_->FinalizeWriteStream(segment.stream);
      if (!end.ok() && absl::IsNotFound(end.status()) && ledger.pending()) {
        // Expired uncommitted: none of its rows reached the table.
        ledger.EndCurrent(segment.table, segment.rows);
        continue;
      }
      if (!end.ok()) {
        return absl::Status(end.status().code(),
                            absl::StrCat(tp.DebugString(), ": finalizing ", segment.stream,
                                         " of the former write mode: ", end.status().message()));
      }
      if (ledger.pending()) {
        auto ref = TableFromPath(segment.table);
        if (!ref.ok()) return ref.status();
        if (absl::Status s = storage_->BatchCommitWriteStreams(*ref, {segment.stream}); !s.ok()) {
          return absl::Status(s.code(), absl::StrCat(tp.DebugString(), ": committing ",
                                                     segment.stream, ": ", s.message()));
        }
      }
      spdlog::info("{}: {} stream {} of the former write mode ends at {} rows", tp.DebugString(),
                   ledger.pending() ? "PENDING" : "COMMITTED", segment.stream, *end);
      ledger.EndCurrent(segment.table, *end);
    }
    return absl::OkStatus();
  }

  static absl::StatusOr<TableReference> TableFromPath(const std::string& path) {
    std::vector<std::string> parts = absl::StrSplit(path, '/');
    if (parts.size() != 6 || parts[0] != "projects" || parts[2] != "datasets" ||
        parts[4] != "tables") {
      return absl::InvalidArgumentError("not a table path: " + path);
    }
    return TableReference{parts[1], parts[3], parts[5]};
  }

  std::string CommitMetadata(const TopicPartition& tp, int64_t offset) override {
    auto it = ledgers_.find(tp);
    return it == ledgers_.end() ? std::string() : it->second.Render(offset);
  }

  // Batch mode: commits the PENDING streams that hold rows delivered since
  // they were created - every commitInterval, or now when `all`. Each is
  // finalized (its row count ends its segment) and a table's streams are
  // committed together; transient failures leave them for the next time.
  absl::Status Flush(bool all) override {
    if (!Batch()) return absl::OkStatus();
    if (!all && std::chrono::steady_clock::now() < next_batch_commit_) return absl::OkStatus();
    bool retry_soon = false;  // a transient failure: try again in seconds, not an interval.
    absl::Cleanup schedule = [this, &retry_soon] {
      const absl::Duration wait = retry_soon ? std::min(settings_.commit_interval, absl::Seconds(5))
                                             : settings_.commit_interval;
      next_batch_commit_ = std::chrono::steady_clock::now() + absl::ToChronoMilliseconds(wait);
    };
    RetryBudget budget(settings_.retries);
    budget_ = &budget;
    absl::Cleanup forget = [this] { budget_ = nullptr; };
    struct Finalized {
      TopicPartition tp;
      std::string stream;
      int64_t rows;
    };
    std::map<std::string, std::vector<Finalized>> by_table;
    for (auto& [tp, ledger] : ledgers_) {
      for (const StreamLedger::OpenSegment& segment : ledger.UncommittedSegments()) {
        auto end = storage_->FinalizeWriteStream(segment.stream, budget_);
        if (!end.ok()) {
          if (!IsRetriableStorage(end.status())) return end.status();
          retry_soon = true;
          spdlog::warn("batch mode: finalizing {} failed, trying again later: {}", segment.stream,
                       end.status().ToString());
          continue;
        }
        if (*end < segment.rows) {
          return absl::DataLossError(absl::StrCat("write stream ", segment.stream, " holds ", *end,
                                                  " rows, fewer than the ", segment.rows,
                                                  " this task has confirmed"));
        }
        by_table[segment.table].push_back({tp, segment.stream, *end});
      }
    }
    for (const auto& [path, finalized] : by_table) {
      auto ref = refs_.find(path);
      if (ref == refs_.end()) return absl::InternalError("batch mode: unknown table " + path);
      std::vector<std::string> streams;
      int64_t rows = 0;
      for (const Finalized& f : finalized) {
        streams.push_back(f.stream);
        rows += f.rows;
      }
      absl::Status committed = storage_->BatchCommitWriteStreams(ref->second, streams, budget_);
      if (!committed.ok()) {
        if (!IsRetriableStorage(committed)) return committed;
        retry_soon = true;
        spdlog::warn("batch mode: committing {} streams of {} failed, trying again later: {}",
                     streams.size(), ref->second.DebugString(), committed.ToString());
        continue;
      }
      for (const Finalized& f : finalized) ledgers_[f.tp].EndCurrent(path, f.rows);
      spdlog::info("batch mode: committed {} rows in {} streams to {}", rows, streams.size(),
                   ref->second.DebugString());
    }
    return absl::OkStatus();
  }

  // Batch mode: not past the first row still in an uncommitted stream.
  int64_t Committable(const TopicPartition& tp, int64_t resolved) override {
    if (!Batch()) return resolved;
    auto it = ledgers_.find(tp);
    if (it == ledgers_.end()) return resolved;
    std::optional<int64_t> first = it->second.FirstInOpenSegment();
    return first ? std::min(resolved, *first) : resolved;
  }

  // Lost partitions: their streams may be the new owner's now.
  void Abandon(const std::vector<TopicPartition>& partitions) override {
    for (const TopicPartition& tp : partitions) ledgers_.erase(tp);
  }

  // Finalizes the partitions' open streams and ends their segments at the
  // row count BigQuery reports, so the final commit (which follows) tells the
  // next owner to start new streams instead of appending to ended ones. The
  // ledgers stay until Abandon(). Finalizing is tidy, never required: a
  // stream found ended later is handled by asking BigQuery what it holds.
  void Close(const std::vector<TopicPartition>& partitions) override {
    for (const TopicPartition& tp : partitions) {
      auto it = ledgers_.find(tp);
      if (it == ledgers_.end()) continue;
      StreamLedger& ledger = it->second;
      for (const StreamLedger::OpenSegment& segment : ledger.CurrentSegments()) {
        auto rows = storage_->FinalizeWriteStream(segment.stream);
        if (!rows.ok()) {
          spdlog::warn("finalizing {}: {}", segment.stream, rows.status().ToString());
          continue;
        }
        // A PENDING stream's segment ends when it is committed (Flush), not
        // here; one holding fewer rows than confirmed is left for the next
        // owner to stop on, rather than recorded as fine.
        if (ledger.pending()) continue;
        if (*rows < segment.rows) {
          spdlog::error("write stream {} holds {} rows, fewer than the {} {} has confirmed",
                        segment.stream, *rows, segment.rows, tp.DebugString());
          continue;
        }
        ledger.EndCurrent(segment.table, *rows);
      }
    }
  }

 private:
  absl::StatusOr<std::vector<RecordResult>> WriteDefault(
      absl::Span<const SinkRecord* const> records) {
    std::vector<RecordResult> results(records.size());
    struct Group {
      TableReference ref;
      std::vector<size_t> records;
    };
    std::vector<Group> groups;
    std::map<std::string, size_t> group_of;
    for (size_t i = 0; i < records.size(); ++i) {
      auto ref = router_.Route(records[i]->topic);
      if (!ref.ok()) {
        results[i] = {WriteStatus::kRejected, std::string(ref.status().message()), ""};
        continue;
      }
      auto [it, inserted] = group_of.emplace(ref->StoragePath(), groups.size());
      if (inserted) groups.push_back({*ref, {}});
      groups[it->second].records.push_back(i);
    }

    for (const Group& group : groups) {
      std::vector<std::string> rows;
      std::vector<size_t> row_record;
      auto encoder = EncodeGroup(group.ref, records, group.records, &results, &rows, &row_record);
      if (!encoder.ok()) {
        if (!IsTransient(encoder.status())) return encoder.status();
        Block(group.records, encoder.status(), &results);  // the table calls ran out of retries.
        continue;
      }
      if (rows.empty()) continue;
      absl::StatusOr<std::vector<RecordResult>> written;
      if (insert_all_) {
        written = InsertAll(group.ref, **encoder, records, rows, row_record);
      } else {
        written = storage_->Append(group.ref, (*encoder)->descriptor(), rows, budget_);
      }
      if (!written.ok()) {
        return absl::Status(
            written.status().code(),
            absl::StrCat(written.status().message(), " (table ", group.ref.DebugString(), ")"));
      }
      for (size_t k = 0; k < row_record.size(); ++k) {
        results[row_record[k]] = std::move((*written)[k]);
      }
    }
    return results;
  }

  // tabledata.insertAll with kcbq's insertIds (topic-partition-offset).
  absl::StatusOr<std::vector<RecordResult>> InsertAll(const TableReference& ref,
                                                      const RowEncoder& encoder,
                                                      absl::Span<const SinkRecord* const> records,
                                                      const std::vector<std::string>& rows,
                                                      const std::vector<size_t>& row_record) {
    std::vector<InsertAllRow> json_rows;
    json_rows.reserve(rows.size());
    for (size_t k = 0; k < rows.size(); ++k) {
      auto json = ProtoRowToJson(encoder.schema(), rows[k]);
      if (!json.ok()) return json.status();
      json_rows.push_back({KcbqInsertId(*records[row_record[k]]), *std::move(json)});
    }
    return insert_all_->Insert(ref, json_rows, budget_);
  }

  // Exactly-once: rows of each (partition, table) go to COMMITTED streams at
  // offsets the partition's StreamLedger keeps (see stream_ledger.h).
  absl::StatusOr<std::vector<RecordResult>> WriteExactlyOnce(
      absl::Span<const SinkRecord* const> records) {
    std::vector<RecordResult> results(records.size());
    struct Group {
      TopicPartition tp;
      TableReference ref;
      std::string path;
      std::vector<size_t> records;
      const RowEncoder* encoder = nullptr;
      std::vector<std::string> rows;
      std::vector<size_t> row_record;
      bool blocked = false;  // its rows stay kRetriable this time.
    };
    std::vector<Group> groups;
    std::map<std::pair<TopicPartition, std::string>, size_t> group_of;
    for (size_t i = 0; i < records.size(); ++i) {
      auto ref = router_.Route(records[i]->topic);
      if (!ref.ok()) {
        results[i] = {WriteStatus::kRejected, std::string(ref.status().message()), ""};
        continue;
      }
      // The ledger travels with the consumed partition's offsets: the topic
      // and partition the record was read from, not what transforms (e.g.
      // RegexRouter) made of them.
      const RawRecord* raw = records[i]->raw.get();
      TopicPartition tp = raw != nullptr ? TopicPartition{raw->topic, raw->partition}
                                         : TopicPartition{records[i]->topic, records[i]->partition};
      std::string path = ref->StoragePath();
      refs_.emplace(path, *ref);
      auto [it, inserted] = group_of.emplace(std::make_pair(tp, path), groups.size());
      if (inserted) groups.push_back({tp, *ref, path, {}, nullptr, {}, {}, false});
      groups[it->second].records.push_back(i);
    }

    // Encode, and find which groups need a new stream.
    std::set<TopicPartition> to_checkpoint;
    for (Group& g : groups) {
      auto encoder = EncodeGroup(g.ref, records, g.records, &results, &g.rows, &g.row_record);
      if (!encoder.ok()) {
        if (!IsTransient(encoder.status())) return encoder.status();
        Block(g.records, encoder.status(), &results);  // the table calls ran out of retries.
        g.rows.clear();
        g.blocked = true;
        continue;
      }
      g.encoder = *encoder;
      for (size_t i : g.row_record) {
        results[i] = {WriteStatus::kRetriable, "waiting for a write stream", ""};
      }
      if (g.rows.empty()) continue;
      StreamLedger& ledger = ledgers_[g.tp];
      ledger.set_pending(Batch());
      if (ledger.NeedsSegment(g.path, static_cast<int64_t>(g.rows.size()))) {
        auto stream = storage_->CreateWriteStream(
            g.ref, Batch() ? WriteStreamType::kPending : WriteStreamType::kCommitted, budget_);
        if (!stream.ok()) {
          if (!IsTransient(stream.status())) return stream.status();
          Block(g.row_record, stream.status(), &results);
          g.blocked = true;
          continue;
        }
        ledger.AddSegment(g.path, *stream);
      }
      if (ledger.HasNonDurable()) to_checkpoint.insert(g.tp);
    }

    // New streams are named in the committed metadata before anything is
    // appended to them, so a restart finds whatever they come to hold.
    if (!to_checkpoint.empty()) {
      absl::Status s = checkpoint_ ? checkpoint_({to_checkpoint.begin(), to_checkpoint.end()})
                                   : absl::FailedPreconditionError("no checkpoint set");
      if (s.ok()) {
        for (const TopicPartition& tp : to_checkpoint) ledgers_[tp].MarkDurable();
      } else {
        for (Group& g : groups) {
          if (to_checkpoint.count(g.tp) > 0 && !g.blocked) {
            Block(g.row_record,
                  absl::UnavailableError(absl::StrCat(
                      "recording the write stream with the Kafka offset: ", s.message())),
                  &results);
            g.blocked = true;
          }
        }
      }
    }

    for (Group& g : groups) {
      if (g.blocked || g.rows.empty()) continue;
      auto s =
          AppendGroup(g.tp, g.ref, g.path, *g.encoder, records, g.rows, g.row_record, &results);
      if (!s.ok()) return s;
    }
    return results;
  }

  // The ledger travels with the consumed partition's offsets: the position
  // the record was read at (a replay converts a DLQ record's original).
  static int64_t ConsumedOffset(const SinkRecord& record) {
    return record.raw != nullptr ? record.raw->offset : record.offset;
  }

  // ferry replay --dry-run: what Write would do, creating, patching and
  // appending nothing. Records that encode against their table, or would
  // after an allowed schema update, or whose missing table would be created
  // from them, are kDelivered with the reason saying so; the rest are
  // kRejected as Write would reject them. Tables are read, never written.
  absl::StatusOr<std::vector<RecordResult>> WriteDryRun(
      absl::Span<const SinkRecord* const> records) {
    std::vector<RecordResult> results(records.size());
    std::map<std::string, std::pair<TableReference, std::vector<size_t>>> groups;
    for (size_t i = 0; i < records.size(); ++i) {
      auto ref = router_.Route(records[i]->topic);
      if (!ref.ok()) {
        results[i] = {WriteStatus::kRejected, std::string(ref.status().message()), ""};
        continue;
      }
      auto& group = groups[ref->StoragePath()];
      group.first = *ref;
      group.second.push_back(i);
    }
    const EvolutionOptions evolution = Evolution();
    for (const auto& [path, group] : groups) {
      const auto& [ref, members] = group;
      const CachedTable* cached = nullptr;
      if (auto it = tables_.find(path); it != tables_.end()) {
        cached = it->second.get();
      } else {
        auto table = WithRetries<Table>([&] { return rest_->GetTable(ref); });
        if (table.ok()) {
          auto c = Cache(ref, *std::move(table));
          if (!c.ok()) return c.status();
          cached = *c;
        } else if (!absl::IsNotFound(table.status())) {
          return table.status();
        } else if (!settings_.auto_create_tables) {
          return MissingTable(ref, table.status());
        }
      }
      if (cached == nullptr) {  // missing; autoCreateTables would create it.
        std::vector<const SinkRecord*> batch;
        for (size_t i : members) batch.push_back(records[i]);
        NewTablePlan plan = SchemaForNewTable(batch, Mapping());
        for (size_t k = 0; k < members.size(); ++k) {
          results[members[k]] =
              k < plan.errors.size() && plan.errors[k]
                  ? RecordResult{WriteStatus::kRejected,
                                 absl::StrCat("cannot shape table ", ref.DebugString(), ": ",
                                              plan.errors[k]->message),
                                 plan.errors[k]->column}
                  : RecordResult{WriteStatus::kDelivered,
                                 absl::StrCat("table ", ref.DebugString(), " would be created"),
                                 ""};
        }
        continue;
      }
      std::string row;
      for (size_t i : members) {
        std::optional<RowError> error = cached->encoder->Encode(*records[i], &row, put_attempt_id_);
        if (!error) {
          results[i] = {WriteStatus::kDelivered, "", ""};
          continue;
        }
        FitDecision decision =
            ClassifyRecord(cached->table.schema, *records[i], error, Mapping(), evolution);
        if (evolution.any() && decision.fit == RecordFit::kFitsAfterUpdate) {
          results[i] = {WriteStatus::kDelivered, "after an allowed schema update", ""};
          continue;
        }
        if (decision.fit == RecordFit::kNeverFits) error = std::move(decision.error);
        results[i] = {WriteStatus::kRejected, std::move(error->message), std::move(error->column)};
      }
    }
    return results;
  }

  static absl::Status MissingTable(const TableReference& ref, const absl::Status& why) {
    return absl::NotFoundError(
        absl::StrCat("table ", ref.DebugString(),
                     " does not exist and autoCreateTables is false: ", why.message()));
  }

  static void Block(const std::vector<size_t>& row_record, const absl::Status& why,
                    std::vector<RecordResult>* results) {
    for (size_t i : row_record) (*results)[i] = {WriteStatus::kRetriable, why.ToString(), ""};
  }

  absl::Status AppendGroup(const TopicPartition& tp, const TableReference& ref,
                           const std::string& path, const RowEncoder& encoder,
                           absl::Span<const SinkRecord* const> records,
                           const std::vector<std::string>& rows,
                           const std::vector<size_t>& row_record,
                           std::vector<RecordResult>* results) {
    StreamLedger& ledger = ledgers_[tp];
    size_t k = 0;
    // Rows an ended stream already holds (a re-read after a restart).
    while (k < rows.size() && ledger.NextFor(path) == StreamLedger::Next::kSkip) {
      ledger.Deliver(path, ConsumedOffset(*records[row_record[k]]));
      (*results)[row_record[k]] = {WriteStatus::kDelivered, "", ""};
      ++k;
    }
    if (k == rows.size()) return absl::OkStatus();
    if (ledger.NextFor(path) != StreamLedger::Next::kAppend) return absl::OkStatus();  // next time.
    const std::string stream = ledger.Current(path)->stream;
    auto appended =
        storage_->AppendAt(stream, encoder.descriptor(), absl::MakeConstSpan(rows).subspan(k),
                           ledger.Position(path), budget_);
    if (!appended.ok()) {
      return absl::Status(
          appended.status().code(),
          absl::StrCat(appended.status().message(), " (table ", ref.DebugString(), ")"));
    }
    for (size_t j = 0; j < appended->results.size(); ++j) {
      size_t i = row_record[k + j];
      if (appended->results[j].status == WriteStatus::kDelivered) {
        ledger.Deliver(path, ConsumedOffset(*records[i]));
      }
      (*results)[i] = std::move(appended->results[j]);
    }
    if (appended->stream_problem.ok()) return absl::OkStatus();
    if (appended->unexplained) {
      // A status code without a StorageError (servers other than BigQuery):
      // ask the server whether the stream is there; its row count comes from
      // finalizing it below.
      auto info = storage_->GetWriteStream(stream, budget_);
      if (!info.ok() && !absl::IsNotFound(info.status())) {
        // Still on the ended stream: the next attempt meets it again.
        return IsRetriableStorage(info.status()) ? absl::OkStatus() : info.status();
      }
      appended->stream_problem =
          info.ok()
              ? absl::FailedPreconditionError(appended->stream_problem.message())
              : absl::NotFoundError(absl::StrCat(appended->stream_problem.message(),
                                                 "; GetWriteStream: ", info.status().message()));
      spdlog::warn("{} (no StorageError detail; GetWriteStream says the stream {})",
                   std::string(appended->stream_problem.message()),
                   info.ok() ? "exists" : "is gone");
    }
    const bool batch = Batch();
    if (batch && absl::IsNotFound(appended->stream_problem) && !appended->finalized &&
        !ledger.DeliveredToCurrent(path)) {
      // A PENDING stream named by the committed metadata expired before it
      // was committed: none of its rows ever reached the table, and the
      // commit position never passed them, so they are written again.
      spdlog::warn(
          "pending write stream {} is gone ({}); its rows were never committed and go "
          "to a new stream",
          stream, std::string(appended->stream_problem.message()));
      ledger.EndCurrent(path, ledger.Position(path));
      rotated_ = true;
      return absl::OkStatus();
    }
    if (absl::IsNotFound(appended->stream_problem) && !appended->finalized) {
      return absl::FailedPreconditionError(absl::StrCat(
          appended->stream_problem.message(),
          ". The write stream is gone (expired?), so which rows after position ",
          appended->next_offset,
          " reached it cannot be known; the task stops rather than risk writing rows twice"));
    }
    // The stream takes no more rows: end its segment at what it holds; the
    // records not written go to a new stream when they are retried.
    auto end = storage_->FinalizeWriteStream(stream, budget_);
    if (!end.ok()) {
      // Still on the ended stream: the next attempt meets STREAM_FINALIZED again.
      return IsRetriableStorage(end.status()) ? absl::OkStatus() : end.status();
    }
    if (*end < appended->next_offset) {
      return absl::DataLossError(absl::StrCat("write stream ", stream, " holds ", *end,
                                              " rows, fewer than the ", appended->next_offset,
                                              " this task has confirmed"));
    }
    if (batch) {
      // Batch mode ends a segment only once its stream is committed
      // (committing again what is committed succeeds).
      absl::Status committed = storage_->BatchCommitWriteStreams(ref, {stream}, budget_);
      if (!committed.ok()) return IsRetriableStorage(committed) ? absl::OkStatus() : committed;
    }
    spdlog::info("write stream {} ended at {} rows ({}); moving to a new stream", stream, *end,
                 std::string(appended->stream_problem.message()));
    ledger.EndCurrent(path, *end);
    rotated_ = true;
    return absl::OkStatus();
  }

  // A REST call, retried out of the Write's budget.
  template <typename T, typename Call>
  absl::StatusOr<T> WithRetries(Call call) {
    RetryBudget own_budget(settings_.retries);
    RetryBudget& budget = budget_ != nullptr ? *budget_ : own_budget;
    if (budget.spent()) {
      return absl::UnavailableError(budget.NotAttempted());
    }
    for (int attempt = 0;; ++attempt) {
      absl::StatusOr<T> result = call();
      if (result.ok() || !IsTransient(result.status())) return result;
      const int n = budget.Take(result.status().ToString());
      if (n == 0) {
        spdlog::warn("BigQuery: giving up after {} attempt(s): {}", attempt + 1,
                     result.status().ToString());
        return result;
      }
      absl::Duration wait = RetryBudget::Backoff(n, settings_.retry_wait, absl::Seconds(60));
      spdlog::warn("BigQuery: {}; retrying in {}", result.status().ToString(),
                   absl::FormatDuration(wait));
      absl::SleepFor(wait);  // backoff, not synchronisation.
    }
  }

  SchemaMappingOptions Mapping() const {
    SchemaMappingOptions mapping;
    mapping.all_fields_nullable = settings_.all_fields_nullable;
    mapping.sanitize_field_names = settings_.sanitize_field_names;
    mapping.kafka_key_field = settings_.kafka_key_field;
    mapping.kafka_data_field = settings_.kafka_data_field;
    mapping.track_put_attempts = settings_.track_put_attempts;
    mapping.debezium_timestamp_as_integer = settings_.debezium_timestamp_as_integer;
    mapping.decimal_handling = settings_.decimal_handling;
    mapping.variable_scale_decimal_handling = settings_.variable_scale_decimal_handling;
    return mapping;
  }

  EvolutionOptions Evolution() const {
    EvolutionOptions evolution;
    evolution.allow_new_fields = settings_.allow_new_fields;
    evolution.allow_relaxation = settings_.allow_relaxation;
    evolution.allow_unionization = settings_.allow_unionization;
    evolution.decimals_into_float = !settings_.decimal_handling.has_value();
    return evolution;
  }

  struct CachedTable {
    Table table;
    std::unique_ptr<RowEncoder> encoder;
  };

  absl::StatusOr<const CachedTable*> Cache(const TableReference& ref, Table table) {
    RowEncoderOptions options;
    options.sanitize_field_names = settings_.sanitize_field_names;
    options.kafka_key_field = settings_.kafka_key_field;
    options.kafka_data_field = settings_.kafka_data_field;
    options.ignore_unknown_fields = settings_.ignore_unknown_fields;
    options.track_put_attempts = settings_.track_put_attempts;
    options.original_coordinates = settings_.original_coordinates;
    options.decimal_handling = settings_.decimal_handling;
    options.variable_scale_decimal_handling = settings_.variable_scale_decimal_handling;
    auto encoder = RowEncoder::Create(table.schema, std::move(options));
    if (!encoder.ok()) {
      return absl::Status(encoder.status().code(), absl::StrCat("table ", ref.DebugString(), ": ",
                                                                encoder.status().message()));
    }
    auto cached = std::make_unique<CachedTable>(CachedTable{std::move(table), *std::move(encoder)});
    const CachedTable* raw = cached.get();
    tables_[ref.StoragePath()] = std::move(cached);
    return raw;
  }

  absl::Status EnsureDataset(const TableReference& ref) {
    auto got = WithRetries<nlohmann::json>(
        [&] { return rest_->GetDataset(ref.project_id, ref.dataset_id); });
    if (got.ok()) return absl::OkStatus();
    if (!absl::IsNotFound(got.status())) return got.status();
    auto inserted = WithRetries<nlohmann::json>(
        [&] { return rest_->InsertDataset(ref.project_id, ref.dataset_id); });
    if (inserted.ok() || absl::IsAlreadyExists(inserted.status())) return absl::OkStatus();
    return inserted.status();
  }

  // The table (cached), created when missing and autoCreateTables: from the
  // records' Connect schemas, or inferred from schemaless values, merged over
  // the group. Records that cannot shape the table are marked kRejected.
  absl::StatusOr<const CachedTable*> EnsureTable(const TableReference& ref,
                                                 absl::Span<const SinkRecord* const> records,
                                                 const std::vector<size_t>& members,
                                                 std::vector<RecordResult>* results) {
    if (auto it = tables_.find(ref.StoragePath()); it != tables_.end()) return it->second.get();
    auto table = WithRetries<Table>([&] { return rest_->GetTable(ref); });
    if (table.ok()) return Cache(ref, *std::move(table));
    if (!absl::IsNotFound(table.status())) return table.status();
    if (!settings_.auto_create_tables) return MissingTable(ref, table.status());

    std::vector<const SinkRecord*> group;
    for (size_t i : members) group.push_back(records[i]);
    NewTablePlan plan = SchemaForNewTable(group, Mapping());
    for (size_t k = 0; k < members.size(); ++k) {
      if (k < plan.errors.size() && plan.errors[k]) {
        (*results)[members[k]] = {
            WriteStatus::kRejected,
            absl::StrCat("cannot shape table ", ref.DebugString(), ": ", plan.errors[k]->message),
            plan.errors[k]->column};
      }
    }
    if (!plan.schema || plan.schema->fields.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("table ", ref.DebugString(),
                       " does not exist and none of its records can give it a schema"));
    }
    if (auto s = EnsureDataset(ref); !s.ok()) return s;

    Table create;
    create.ref = ref;
    create.schema = *std::move(plan.schema);
    if (settings_.partitioning != TimePartitioningType::kNone) {
      TimePartitioning partitioning;
      partitioning.type = std::string(PartitioningName(settings_.partitioning));
      partitioning.field = settings_.timestamp_partition_field;
      partitioning.expiration_ms = settings_.partition_expiration_ms;
      create.time_partitioning = partitioning;
    }
    create.clustering_fields = settings_.clustering_fields;
    auto created = WithRetries<Table>([&] { return rest_->InsertTable(create); });
    if (!created.ok() && !absl::IsAlreadyExists(created.status())) {
      return absl::Status(
          created.status().code(),
          absl::StrCat("creating table ", ref.DebugString(), ": ", created.status().message()));
    }
    // Read it back: after a 409 someone else's schema is the one that counts.
    auto fetched = WithRetries<Table>([&] { return rest_->GetTable(ref); });
    if (!fetched.ok()) return fetched.status();
    return Cache(ref, *std::move(fetched));
  }

  // Encodes a group's records for their table, in record order. Records
  // BigQuery would refuse are kRejected before anything is sent. With schema
  // updates allowed (allowNewBigQueryFields / allowBigQueryRequiredFieldRelaxation
  // / allowSchemaUnionization), records that fit after an allowed update make
  // the table be patched once, and the group is encoded again against it.
  absl::StatusOr<const RowEncoder*> EncodeGroup(const TableReference& ref,
                                                absl::Span<const SinkRecord* const> records,
                                                const std::vector<size_t>& members,
                                                std::vector<RecordResult>* results,
                                                std::vector<std::string>* rows,
                                                std::vector<size_t>* row_record) {
    auto cached = EnsureTable(ref, records, members, results);
    if (!cached.ok()) return cached.status();
    const EvolutionOptions evolution = Evolution();
    for (int pass = 0;; ++pass) {
      rows->clear();
      row_record->clear();
      std::vector<TableSchema> proposals;
      std::vector<std::pair<size_t, RowError>> failed;
      std::string row;
      for (size_t i : members) {
        if ((*results)[i].status == WriteStatus::kRejected) continue;  // shaped no table.
        if (auto error = (*cached)->encoder->Encode(*records[i], &row, put_attempt_id_)) {
          failed.emplace_back(i, *std::move(error));
          continue;
        }
        rows->push_back(std::move(row));
        row_record->push_back(i);
      }
      for (auto& [i, error] : failed) {
        if (pass == 0) {
          // Without update keys too, so that the rejection names the key
          // that would let the record in, as kcbq's does.
          FitDecision decision =
              ClassifyRecord((*cached)->table.schema, *records[i], error, Mapping(), evolution);
          if (evolution.any() && decision.fit == RecordFit::kFitsAfterUpdate) {
            proposals.push_back(std::move(decision.proposal));
            continue;
          }
          if (decision.fit == RecordFit::kNeverFits) error = std::move(decision.error);
        }
        (*results)[i] = {WriteStatus::kRejected, std::move(error.message), std::move(error.column)};
      }
      if (proposals.empty()) return (*cached)->encoder.get();
      auto updated = UpdateSchema(ref, **cached, proposals, evolution);
      if (!updated.ok()) return updated.status();
      cached = *updated;
    }
  }

  // Patches the table with the allowed changes the proposals need, and
  // caches the result. A 412 (someone changed the table since it was read:
  // the etag differs) re-reads it and evolves that instead, once at once, or
  // with mediateConcurrentSchemaUpdates concurrentSchemaUpdateMaxRetries
  // times, each after concurrentSchemaUpdateRetryWaitMs.
  absl::StatusOr<const CachedTable*> UpdateSchema(const TableReference& ref,
                                                  const CachedTable& current,
                                                  const std::vector<TableSchema>& proposals,
                                                  const EvolutionOptions& evolution) {
    Table table = current.table;
    const int rereads =
        settings_.mediate_concurrent_updates ? settings_.concurrent_update_retries : 1;
    for (int attempt = 0;; ++attempt) {
      SchemaEvolution evolved = EvolveSchema(table.schema, proposals, evolution);
      if (!evolved.changed()) return Cache(ref, std::move(table));
      auto patched =
          WithRetries<Table>([&] { return rest_->PatchTable(ref, evolved.schema, table.etag); });
      if (patched.ok()) {
        std::string applied;
        for (const SchemaChange& c : evolved.applied) {
          absl::StrAppend(&applied, applied.empty() ? "" : ", ",
                          c.kind == ChangeKind::kAddField ? "added " : "relaxed ", c.column);
        }
        spdlog::info("table {}: schema updated ({})", ref.DebugString(), applied);
        if (!insert_all_ && settings_.write_mode == WriteMode::kDefaultStream) {
          storage_->Reset(ref);  // the next request carries the new writer schema.
        }
        auto fetched = WithRetries<Table>([&] { return rest_->GetTable(ref); });
        if (!fetched.ok()) return fetched.status();
        return Cache(ref, *std::move(fetched));
      }
      if (!absl::IsFailedPrecondition(patched.status()) || attempt >= rereads) {
        return absl::Status(
            patched.status().code(),
            absl::StrCat(
                "updating the schema of ", ref.DebugString(), ": ", patched.status().message(),
                absl::IsFailedPrecondition(patched.status())
                    ? absl::StrCat(" (the table changed under ", attempt + 1,
                                   " update(s) in a row; ", keys::kMediateConcurrentSchemaUpdates,
                                   "=", settings_.mediate_concurrent_updates ? "true" : "false",
                                   ")")
                    : std::string()));
      }
      // Someone else changed the table meanwhile: start from theirs.
      spdlog::warn(
          "table {}: changed by someone else while its schema was updated ({}); "
          "re-reading it (attempt {} of {})",
          ref.DebugString(), patched.status().ToString(), attempt + 1, rereads);
      if (settings_.mediate_concurrent_updates) {
        absl::SleepFor(settings_.concurrent_update_wait);  // Aiven's wait, not synchronisation.
      }
      auto fetched = WithRetries<Table>([&] { return rest_->GetTable(ref); });
      if (!fetched.ok()) return fetched.status();
      table = *std::move(fetched);
    }
  }

  BigQuerySinkSettings settings_;
  TableRouter router_;
  std::unique_ptr<RestClient> rest_;
  std::unique_ptr<StorageWriter> storage_;
  std::unique_ptr<InsertAllWriter> insert_all_;                 // useStorageWriteApi=false.
  std::map<std::string, std::unique_ptr<CachedTable>> tables_;  // by table storage path.
  bool Batch() const { return settings_.write_mode == WriteMode::kBatch; }
  bool UsesLedger() const {
    return !settings_.dry_run && (settings_.write_mode == WriteMode::kExactlyOnce || Batch());
  }

  Checkpoint checkpoint_;
  RetryBudget* budget_ = nullptr;  // the current Write's.
  std::string put_attempt_id_;     // the current Write's ULID (trackPutAttempts).
  // Batch mode: when Flush commits next (commitInterval after the last time).
  std::chrono::steady_clock::time_point next_batch_commit_ =
      std::chrono::steady_clock::now() + absl::ToChronoMilliseconds(settings_.commit_interval);
  std::map<std::string, TableReference> refs_;      // tables by storage path (batch mode).
  bool rotated_ = false;                            // a stream ended during this Write.
  std::map<TopicPartition, StreamLedger> ledgers_;  // exactly-once state per partition.
};

}  // namespace

absl::StatusOr<std::unique_ptr<SinkWriter>> CreateBigQuerySinkWriter(
    const BigQuerySinkSettings& settings, std::shared_ptr<TokenSource> token_source) {
  if (!token_source) token_source = std::make_shared<AnonymousTokenSource>();
  RestClientOptions rest_options;
  rest_options.endpoint = settings.rest_endpoint;
  rest_options.token_source = token_source;
  auto rest = RestClient::Create(std::move(rest_options));
  if (!rest.ok()) return rest.status();

  StorageWriterOptions storage_options;
  storage_options.endpoint = settings.storage_endpoint;
  storage_options.token_source = token_source;
  storage_options.max_request_bytes = settings.max_request_bytes;
  storage_options.max_in_flight = settings.max_in_flight;
  storage_options.retries = settings.retries;
  storage_options.retry_wait = settings.retry_wait;
  auto storage = StorageWriter::Create(std::move(storage_options));
  if (!storage.ok()) return storage.status();

  return std::unique_ptr<SinkWriter>(
      new BigQuerySinkWriter(settings, *std::move(rest), *std::move(storage)));
}

absl::StatusOr<std::shared_ptr<TokenSource>> TokenSourceFor(const BigQuerySinkSettings& settings) {
  const bool google =
      IsGoogleEndpoint(settings.rest_endpoint) || IsGoogleEndpoint(settings.storage_endpoint);
  if (settings.keyfile.empty() && settings.key_source != "APPLICATION_DEFAULT" && !google) {
    return std::shared_ptr<TokenSource>(std::make_shared<AnonymousTokenSource>());
  }
  CredentialsOptions options;
  options.keyfile = settings.keyfile;
  // No key for Google: application default credentials, as Google's client does.
  options.key_source = settings.keyfile.empty() ? "APPLICATION_DEFAULT" : settings.key_source;
  options.token_endpoint = settings.token_endpoint;
  auto source = CreateTokenSource(options);
  if (!source.ok()) return source.status();
  spdlog::info("BigQuery credentials: {}", (*source)->Describe());
  return *source;
}

absl::StatusOr<std::unique_ptr<SinkWriter>> CreateBigQuerySinkWriter(
    const std::map<std::string, std::string>& connector_props) {
  auto settings = ParseBigQuerySinkSettings(connector_props);
  if (!settings.ok()) return settings.status();
  auto token_source = TokenSourceFor(*settings);
  if (!token_source.ok()) return token_source.status();
  return CreateBigQuerySinkWriter(*settings, *token_source);
}

}  // namespace ferry::bigquery
