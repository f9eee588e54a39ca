#include "runtime/task.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace ferry::runtime {
namespace {

constexpr size_t kMaxRecentErrors = 20;

}  // namespace

std::string_view TaskStateName(TaskState state) {
  switch (state) {
    case TaskState::kUnassigned:
      return "UNASSIGNED";
    case TaskState::kRunning:
      return "RUNNING";
    case TaskState::kPaused:
      return "PAUSED";
    case TaskState::kFailed:
      return "FAILED";
    case TaskState::kRestarting:
      return "RESTARTING";
    case TaskState::kStopped:
      return "STOPPED";
  }
  return "UNKNOWN";
}

SinkTask::SinkTask(TaskOptions options, TaskComponents components)
    : options_(std::move(options)), c_(std::move(components)) {}

SinkTask::~SinkTask() = default;

void SinkTask::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_.store(true);
  }
  stop_cv_.notify_all();
}

TaskStatus SinkTask::Status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

std::string SinkTask::Context(const RawRecord& raw) const {
  return absl::StrCat("topic ", raw.topic, ", partition ", raw.partition, ", offset ", raw.offset);
}

void SinkTask::RecordError(std::string stage, std::string message) {
  std::lock_guard<std::mutex> lock(mu_);
  status_.recent_errors.push_back(
      TaskError{std::chrono::system_clock::now(), std::move(stage), std::move(message)});
  if (status_.recent_errors.size() > kMaxRecentErrors) {
    status_.recent_errors.erase(status_.recent_errors.begin());
  }
}

void SinkTask::Fail(const absl::Status& status) {
  spdlog::error("{}-{}: task failed: {}", options_.connector_name, options_.task_id,
                status.ToString());
  std::lock_guard<std::mutex> lock(mu_);
  status_.state = TaskState::kFailed;
  status_.trace = status.ToString();
}

void SinkTask::Run() {
  c_.writer->SetCheckpoint(
      [this](const std::vector<kafka::TopicPartition>& tps) { return Checkpoint(tps); });
  kafka::ConsumerOptions copts = options_.consumer;
  copts.listener = this;
  auto consumer = kafka::Consumer::Create(std::move(copts));
  if (!consumer.ok()) {
    Fail(consumer.status());
    if (options_.before_close) options_.before_close();
    return;
  }
  consumer_ = std::move(*consumer);
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.state = TaskState::kRunning;
  }
  last_commit_ = std::chrono::steady_clock::now();
  std::vector<RawRecord> batch;
  std::vector<kafka::LostRange> lost;
  absl::Status failure;
  while (!stop_.load()) {
    batch.clear();
    lost.clear();
    absl::Status s = consumer_->Poll(
        options_.max_poll_records, static_cast<int>(options_.poll_timeout.count()), &batch, &lost);
    if (!s.ok()) {
      RecordError("KAFKA_CONSUME", std::string(s.message()));
      failure = s;
      break;
    }
    if (!open_error_.ok()) {
      RecordError("TASK_PUT", std::string(open_error_.message()));
      failure = open_error_;
      break;
    }
    if (!lost.empty()) {
      s = HandleLost(lost);
      if (!s.ok()) {
        failure = s;
        break;
      }
    }
    if (!batch.empty()) {
      s = ProcessBatch(batch);
      if (!s.ok()) {
        failure = s;
        break;
      }
    }
    s = c_.writer->Flush(/*all=*/false);
    if (!s.ok()) {
      RecordError("TASK_PUT", std::string(s.message()));
      failure = s;
      break;
    }
    {
      // Refresh progress for status and drain detection.
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [tp, pos] : status_.progress) {
        int64_t low, high;
        if (consumer_->CachedWatermarks(tp, &low, &high)) pos.second = high;
      }
    }
    if (std::chrono::steady_clock::now() - last_commit_ >= options_.offset_flush_interval) {
      absl::Status cs = CommitPending(/*sync=*/false);
      if (!cs.ok())
        spdlog::warn("{}: offset commit failed: {}", options_.connector_name, cs.ToString());
    }
  }
  // Commit what is safely written before leaving the group, so a restart
  // resumes at the first record not written (the failed one, if any).
  if (absl::Status fs = c_.writer->Flush(/*all=*/true); !fs.ok()) {
    spdlog::warn("{}: final flush failed: {}", options_.connector_name, fs.ToString());
  }
  absl::Status cs = CommitPending(/*sync=*/true);
  if (!cs.ok()) spdlog::warn("{}: final commit failed: {}", options_.connector_name, cs.ToString());
  if (!failure.ok()) Fail(failure);
  if (options_.before_close) options_.before_close();
  consumer_->Close();
  std::lock_guard<std::mutex> lock(mu_);
  if (status_.state != TaskState::kFailed) status_.state = TaskState::kStopped;
}

