// What decides which connectors run, as Kafka Connect's Herder: the REST API
// talks to this interface only. StandaloneHerder (standalone_herder.h) keeps
// the configs in memory and runs them on this process's Worker; a distributed
// herder keeps them in Kafka and shares the tasks among workers.
#ifndef FERRY_HERDER_HERDER_H_
#define FERRY_HERDER_HERDER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/config_def.h"

namespace ferry::herder {

using Config = std::map<std::string, std::string>;

// Connect's target states: what the user asked for.
enum class TargetState { kStarted, kPaused, kStopped };

// One state as Connect's status shows it: state (UNASSIGNED, RUNNING, PAUSED,
// FAILED, RESTARTING, STOPPED), the worker that runs it, the failure.
struct StateInfo {
  std::string state;
  std::string worker_id;
  std::string trace;  // empty: none.
};

struct ConnectorStatus {
  std::string name;
  StateInfo connector;
  std::vector<std::pair<int, StateInfo>> tasks;  // by task id.
  std::string type = "sink";
};

struct ConnectorInfo {
  std::string name;
  // As the user wrote it: ${provider:…} references unresolved, PASSWORD-typed
  // values "[hidden]". Secrets never leave the worker.
  Config config;
  int tasks = 0;  // ids 0..tasks-1.
  std::string type = "sink";
};

struct TaskInfo {
  int id = 0;
  Config config;  // shown as ConnectorInfo::config, plus task.class.
};

// The answer to a config validation: the problems by key, and the key tables
// the connector's config is read with (for Connect's ConfigInfos).
struct Validation {
  std::vector<ConfigError> errors;
  std::vector<const ConfigDef*> definitions;
};

class Herder {
 public:
  virtual ~Herder() = default;

  // Ready to answer (GET /health: 503 "starting" before).
  virtual bool Ready() const = 0;
  virtual std::string KafkaClusterId() const = 0;

  virtual std::vector<std::string> Connectors() const = 0;  // sorted.
  // NotFound ("Connector <name> not found") for an unknown name, as all below.
  virtual absl::StatusOr<ConnectorInfo> Info(const std::string& name) const = 0;
  virtual absl::StatusOr<ConnectorStatus> Status(const std::string& name) const = 0;
  virtual absl::StatusOr<std::vector<TaskInfo>> Tasks(const std::string& name) const = 0;

  // Creates a connector or replaces its config (allow_replace); true when it
  // was created. AlreadyExists when it exists and !allow_replace;
  // InvalidArgument listing every blocking problem of the config. A new
  // connector starts in `initial` (Connect's initial_state).
  virtual absl::StatusOr<bool> PutConfig(const std::string& name, Config config, bool allow_replace,
                                         TargetState initial = TargetState::kStarted) = 0;
  // PATCH /connectors/{name}/config: each key set to its value, or removed
  // (nullopt), in the config as written; then as PutConfig. NotFound.
  virtual absl::Status PatchConfig(
      const std::string& name, const std::map<std::string, std::optional<std::string>>& patch) = 0;
  virtual absl::Status Delete(const std::string& name) = 0;

  // POST /connectors/{name}/restart: the connector and, with include_tasks,
  // its tasks (only the FAILED ones with only_failed).
  virtual absl::Status Restart(const std::string& name, bool include_tasks, bool only_failed) = 0;
  // NotFound for an unknown task too.
  virtual absl::Status RestartTask(const std::string& name, int task) = 0;
  virtual absl::Status SetTargetState(const std::string& name, TargetState state) = 0;

  // Checks a connector config as PutConfig would, without running it.
  virtual Validation Validate(const Config& config) const = 0;
};

// The config as REST answers show it: values that hold a ${provider:…}
// reference as written, other values of secret keys (PASSWORD-typed keys of
// the connector's tables, and the usual secret names of clients, converters
// and providers: *.password, sasl.jaas.config, basic.auth.user.info, …) as
// "[hidden]".
Config Shown(const Config& written);

// The tables a sink connector's config is read with (Connect's keys, the
// BigQuery sink's, ferry's runtime, error table and alert keys).
std::vector<const ConfigDef*> ConnectorConfigDefs();

std::string_view TargetStateName(TargetState state);  // "STARTED", "PAUSED", "STOPPED"

}  // namespace ferry::herder

#endif  // FERRY_HERDER_HERDER_H_
