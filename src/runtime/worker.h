#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/config_def.h"
#include "config/properties.h"
#include "kafka/client_keys.h"
#include "runtime/task.h"

namespace ferry::alert {
class Alerter;
}

namespace ferry::runtime {

// Makes the writer of one task from the connector's properties.
using WriterFactory = std::function<absl::StatusOr<std::unique_ptr<SinkWriter>>(
    const std::map<std::string, std::string>& connector_props, int task_id)>;

struct WorkerOptions {
  // Stop once every partition of the connectors' topics is written up to its
  // high watermark (quickstart, benchmarks, tests).
  bool stop_when_drained = false;
  std::chrono::milliseconds drain_check_interval{100};
  // Default: the BigQuery writer. Benchmarks swap in a discard writer.
  WriterFactory writer_factory;
  // Adjusts each task's options once the worker has made them (replays set
  // their own consumer group, record substitution and outcome hooks).
  std::function<void(TaskOptions&)> customize_task;
  // Run() ends when a task has failed for good (a restart policy gave up, or
  // none): `ferry standalone` without a REST API ends rather than keep a
  // failed task silently. false: the task stays FAILED, as in Connect, until
  // RestartTask (a REST API's POST .../restart).
  bool exit_on_task_failure = true;
};

// Checks a connector configuration as `ferry validate` and start-up do:
// every problem, by key, in one list (Connect keys, the writer's keys,
// converters, transforms; unknown keys with the closest known one).
// Errors marked ignorable (keys nothing defines, removed kcbq 1.x keys) do not
// stop a connector from running: the worker logs them once as warnings and
// keeps them in the connector's status, as Connect runs such configs.
// `worker` (the worker config, when known) completes the connector's client
// overrides: its consumer.*/producer.* settings are merged in as Connect does.
std::vector<ConfigError> ValidateConnectorConfig(
    const std::map<std::string, std::string>& props,
    const std::map<std::string, std::string>& worker = {});

// One Kafka client's settings as Connect merges them: the worker's
// <client>.* overlaid with the connector's <client>.override.* (client is
// "consumer", "producer" or "admin"), translated from the Java client's names
// (kafka/client_keys.h); problems are named by the key as written.
struct ClientSettings {
  kafka::ClientKeyTranslation translation;
  std::vector<ConfigError> problems;
};
ClientSettings ClientSettingsOf(const std::map<std::string, std::string>& worker,
                                const std::map<std::string, std::string>& connector,
                                const std::string& client, kafka::ClientRole role);

// The key.converter.*, value.converter.* and header.converter.* settings of a
// connector (worker=false) or worker config, checked against the converter's
// own key table: unknown ones with "did you mean", and (in a connector config)
// settings of a converter the connector does not name. All ignorable.
std::vector<ConfigError> ConverterSubKeyErrors(const std::map<std::string, std::string>& props,
                                               bool worker);

// Every problem of a standalone worker config: missing or bad values
// (blocking), and ignorable ones: keys nothing defines (with "did you mean"),
// Connect worker keys that mean nothing to a standalone worker (group.id,
// *.storage.topic...), converter settings the converter lacks.
std::vector<ConfigError> ValidateWorkerConfig(const std::map<std::string, std::string>& props);

// A standalone worker (connect-standalone): runs the given sink connectors,
// each as tasks.max tasks on their own threads in this process.
class Worker {
 public:
  static absl::StatusOr<std::unique_ptr<Worker>> Create(
      std::map<std::string, std::string> worker_props, std::vector<ConfigFile> connectors,
      WorkerOptions options);
  ~Worker();

  // Starts the tasks and blocks until Stop(), a task failure that is not
  // restarted (see ferry.task.restart.*; with exit_on_task_failure), or (when
  // asked) the topics are drained. Returns the first such task failure, if
  // any.
  absl::Status Run();
  void Stop();  // thread-safe; safe from a signal-handling thread.

