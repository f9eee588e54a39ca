#include "runtime/task.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "errors/dead_letter_queue.h"
#include "spdlog/spdlog.h"

namespace ferry::runtime {

int64_t TaskStatus::Lag() const {
  int64_t lag = 0;
  for (const auto& [tp, p] : progress) {
    if (p.second >= 0 && p.second > p.first) lag += p.second - p.first;
  }
  return lag;
}

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

SinkTask::SinkTask(TaskOptions options, ComponentsFactory factory)
    : options_(std::move(options)), factory_(std::move(factory)) {}

SinkTask::~SinkTask() = default;

void SinkTask::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_.store(true);
  }
  stop_cv_.notify_all();
}

void SinkTask::Pause() { pause_requested_.store(true); }
void SinkTask::Resume() { pause_requested_.store(false); }
bool SinkTask::FailedForGood() const { return failed_for_good_.load(); }

bool SinkTask::WaitUnlessStopped(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  return !stop_cv_.wait_for(lock, delay, [&] { return stop_.load(); });
}

TaskStatus SinkTask::Status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

std::string SinkTask::Context(const RawRecord& raw) const {
  return absl::StrCat("topic ", raw.topic, ", partition ", raw.partition, ", offset ", raw.offset);
}

void SinkTask::RecordError(std::string stage, std::string message, const RawRecord* raw,
                           std::string exception_class) {
  TaskError e{std::chrono::system_clock::now(), std::move(stage), std::move(message)};
  if (raw != nullptr) {
    e.topic = raw->topic;
    e.partition = raw->partition;
    e.offset = raw->offset;
  }
  e.exception_class = std::move(exception_class);
  std::lock_guard<std::mutex> lock(mu_);
  status_.recent_errors.push_back(std::move(e));
  while (status_.recent_errors.size() > std::max<size_t>(options_.errors.recent_errors, 1)) {
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
  std::chrono::milliseconds backoff = options_.restart.initial_backoff;
  int attempts = 0;
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    bool restartable = true;
    absl::Status failure;
    absl::StatusOr<TaskComponents> components = factory_();
    if (!components.ok()) {
      failure = components.status();
      Fail(failure);
      // A configuration that cannot be built will not build next time.
      restartable = failure.code() != absl::StatusCode::kInvalidArgument &&
                    failure.code() != absl::StatusCode::kNotFound;
    } else {
      c_ = std::move(*components);
      failure = RunOnce(&restartable);
      c_ = TaskComponents();  // the writer and reporters end with their run.
    }
    if (failure.ok()) break;
    if (stop_.load()) break;
    if (!options_.restart.enabled || !restartable) {
      if (options_.restart.enabled) {
        spdlog::error("{}-{}: not restarting: a restart cannot fix this failure",
                      options_.connector_name, options_.task_id);
      }
      failed_for_good_.store(true);
      break;
    }
    // A run that lasted longer than the longest backoff was healthy: start over.
    if (std::chrono::steady_clock::now() - started >= options_.restart.max_backoff) {
      backoff = options_.restart.initial_backoff;
      attempts = 0;
    }
    if (options_.restart.max_attempts >= 0 && attempts >= options_.restart.max_attempts) {
      spdlog::error("{}-{}: not restarting: {} restart(s) in a row failed", options_.connector_name,
                    options_.task_id, attempts);
      failed_for_good_.store(true);
      break;
    }
    ++attempts;
    {
      std::lock_guard<std::mutex> lock(mu_);
      status_.state = TaskState::kRestarting;
      ++status_.restarts;
    }
    spdlog::warn("{}-{}: restarting in {} ms (restart {} in a row)", options_.connector_name,
                 options_.task_id, backoff.count(), attempts);
    if (!WaitUnlessStopped(backoff)) break;
    backoff = std::min(backoff * 2, options_.restart.max_backoff);
  }
}