void SinkTask::OnAssigned(const std::map<kafka::TopicPartition, kafka::OffsetAndMetadata>& start) {
  std::map<kafka::TopicPartition, std::string> metadata;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [tp, om] : start) {
      spdlog::info("{}-{}: assigned {} at {}", options_.connector_name, options_.task_id,
                   tp.DebugString(), om.offset >= 0 ? std::to_string(om.offset) : "(no commit)");
      status_.progress[tp] = {om.offset >= 0 ? om.offset : 0, -1};
      metadata[tp] = om.metadata;
      sent_metadata_[tp] = om.metadata;
      next_offset_.erase(tp);  // seeded again by the partition's first record.
    }
  }
  absl::Status s = c_.writer->Open(metadata);
  if (!s.ok() && open_error_.ok()) open_error_ = s;
}

void SinkTask::OnRevoked(const std::vector<kafka::TopicPartition>& partitions) {
  // Every polled batch is fully processed before the next poll, so nothing of
  // these partitions is in flight: make it durable, commit and let go.
  if (absl::Status fs = c_.writer->Flush(/*all=*/true); !fs.ok()) {
    spdlog::warn("{}-{}: flush on revocation failed: {}", options_.connector_name, options_.task_id,
                 fs.ToString());
  }
  absl::Status s = CommitPending(/*sync=*/true);
  if (!s.ok()) {
    spdlog::warn("{}-{}: commit on revocation failed: {}", options_.connector_name,
                 options_.task_id, s.ToString());
  }
  c_.writer->Close(partitions);
  Forget(partitions);
}

void SinkTask::OnLost(const std::vector<kafka::TopicPartition>& partitions) {
  // Another member may own them already: commit nothing for them, and let the
  // writer drop their state without touching what it names.
  c_.writer->Abandon(partitions);
  Forget(partitions);
}

void SinkTask::Forget(const std::vector<kafka::TopicPartition>& partitions) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& tp : partitions) {
    next_offset_.erase(tp);
    sent_metadata_.erase(tp);
    status_.progress.erase(tp);
  }
}

absl::Status SinkTask::CommitPending(bool sync) {
  absl::Status previous = consumer_->TakeCommitError();
  if (!previous.ok()) {
    spdlog::warn("{}-{}: an offset commit failed ({}); retrying", options_.connector_name,
                 options_.task_id, previous.ToString());
  }
  const auto& acked = consumer_->Acknowledged();
  std::map<kafka::TopicPartition, kafka::OffsetAndMetadata> to_commit;
  for (const auto& [tp, next] : next_offset_) {
    const int64_t offset = c_.writer->Committable(tp, next);
    std::string metadata = c_.writer->CommitMetadata(tp, offset);
    auto it = acked.find(tp);
    if (it == acked.end() || it->second < offset || sent_metadata_[tp] != metadata) {
      sent_metadata_[tp] = metadata;
      to_commit[tp] = kafka::OffsetAndMetadata{offset, std::move(metadata)};
    }
  }
  last_commit_ = std::chrono::steady_clock::now();
  if (to_commit.empty()) return absl::OkStatus();
  return consumer_->Commit(to_commit, sync);
}

absl::Status SinkTask::Checkpoint(const std::vector<kafka::TopicPartition>& partitions) {
  std::map<kafka::TopicPartition, kafka::OffsetAndMetadata> to_commit;
  for (const kafka::TopicPartition& tp : partitions) {
    auto it = next_offset_.find(tp);
    if (it == next_offset_.end()) {
      return absl::InternalError(
          absl::StrCat("checkpoint of ", tp.DebugString(), " before any of its records"));
    }
    const int64_t offset = c_.writer->Committable(tp, it->second);
    std::string metadata = c_.writer->CommitMetadata(tp, offset);
    sent_metadata_[tp] = metadata;
    to_commit[tp] = kafka::OffsetAndMetadata{offset, std::move(metadata)};
  }
  return consumer_->Commit(to_commit, /*sync=*/true);
}

