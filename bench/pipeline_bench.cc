// End-to-end throughput of ferry against the embedded Kafka, as ratios to raw
// librdkafka consumption of the same topic measured in the same run:
//   raw      plain librdkafka consume of the topic (the ceiling)
//   discard  `ferry standalone --writer discard`: poll, convert, transform, commit
//   emulator `ferry standalone` writing to the BigQuery emulator, once per write
//            mode (Storage Write API exactly-once, batch mode and _default;
//            tabledata.insertAll)
// Each ferry run is a separate process: its peak RSS is its own. Throughput
// is measured from the first record consumed (the group join is not counted).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/raw_consume.h"
#include "cli/event_generator.h"
#include "devkafka/dev_kafka_process.h"

namespace ferry::bench {
namespace {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  double peak_rss_mib = 0;
};

// Runs argv to completion, capturing stdout; the child's peak RSS from wait4.
ProcessResult Run(const std::vector<std::string>& argv) {
  ProcessResult r;
  int fds[2];
  if (pipe(fds) != 0) return r;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) r.out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.peak_rss_mib = usage.ru_maxrss / 1024.0;
  return r;
}

struct FerryRun {
  double records_per_s = 0;
  int64_t records = 0;
  double peak_rss_mib = 0;
};

absl::StatusOr<FerryRun> RunFerry(const std::string& ferry, const std::string& worker,
                                  const std::string& connector, const std::string& writer) {
  ProcessResult p = Run({ferry, "--log-level", "warn", "standalone", worker, connector,
                         "--until-drained", "--writer", writer});
  if (p.exit_code != 0) {
    return absl::InternalError(absl::StrCat("ferry exited with ", p.exit_code, ": ", p.out));
  }
  std::smatch m;
  static const std::regex kLine(R"((\d+) records consumed.*?, (\d+) records/s)");
  if (!std::regex_search(p.out, m, kLine)) {
    return absl::InternalError("unexpected ferry output: " + p.out);
  }
  FerryRun r;
  r.records = std::stoll(m[1]);
  r.records_per_s = std::stod(m[2]);
  r.peak_rss_mib = p.peak_rss_mib;
  return r;
}

