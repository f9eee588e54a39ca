// connect-standalone's herder: connector configs held in memory (those the
// command line gave, and those the REST API adds), run on this process's
// Worker. Thread-safe: REST requests arrive on the server's threads.
#ifndef FERRY_HERDER_STANDALONE_HERDER_H_
#define FERRY_HERDER_STANDALONE_HERDER_H_

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "config/config_providers.h"
#include "config/properties.h"
#include "herder/herder.h"
#include "runtime/worker.h"

namespace ferry::herder {

class StandaloneHerder : public Herder {
 public:
  // `worker` runs the connectors and outlives the herder; `written` are the
  // configs the worker was created with, as their files hold them
  // (unresolved); `providers` resolves the references of configs the REST
  // API adds.
  StandaloneHerder(runtime::Worker* worker, std::map<std::string, std::string> worker_props,
                   ConfigProviders providers, const std::vector<ConfigFile>& written);

  // How statuses name this worker (Connect: host:port of its REST API).
  void set_worker_id(std::string id);

  bool Ready() const override;
  // Asked of the brokers once, then kept; "" while no broker answers.
  std::string KafkaClusterId() const override;
  std::vector<std::string> Connectors() const override;
  absl::StatusOr<ConnectorInfo> Info(const std::string& name) const override;
  absl::StatusOr<ConnectorStatus> Status(const std::string& name) const override;
  absl::StatusOr<std::vector<TaskInfo>> Tasks(const std::string& name) const override;
  absl::StatusOr<bool> PutConfig(const std::string& name, Config config, bool allow_replace,
                                 TargetState initial) override;
  absl::Status PatchConfig(const std::string& name,
                           const std::map<std::string, std::optional<std::string>>& patch) override;
  absl::Status Delete(const std::string& name) override;
  absl::Status Restart(const std::string& name, bool include_tasks, bool only_failed) override;
  absl::Status RestartTask(const std::string& name, int task) override;
  absl::Status SetTargetState(const std::string& name, TargetState state) override;
  Validation Validate(const Config& config) const override;

 private:
  struct Entry {
    Config written;  // as given: references unresolved.
    TargetState target = TargetState::kStarted;
    int tasks = 0;  // tasks.max
  };
  // Resolved and checked: InvalidArgument listing every blocking problem.
  absl::StatusOr<Config> Resolve(const Config& written) const;
  // Starts the connector on the worker in `target` (nothing for STOPPED).
  absl::Status Run(const std::string& name, const Config& resolved, TargetState target);
  const Entry* Find(const std::string& name) const;  // holds mu_.

  runtime::Worker* worker_;
  const std::map<std::string, std::string> worker_props_;
  const ConfigProviders providers_;
  mutable std::mutex mu_;  // one change at a time; guards connectors_ and the ids.
  std::string worker_id_;
  mutable std::string kafka_cluster_id_;
  std::map<std::string, Entry> connectors_;
};

}  // namespace ferry::herder

#endif  // FERRY_HERDER_STANDALONE_HERDER_H_
