#include "runtime/worker.h"

#include <unistd.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "alert/alerter.h"
#include "bigquery/bigquery_sink_writer.h"
#include "bigquery/error_table.h"
#include "bigquery/sink_config.h"
#include "config/connector_config.h"
#include "errors/dead_letter_queue.h"
#include "kafka/client_keys.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "runtime/runtime_config.h"
#include "spdlog/spdlog.h"

namespace ferry::runtime {
namespace {

// A group.instance.id from its parts: Kafka allows [a-zA-Z0-9._-], at most
// 249 characters; anything else becomes '_'.
std::string InstanceId(std::string_view text) {
  std::string id(text.substr(0, 249));
  for (char& ch : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '_' &&
        ch != '-') {
      ch = '_';
    }
  }
  return id;
}

// ferry.worker.id, else the host name.
std::string WorkerId(const std::map<std::string, std::string>& worker_props) {
  if (auto it = worker_props.find("ferry.worker.id");
      it != worker_props.end() && !it->second.empty()) {
    return it->second;
  }
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "ferry";
  return host;
}

// Prefixes whose keys belong to another component's table.
constexpr std::string_view kDelegatedPrefixes[] = {
    "transforms.",      "predicates.",       "consumer.override.", "key.converter.",
    "value.converter.", "header.converter.", "producer.override.", "ferry.alert.",
};

// The converter class and its properties for one role ("key", "value",
// "header"): the connector's setting wins over the worker's, and its
// properties come with it (as Connect does).
struct ConverterSpec {
  std::string class_name;
  std::map<std::string, std::string> props;
};

ConverterSpec ResolveConverter(std::string_view role,
                               const std::map<std::string, std::string>& worker,
                               const std::map<std::string, std::string>& connector,
                               std::string_view fallback) {
  std::string key = absl::StrCat(std::string(role), ".converter");
  std::string prefix = key + ".";
  if (auto it = connector.find(key); it != connector.end()) {
    return {it->second, WithPrefix(connector, prefix)};
  }
  if (auto it = worker.find(key); it != worker.end()) {
    return {it->second, WithPrefix(worker, prefix)};
  }
  return {std::string(fallback), {}};
}

constexpr std::string_view kDefaultConverter = "org.apache.kafka.connect.json.JsonConverter";
constexpr std::string_view kDefaultHeaderConverter =
    "org.apache.kafka.connect.storage.SimpleHeaderConverter";

// The BigQuery error table as a reporter: the reports of a batch are written
// together when the task flushes, before it commits past them.
class ErrorTableReporter : public errors::ErrorReporter {
 public:
  explicit ErrorTableReporter(std::unique_ptr<bigquery::ErrorTableWriter> writer)
      : writer_(std::move(writer)) {}
  absl::Status Report(const errors::ErrorReport& report) override {
    pending_.push_back(report);
    return absl::OkStatus();
  }
  absl::Status Flush() override {
    if (pending_.empty()) return absl::OkStatus();
    absl::Status s = writer_->Write(pending_);
    if (s.ok()) pending_.clear();
    return s;
  }