absl::Status SinkTask::HandleLost(const std::vector<kafka::LostRange>& lost) {
  for (const kafka::LostRange& r : lost) {
    int64_t count = r.to > r.from ? r.to - r.from : 0;
    std::string msg = absl::StrCat("data lost to retention: topic ", r.tp.topic, ", partition ",
                                   r.tp.partition, ", offsets [", r.from, ", ", r.to, ") (", count,
                                   " records) were deleted by the broker before they were written");
    spdlog::error("{}-{}: {}", options_.connector_name, options_.task_id, msg);
    RecordError("KAFKA_CONSUME", msg);
    {
      std::lock_guard<std::mutex> lock(mu_);
      status_.offsets_lost_to_retention += count;
      status_.lost_ranges.push_back(r);
    }
    if (!options_.errors.skip_retention_loss || r.to < 0) {
      return absl::DataLossError(absl::StrCat(
          msg, "; stopping (set ferry.kafka.retention.loss.skip=true to continue past it)"));
    }
    absl::Status s = consumer_->Seek(r.tp, r.to);
    if (!s.ok()) return s;
    next_offset_[r.tp] = r.to;
  }
  return absl::OkStatus();
}

absl::StatusOr<SinkRecord> SinkTask::Convert(const std::shared_ptr<const RawRecord>& raw,
                                             std::string* stage) {
  SinkRecord rec;
  rec.topic = raw->topic;
  rec.partition = raw->partition;
  rec.offset = raw->offset;
  rec.timestamp_ms = raw->timestamp_ms;
  rec.timestamp_type = raw->timestamp_type;
  rec.raw = raw;
  *stage = "HEADER_CONVERTER";
  for (const auto& [k, v] : raw->headers) {
    auto h = c_.header_converter->ToConnectHeader(raw->topic, k, v);
    if (!h.ok()) return h.status();
    rec.headers.Add(k, std::move(h->schema), std::move(h->value));
  }
  // Converters see the Kafka headers as bytes, as Connect's do; the header
  // converter's typed values are for transforms and the writer.
  const Headers kafka_headers = RawKafkaHeaders(raw->headers);
  *stage = "KEY_CONVERTER";
  auto key = c_.key_converter->ToConnectData(raw->topic, kafka_headers, raw->key);
  if (!key.ok()) return key.status();
  rec.key_schema = std::move(key->schema);
  rec.key = std::move(key->value);
  *stage = "VALUE_CONVERTER";
  auto value = c_.value_converter->ToConnectData(raw->topic, kafka_headers, raw->value);
  if (!value.ok()) return value.status();
  rec.value_schema = std::move(value->schema);
  rec.value = std::move(value->value);
  return rec;
}

