#include "herder/standalone_herder.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kafka/producer.h"
#include "spdlog/spdlog.h"

namespace ferry::herder {
namespace {

constexpr char kTaskClass[] = "com.wepay.kafka.connect.bigquery.BigQuerySinkTask";

absl::Status NotFound(const std::string& name) {
  return absl::NotFoundError(absl::StrCat("Connector ", name, " not found"));
}

// Until the REST API says how it is reached: the host name.
std::string WorkerIdOf(const std::map<std::string, std::string>& worker_props) {
  if (auto it = worker_props.find("rest.advertised.host.name"); it != worker_props.end()) {
    return it->second;
  }
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

int TasksMax(const Config& config) {
  int n = 1;
  if (auto it = config.find("tasks.max"); it != config.end()) {
    (void)absl::SimpleAtoi(it->second, &n);
  }
  return std::max(n, 1);
}

}  // namespace

StandaloneHerder::StandaloneHerder(runtime::Worker* worker,
                                   std::map<std::string, std::string> worker_props,
                                   ConfigProviders providers,
                                   const std::vector<ConfigFile>& written)
    : worker_(worker),
      worker_props_(std::move(worker_props)),
      providers_(std::move(providers)),
      worker_id_(WorkerIdOf(worker_props_)) {
  for (const ConfigFile& f : written) {
    Entry e;
    e.written = f.props;
    e.written["name"] = f.name;
    e.tasks = TasksMax(f.props);
    connectors_[f.name] = std::move(e);
  }
}

void StandaloneHerder::set_worker_id(std::string id) {
  std::lock_guard<std::mutex> lock(mu_);
  worker_id_ = std::move(id);
}

std::string StandaloneHerder::KafkaClusterId() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!kafka_cluster_id_.empty()) return kafka_cluster_id_;
  }
  auto it = worker_props_.find("bootstrap.servers");
  if (it == worker_props_.end()) return "";
  absl::StatusOr<std::string> id = kafka::ClusterId(it->second);
  if (!id.ok()) {
    spdlog::warn("Kafka cluster id: {}", std::string(id.status().message()));
    return "";
  }
  std::lock_guard<std::mutex> lock(mu_);
  kafka_cluster_id_ = *id;
  return kafka_cluster_id_;
}

bool StandaloneHerder::Ready() const { return worker_->running(); }

std::vector<std::string> StandaloneHerder::Connectors() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, e] : connectors_) out.push_back(name);
  return out;
}

const StandaloneHerder::Entry* StandaloneHerder::Find(const std::string& name) const {
  auto it = connectors_.find(name);
  return it == connectors_.end() ? nullptr : &it->second;
}

absl::StatusOr<ConnectorInfo> StandaloneHerder::Info(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Entry* e = Find(name);
  if (e == nullptr) return NotFound(name);
  ConnectorInfo info;
  info.name = name;
  info.config = Shown(e->written);
  info.tasks = e->target == TargetState::kStopped ? 0 : e->tasks;
  return info;
}

absl::StatusOr<std::vector<TaskInfo>> StandaloneHerder::Tasks(const std::string& name) const {
  absl::StatusOr<ConnectorInfo> info = Info(name);
  if (!info.ok()) return info.status();
  std::vector<TaskInfo> out;
  for (int i = 0; i < info->tasks; ++i) {
    TaskInfo t;
    t.id = i;
    t.config = info->config;
    t.config["task.class"] = kTaskClass;
    out.push_back(std::move(t));
  }
  return out;
}

absl::StatusOr<ConnectorStatus> StandaloneHerder::Status(const std::string& name) const {
  TargetState target;
  std::string worker_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Entry* e = Find(name);
    if (e == nullptr) return NotFound(name);
    target = e->target;
    worker_id = worker_id_;
  }
  ConnectorStatus out;
  out.name = name;
  out.connector.worker_id = worker_id;
  out.connector.state = target == TargetState::kStopped  ? "STOPPED"
                        : target == TargetState::kPaused ? "PAUSED"
                                                         : "RUNNING";
  for (const runtime::Worker::ConnectorStatus& c : worker_->Status()) {
    if (c.name != name) continue;
    for (size_t i = 0; i < c.tasks.size(); ++i) {
      StateInfo s;
      s.state = std::string(runtime::TaskStateName(c.tasks[i].state));
      s.worker_id = worker_id;
      s.trace = c.tasks[i].trace;
      out.tasks.emplace_back(static_cast<int>(i), std::move(s));
    }
  }
  return out;
}

absl::StatusOr<Config> StandaloneHerder::Resolve(const Config& written) const {
  absl::StatusOr<ResolvedConfig> resolved = providers_.Resolve(written);
  if (!resolved.ok()) return resolved.status();
  std::vector<ConfigError> blocking;
  for (ConfigError& e : runtime::ValidateConnectorConfig(resolved->props, worker_props_)) {
    if (!e.ignorable) blocking.push_back(std::move(e));
  }
  if (!blocking.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Connector configuration is invalid and contains the following ",
                     blocking.size(), " error(s):\n", FormatConfigErrors(blocking)));
  }
  return std::move(resolved->props);
}