 private:
  std::unique_ptr<bigquery::ErrorTableWriter> writer_;
  std::vector<errors::ErrorReport> pending_;
};

// What a task's components are built from.
struct ComponentsSpec {
  std::string connector_name;
  int task_id = 0;
  std::string bootstrap;
  std::map<std::string, std::string> worker;
  std::map<std::string, std::string> props;
  WriterFactory writer_factory;
};

absl::StatusOr<TaskComponents> BuildComponents(const ComponentsSpec& spec) {
  const auto& worker = spec.worker;
  const auto& props = spec.props;
  TaskComponents c;
  ConverterSpec key = ResolveConverter("key", worker, props, kDefaultConverter);
  ConverterSpec value = ResolveConverter("value", worker, props, kDefaultConverter);
  ConverterSpec header = ResolveConverter("header", worker, props, kDefaultHeaderConverter);
  auto kc = CreateConverter(key.class_name);
  if (!kc.ok()) return kc.status();
  if (absl::Status s = (*kc)->Configure(key.props, /*is_key=*/true); !s.ok()) return s;
  auto vc = CreateConverter(value.class_name);
  if (!vc.ok()) return vc.status();
  if (absl::Status s = (*vc)->Configure(value.props, /*is_key=*/false); !s.ok()) return s;
  auto hc = CreateHeaderConverter(header.class_name);
  if (!hc.ok()) return hc.status();
  if (absl::Status s = (*hc)->Configure(header.props); !s.ok()) return s;
  auto chain = TransformChain::Create(props);
  if (!chain.ok()) return chain.status();

  // Where tolerated failures go: the log, then the dead-letter queue.
  ParsedConfig conf = *SinkConnectorConfigDef().Parse(props);
  if (conf.GetBool("errors.log.enable")) {
    c.reporters.push_back(
        std::make_unique<errors::LogReporter>(conf.GetBool("errors.log.include.messages")));
  }
  if (std::string topic = conf.GetString("errors.deadletterqueue.topic.name"); !topic.empty()) {
    errors::DeadLetterQueueOptions dlq;
    dlq.bootstrap_servers = spec.bootstrap;
    dlq.topic = topic;
    dlq.replication_factor = conf.GetInt("errors.deadletterqueue.topic.replication.factor");
    dlq.context_headers = conf.GetBool("errors.deadletterqueue.context.headers.enable");
    // Connect's DLQ producer: the worker's producer.* and the connector's
    // producer.override.* settings.
    // In Java's names, translated (Create() refused what cannot work).
    dlq.producer_properties =
        ClientSettingsOf(worker, props, "producer", kafka::ClientRole::kProducer)
            .translation.librdkafka;
    dlq.producer_properties["client.id"] =
        absl::StrCat("connector-dlq-producer-", spec.connector_name, "-", spec.task_id);
    auto reporter = errors::DeadLetterQueueReporter::Create(std::move(dlq));
    if (!reporter.ok()) return reporter.status();
    c.reporters.push_back(std::move(*reporter));
    c.has_dead_letter_queue = true;
  }

  auto table = bigquery::ErrorTableWriter::Create(props);
  if (!table.ok()) return table.status();
  if (*table != nullptr)
    c.reporters.push_back(std::make_unique<ErrorTableReporter>(*std::move(table)));

  auto writer = spec.writer_factory(props, spec.task_id);
  if (!writer.ok()) return writer.status();
  c.key_converter = std::move(*kc);
  c.value_converter = std::move(*vc);
  c.header_converter = std::move(*hc);
  c.key_converter_class = CanonicalConverterClass(key.class_name);
  c.value_converter_class = CanonicalConverterClass(value.class_name);
  c.header_converter_class = CanonicalConverterClass(header.class_name);
  c.transforms = std::move(*chain);
  c.writer = std::move(*writer);
  return c;
}

}  // namespace

std::vector<ConfigError> ConverterSubKeyErrors(const std::map<std::string, std::string>& props,
                                               bool worker) {
  std::vector<ConfigError> errors;
  for (std::string_view role : {"key", "value", "header"}) {
    const std::string key = absl::StrCat(std::string(role), ".converter");
    const std::string prefix = key + ".";
    std::map<std::string, std::string> sub = WithPrefix(props, prefix);
    if (sub.empty()) continue;
    auto it = props.find(key);
    if (it == props.end() && !worker) {
      // Connect configures a converter with the connector's key.converter.*
      // settings only when the connector names the converter itself.
      for (const auto& [k, v] : sub) {
        errors.push_back(
            {prefix + k,
             absl::StrCat("has no effect: this connector does not set ", key,
                          ", so the worker's converter and its own ", prefix, "* settings apply"),
             /*ignorable=*/true});
      }
      continue;
    }
    const std::string class_name =
        it != props.end()
            ? it->second
            : std::string(role == "header" ? kDefaultHeaderConverter : kDefaultConverter);
    const ConfigDef* def = nullptr;
    std::unique_ptr<Converter> converter;
    std::unique_ptr<HeaderConverter> header_converter;
    if (role == "header") {
      auto hc = CreateHeaderConverter(class_name);
      if (!hc.ok()) continue;  // the class itself is reported elsewhere.
      header_converter = *std::move(hc);
      def = &header_converter->config_def();
    } else {
      auto c = CreateConverter(class_name);
      if (!c.ok()) continue;
      converter = *std::move(c);
      def = &converter->config_def();
    }
    std::vector<std::string> known;
    for (const ConfigKey& k : def->keys()) known.push_back(k.name);
    for (const auto& [k, v] : sub) {
      if (def->Find(k) != nullptr) continue;
      std::string message = absl::StrCat("Unknown configuration \"", prefix, k, "\" for ",
                                         CanonicalConverterClass(class_name));
      if (std::string hint = ClosestKey(k, known); !hint.empty()) {
        absl::StrAppend(&message, " (did you mean \"", prefix, hint, "\"?)");
      }
      errors.push_back({prefix + k, std::move(message), /*ignorable=*/true});
    }
  }
  return errors;
}