absl::Status SinkTask::RunOnce(bool* restartable) {
  *restartable = true;
  open_error_ = absl::OkStatus();
  next_offset_.clear();
  sent_metadata_.clear();
  c_.writer->SetCheckpoint(
      [this](const std::vector<kafka::TopicPartition>& tps) { return Checkpoint(tps); });
  kafka::ConsumerOptions copts = options_.consumer;
  copts.listener = this;
  auto consumer = kafka::Consumer::Create(std::move(copts));
  if (!consumer.ok()) {
    // A consumer that its properties cannot build will not build next time.
    *restartable = consumer.status().code() != absl::StatusCode::kInvalidArgument;
    absl::Status failure(consumer.status().code(),
                         absl::StrCat("the task's consumer cannot be created (worker consumer.* "
                                      "and connector consumer.override.* settings): ",
                                      consumer.status().message()));
    RecordError("KAFKA_CONSUME", std::string(failure.message()));
    Fail(failure);
    return failure;
  }
  consumer_ = std::move(*consumer);
  if (options_.on_join) options_.on_join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.state = TaskState::kRunning;
    status_.progress.clear();
  }
  last_commit_ = std::chrono::steady_clock::now();
  std::vector<RawRecord> batch;
  std::vector<kafka::LostRange> lost;
  absl::Status failure;
  while (!stop_.load()) {
    if (const bool pause = pause_requested_.load(); pause != consumer_->paused()) {
      if (absl::Status ps = consumer_->SetPaused(pause); !ps.ok()) {
        spdlog::warn("{}-{}: {}", options_.connector_name, options_.task_id, ps.ToString());
      } else {
        spdlog::info("{}-{}: {}", options_.connector_name, options_.task_id,
                     pause ? "paused" : "resumed");
        std::lock_guard<std::mutex> lock(mu_);
        status_.state = pause ? TaskState::kPaused : TaskState::kRunning;
      }
    }
    batch.clear();
    lost.clear();
    absl::Status s = consumer_->Poll(
        options_.max_poll_records, static_cast<int>(options_.poll_timeout.count()), &batch, &lost);
    if (!s.ok()) {
      RecordError("KAFKA_CONSUME", std::string(s.message()));
      failure = s;
      break;
    }
    // The client retries these itself (as Connect's does); never silently.
    for (std::string& e : consumer_->TakeClientErrors()) {
      RecordError("KAFKA_CONSUME", absl::StrCat("Kafka client: ", e));
      std::lock_guard<std::mutex> lock(mu_);
      ++status_.kafka_client_errors;
    }
    for (const auto& reporter : c_.reporters) {
      for (std::string& e : reporter->TakeClientErrors()) {
        RecordError("KAFKA_PRODUCE", absl::StrCat("dead-letter queue producer: ", e));
        std::lock_guard<std::mutex> lock(mu_);
        ++status_.kafka_client_errors;
      }
    }
    if (!open_error_.ok()) {
      RecordError("TASK_PUT", std::string(open_error_.message()));
      failure = open_error_;
      break;
    }
    if (!lost.empty()) {
      s = HandleLost(lost);
      if (!s.ok()) {
        *restartable = false;  // the operator decides about lost data.
        failure = s;
        break;
      }
    }
    if (!batch.empty()) {
      s = ProcessBatch(batch, restartable);
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
  if (failure.ok()) {
    if (options_.before_close) options_.before_close();
  } else {
    Fail(failure);
    if (options_.on_leave) options_.on_leave();
  }
  consumer_->Close();
  consumer_.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (failure.ok() && status_.state != TaskState::kFailed) status_.state = TaskState::kStopped;
  }
  return failure;
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
  // Closing may end what the writer holds open (exactly-once streams are
  // finalized): the final commit comes after it, so that its metadata says
  // so and the next owner does not append to an ended stream.
  c_.writer->Close(partitions);
  absl::Status s = CommitPending(/*sync=*/true);
  if (!s.ok()) {
    spdlog::warn("{}-{}: commit on revocation failed: {}", options_.connector_name,
                 options_.task_id, s.ToString());
  }
  c_.writer->Abandon(partitions);
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
  if (to_commit.empty() || !options_.commit_offsets) return absl::OkStatus();
  return consumer_->Commit(to_commit, sync);
}

