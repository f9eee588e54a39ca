#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bigquery/rest_client.h"
#include "bigquery/table_schema.h"
#include "cli/event_generator.h"
#include "devkafka/dev_kafka_process.h"
#include "emulator/emulator.h"
#include "record/sink_record.h"
#include "runtime/worker.h"

namespace ferry::testing {

// An embedded Kafka (separate process) and an in-process BigQuery emulator,
// for component tests of the whole pipeline.
class ComponentEnv {
 public:
  struct Options {
    int brokers = 1;
    std::vector<std::string> topics = {"serverlog.member:6"};
    bool stock_limits = false;
    std::string db_path = ":memory:";
    // The BigQuery project of the helpers below (tables, datasets, reads).
    std::string project = "ferry-local";
    // false: the emulator answers Storage Write errors without StorageError
    // details, as an independent server does.
    bool storage_error_details = true;
  };
  static absl::StatusOr<std::unique_ptr<ComponentEnv>> Start(const Options& options);

  const std::string& bootstrap() const { return kafka_->bootstrap_servers(); }
  emulator::Emulator& bigquery() { return *emulator_; }
  devkafka::DevKafkaProcess& kafka() { return *kafka_; }

  // Produces generated member CloudEvents; returns how many were acknowledged.
  absl::StatusOr<int64_t> Produce(const cli::GeneratorOptions& options);

  // The serverlog connector of examples/serverlog, pointed at this emulator.
  std::map<std::string, std::string> ServerlogConnector(const std::string& name) const;
  std::map<std::string, std::string> WorkerProps() const;

  // Every row of a table, as tabledata.list renders it (TIMESTAMPs as int64
  // micros), converted to {column: value} objects.
  absl::StatusOr<std::vector<nlohmann::json>> ReadTable(const std::string& dataset,
                                                        const std::string& table);

  // One column of every row of a table (as tabledata.list renders it), in
  // row order; lighter than ReadTable for counting millions of rows.
  absl::StatusOr<std::vector<std::string>> ReadColumn(const std::string& dataset,
                                                      const std::string& table,
                                                      const std::string& column);

  // A REST client of the emulator (no credentials).
  absl::StatusOr<std::unique_ptr<bigquery::RestClient>> Rest() const;

  // Creates a dataset of the project unless it exists.
  absl::Status CreateDataset(const std::string& dataset);

  // Creates a table of the project with these columns (and its dataset,
  // unless it exists).
  absl::Status CreateTable(const std::string& dataset, const std::string& table,
                           std::vector<bigquery::TableFieldSchema> columns);

  // Every record of a topic from the beginning to its current end.
  absl::StatusOr<std::vector<RawRecord>> ReadTopic(const std::string& topic);

 private:
  std::unique_ptr<devkafka::DevKafkaProcess> kafka_;
  std::unique_ptr<emulator::Emulator> emulator_;
  std::string project_;
};

// A column for ComponentEnv::CreateTable.
bigquery::TableFieldSchema Column(std::string name, bigquery::FieldType type,
                                  bigquery::FieldMode mode = bigquery::FieldMode::kNullable);

// One column as the table has it: "NAME TYPE MODE", RECORD fields inside
// ("ship RECORD REQUIRED {city STRING REQUIRED}").
std::string Describe(const bigquery::TableFieldSchema& f);

// Writes a .properties file.
void WriteProperties(const std::string& path, const std::map<std::string, std::string>& props);

// A `ferry` command as a child process, its stdout and stderr appended to a
// log file.
class FerryProcess {
 public:
  FerryProcess(const std::vector<std::string>& args, const std::string& log);
  ~FerryProcess();  // kills the process if it still runs.
  FerryProcess(const FerryProcess&) = delete;
  FerryProcess& operator=(const FerryProcess&) = delete;
  bool started() const { return pid_ > 0; }
  void Kill();
  // Waits for the process to exit; its exit code (128 + signal when killed),
  // or -1 on timeout.
  int Wait(std::chrono::seconds timeout);

 private:
  pid_t pid_ = -1;
};

// Runs a worker on a thread; Stop() and Wait() from the test thread.
class WorkerThread {
 public:
  static absl::StatusOr<std::unique_ptr<WorkerThread>> Start(
      std::map<std::string, std::string> worker_props,
      std::vector<std::map<std::string, std::string>> connectors, runtime::WorkerOptions options);
  ~WorkerThread();
  runtime::Worker& worker() { return *worker_; }
  // Records written so far by all tasks.
  int64_t Written() const;
  // Waits until pred() holds (checked every few ms) or the timeout passes.
  bool WaitUntil(const std::function<bool()>& pred, absl::Duration timeout) const;
  void Stop() { worker_->Stop(); }
  // Waits for Run() to return and gives its status.
  absl::Status Wait();

 private:
  std::unique_ptr<runtime::Worker> worker_;
  std::thread thread_;
  std::optional<absl::Status> result_;
  absl::Status status_;
};

}  // namespace ferry::testing