namespace {

// Kafka Connect worker keys that mean nothing to a standalone ferry worker:
// accepted, with a warning that says why (a name or a prefix ending in '.').
struct WorkerKeyNote {
  std::string_view key;
  std::string_view note;
};
constexpr std::string_view kDistributedOnly =
    "applies to distributed workers only (ferry distributed); a standalone worker keeps "
    "connector configs in its files and a sink's offsets in its consumer group";
constexpr WorkerKeyNote kWorkerKeyNotes[] = {
    {"group.id", kDistributedOnly},
    {"config.storage.topic", kDistributedOnly},
    {"offset.storage.topic", kDistributedOnly},
    {"status.storage.topic", kDistributedOnly},
    {"config.storage.replication.factor", kDistributedOnly},
    {"offset.storage.replication.factor", kDistributedOnly},
    {"status.storage.replication.factor", kDistributedOnly},
    {"offset.storage.partitions", kDistributedOnly},
    {"status.storage.partitions", kDistributedOnly},
    {"session.timeout.ms", kDistributedOnly},
    {"heartbeat.interval.ms", kDistributedOnly},
    {"rebalance.timeout.ms", kDistributedOnly},
    {"scheduled.rebalance.max.delay.ms", kDistributedOnly},
    {"connect.protocol", kDistributedOnly},
    {"worker.sync.timeout.ms", kDistributedOnly},
    {"worker.unsync.backoff.ms", kDistributedOnly},
    {"exactly.once.source.support", "applies to source connectors only"},
    {"topic.creation.enable", "applies to source connectors only"},
    {"offset.flush.timeout.ms",
     "not used: a sink task's commit waits for the broker's answer, bounded by the consumer's "
     "timeouts"},
    {"rest.advertised.listener", "not used: ferry's REST API has one http listener"},
    {"rest.host.name", "not used: set listeners (http://host:port)"},
    {"admin.listeners", "not used: ferry serves no admin REST listener"},
    {"access.control.allow.origin", "not used: ferry's REST API sends no CORS or extra headers"},
    {"access.control.allow.methods", "not used: ferry's REST API sends no CORS or extra headers"},
    {"response.http.headers.config", "not used: ferry's REST API sends no CORS or extra headers"},
    {"rest.extension.classes", "not used: ferry loads no Java classes"},
    {"connector.client.config.override.policy",
     "not used: every connector may override its client settings (Connect's All policy)"},
    {"client.id", "not used: ferry names each task's clients as Connect does"},
    {"metrics.", "not used: Java metrics reporters have no equivalent here"},
    {"metric.reporters", "not used: Java metrics reporters have no equivalent here"},
    {"auto.include.jmx.reporter", "not used: there is no JMX"},
    {"config.reload.action", "not used"},
    {"security.protocol",
     "Connect applies it to the worker's own clients only; for the tasks set consumer.<key> (and "
     "producer.<key> for the dead-letter queue)"},
    {"sasl.",
     "Connect applies it to the worker's own clients only; for the tasks set "
     "consumer.<key> (and producer.<key> for the dead-letter queue)"},
    {"ssl.",
     "Connect applies it to the worker's own clients only; for the tasks set "
     "consumer.<key> (and producer.<key> for the dead-letter queue)"},
};

// Worker keys whose prefix delegates them to another component's table.
constexpr std::string_view kWorkerDelegatedPrefixes[] = {
    "consumer.",        "producer.",         "admin.",           "key.converter.",
    "value.converter.", "header.converter.", "config.providers",
};

}  // namespace

std::vector<ConfigError> ValidateWorkerConfig(const std::map<std::string, std::string>& props) {
  std::vector<ConfigError> errors = WorkerConfigDef().Validate(props);
  // The tasks' consumers, the dead-letter queues' producers, admin calls.
  for (const auto& [client, role] : {std::pair{"consumer", kafka::ClientRole::kConsumer},
                                     std::pair{"producer", kafka::ClientRole::kProducer},
                                     std::pair{"admin", kafka::ClientRole::kAdmin}}) {
    for (ConfigError& e : ClientSettingsOf(props, {}, client, role).problems) {
      errors.push_back(std::move(e));
    }
  }
  for (ConfigError& e : ConverterSubKeyErrors(props, /*worker=*/true)) errors.push_back(e);
  std::map<std::string, std::string> rest;
  for (const auto& [k, v] : props) {
    const WorkerKeyNote* note = nullptr;
    for (const WorkerKeyNote& n : kWorkerKeyNotes) {
      const std::string key(n.key);
      if (key.back() == '.' ? absl::StartsWith(k, key) : k == key) note = &n;
    }
    if (note != nullptr) {
      errors.push_back(ConfigError{k, "ignored: " + std::string(note->note), /*ignorable=*/true});
      continue;
    }
    rest.emplace(k, v);
  }
  std::vector<std::string> delegated(std::begin(kWorkerDelegatedPrefixes),
                                     std::end(kWorkerDelegatedPrefixes));
  for (ConfigError& e : UnknownKeyErrors(rest, {&WorkerConfigDef()}, delegated)) {
    errors.push_back(std::move(e));
  }
  return errors;
}

