#include "replay/replayer.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bigquery/bigquery_sink_writer.h"
#include "bigquery/sink_config.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "replay/dlq_entry.h"
#include "spdlog/spdlog.h"

namespace ferry::replay {
namespace {

constexpr char kDlqTopicKey[] = "errors.deadletterqueue.topic.name";
// Unreadable records are each logged up to this many times per replay.
constexpr int64_t kUnreadableLogLimit = 10;

std::string Get(const std::map<std::string, std::string>& props, const std::string& key) {
  auto it = props.find(key);
  return it == props.end() ? std::string() : it->second;
}

std::vector<std::string> TopicList(const std::string& topics) {
  std::vector<std::string> out;
  for (absl::string_view t : absl::StrSplit(topics, ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(t));
  }
  return out;
}

// The writer of a dry run: BigQuery's, reading tables and writing nothing.
absl::StatusOr<std::unique_ptr<SinkWriter>> DryRunWriter(
    const std::map<std::string, std::string>& props, int) {
  auto settings = bigquery::ParseBigQuerySinkSettings(props);
  if (!settings.ok()) return settings.status();
  settings->dry_run = true;
  auto token_source = bigquery::TokenSourceFor(*settings);
  if (!token_source.ok()) return token_source.status();
  return bigquery::CreateBigQuerySinkWriter(*settings, *token_source);
}

// Per DLQ partition: [where the replay starts, the end when it started).
using Ranges = std::map<TopicPartition, std::pair<int64_t, int64_t>>;

// DLQ offsets gone through, summed over the partitions, from the tasks'
// written positions.
int64_t OffsetsDone(const std::vector<runtime::Worker::ConnectorStatus>& status,
                    const Ranges& ranges) {
  int64_t done = 0;
  for (const auto& c : status) {
    for (const runtime::TaskStatus& t : c.tasks) {
      for (const auto& [tp, position] : t.progress) {
        auto r = ranges.find(tp);
        if (r == ranges.end()) continue;
        const auto [start, end] = r->second;
        done += std::clamp<int64_t>(position.first, start, std::max(start, end)) - start;
      }
    }
  }
  return done;
}

}  // namespace

std::map<std::string, std::string> ReplayConnectorConfig(std::map<std::string, std::string> props,
                                                         const std::string& source_topic,
                                                         const std::string& dlq_topic,
                                                         bool dry_run) {
  props.erase("topics.regex");
  props["topics"] = source_topic;
  // What fails again is set aside, never a reason to stop the replay.
  props["errors.tolerance"] = "all";
  if (dry_run) {
    props.erase(kDlqTopicKey);
    props.erase("ferry.errors.bigquery.table.enable");
  } else {
    props[kDlqTopicKey] = dlq_topic;
    // The failures' DLQ is replayable in turn.
    props["errors.deadletterqueue.context.headers.enable"] = "true";
  }
  for (auto it = props.begin(); it != props.end();) {
    it = absl::StartsWith(it->first, "ferry.alert.") ? props.erase(it) : std::next(it);
  }
  return props;
}

absl::StatusOr<std::unique_ptr<Replay>> Replay::Create(ReplayOptions options) {
  const auto& props = options.connector.props;
  if (options.source_topic.empty()) options.source_topic = Get(props, kDlqTopicKey);
  if (options.source_topic.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("connector ", options.connector.name, " has no ", kDlqTopicKey,
                     "; name the dead-letter queue topic to replay with --source-topic"));
  }
  if (options.dlq_topic.empty()) options.dlq_topic = options.source_topic + ".replay";
  if (options.dlq_topic == options.source_topic) {
    return absl::InvalidArgumentError(
        absl::StrCat("records that fail again cannot go to the topic being replayed (",
                     options.source_topic, "); name another with --dlq-topic"));
  }
  for (const std::string& topic : TopicList(Get(props, "topics"))) {
    if (topic == options.dlq_topic || topic == options.source_topic) {
      return absl::InvalidArgumentError(
          absl::StrCat("topic ", topic, " is one of the connector's topics; a replay reads ",
                       "from and sends failures to dead-letter queue topics only"));
    }
  }
  if (options.group.empty()) options.group = "ferry-replay-" + options.connector.name;
  return std::unique_ptr<Replay>(new Replay(std::move(options)));
}

Replay::~Replay() = default;

void Replay::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = true;
  if (worker_ != nullptr) worker_->Stop();
}

std::shared_ptr<const RawRecord> Replay::Substitute(const RawRecord& consumed) {
  absl::StatusOr<DlqEntry> entry = ParseDlqRecord(consumed);
  std::lock_guard<std::mutex> lock(mu_);
  if (!entry.ok()) {
    summary_.AddUnreadable();
    if (unreadable_logged_++ < kUnreadableLogLimit) {
      spdlog::warn("replay: passing over a record that is not a dead-letter record: {}",
                   std::string(entry.status().message()));
    }
    return nullptr;
  }
  if (!options_.filter.Matches(*entry)) {
    summary_.Add(*entry, ReplayOutcome::kNotSelected);
    return nullptr;
  }
  return std::make_shared<const RawRecord>(std::move(entry->original));
}