absl::Status StandaloneHerder::Run(const std::string& name, const Config& resolved,
                                   TargetState target) {
  if (target == TargetState::kStopped) return absl::OkStatus();
  if (absl::Status s = worker_->StartConnector(name, resolved); !s.ok()) return s;
  if (target == TargetState::kPaused) return worker_->Pause(name);
  return absl::OkStatus();
}

absl::StatusOr<bool> StandaloneHerder::PutConfig(const std::string& name, Config config,
                                                 bool allow_replace, TargetState initial) {
  config["name"] = name;
  absl::StatusOr<Config> resolved = Resolve(config);
  if (!resolved.ok()) return resolved.status();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = connectors_.find(name);
  const bool created = it == connectors_.end();
  if (!created && !allow_replace) {
    return absl::AlreadyExistsError(absl::StrCat("Connector ", name, " already exists"));
  }
  TargetState target = created ? initial : it->second.target;
  if (!created && target != TargetState::kStopped) {
    if (absl::Status s = worker_->StopConnector(name); !s.ok() && !absl::IsNotFound(s)) return s;
  }
  if (absl::Status s = Run(name, *resolved, target); !s.ok()) {
    if (!created) {
      spdlog::error("connector {}: the new config could not start: {}", name, s.ToString());
    }
    return s;
  }
  Entry& e = connectors_[name];
  e.written = std::move(config);
  e.target = target;
  e.tasks = TasksMax(e.written);
  spdlog::info("connector {}: {} (target state {})", name, created ? "created" : "reconfigured",
               TargetStateName(target));
  return created;
}

absl::Status StandaloneHerder::PatchConfig(
    const std::string& name, const std::map<std::string, std::optional<std::string>>& patch) {
  Config merged;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const Entry* e = Find(name);
    if (e == nullptr) return NotFound(name);
    merged = e->written;
  }
  for (const auto& [k, v] : patch) {
    if (v) {
      merged[k] = *v;
    } else {
      merged.erase(k);
    }
  }
  absl::StatusOr<bool> created =
      PutConfig(name, std::move(merged), /*allow_replace=*/true, TargetState::kStarted);
  return created.status();
}

absl::Status StandaloneHerder::Delete(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return NotFound(name);
  if (it->second.target != TargetState::kStopped) {
    if (absl::Status s = worker_->StopConnector(name); !s.ok() && !absl::IsNotFound(s)) return s;
  }
  connectors_.erase(it);
  spdlog::info("connector {}: deleted", name);
  return absl::OkStatus();
}

absl::Status StandaloneHerder::Restart(const std::string& name, bool include_tasks,
                                       bool only_failed) {
  absl::StatusOr<ConnectorStatus> status = Status(name);
  if (!status.ok()) return status.status();
  // The connector itself holds no state of its own in ferry (its tasks are
  // made from its config): restarting it alone changes nothing, as for a
  // Connect sink connector that is running.
  if (!include_tasks) return absl::OkStatus();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, s] : status->tasks) {
    if (only_failed && s.state != "FAILED") continue;
    if (absl::Status r = worker_->RestartTask(name, id); !r.ok()) return r;
  }
  return absl::OkStatus();
}

absl::Status StandaloneHerder::RestartTask(const std::string& name, int task) {
  std::lock_guard<std::mutex> lock(mu_);
  const Entry* e = Find(name);
  if (e == nullptr) return NotFound(name);
  if (task < 0 || task >= e->tasks || e->target == TargetState::kStopped) {
    return absl::NotFoundError(absl::StrCat("Task ", name, "-", task, " not found"));
  }
  return worker_->RestartTask(name, task);
}

absl::Status StandaloneHerder::SetTargetState(const std::string& name, TargetState state) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return NotFound(name);
  Entry& e = it->second;
  if (e.target == state) return absl::OkStatus();
  if (state == TargetState::kStopped) {
    if (absl::Status s = worker_->StopConnector(name); !s.ok() && !absl::IsNotFound(s)) return s;
  } else if (e.target == TargetState::kStopped) {
    absl::StatusOr<Config> resolved = Resolve(e.written);
    if (!resolved.ok()) return resolved.status();
    if (absl::Status s = Run(name, *resolved, state); !s.ok()) return s;
  } else if (state == TargetState::kPaused) {
    if (absl::Status s = worker_->Pause(name); !s.ok()) return s;
  } else {
    if (absl::Status s = worker_->Resume(name); !s.ok()) return s;
  }
  spdlog::info("connector {}: target state {}", name, TargetStateName(state));
  e.target = state;
  return absl::OkStatus();
}

Validation StandaloneHerder::Validate(const Config& config) const {
  Validation out;
  std::vector<ConfigError> problems;
  ResolvedConfig resolved = providers_.ResolveAll(config, &problems);
  out.errors = runtime::ValidateConnectorConfig(resolved.props, worker_props_);
  for (ConfigError& e : problems) out.errors.push_back(std::move(e));
  out.definitions = ConnectorConfigDefs();
  return out;
}

}  // namespace ferry::herder