// Holds the tasks of a connector that are stopping until every running one
// has made its final commit: a member leaving the group starts a rebalance,
// during which the others' commits would be refused. A task that fails
// leaves without waiting, and a restarted one joins again.
class CloseGate {
 public:
  void Join() {
    std::lock_guard<std::mutex> lock(mu_);
    ++running_;
  }
  void Leave() {
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
    cv_.notify_all();
  }
  // Every task is about to be stopped (the connector or the worker stops):
  // from now on a stopping task waits for the others.
  void CloseAll() {
    std::lock_guard<std::mutex> lock(mu_);
    closing_all_ = true;
    cv_.notify_all();
  }
  // A stopping task has committed: wait for the others still running, unless
  // it stops alone (a restart of one task).
  void ArriveAndWait() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!closing_all_) {
      // It stops alone and is not waited for: it has left.
      --running_;
      cv_.notify_all();
      return;
    }
    ++arrived_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return arrived_ >= running_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
  int arrived_ = 0;
  bool closing_all_ = false;
};

ClientSettings ClientSettingsOf(const std::map<std::string, std::string>& worker,
                                const std::map<std::string, std::string>& connector,
                                const std::string& client, kafka::ClientRole role) {
  std::map<std::string, std::string> merged = WithPrefix(worker, client + ".");
  const std::map<std::string, std::string> overrides = WithPrefix(connector, client + ".override.");
  for (const auto& [k, v] : overrides) merged[k] = v;
  ClientSettings out;
  out.translation = kafka::TranslateClientProperties(merged, role);
  for (const kafka::ClientKeyProblem& p : out.translation.problems) {
    const std::string prefix = overrides.count(p.key) > 0 ? client + ".override." : client + ".";
    out.problems.push_back(ConfigError{prefix + p.key, p.message, /*ignorable=*/p.warning});
  }
  return out;
}

std::vector<ConfigError> ValidateConnectorConfig(const std::map<std::string, std::string>& props,
                                                 const std::map<std::string, std::string>& worker) {
  std::vector<ConfigError> errors = SinkConnectorConfigDef().Validate(props);
  for (ConfigError& e : bigquery::ValidateBigQuerySinkConfig(props)) errors.push_back(std::move(e));
  for (ConfigError& e : RuntimeConfigDef().Validate(props)) errors.push_back(std::move(e));
  for (ConfigError& e : TransformChain::Validate(props)) errors.push_back(std::move(e));
  for (ConfigError& e : bigquery::ErrorTableConfigDef().Validate(props)) {
    errors.push_back(std::move(e));
  }
  for (ConfigError& e : alert::ValidateAlertConfig(props)) errors.push_back(std::move(e));

  // Converters: the class must exist and accept its properties.
  for (std::string_view role : {"key", "value", "header"}) {
    std::string key = absl::StrCat(std::string(role), ".converter");
    auto it = props.find(key);
    if (it == props.end()) continue;
    absl::Status s;
    if (role == "header") {
      auto hc = CreateHeaderConverter(it->second);
      s = hc.ok() ? (*hc)->Configure(WithPrefix(props, key + ".")) : hc.status();
    } else {
      auto c = CreateConverter(it->second);
      s = c.ok() ? (*c)->Configure(WithPrefix(props, key + "."), role == "key") : c.status();
    }
    if (!s.ok()) errors.push_back(ConfigError{key, std::string(s.message())});
  }
  for (ConfigError& e : ConverterSubKeyErrors(props, /*worker=*/false)) errors.push_back(e);

  // The task's consumer and the dead-letter queue's producer: Java client
  // keys translated to librdkafka's, checked now rather than at task start.
  // (A warning about a key of the worker's own is the worker's warning.)
  for (const auto& [client, role] : {std::pair{"consumer", kafka::ClientRole::kConsumer},
                                     std::pair{"producer", kafka::ClientRole::kProducer}}) {
    for (ConfigError& e : ClientSettingsOf(worker, props, client, role).problems) {
      if (e.ignorable && !absl::StrContains(e.key, ".override.")) continue;
      errors.push_back(std::move(e));
    }
  }

  // Every other key must be known: nothing is silently ignored.
  // (A key already answered with a specific message, e.g. a kcbq 1.x key
  // with its replacement, is not reported again as unknown.)
  std::vector<std::string> delegated(std::begin(kDelegatedPrefixes), std::end(kDelegatedPrefixes));
  std::set<std::string> answered;
  for (const ConfigError& e : errors) answered.insert(e.key);
  for (ConfigError& e :
       UnknownKeyErrors(props,
                        {&SinkConnectorConfigDef(), &bigquery::BigQuerySinkConfigDef(),
                         &RuntimeConfigDef(), &bigquery::ErrorTableConfigDef()},
                        delegated)) {
    if (answered.count(e.key) == 0) errors.push_back(std::move(e));
  }
  return errors;
}

