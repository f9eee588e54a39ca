// ferry: a Kafka Connect–compatible sink worker for BigQuery.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/event_generator.h"
#include "cli/parity.h"
#include "config/config_providers.h"
#include "config/properties.h"
#include "emulator/emulator.h"
#include "herder/standalone_herder.h"
#include "kafka/producer.h"
#include "replay/replayer.h"
#include "rest/connect_service.h"
#include "runtime/compatibility.h"
#include "runtime/discard_writer.h"
#include "runtime/worker.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace ferry::cli {
namespace {

// Blocks SIGINT/SIGTERM in every thread and calls on_signal from a dedicated
// thread when one arrives, so shutdown runs outside signal context.
class SignalWatcher {
 public:
  explicit SignalWatcher(std::function<void()> on_signal) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this, on_signal] {
      int sig = 0;
      sigwait(&set_, &sig);
      if (sig != SIGUSR1) {
        spdlog::info("signal {} received, shutting down", sig);
        on_signal();
      }
    });
  }
  ~SignalWatcher() {
    pthread_kill(thread_.native_handle(), SIGUSR1);
    thread_.join();
  }

 private:
  sigset_t set_;
  std::thread thread_;
};

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "ferry: %s\n", std::string(s.message()).c_str());
  return 1;
}

// The worker config and connector configs, with ${provider:path:key}
// variables resolved (config.providers.* of the worker config).
struct LoadedConfigs {
  std::map<std::string, std::string> worker;
  std::vector<ConfigFile> connectors;
  // The connector configs as their files hold them (references unresolved),
  // and the providers: what the REST API shows and resolves.
  std::vector<ConfigFile> written;
  std::optional<ConfigProviders> providers;
};

absl::StatusOr<LoadedConfigs> LoadResolved(const std::string& worker_file,
                                           const std::vector<std::string>& connector_files) {
  auto worker_conf = LoadConfigFile(worker_file);
  if (!worker_conf.ok()) return worker_conf.status();
  auto providers = ConfigProviders::FromWorkerConfig(worker_conf->props);
  if (!providers.ok()) return providers.status();
  auto resolved_worker = providers->ResolveWorkerConfig(worker_conf->props);
  if (!resolved_worker.ok()) return resolved_worker.status();
  LoadedConfigs out;
  for (auto& [k, v] : resolved_worker->props) {
    if (!IsConfigProvidersKey(k)) out.worker[k] = v;
  }
  for (const std::string& f : connector_files) {
    auto c = LoadConfigFile(f);
    if (!c.ok()) return c.status();
    out.written.push_back(*c);
    auto resolved = providers->Resolve(c->props);
    if (!resolved.ok()) {
      return absl::Status(resolved.status().code(),
                          absl::StrCat(f, ": ", resolved.status().message()));
    }
    c->props = std::move(resolved->props);
    out.connectors.push_back(std::move(*c));
  }
  out.providers = std::move(*providers);
  return out;
}

int RunStandalone(const std::string& worker_file, const std::vector<std::string>& connector_files,
                  bool until_drained, const std::string& writer) {
  auto configs = LoadResolved(worker_file, connector_files);
  if (!configs.ok()) return Fail(configs.status());
  runtime::WorkerOptions options;
  options.stop_when_drained = until_drained;
  if (writer == "discard") {
    options.writer_factory = [](const std::map<std::string, std::string>&, int) {
      return absl::StatusOr<std::unique_ptr<SinkWriter>>(
          std::make_unique<runtime::DiscardWriter>());
    };
  }
  auto worker = runtime::Worker::Create(configs->worker, std::move(configs->connectors), options);
  if (!worker.ok()) return Fail(worker.status());
  // Connect's REST API over this worker (connect-standalone serves it too).
  herder::StandaloneHerder herder(worker->get(), configs->worker, *configs->providers,
                                  configs->written);
  auto rest = rest::StartConnectService(configs->worker, &herder, "ferry-" FERRY_VERSION,
                                        [&](const std::string& id) { herder.set_worker_id(id); });
  if (!rest.ok()) return Fail(rest.status());
  SignalWatcher signals([&] { (*worker)->Stop(); });
  absl::Status s = (*worker)->Run();
  const auto end = std::chrono::steady_clock::now();
  for (const auto& c : (*worker)->Status()) {
    int64_t written = 0, consumed = 0, skipped = 0, lost = 0;
    std::optional<std::chrono::steady_clock::time_point> first;
    for (const auto& t : c.tasks) {
      written += t.records_written;
      consumed += t.records_consumed;
      skipped += t.records_skipped;
      lost += t.offsets_lost_to_retention;
      if (t.first_record_time && (!first || *t.first_record_time < *first)) {
        first = t.first_record_time;
      }
    }
    double secs = first ? std::chrono::duration<double>(end - *first).count() : 0;
    std::printf(
        "connector %s: %zu tasks, %lld records consumed, %lld written, %lld skipped, %lld lost "
        "to retention; %.2f s from the first record, %.0f records/s\n",
        c.name.c_str(), c.tasks.size(), static_cast<long long>(consumed),
        static_cast<long long>(written), static_cast<long long>(skipped),
        static_cast<long long>(lost), secs, secs > 0 ? consumed / secs : 0.0);
  }
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("peak RSS: %.1f MiB\n", usage.ru_maxrss / 1024.0);
  if (!s.ok()) return Fail(s);
  return 0;
}