absl::Status SinkTask::ProcessBatch(std::vector<RawRecord>& batch) {
  const size_t n = batch.size();
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.records_consumed += static_cast<int64_t>(n);
    if (!status_.first_record_time) status_.first_record_time = std::chrono::steady_clock::now();
  }
  // Per record: converted+transformed record to write, or why it is done.
  std::vector<std::optional<SinkRecord>> out(n);
  std::vector<std::shared_ptr<const RawRecord>> raws(n);
  size_t fatal_at = n;  // first record that stops the task (tolerance none).
  absl::Status fatal;
  int64_t filtered = 0, skipped = 0;
  for (size_t i = 0; i < n; ++i) {
    raws[i] = std::make_shared<const RawRecord>(std::move(batch[i]));
    std::string stage;
    absl::StatusOr<SinkRecord> rec = Convert(raws[i], &stage);
    absl::StatusOr<std::optional<SinkRecord>> transformed;
    if (rec.ok()) {
      stage = "TRANSFORMATION";
      transformed = c_.transforms->Apply(*rec);
    } else {
      transformed = rec.status();
    }
    if (transformed.ok()) {
      if (transformed->has_value()) {
        out[i] = std::move(**transformed);
      } else {
        ++filtered;
      }
      continue;
    }
    std::string msg = absl::StrCat("Error in stage ", stage, " (", Context(*raws[i]),
                                   "): ", transformed.status().message());
    RecordError(stage, msg);
    if (!options_.errors.tolerate_all) {
      fatal_at = i;
      fatal = absl::Status(transformed.status().code(),
                           absl::StrCat(msg, "; errors.tolerance=none, stopping the task"));
      break;
    }
    ++skipped;
    if (options_.errors.log_errors) {
      spdlog::error("{}-{}: {}{}", options_.connector_name, options_.task_id, msg,
                    options_.errors.log_messages && raws[i]->value
                        ? absl::StrCat(" value=", *raws[i]->value)
                        : std::string());
    }
  }

  // A partition's first records: its commit position starts at the first.
  for (size_t i = 0; i < n; ++i) {
    next_offset_.emplace(kafka::TopicPartition{raws[i]->topic, raws[i]->partition},
                         raws[i]->offset);
  }
  std::vector<const SinkRecord*> to_write;
  std::vector<size_t> index_of;
  for (size_t i = 0; i < fatal_at; ++i) {
    if (out[i]) {
      to_write.push_back(&*out[i]);
      index_of.push_back(i);
    }
  }
  std::vector<RecordResult> results;
  absl::Status ws = WriteWithRetry(to_write, &results);
  if (!ws.ok()) {
    RecordError("TASK_PUT", std::string(ws.message()));
    return ws;  // nothing of this batch is known to be written: commit nothing new.
  }
  // done[i]: record i may be committed past.
  std::vector<bool> done(n, false);
  for (size_t i = 0; i < fatal_at; ++i) done[i] = !out[i].has_value();  // filtered or tolerated.
  int64_t written = 0;
  for (size_t k = 0; k < to_write.size(); ++k) {
    const RecordResult& r = results[k];
    size_t i = index_of[k];
    if (r.status == WriteStatus::kDelivered) {
      done[i] = true;
      ++written;
    } else if (r.status == WriteStatus::kRejected) {
      std::string msg = absl::StrCat("Error in stage TASK_PUT (", Context(*raws[i]),
                                     "): BigQuery rejected the row: ", r.reason,
                                     r.location.empty() ? "" : absl::StrCat(" (", r.location, ")"));
      RecordError("TASK_PUT", msg);
      if (!options_.errors.tolerate_all) {
        if (i < fatal_at) {
          fatal_at = i;
          fatal = absl::InvalidArgumentError(
              absl::StrCat(msg, "; errors.tolerance=none, stopping the task"));
        }
      } else {
        done[i] = true;
        ++skipped;
        if (options_.errors.log_errors) spdlog::error("{}: {}", options_.connector_name, msg);
      }
    }
    // kRetriable only remains when the task is stopping: not done.
  }
  // Advance each partition's commit position over its contiguous done prefix.
  std::map<kafka::TopicPartition, bool> blocked;
  for (size_t i = 0; i < n; ++i) {
    kafka::TopicPartition tp{raws[i]->topic, raws[i]->partition};
    if (blocked[tp]) continue;
    if (i >= fatal_at || !done[i]) {
      blocked[tp] = true;
      continue;
    }
    next_offset_[tp] = raws[i]->offset + 1;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [tp, next] : next_offset_) {
      auto p = status_.progress.find(tp);
      if (p != status_.progress.end()) p->second.first = next;
    }
    status_.records_written += written;
    status_.records_filtered += filtered;
    status_.records_skipped += skipped;
  }
  if (!fatal.ok()) return fatal;
  for (const auto& [tp, b] : blocked) {
    if (b && !stop_.load()) {
      return absl::InternalError("records left unresolved without a stop request");
    }
  }
  if (!blocked.empty() && stop_.load()) {
    // Stopping with records not yet written: the consumer will be closed and
    // a restart resumes at the first of them.
  }
  return absl::OkStatus();
}

absl::Status SinkTask::WriteWithRetry(const std::vector<const SinkRecord*>& records,
                                      std::vector<RecordResult>* results) {
  results->assign(records.size(), RecordResult{});
  std::vector<size_t> pending(records.size());
  for (size_t i = 0; i < records.size(); ++i) pending[i] = i;
  auto delay = std::chrono::milliseconds(300);
  while (!pending.empty()) {
    std::vector<const SinkRecord*> batch;
    batch.reserve(pending.size());
    for (size_t i : pending) batch.push_back(records[i]);
    auto r = c_.writer->Write(batch);
    if (!r.ok()) return r.status();
    if (r->size() != batch.size()) {
      return absl::InternalError("writer returned a result count that does not match the batch");
    }
    std::vector<size_t> still;
    std::string last_reason;
    for (size_t k = 0; k < pending.size(); ++k) {
      (*results)[pending[k]] = (*r)[k];
      if ((*r)[k].status == WriteStatus::kRetriable) {
        still.push_back(pending[k]);
        last_reason = (*r)[k].reason;
      }
    }
    pending = std::move(still);
    if (pending.empty()) break;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++status_.write_retries;
    }
    spdlog::warn("{}-{}: {} records not written ({}); retrying in {} ms", options_.connector_name,
                 options_.task_id, pending.size(), last_reason, delay.count());
    // Wait with backoff, waking early if the task is asked to stop.
    {
      std::unique_lock<std::mutex> lock(stop_mu_);
      if (stop_cv_.wait_for(lock, delay, [&] { return stop_.load(); })) break;
    }
    delay = std::min(delay * 2, options_.errors.retry_delay_max);
  }
  return absl::OkStatus();
}

}  // namespace ferry::runtime