namespace {

// The options of task `task_id` of a connector, from the worker config, the
// connector config and ferry's runtime keys (validated before: Create and
// StartConnector refuse what cannot work).
TaskOptions TaskOptionsFor(const std::map<std::string, std::string>& worker_props,
                           const std::string& name,
                           const std::map<std::string, std::string>& props, int task_id) {
  const ParsedConfig conf = *SinkConnectorConfigDef().Parse(props);
  const ParsedConfig rconf = *RuntimeConfigDef().Parse(props);
  const ParsedConfig wconf = *WorkerConfigDef().Parse(worker_props);
  const int tasks_max = conf.GetInt("tasks.max");
  TaskOptions o;
  o.connector_name = name;
  o.task_id = task_id;
  // The worker's consumer.* and the connector's consumer.override.*, in
  // Java's names, translated.
  const ClientSettings client =
      ClientSettingsOf(worker_props, props, "consumer", kafka::ClientRole::kConsumer);
  std::map<std::string, std::string>& kp = o.consumer.properties;
  kp = client.translation.librdkafka;
  kp["bootstrap.servers"] = worker_props.at("bootstrap.servers");  // required: checked.
  // connect-<name>, unless the worker's consumer.group.id or the
  // connector's consumer.override.group.id names another, as in Connect.
  if (kp.count("group.id") == 0) kp["group.id"] = "connect-" + name;
  if (kp.count("client.id") == 0) {
    kp["client.id"] = absl::StrCat("connector-consumer-", name, "-", task_id);
  }
  // Static membership: one instance id per worker and task, the same across
  // restarts. A group.instance.id the user set is used as a prefix when there
  // are several tasks (one id for all would fence them).
  if (auto it = kp.find("group.instance.id"); it != kp.end()) {
    if (tasks_max > 1) it->second = InstanceId(absl::StrCat(it->second, "-", task_id));
  } else if (auto sm = worker_props.find("ferry.consumer.static.membership");
             sm != worker_props.end() && absl::AsciiStrToLower(sm->second) == "true") {
    kp["group.instance.id"] =
        InstanceId(absl::StrCat(WorkerId(worker_props), "-", name, "-", task_id));
  }
  o.max_poll_records = rconf.GetInt("ferry.task.max.poll.records");
  const std::map<std::string, std::string>& own = client.translation.ferry;
  if (auto it = own.find("max.poll.records"); it != own.end()) {
    (void)absl::SimpleAtoi(it->second, &o.max_poll_records);
  }
  if (auto it = own.find("auto.offset.reset"); it != own.end()) {
    o.consumer.auto_offset_reset = it->second;
  }
  if (auto it = own.find("default.api.timeout.ms"); it != own.end()) {
    (void)absl::SimpleAtoi(it->second, &o.consumer.api_timeout_ms);
  }
  o.consumer.topics = conf.GetList("topics");
  o.consumer.topics_regex = conf.GetString("topics.regex");
  o.offset_flush_interval = std::chrono::milliseconds(wconf.GetLong("offset.flush.interval.ms"));
  o.errors.tolerate_all = conf.GetString("errors.tolerance") == "all";
  o.errors.retry.timeout = std::chrono::milliseconds(conf.GetLong("errors.retry.timeout"));
  o.errors.retry.delay_max = std::chrono::milliseconds(conf.GetLong("errors.retry.delay.max.ms"));
  o.errors.skip_retention_loss = rconf.GetBool("ferry.kafka.retention.loss.skip");
  o.errors.recent_errors = static_cast<size_t>(rconf.GetInt("ferry.task.errors.recent.max"));
  o.restart.enabled = rconf.GetString("ferry.task.restart.policy") == "on-failure";
  o.restart.initial_backoff =
      std::chrono::milliseconds(rconf.GetLong("ferry.task.restart.backoff.initial.ms"));
  o.restart.max_backoff =
      std::chrono::milliseconds(rconf.GetLong("ferry.task.restart.backoff.max.ms"));
  o.restart.max_attempts = rconf.GetInt("ferry.task.restart.max.attempts");
  // kcbq's enableRetries / max.retries, when the config sets them and not
  // ferry's own key: a failed write restarts the task, so the restarts in a
  // row are kcbq's retried put() calls.
  if (std::optional<int> limit = bigquery::KcbqRestartLimit(props)) {
    o.restart.max_attempts = *limit;
  }
  return o;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Worker>> Worker::Create(
    std::map<std::string, std::string> worker_props, std::vector<ConfigFile> connectors,
    WorkerOptions options) {
  std::unique_ptr<Worker> w(new Worker());
  std::vector<ConfigError> wproblems = ValidateWorkerConfig(worker_props);
  if (std::vector<ConfigError> werrors = BlockingErrors(wproblems); !werrors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid worker configuration:\n", FormatConfigErrors(werrors)));
  }
  for (const ConfigError& e : IgnorableErrors(wproblems)) {
    spdlog::warn("worker configuration: {}: {}", e.key, e.message);
    w->worker_warnings_.push_back(e);
  }
  w->worker_props_ = worker_props;
  if (!options.writer_factory) {
    options.writer_factory = [](const std::map<std::string, std::string>& props, int) {
      return bigquery::CreateBigQuerySinkWriter(props);
    };
  }
  w->options_ = std::move(options);
  for (ConfigFile& file : connectors) {
    absl::StatusOr<std::unique_ptr<Connector>> c = w->Prepare(file.name, std::move(file.props));
    if (!c.ok()) return c.status();
    w->connectors_.push_back(std::move(*c));
  }
  return w;
}

absl::StatusOr<std::unique_ptr<Worker::Connector>> Worker::Prepare(
    const std::string& name, std::map<std::string, std::string> props) const {
  std::vector<ConfigError> problems = ValidateConnectorConfig(props, worker_props_);
  if (std::vector<ConfigError> errors = BlockingErrors(problems); !errors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector ", name, " has an invalid configuration:\n", FormatConfigErrors(errors)));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& c : connectors_) {
      if (c->name == name) {
        return absl::AlreadyExistsError(absl::StrCat("connector ", name, " given twice"));
      }
    }
  }
  auto c = std::make_unique<Connector>();
  c->name = name;
  c->props = std::move(props);
  // Connect runs a config with keys it does not define; so does ferry, once it
  // has said so (`ferry validate` is the strict view).
  for (const ConfigError& e : IgnorableErrors(problems)) {
    spdlog::warn(
        "connector {}: {}: {} (ignored, as Kafka Connect does; ferry validate reports it as an "
        "error)",
        name, e.key, e.message);
    c->warnings.push_back(e);
  }
  absl::StatusOr<ParsedConfig> parsed = SinkConnectorConfigDef().Parse(c->props);
  if (!parsed.ok()) return parsed.status();
  c->topics = parsed->GetList("topics");
  return c;
}

Worker::~Worker() {
  Stop();
  std::vector<Connector*> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : connectors_) all.push_back(c.get());
  }
  for (Connector* c : all) StopTasks(*c);
}