struct ReplayCommand {
  std::string worker_file;
  std::string connector_file;
  std::string source_topic;
  std::string dlq_topic;
  std::string group;
  replay::ReplayFilterFlags filter;
  bool dry_run = false;
  std::string columns = "stage";
};

// Exit code: 0 when every selected record loaded (or would), 2 when some
// failed again (or would), 3 when stopped before the end of the DLQ, 1 when
// the replay could not run.
int RunReplay(const ReplayCommand& cmd) {
  auto configs = LoadResolved(cmd.worker_file, {cmd.connector_file});
  if (!configs.ok()) return Fail(configs.status());
  auto filter = replay::ParseReplayFilter(cmd.filter);
  if (!filter.ok()) return Fail(filter.status());
  replay::ReplayOptions options;
  options.worker_props = std::move(configs->worker);
  options.connector = std::move(configs->connectors.front());
  options.source_topic = cmd.source_topic;
  options.dlq_topic = cmd.dlq_topic;
  options.group = cmd.group;
  options.filter = *std::move(filter);
  options.dry_run = cmd.dry_run;
  options.progress = stderr;  // drawn only on a terminal.
  auto replay = replay::Replay::Create(std::move(options));
  if (!replay.ok()) return Fail(replay.status());
  SignalWatcher signals([&] { (*replay)->Stop(); });
  auto report = (*replay)->Run();
  if (!report.ok()) return Fail(report.status());
  std::printf("%s %s (group %s)%s%s\n", cmd.dry_run ? "dry run of the replay of" : "replayed",
              report->source_topic.c_str(), report->group.c_str(),
              report->dlq_topic.empty() ? "" : "; what failed again is in ",
              report->dlq_topic.c_str());
  replay::SummaryTableOptions table;
  table.dry_run = cmd.dry_run;
  table.columns = cmd.columns == "topic" ? replay::SummaryTableOptions::Columns::kByTopic
                                         : replay::SummaryTableOptions::Columns::kByStage;
  std::fputs(report->summary.RenderTable(table).c_str(), stdout);
  if (report->stopped) {
    std::printf("stopped before the end; run again to resume\n");
    return 3;
  }
  return report->summary.Count(replay::ReplayOutcome::kFailedAgain) > 0 ? 2 : 0;
}

int RunEmulator(const emulator::EmulatorOptions& options, const std::string& ready_file) {
  auto emu = emulator::Emulator::Start(options);
  if (!emu.ok()) return Fail(emu.status());
  std::printf("rest=%s\ngrpc=%s\n", (*emu)->rest_endpoint().c_str(),
              (*emu)->grpc_endpoint().c_str());
  std::fflush(stdout);
  if (!ready_file.empty()) {
    std::string tmp = ready_file + ".tmp";
    std::ofstream(tmp) << "rest=" << (*emu)->rest_endpoint() << "\ngrpc=" << (*emu)->grpc_endpoint()
                       << "\n";
    std::rename(tmp.c_str(), ready_file.c_str());
  }
  SignalWatcher signals([&] { (*emu)->Stop(); });
  (*emu)->Wait();
  return 0;
}