int Main(int argc, char** argv) {
  CLI::App app{"ferry pipeline benchmark"};
  int64_t events = 1000000;
  int partitions = 6, brokers = 1, tasks = 3;
  std::string ferry = FERRY_BINARY;
  bool skip_emulator = false;
  app.add_option("--events", events)->capture_default_str();
  app.add_option("--partitions", partitions)->capture_default_str();
  app.add_option("--brokers", brokers)->capture_default_str();
  app.add_option("--tasks", tasks, "tasks.max of the connector")->capture_default_str();
  app.add_option("--ferry", ferry)->capture_default_str();
  app.add_flag("--skip-emulator", skip_emulator);
  CLI11_PARSE(app, argc, argv);

  const std::string topic = "bench";
  devkafka::DevKafkaOptions k;
  k.brokers = brokers;
  k.topics = {absl::StrCat(topic, ":", partitions)};
  auto kafka = devkafka::DevKafkaProcess::Start(k);
  if (!kafka.ok()) {
    std::fprintf(stderr, "%s\n", kafka.status().ToString().c_str());
    return 1;
  }
  const std::string bootstrap = (*kafka)->bootstrap_servers();

  // Produce the topic once; every run below reads the same records.
  cli::GeneratorOptions gen;
  gen.topic = topic;
  gen.count = events;
  auto t0 = std::chrono::steady_clock::now();
  auto produced = cli::ProduceEvents({{"bootstrap.servers", bootstrap},
                                      {"linger.ms", "20"},
                                      {"batch.num.messages", "10000"},
                                      {"queue.buffering.max.kbytes", "262144"}},
                                     gen, std::chrono::minutes(5));
  if (!produced.ok() || *produced != events) return 1;
  double produce_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("produced %lld events in %.2f s\n", static_cast<long long>(events), produce_s);

  auto raw = RawConsume(bootstrap, topic, partitions, events);
  if (!raw.ok()) {
    std::fprintf(stderr, "raw consume: %s\n", raw.status().ToString().c_str());
    return 1;
  }
  const double raw_rate = raw->records / raw->seconds;
  std::printf("raw librdkafka consume: %.0f records/s, %.0f MB/s (%.1f B/record)\n", raw_rate,
              raw->bytes / raw->seconds / 1e6, static_cast<double>(raw->bytes) / raw->records);

  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("ferry-bench-", getpid());
  std::filesystem::create_directories(dir);
  std::string worker = (dir / "worker.properties").string();
  std::ofstream(worker) << "bootstrap.servers=" << bootstrap << "\n"
                        << "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
                        << "value.converter=org.apache.kafka.connect.json.JsonConverter\n";
  int rest_port = 0, grpc_port = 0;
  std::string emu_ready = (dir / "emulator.ready").string();
  pid_t emu_pid = -1;
  if (!skip_emulator) {
    emu_pid = fork();
    if (emu_pid == 0) {
      std::string db = (dir / "bench.sqlite").string();
      execl(ferry.c_str(), ferry.c_str(), "emulator", "--db", db.c_str(), "--ready-file",
            emu_ready.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(emu_ready)) {
      if (std::chrono::steady_clock::now() > deadline) return 1;
      usleep(20000);
    }
    std::ifstream in(emu_ready);
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (std::regex_search(line, m, std::regex(R"(rest=http://[^:]+:(\d+))")))
        rest_port = std::stoi(m[1]);
      if (std::regex_search(line, m, std::regex(R"(grpc=[^:]+:(\d+))")))
        grpc_port = std::stoi(m[1]);
    }
  }
  auto connector = [&](const std::string& name,
                       const std::vector<std::pair<std::string, std::string>>& extra = {}) {
    std::string path = (dir / (name + ".properties")).string();
    std::ofstream out(path);
    for (const auto& [k, v] : extra) out << k << "=" << v << "\n";
    out << "name=" << name << "\n"
        << "connector.class=com.wepay.kafka.connect.bigquery.BigQuerySinkConnector\n"
        << "tasks.max=" << tasks << "\ntopics=" << topic << "\n"
        << "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
        << "value.converter=io.ferry.converters.CloudEventsConverter\n"
        << "header.converter=org.apache.kafka.connect.storage.StringConverter\n"
        << "project=ferry-local\ndefaultDataset=serverlog\n"
        << "topic2TableMap=" << topic << ":" << name << "\n"
        << "autoCreateTables=true\ntimestampPartitionFieldName=ce_time\n"
        << "clusteringPartitionFieldNames=ce_type,ce_subject\n"
        << "kafkaDataFieldName=kafka\n"
        << "ferry.bigquery.rest.endpoint=http://127.0.0.1:" << rest_port << "\n"
        << "ferry.bigquery.storage.endpoint=127.0.0.1:" << grpc_port << "\n";
    return path;
  };

  std::printf("\n| run | records | records/s | ÷ raw consume | peak RSS (MiB) |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  std::printf("| raw librdkafka consume | %lld | %.0f | 1.00 | — |\n",
              static_cast<long long>(raw->records), raw_rate);
  int rc = 0;
  auto report = [&](const char* label, const absl::StatusOr<FerryRun>& r) {
    if (!r.ok()) {
      std::fprintf(stderr, "%s: %s\n", label, r.status().ToString().c_str());
      rc = 1;
      return;
    }
    if (r->records != events) rc = 1;
    std::printf("| %s | %lld | %.0f | %.2f | %.1f |\n", label, static_cast<long long>(r->records),
                r->records_per_s, r->records_per_s / raw_rate, r->peak_rss_mib);
  };
  report("ferry, discard writer", RunFerry(ferry, worker, connector("bench_discard"), "discard"));
  if (!skip_emulator) {
    report(
        "ferry → emulator, exactly-once (Storage Write COMMITTED streams)",
        RunFerry(ferry, worker,
                 connector("bench_exactly_once", {{"ferry.bigquery.write.mode", "exactly_once"}}),
                 "bigquery"));
    report(
        "ferry → emulator, batch mode (`enableBatchMode`, PENDING streams)",
        RunFerry(ferry, worker,
                 connector("bench_batch", {{"enableBatchMode", "true"}, {"commitInterval", "15"}}),
                 "bigquery"));
    report("ferry → emulator, at-least-once (Storage Write `_default`)",
           RunFerry(ferry, worker,
                    connector("bench_default", {{"ferry.bigquery.write.mode", "default_stream"}}),
                    "bigquery"));
    report("ferry → emulator, insertAll (`useStorageWriteApi=false`)",
           RunFerry(ferry, worker, connector("bench_insert_all", {{"useStorageWriteApi", "false"}}),
                    "bigquery"));
    kill(emu_pid, SIGTERM);
    waitpid(emu_pid, nullptr, 0);
  }
  std::filesystem::remove_all(dir);
  return rc;
}

}  // namespace
}  // namespace ferry::bench

int main(int argc, char** argv) { return ferry::bench::Main(argc, argv); }