void Worker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

absl::StatusOr<std::unique_ptr<SinkTask>> Worker::MakeTask(Connector& c, int task_id) {
  TaskOptions o = TaskOptionsFor(worker_props_, c.name, c.props, task_id);
  o.on_join = [gate = c.close_gate] { gate->Join(); };
  o.on_leave = [gate = c.close_gate] { gate->Leave(); };
  o.before_close = [gate = c.close_gate] { gate->ArriveAndWait(); };
  if (options_.customize_task) options_.customize_task(o);
  ComponentsSpec spec{c.name,        task_id, worker_props_.at("bootstrap.servers"),
                      worker_props_, c.props, options_.writer_factory};
  // Built once now so that a connector that cannot start fails at once;
  // every restart builds them afresh.
  auto first = std::make_shared<absl::StatusOr<TaskComponents>>(BuildComponents(spec));
  if (!first->ok()) {
    return absl::Status(first->status().code(), absl::StrCat("connector ", c.name, " task ",
                                                             task_id, ": ",
                                                             first->status().message()));
  }
  ComponentsFactory factory = [spec, first]() mutable -> absl::StatusOr<TaskComponents> {
    if (first != nullptr) {
      absl::StatusOr<TaskComponents> out = std::move(*first);
      first.reset();
      return out;
    }
    return BuildComponents(spec);
  };
  return std::make_unique<SinkTask>(std::move(o), std::move(factory));
}