int RunProduce(const std::string& bootstrap, GeneratorOptions options, int partitions) {
  if (partitions > 0) {
    if (absl::Status s = kafka::EnsureTopic(bootstrap, options.topic, partitions, 1); !s.ok()) {
      return Fail(s);
    }
  }
  auto start = std::chrono::steady_clock::now();
  auto produced = ProduceEvents({{"bootstrap.servers", bootstrap},
                                 {"linger.ms", "20"},
                                 {"batch.num.messages", "10000"},
                                 {"queue.buffering.max.kbytes", "262144"}},
                                options, std::chrono::seconds(120));
  if (!produced.ok()) return Fail(produced.status());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("produced %lld events to %s in %.1f s\n", static_cast<long long>(*produced),
              options.topic.c_str(), secs);
  return 0;
}

int RunParity(const std::string& bootstrap, const std::string& topic, const std::string& rest,
              const std::string& table_spec) {
  std::vector<std::string> parts = absl::StrSplit(table_spec, '.');
  if (parts.size() != 3)
    return Fail(absl::InvalidArgumentError("--table must be project.dataset.table"));
  auto kafka = CountKafka(bootstrap, topic);
  if (!kafka.ok()) return Fail(kafka.status());
  auto bq = CountBigQueryTable(rest, parts[0], parts[1], parts[2]);
  if (!bq.ok()) return Fail(bq.status());
  int differing = PrintParity(*kafka, *bq, "kafka", "bigquery", stdout);
  if (differing > 0) {
    std::printf("%d rows differ\n", differing);
    return 2;
  }
  std::printf("parity: every row matches\n");
  return 0;
}

// The files `ferry validate` checks: each file given, and every .properties
// and .json file directly in each directory given (sorted by name).
absl::StatusOr<std::vector<std::string>> ValidateTargets(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    std::error_code ec;
    if (!std::filesystem::is_directory(a, ec)) {
      out.push_back(a);
      continue;
    }
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(a, ec)) {
      const std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".properties" || ext == ".json")) {
        files.push_back(entry.path().string());
      }
    }
    if (ec) return absl::FailedPreconditionError(absl::StrCat(a, ": ", ec.message()));
    if (files.empty()) {
      return absl::NotFoundError(absl::StrCat(a, ": no .properties or .json files in it"));
    }
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
  }
  return out;
}

// A worker config (connect-standalone.properties) beside connector configs:
// it names no connector and says where Kafka is.
bool IsWorkerConfig(const std::map<std::string, std::string>& props) {
  return props.count("connector.class") == 0 && props.count("name") == 0 &&
         props.count("bootstrap.servers") > 0;
}

// Every problem of every config, by key; `json` prints one machine-readable
// document for CI:
//   {"valid": false, "configs": [{"file": "a.properties", "valid": false,
//     "errors": [{"key": "tasks.mx", "message": "Unknown configuration ..."}],
//     "warnings": []}]}
// Strict by default: keys nothing defines (unknown, removed in kcbq 2.0) are
// errors. `lenient` mirrors the runtime, where they are warnings and the
// config runs. Exit code 1 when any config has an error.
int RunValidate(const std::vector<std::string>& args, const std::string& format, bool lenient) {
  auto files = ValidateTargets(args);
  if (!files.ok()) return Fail(files.status());
  int bad = 0;
  nlohmann::json report = {{"configs", nlohmann::json::array()}};
  for (const std::string& f : *files) {
    std::vector<ConfigError> problems;
    auto c = LoadConfigFile(f);
    if (!c.ok()) {
      // The message names the file; say it once.
      std::string message(c.status().message());
      if (absl::StartsWith(message, f + ": ")) message = message.substr(f.size() + 2);
      problems.push_back(ConfigError{"", std::move(message)});
    } else {
      // Variables resolve with the default providers (env, file, dir); what
      // they resolve to never appears in the output.
      static const ConfigProviders providers = *ConfigProviders::FromWorkerConfig({});
      ResolvedConfig resolved = providers.ResolveAll(c->props, &problems);
      std::vector<ConfigError> found = IsWorkerConfig(resolved.props)
                                           ? runtime::ValidateWorkerConfig(resolved.props)
                                           : runtime::ValidateConnectorConfig(resolved.props);
      for (ConfigError& e : RedactSecrets(std::move(found), resolved)) {
        problems.push_back(std::move(e));
      }
    }
    std::vector<ConfigError> errors = lenient ? BlockingErrors(problems) : problems;
    std::vector<ConfigError> warnings =
        lenient ? IgnorableErrors(problems) : std::vector<ConfigError>{};
    if (!errors.empty()) ++bad;
    nlohmann::json entry = {{"file", f},
                            {"valid", errors.empty()},
                            {"errors", nlohmann::json::array()},
                            {"warnings", nlohmann::json::array()}};
    for (const ConfigError& e : errors) {
      entry["errors"].push_back({{"key", e.key}, {"message", e.message}});
      if (format == "text") {
        std::printf("%s: %s%s%s\n", f.c_str(), e.key.c_str(), e.key.empty() ? "" : ": ",
                    e.message.c_str());
      }
    }
    for (const ConfigError& e : warnings) {
      entry["warnings"].push_back({{"key", e.key}, {"message", e.message}});
      if (format == "text") {
        std::printf("%s: warning: %s: %s\n", f.c_str(), e.key.c_str(), e.message.c_str());
      }
    }
    if (errors.empty() && format == "text") std::printf("%s: valid\n", f.c_str());
    report["configs"].push_back(std::move(entry));
  }
  report["valid"] = bad == 0;
  if (format == "json") std::printf("%s\n", report.dump(2).c_str());
  return bad == 0 ? 0 : 1;
}