absl::Status SinkTask::Checkpoint(const std::vector<kafka::TopicPartition>& partitions) {
  if (!options_.commit_offsets) {
    return absl::FailedPreconditionError("a task that commits no offsets cannot checkpoint");
  }
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

template <typename Op>
auto SinkTask::WithRetry(Op op) -> decltype(op()) {
  auto result = op();
  if (result.ok() || !errors::IsRetriable(result.status())) return result;
  errors::RetrySchedule schedule(options_.errors.retry, std::chrono::steady_clock::now());
  for (;;) {
    std::optional<std::chrono::milliseconds> delay =
        schedule.NextDelay(std::chrono::steady_clock::now());
    if (!delay || !WaitUnlessStopped(*delay)) return result;
    result = op();
    if (result.ok() || !errors::IsRetriable(result.status())) return result;
  }
}

absl::StatusOr<std::optional<SinkRecord>> SinkTask::ConvertAndTransform(
    const std::shared_ptr<const RawRecord>& raw, const std::shared_ptr<const RawRecord>& consumed,
    errors::ErrorReport* report) {
  SinkRecord rec;
  rec.topic = raw->topic;
  rec.partition = raw->partition;
  rec.offset = raw->offset;
  rec.timestamp_ms = raw->timestamp_ms;
  rec.timestamp_type = raw->timestamp_type;
  rec.raw = consumed;
  report->exception_class = errors::kDataException;
  report->stage = errors::Stage::kHeaderConverter;
  report->executing_class = c_.header_converter_class;
  for (const auto& [k, v] : raw->headers) {
    auto h = WithRetry([&] { return c_.header_converter->ToConnectHeader(raw->topic, k, v); });
    if (!h.ok()) return h.status();
    rec.headers.Add(k, std::move(h->schema), std::move(h->value));
  }
  // Converters see the Kafka headers as bytes, as Connect's do; the header
  // converter's typed values are for transforms and the writer.
  const Headers kafka_headers = RawKafkaHeaders(raw->headers);
  report->stage = errors::Stage::kKeyConverter;
  report->executing_class = c_.key_converter_class;
  auto key = WithRetry(
      [&] { return c_.key_converter->ToConnectData(raw->topic, kafka_headers, raw->key); });
  if (!key.ok()) return key.status();
  rec.key_schema = std::move(key->schema);
  rec.key = std::move(key->value);
  report->stage = errors::Stage::kValueConverter;
  report->executing_class = c_.value_converter_class;
  auto value = WithRetry(
      [&] { return c_.value_converter->ToConnectData(raw->topic, kafka_headers, raw->value); });
  if (!value.ok()) return value.status();
  rec.value_schema = std::move(value->schema);
  rec.value = std::move(value->value);
  report->stage = errors::Stage::kTransformation;
  report->executing_class.clear();
  return WithRetry([&] { return c_.transforms->Apply(rec, &report->executing_class); });
}

absl::Status SinkTask::Tolerate(const errors::ErrorReport& report) {
  RecordError(errors::StageName(report.stage), report.message, report.raw.get(),
              report.exception_class);
  for (const auto& reporter : c_.reporters) {
    if (absl::Status s = reporter->Report(report); !s.ok()) {
      RecordError("KAFKA_PRODUCE", std::string(s.message()), report.raw.get());
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status SinkTask::ProcessBatch(std::vector<RawRecord>& batch, bool* restartable) {
  const size_t n = batch.size();
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_.records_consumed += static_cast<int64_t>(n);
    if (!status_.first_record_time) status_.first_record_time = std::chrono::steady_clock::now();
  }
  // raws: as consumed (positions, commits); sources: what is processed.
  std::vector<std::shared_ptr<const RawRecord>> raws(n);
  std::vector<std::shared_ptr<const RawRecord>> sources(n);
  int64_t filtered = 0;
  for (size_t i = 0; i < n; ++i) {
    raws[i] = std::make_shared<const RawRecord>(std::move(batch[i]));
    sources[i] = options_.substitute ? options_.substitute(*raws[i]) : raws[i];
  }
  auto new_report = [this](const std::shared_ptr<const RawRecord>& raw) {
    errors::ErrorReport r;
    r.connector_name = options_.connector_name;
    r.task_id = options_.task_id;
    r.raw = raw;
    return r;
  };
  // A record-fatal failure: tolerated (reported, skipped) or the task's end.
  size_t fatal_at = n;  // first record that stops the task (tolerance none).
  absl::Status fatal;
  bool fatal_restartable = false;  // a converter that could not judge the record.
  int64_t tolerated = 0;
  auto record_failed = [&](size_t i, errors::ErrorReport report) -> absl::Status {
    report.time = absl::Now();
    if (options_.errors.tolerate_all) {
      ++tolerated;
      if (options_.on_outcome) options_.on_outcome(*raws[i], RecordOutcome::kFailed);
      return Tolerate(report);
    }
    std::string msg = absl::StrCat("Error in stage ", errors::StageName(report.stage), " (",
                                   Context(*report.raw), "): ", report.message);
    RecordError(errors::StageName(report.stage), msg, report.raw.get(), report.exception_class);
    if (i < fatal_at) {
      fatal_at = i;
      fatal = absl::InvalidArgumentError(absl::StrCat(
          msg, "; errors.tolerance=none, stopping the task (the record stays uncommitted)"));
    }
    return absl::OkStatus();
  };

  // Per record: converted+transformed record to write, or why it is done.
  std::vector<std::optional<SinkRecord>> out(n);
  for (size_t i = 0; i < n; ++i) {
    if (sources[i] == nullptr) {  // passed over (a replay's filter).
      ++filtered;
      continue;
    }
    errors::ErrorReport report = new_report(sources[i]);
    absl::StatusOr<std::optional<SinkRecord>> rec =
        ConvertAndTransform(sources[i], raws[i], &report);
    if (rec.ok()) {
      if (rec->has_value() && (*rec)->value.is_null()) {
        // A tombstone (null value) after the transforms: skipped, as the
        // BigQuery sink connector skips them unless deleteEnabled (which
        // ferry does not offer). Debezium writes one after every delete.
        ++filtered;
        if (!tombstone_logged_) {
          tombstone_logged_ = true;
          spdlog::info(
              "{}-{}: skipping records with a null value (tombstones) as the BigQuery sink "
              "connector does; counted as filtered (first: {})",
              options_.connector_name, options_.task_id, Context(*raws[i]));
        }
        if (options_.on_outcome) options_.on_outcome(*raws[i], RecordOutcome::kFiltered);
      } else if (rec->has_value()) {
        out[i] = std::move(**rec);
      } else {
        ++filtered;
        if (options_.on_outcome) options_.on_outcome(*raws[i], RecordOutcome::kFiltered);
      }
      continue;
    }
    report.message = std::string(rec.status().message());
    const bool converter_stage = report.stage == errors::Stage::kHeaderConverter ||
                                 report.stage == errors::Stage::kKeyConverter ||
                                 report.stage == errors::Stage::kValueConverter;
    if (converter_stage && rec.status().code() != absl::StatusCode::kInvalidArgument) {
      // Not the record's fault (converter.h): a Schema Registry that cannot
      // be reached, refused credentials. Never tolerated into the DLQ: the
      // task stops before the record, and a restart resumes at it.
      std::string msg = absl::StrCat(
          "Error in stage ", errors::StageName(report.stage), " (", Context(*report.raw),
          "): ", report.message,
          "; the converter could not read the record, which is not the record's fault: stopping "
          "the task before it (it is not dead-lettered; a restart resumes at it)");
      RecordError(errors::StageName(report.stage), msg, report.raw.get(), report.exception_class);
      fatal_at = i;
      fatal = absl::Status(rec.status().code(), msg);
      fatal_restartable = true;
      break;
    }
    if (absl::Status s = record_failed(i, std::move(report)); !s.ok()) return s;
    if (fatal_at < n) break;
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
  int64_t written = 0, rejected = 0;
  for (size_t k = 0; k < to_write.size(); ++k) {
    const RecordResult& r = results[k];
    size_t i = index_of[k];
    if (r.status == WriteStatus::kDelivered) {
      done[i] = true;
      ++written;
      if (options_.on_outcome) options_.on_outcome(*raws[i], RecordOutcome::kWritten);
    } else if (r.status == WriteStatus::kRejected) {
      ++rejected;
      errors::ErrorReport report = new_report(sources[i]);
      report.stage = errors::Stage::kTaskPut;
      report.executing_class = errors::kBigQuerySinkTaskClass;
      report.exception_class = errors::kBigQueryConnectException;
      report.message = absl::StrCat("BigQuery rejected the row: ", r.reason,
                                    r.location.empty() ? "" : absl::StrCat(" (", r.location, ")"));
      report.bigquery_reason = r.reason;
      report.bigquery_location = r.location;
      if (absl::Status s = record_failed(i, std::move(report)); !s.ok()) return s;
      if (options_.errors.tolerate_all) done[i] = true;
    }
    // kRetriable only remains when the task is stopping: not done.
  }
  // Failed records are durable where they were reported (the dead-letter
  // queue acknowledged them) before any offset moves past them.
  if (tolerated > 0) {
    for (const auto& reporter : c_.reporters) {
      if (absl::Status s = reporter->Flush(); !s.ok()) {
        RecordError("KAFKA_PRODUCE", std::string(s.message()));
        return s;
      }
    }
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
    status_.records_skipped += tolerated;
    status_.bigquery_rejections += rejected;
    if (c_.has_dead_letter_queue) status_.records_dead_lettered += tolerated;
  }
  if (!fatal.ok()) {
    // A record-fatal error would stop it again; a converter's transient one may not.
    *restartable = fatal_restartable;
    return fatal;
  }
  for (const auto& [tp, b] : blocked) {
    if (b && !stop_.load()) {
      return absl::InternalError("records left unresolved without a stop request");
    }
  }
  // Stopping with records not yet written: the consumer will be closed and a
  // restart resumes at the first of them.
  return absl::OkStatus();
}

absl::Status SinkTask::WriteWithRetry(const std::vector<const SinkRecord*>& records,
                                      std::vector<RecordResult>* results) {
  results->assign(records.size(), RecordResult{});
  std::vector<size_t> pending(records.size());
  for (size_t i = 0; i < records.size(); ++i) pending[i] = i;
  std::optional<errors::RetrySchedule> schedule;
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
    const auto now = std::chrono::steady_clock::now();
    if (!schedule) schedule.emplace(options_.errors.retry, now);
    std::optional<std::chrono::milliseconds> delay = schedule->NextDelay(now);
    if (!delay) {
      return absl::UnavailableError(absl::StrCat(
          pending.size(), " records could not be written after ", schedule->retries(),
          " retries within errors.retry.timeout=", options_.errors.retry.timeout.count(),
          " ms: ", last_reason));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++status_.write_retries;
    }
    spdlog::warn("{}-{}: {} records not written ({}); retrying in {} ms", options_.connector_name,
                 options_.task_id, pending.size(), last_reason, delay->count());
    if (!WaitUnlessStopped(*delay)) break;
  }
  return absl::OkStatus();
}

}  // namespace ferry::runtime