absl::Status Worker::Launch(Connector& c) {
  const std::string& bootstrap = worker_props_.at("bootstrap.servers");
  const int tasks_max = SinkConnectorConfigDef().Parse(c.props)->GetInt("tasks.max");
  c.close_gate = std::make_shared<CloseGate>();
  std::vector<std::unique_ptr<SinkTask>> tasks;
  for (int t = 0; t < tasks_max; ++t) {
    absl::StatusOr<std::unique_ptr<SinkTask>> task = MakeTask(c, t);
    if (!task.ok()) return task.status();
    tasks.push_back(std::move(*task));
  }
  std::map<std::string, int> counts;
  if (options_.stop_when_drained) {
    if (c.topics.empty()) {
      return absl::InvalidArgumentError("draining needs an explicit 'topics' list");
    }
    for (const std::string& topic : c.topics) {
      auto n = kafka::PartitionCount(bootstrap, topic);
      if (!n.ok()) return n.status();
      counts[topic] = *n;
    }
  }
  auto alerter = alert::Alerter::Create(c.props, c.name);
  if (!alerter.ok()) return alerter.status();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [topic, n] : counts) partition_counts_[topic] = n;
  c.alerter = std::move(*alerter);
  c.tasks = std::move(tasks);
  for (auto& task : c.tasks) c.threads.push_back(StartThread(task.get()));
  return absl::OkStatus();
}

std::thread Worker::StartThread(SinkTask* task) {
  return std::thread([this, task] {
    task->Run();
    // Wake Run() so it notices a failed or finished task.
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  });
}

void Worker::StopTasks(Connector& c) {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (c.close_gate != nullptr) c.close_gate->CloseAll();
    for (auto& t : c.tasks) t->Stop();
    threads = std::move(c.threads);
    c.threads.clear();
  }
  for (std::thread& t : threads) {
    if (t.joinable()) t.join();
  }
}

absl::Status Worker::StartConnector(const std::string& name,
                                    std::map<std::string, std::string> props) {
  std::lock_guard<std::mutex> control(control_mu_);
  absl::StatusOr<std::unique_ptr<Connector>> c = Prepare(name, std::move(props));
  if (!c.ok()) return c.status();
  Connector* raw = c->get();
  bool running = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running = running_;
    connectors_.push_back(std::move(*c));
  }
  if (!running) return absl::OkStatus();  // Run() launches it.
  if (absl::Status s = Launch(*raw); !s.ok()) {
    StopTasks(*raw);
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(connectors_, [raw](const auto& p) { return p.get() == raw; });
    return s;
  }
  return absl::OkStatus();
}

absl::Status Worker::StopConnector(const std::string& name) {
  std::lock_guard<std::mutex> control(control_mu_);
  Connector* c = Find(name);
  if (c == nullptr) return absl::NotFoundError("no connector named " + name);
  StopTasks(*c);
  ObserveForAlerts();
  if (c->alerter != nullptr && !c->alerter->Drain(absl::Seconds(10))) {
    spdlog::warn("connector {}: some alerts were not delivered before it stopped", name);
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(connectors_, [c](const auto& p) { return p.get() == c; });
  return absl::OkStatus();
}

absl::Status Worker::RestartTask(const std::string& name, int task_id) {
  std::lock_guard<std::mutex> control(control_mu_);
  Connector* c = Find(name);
  if (c == nullptr) return absl::NotFoundError("no connector named " + name);
  std::thread old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (task_id < 0 || static_cast<size_t>(task_id) >= c->tasks.size()) {
      return absl::NotFoundError(absl::StrCat("connector ", name, " has no task ", task_id));
    }
    if (static_cast<size_t>(task_id) >= c->threads.size()) {
      return absl::FailedPreconditionError("connector " + name + " has not started");
    }
    c->tasks[task_id]->Stop();
    old = std::move(c->threads[task_id]);
  }
  if (old.joinable()) old.join();
  absl::StatusOr<std::unique_ptr<SinkTask>> fresh = MakeTask(*c, task_id);
  std::lock_guard<std::mutex> lock(mu_);
  if (!fresh.ok()) {
    // The old task stays as it ended (FAILED or stopped) and says why.
    spdlog::error("connector {} task {}: restart failed: {}", name, task_id,
                  fresh.status().ToString());
    return fresh.status();
  }
  c->tasks[task_id] = std::move(*fresh);
  c->threads[task_id] = StartThread(c->tasks[task_id].get());
  return absl::OkStatus();
}

Worker::Connector* Worker::Find(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& c : connectors_) {
    if (c->name == name) return c.get();
  }
  return nullptr;
}