int ExecDevKafka(std::vector<std::string> args) {
  const char* env = std::getenv("FERRY_DEV_KAFKA");
  std::string path = env ? env : "";
  if (path.empty()) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
      self[n] = '\0';
      std::string dir(self);
      dir = dir.substr(0, dir.rfind('/'));
      for (std::string candidate :
           {dir + "/ferry-dev-kafka", dir + "/../devkafka/ferry-dev-kafka"}) {
        if (access(candidate.c_str(), X_OK) == 0) {
          path = candidate;
          break;
        }
      }
    }
  }
  if (path.empty()) {
    return Fail(absl::NotFoundError("ferry-dev-kafka not found (set FERRY_DEV_KAFKA)"));
  }
  std::vector<char*> argv;
  argv.push_back(path.data());
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(path.c_str(), argv.data());
  return Fail(absl::InternalError(absl::StrCat("cannot run ", path)));
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"ferry: a Kafka Connect-compatible sink worker for BigQuery"};
  app.set_version_flag("--version", "ferry 0.1.0");
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();

  auto* standalone = app.add_subcommand(
      "standalone", "Run sink connectors in this process, as connect-standalone");
  std::string worker_file;
  std::vector<std::string> connector_files;
  bool until_drained = false;
  std::string writer = "bigquery";
  standalone->add_option("worker", worker_file, "worker .properties")->required();
  standalone->add_option("connectors", connector_files, "connector .properties or .json")
      ->required();
  standalone->add_flag("--until-drained", until_drained,
                       "stop once every partition is written up to its end");
  standalone->add_option("--writer", writer, "bigquery, or discard (benchmarks)")
      ->check(CLI::IsMember({"bigquery", "discard"}))
      ->capture_default_str();

  auto* emu =
      app.add_subcommand("emulator", "Run the local BigQuery emulator (REST + Storage Write)");
  emulator::EmulatorOptions emu_options;
  std::string emu_ready;
  emu->add_option("--host", emu_options.host)->capture_default_str();
  emu->add_option("--rest-port", emu_options.rest_port, "0 = any free port")->capture_default_str();
  emu->add_option("--grpc-port", emu_options.grpc_port, "0 = any free port")->capture_default_str();
  emu->add_option("--db", emu_options.db_path, "SQLite file; :memory: keeps nothing")
      ->capture_default_str();
  emu->add_option("--ready-file", emu_ready, "written with the endpoints once serving");

  auto* produce = app.add_subcommand("produce", "Produce member CloudEvents (both binding modes)");
  std::string bootstrap = "127.0.0.1:9092";
  GeneratorOptions gen;
  int partitions = 0;
  produce->add_option("--bootstrap-servers", bootstrap)->capture_default_str();
  produce->add_option("--topic", gen.topic)->capture_default_str();
  produce->add_option("--count", gen.count)->capture_default_str();
  produce->add_option("--days", gen.days)->capture_default_str();
  produce->add_option("--structured-ratio", gen.structured_ratio)->capture_default_str();
  produce->add_option("--seed", gen.seed)->capture_default_str();
  produce->add_option("--data-bytes", gen.value_bytes, "approximate size of each event's data")
      ->capture_default_str();
  produce->add_option("--partitions", partitions, "create the topic with this many partitions");

  auto* parity = app.add_subcommand(
      "parity", "Count events per day x event type in a topic and in a table, side by side");
  std::string topic = "serverlog.member", rest = "http://127.0.0.1:9050",
              table = "ferry-local.serverlog.serverlog_kafka";
  parity->add_option("--bootstrap-servers", bootstrap)->capture_default_str();
  parity->add_option("--topic", topic)->capture_default_str();
  parity->add_option("--rest-endpoint", rest, "BigQuery REST endpoint (the emulator)")
      ->capture_default_str();
  parity->add_option("--table", table, "project.dataset.table")->capture_default_str();

  auto* validate = app.add_subcommand("validate", "Check connector configs; every problem, by key");
  std::vector<std::string> validate_files;
  validate
      ->add_option("configs", validate_files,
                   "connector (or worker) config files, or directories of them")
      ->required();
  bool validate_lenient = false;
  validate->add_flag("--lenient", validate_lenient,
                     "as the runtime: unknown and removed keys are warnings, not errors");
  std::string validate_format = "text";
  validate->add_option("--format", validate_format, "text, or json (one document, for CI)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  auto* replay_cmd = app.add_subcommand(
      "replay", "Re-load a dead-letter queue through a (fixed) connector config");
  ReplayCommand rc;
  replay_cmd->add_option("worker", rc.worker_file, "worker .properties")->required();
  replay_cmd->add_option("connector", rc.connector_file, "connector .properties or .json")
      ->required();
  replay_cmd->add_option("--source-topic", rc.source_topic,
                         "DLQ topic to read (default: the connector's "
                         "errors.deadletterqueue.topic.name)");
  replay_cmd->add_option("--dlq-topic", rc.dlq_topic,
                         "where records that fail again go (default: <source>.replay)");
  replay_cmd->add_option("--group", rc.group,
                         "consumer group, the replay's position (default: ferry-replay-<name>)");
  replay_cmd->add_option("--stage", rc.filter.stages,
                         "only records that failed at these stages (e.g. TASK_PUT)");
  replay_cmd->add_option("--exception-class", rc.filter.exception_classes,
                         "only these exception classes (full or simple name)");
  replay_cmd->add_option("--topic", rc.filter.topics, "only records from these original topics");
  replay_cmd->add_option("--from", rc.filter.from,
                         "only records with a timestamp at or after (RFC 3339)");
  replay_cmd->add_option("--to", rc.filter.to, "only records with a timestamp before (RFC 3339)");
  replay_cmd->add_flag("--dry-run", rc.dry_run,
                       "report what would happen; write, send and commit nothing");
  replay_cmd->add_option("--columns", rc.columns, "summary columns: stage or topic")
      ->check(CLI::IsMember({"stage", "topic"}))
      ->capture_default_str();

  auto* compatibility = app.add_subcommand(
      "compatibility",
      "Print docs/compatibility.md: every Connect and kcbq key and what ferry does with it");

  auto* dev_kafka = app.add_subcommand(
      "dev-kafka", "Run the embedded Kafka for tests and demos (all further flags are its own)");
  dev_kafka->set_help_flag();  // --help belongs to ferry-dev-kafka.
  dev_kafka->allow_extras();
  dev_kafka->prefix_command();

  CLI11_PARSE(app, argc, argv);
  // Logs go to stderr; stdout carries the commands' own output.
  spdlog::set_default_logger(spdlog::stderr_color_mt("ferry"));
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  if (*standalone) return RunStandalone(worker_file, connector_files, until_drained, writer);
  if (*emu) return RunEmulator(emu_options, emu_ready);
  if (*produce) return RunProduce(bootstrap, gen, partitions);
  if (*parity) return RunParity(bootstrap, topic, rest, table);
  if (*validate) return RunValidate(validate_files, validate_format, validate_lenient);
  if (*replay_cmd) return RunReplay(rc);
  if (*compatibility) {
    std::fputs(runtime::RenderCompatibilityMarkdown().c_str(), stdout);
    return 0;
  }
  if (*dev_kafka) return ExecDevKafka(dev_kafka->remaining());
  return 0;
}

}  // namespace ferry::cli

int main(int argc, char** argv) { return ferry::cli::Main(argc, argv); }