void Replay::OnOutcome(const RawRecord& consumed, runtime::RecordOutcome outcome) {
  absl::StatusOr<DlqEntry> entry = ParseDlqRecord(consumed);  // Substitute read it.
  if (!entry.ok()) return;
  ReplayOutcome o = ReplayOutcome::kLoaded;
  switch (outcome) {
    case runtime::RecordOutcome::kWritten:
      o = ReplayOutcome::kLoaded;
      break;
    case runtime::RecordOutcome::kFiltered:
      o = ReplayOutcome::kDroppedByTransform;
      break;
    case runtime::RecordOutcome::kFailed:
      o = ReplayOutcome::kFailedAgain;
      break;
  }
  std::lock_guard<std::mutex> lock(mu_);
  summary_.Add(*entry, o);
}

absl::StatusOr<ReplayReport> Replay::Run() {
  if (options_.worker_props.count("bootstrap.servers") == 0) {
    return absl::InvalidArgumentError(
        "invalid worker configuration:\nbootstrap.servers: Missing required configuration "
        "\"bootstrap.servers\" which has no default value.");
  }
  const std::string bootstrap = options_.worker_props.at("bootstrap.servers");
  ReplayReport report;
  report.source_topic = options_.source_topic;
  report.dlq_topic = options_.dry_run ? "" : options_.dlq_topic;
  report.group = options_.group;

  auto partitions = kafka::PartitionCount(bootstrap, options_.source_topic);
  if (!partitions.ok()) {
    return absl::Status(
        partitions.status().code(),
        absl::StrCat("the dead-letter queue topic to replay: ", partitions.status().message()));
  }
  auto committed =
      kafka::CommittedOffsets(bootstrap, options_.group, options_.source_topic, *partitions);
  if (!committed.ok()) return committed.status();
  auto marks = kafka::Watermarks(bootstrap, options_.source_topic, *partitions);
  if (!marks.ok()) return marks.status();
  Ranges ranges;
  for (const auto& [p, mark] : *marks) {
    const auto [low, high] = mark;
    auto c = committed->find(p);
    const int64_t start = c != committed->end() && c->second >= 0 ? std::max(c->second, low) : low;
    ranges[TopicPartition{options_.source_topic, p}] = {start, high};
    report.offsets_to_go += std::max<int64_t>(0, high - start);
  }

  runtime::WorkerOptions wo;
  wo.stop_when_drained = true;
  wo.writer_factory = options_.writer_factory;
  if (!wo.writer_factory && options_.dry_run) wo.writer_factory = DryRunWriter;
  wo.customize_task = [this](runtime::TaskOptions& o) {
    o.consumer.properties["group.id"] = options_.group;
    o.consumer.properties["client.id"] = absl::StrCat(options_.group, "-", o.task_id);
    o.consumer.auto_offset_reset = "earliest";
    o.substitute = [this](const RawRecord& consumed) { return Substitute(consumed); };
    o.on_outcome = [this](const RawRecord& consumed, runtime::RecordOutcome outcome) {
      OnOutcome(consumed, outcome);
    };
    o.commit_offsets = !options_.dry_run;
  };
  ConfigFile connector{options_.connector.name,
                       ReplayConnectorConfig(options_.connector.props, options_.source_topic,
                                             options_.dlq_topic, options_.dry_run)};
  auto worker = runtime::Worker::Create(options_.worker_props, {std::move(connector)}, wo);
  if (!worker.ok()) return worker.status();
  runtime::Worker* w = worker->get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return absl::CancelledError("replay stopped before it started");
    worker_ = *std::move(worker);
  }
  spdlog::info("replay of {} ({}) into connector {}'s tables: {} DLQ offsets to go; group {}{}",
               options_.source_topic, options_.filter.Describe(), options_.connector.name,
               report.offsets_to_go, options_.group,
               options_.dry_run ? "; dry run: nothing is written or committed"
                                : absl::StrCat("; failures to ", options_.dlq_topic));

  std::optional<ProgressBar> bar;
  if (options_.progress != nullptr) {
    bar.emplace(options_.progress, report.offsets_to_go, options_.progress_options);
  }
  std::mutex progress_mu;
  std::condition_variable progress_cv;
  bool finished = false;
  std::thread progress;
  if (bar && bar->interactive()) {
    progress = std::thread([&] {
      std::unique_lock<std::mutex> lock(progress_mu);
      while (
          !progress_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return finished; })) {
        bar->Update(OffsetsDone(w->Status(), ranges));
      }
    });
  }
  absl::Status s = w->Run();
  {
    std::lock_guard<std::mutex> lock(progress_mu);
    finished = true;
  }
  progress_cv.notify_all();
  if (progress.joinable()) progress.join();
  if (bar) {
    bar->Update(OffsetsDone(w->Status(), ranges));
    bar->Finish();
  }
  std::lock_guard<std::mutex> lock(mu_);
  worker_.reset();
  if (!s.ok()) return s;
  report.stopped = stop_;
  report.summary = summary_;
  return report;
}

}  // namespace ferry::replay