absl::Status Worker::Run() {
  absl::Status result;
  std::vector<Connector*> initial;
  {
    std::lock_guard<std::mutex> control(control_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_ = true;
      for (auto& c : connectors_) initial.push_back(c.get());
    }
    for (Connector* c : initial) {
      result = Launch(*c);
      if (!result.ok()) break;
    }
  }
  if (!result.ok()) {
    Shutdown();
    return result;
  }
  auto last_observation = std::chrono::steady_clock::time_point();
  {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      if (std::chrono::steady_clock::now() - last_observation >= std::chrono::seconds(1)) {
        last_observation = std::chrono::steady_clock::now();
        lock.unlock();
        ObserveForAlerts();
        lock.lock();
      }
      if (stop_) break;
      bool any_failed = false;
      if (options_.exit_on_task_failure) {
        for (auto& c : connectors_) {
          for (size_t i = 0; i < c->tasks.size(); ++i) {
            if (!c->tasks[i]->FailedForGood()) continue;
            any_failed = true;
            result = absl::InternalError(absl::StrCat("connector ", c->name, " task ", i,
                                                      " failed: ", c->tasks[i]->Status().trace));
          }
        }
      }
      if (any_failed) break;
      if (options_.stop_when_drained) {
        lock.unlock();
        bool drained = Drained();
        lock.lock();
        if (drained) break;
      }
      cv_.wait_for(lock, options_.drain_check_interval);
    }
  }
  Shutdown();
  return result;
}

void Worker::Shutdown() {
  std::lock_guard<std::mutex> control(control_mu_);
  std::vector<Connector*> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
    for (auto& c : connectors_) {
      all.push_back(c.get());
      // Every task is told first, so that they stop together (CloseGate).
      if (c->close_gate != nullptr) c->close_gate->CloseAll();
      for (auto& t : c->tasks) t->Stop();
    }
  }
  for (Connector* c : all) StopTasks(*c);
  // The last state (e.g. a task that failed for good) is alerted too.
  ObserveForAlerts();
  for (Connector* c : all) {
    if (c->alerter != nullptr && !c->alerter->Drain(absl::Seconds(10))) {
      spdlog::warn("connector {}: some alerts were not delivered before shutdown", c->name);
    }
  }
}

void Worker::ObserveForAlerts() {
  const absl::Time now = absl::Now();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& c : connectors_) {
    if (c->alerter == nullptr || !c->alerter->enabled()) continue;
    alert::ConnectorObservation obs;
    obs.connector = c->name;
    for (size_t i = 0; i < c->tasks.size(); ++i) {
      TaskStatus s = c->tasks[i]->Status();
      alert::TaskObservation t;
      t.task_id = static_cast<int>(i);
      // A task waiting to restart has failed: alerts see it FAILED (with its
      // trace) until it runs again, else a task failing and restarting in a
      // loop would never be announced.
      t.state = std::string(
          TaskStateName(s.state == TaskState::kRestarting ? TaskState::kFailed : s.state));
      t.trace = s.trace;
      t.dlq_records = s.records_dead_lettered;
      t.bigquery_rejections = s.bigquery_rejections;
      t.lag = s.Lag();
      t.failures = s.restarts;
      obs.tasks.push_back(std::move(t));
    }
    c->alerter->Observe(obs, now);
  }
}

bool Worker::Drained() {
  std::map<kafka::TopicPartition, std::pair<int64_t, int64_t>> all;
  size_t expected = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : connectors_) {
      for (auto& t : c->tasks) {
        for (const auto& [tp, p] : t->Status().progress) all[tp] = p;
      }
    }
    for (const auto& [topic, n] : partition_counts_) expected += static_cast<size_t>(n);
  }
  if (all.size() != expected) return false;
  for (const auto& [tp, p] : all) {
    if (p.second < 0 || p.first < p.second) return false;
  }
  return true;
}

absl::Status Worker::ForEachTask(const std::string& connector,
                                 const std::function<void(SinkTask&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& c : connectors_) {
    if (c->name != connector) continue;
    if (c->tasks.empty()) {
      return absl::FailedPreconditionError("connector " + connector + " has not started");
    }
    for (auto& t : c->tasks) fn(*t);
    return absl::OkStatus();
  }
  return absl::NotFoundError("no connector named " + connector);
}

absl::Status Worker::Pause(const std::string& connector) {
  return ForEachTask(connector, [](SinkTask& t) { t.Pause(); });
}

absl::Status Worker::Resume(const std::string& connector) {
  return ForEachTask(connector, [](SinkTask& t) { t.Resume(); });
}

bool Worker::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

std::vector<Worker::ConnectorStatus> Worker::Status() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ConnectorStatus> out;
  for (const auto& c : connectors_) {
    ConnectorStatus cs;
    cs.name = c->name;
    cs.props = c->props;
    cs.warnings = c->warnings;
    for (const auto& t : c->tasks) cs.tasks.push_back(t->Status());
    out.push_back(std::move(cs));
  }
  return out;
}

}  // namespace ferry::runtime
