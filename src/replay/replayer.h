#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "config/properties.h"
#include "replay/progress.h"
#include "replay/replay_filter.h"
#include "replay/replay_summary.h"
#include "runtime/worker.h"

namespace ferry::replay {

struct ReplayOptions {
  // The worker's properties (bootstrap.servers, consumer.*, producer.*),
  // config providers already resolved.
  std::map<std::string, std::string> worker_props;
  // The connector as it is now (the cause of the failures fixed), config
  // providers already resolved.
  ConfigFile connector;
  // The dead-letter queue to read; empty = the connector's
  // errors.deadletterqueue.topic.name.
  std::string source_topic;
  // Where records that fail again go; empty = "<source_topic>.replay".
  std::string dlq_topic;
  // The replay's consumer group (its position in the source, so that a
  // stopped replay resumes); empty = "ferry-replay-<connector name>".
  std::string group;
  ReplayFilter filter;
  // Convert, transform and check each record against its table, and report
  // what would happen: nothing is written, sent or committed.
  bool dry_run = false;
  // Where the progress bar is drawn (null: nowhere), and how.
  FILE* progress = nullptr;
  ProgressBarOptions progress_options;
  // Default: the BigQuery writer (its dry-run mode in a dry run).
  runtime::WriterFactory writer_factory;
};

struct ReplayReport {
  std::string source_topic;
  std::string dlq_topic;  // empty in a dry run.
  std::string group;
  // DLQ offsets from the group's position to the end, when the replay started.
  int64_t offsets_to_go = 0;
  // Stop() ended the run before the end of the DLQ (a later run resumes).
  bool stopped = false;
  ReplaySummary summary;
};

// The configuration a replay runs the connector with: `props` reading
// `source_topic` (topics.regex dropped), tolerating every error, sending
// what fails again to `dlq_topic` with context headers (no dead-letter queue
// and no error table in a dry run), without alerts.
std::map<std::string, std::string> ReplayConnectorConfig(std::map<std::string, std::string> props,
                                                         const std::string& source_topic,
                                                         const std::string& dlq_topic,
                                                         bool dry_run);

// `ferry replay`: re-loads a dead-letter queue through the connector's
// convert → transform → write, as a sink connector of its own that reads the
// DLQ topic and processes each selected record's original in its place (see
// runtime::TaskOptions::substitute). Offsets are committed in the replay's
// group as a connector's are, so a replay resumes where it stopped, and in
// exactly-once mode each DLQ offset is loaded exactly once. Records the
// filter does not select and records that are not DLQ records are passed
// over (they stay in the source topic).
class Replay {
 public:
  // InvalidArgument for a replay that cannot run as asked (no source topic,
  // the failures' topic is the source or one of the connector's topics).
  static absl::StatusOr<std::unique_ptr<Replay>> Create(ReplayOptions options);
  ~Replay();

  // Reads the source topic to its end and returns what became of each
  // record. A task failure that is not restarted ends it with that error.
  absl::StatusOr<ReplayReport> Run();
  // Asks Run() to return early (thread-safe; a later run resumes).
  void Stop();

 private:
  explicit Replay(ReplayOptions options) : options_(std::move(options)) {}
  std::shared_ptr<const RawRecord> Substitute(const RawRecord& consumed);
  void OnOutcome(const RawRecord& consumed, runtime::RecordOutcome outcome);

  ReplayOptions options_;
  std::mutex mu_;
  std::unique_ptr<runtime::Worker> worker_;  // while running.
  bool stop_ = false;
  ReplaySummary summary_;
  int64_t unreadable_logged_ = 0;
};

}  // namespace ferry::replay