  // Connectors added and removed while the worker runs (a REST API's POST and
  // DELETE /connectors). Thread-safe; one such change at a time.
  // StartConnector validates as Create does (InvalidArgument listing every
  // blocking problem; AlreadyExists for a name in use) and, while Run() runs,
  // starts its tasks (else Run() will).
  absl::Status StartConnector(const std::string& name, std::map<std::string, std::string> props);
  // Stops the connector's tasks (each commits what it delivered) and forgets
  // it. NotFound for an unknown name.
  absl::Status StopConnector(const std::string& name);
  // Stops one task and starts it afresh from the connector's config
  // (Connect's POST /connectors/{name}/tasks/{id}/restart). NotFound for an
  // unknown connector or task; FailedPrecondition before Run() started it.
  absl::Status RestartTask(const std::string& name, int task_id);

  // Pauses / resumes every task of a connector (Connect's PUT
  // /connectors/{name}/pause and /resume). Thread-safe; NotFound for an
  // unknown connector, FailedPrecondition before Run() started its tasks.
  absl::Status Pause(const std::string& connector);
  absl::Status Resume(const std::string& connector);

  struct ConnectorStatus {
    std::string name;
    std::map<std::string, std::string> props;  // its config, as given.
    std::vector<TaskStatus> tasks;
    // Keys of its config that ferry ignores (unknown, removed in kcbq 2.0),
    // with the message `ferry validate` gives for each.
    std::vector<ConfigError> warnings;
  };
  std::vector<ConnectorStatus> Status() const;
  // Run() has started the connectors and not yet stopped them.
  bool running() const;
  // The worker config's ignored keys, with why.
  const std::vector<ConfigError>& worker_warnings() const { return worker_warnings_; }

 private:
  struct Connector {
    std::string name;
    std::map<std::string, std::string> props;
    std::vector<std::string> topics;
    std::vector<std::unique_ptr<SinkTask>> tasks;
    std::vector<std::thread> threads;  // one per task, while it runs.
    std::vector<ConfigError> warnings;  // ignored keys of its config.
    // Every stopping task commits before any leaves the group (see TaskOptions).
    std::shared_ptr<class CloseGate> close_gate;
    // ferry.alert.*: Slack / webhook alerts on this connector's tasks.
    std::shared_ptr<alert::Alerter> alerter;
  };
  // A connector's config checked and its warnings logged; not yet running.
  absl::StatusOr<std::unique_ptr<Connector>> Prepare(const std::string& name,
                                                     std::map<std::string, std::string> props) const;
  // Builds the connector's tasks and alerter and starts the task threads.
  absl::Status Launch(Connector& c);
  absl::StatusOr<std::unique_ptr<SinkTask>> MakeTask(Connector& c, int task_id);
  std::thread StartThread(SinkTask* task);
  // Stops the connector's tasks together and joins their threads.
  void StopTasks(Connector& c);
  // Stops every connector (the end of Run()).
  void Shutdown();
  Connector* Find(const std::string& name);
  // Calls fn on every task of the connector (Pause, Resume).
  absl::Status ForEachTask(const std::string& connector, const std::function<void(SinkTask&)>& fn);
  // Feeds every connector's alerter its tasks' current state.
  void ObserveForAlerts();
  Worker() = default;
  bool Drained();

  std::map<std::string, std::string> worker_props_;
  std::vector<ConfigError> worker_warnings_;
  WorkerOptions options_;
  // Serialises the changes of connectors and tasks (they wait for threads).
  std::mutex control_mu_;
  mutable std::mutex mu_;  // guards the connector list, task lists, stop_ and running_.
  // Stable addresses: a control call works on a Connector without holding mu_.
  std::vector<std::unique_ptr<Connector>> connectors_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool running_ = false;  // Run() has launched the connectors and not yet stopped them.
  std::map<std::string, int> partition_counts_;  // topic → partitions, for drain checks.
};

}  // namespace ferry::runtime
