// ferry-dev-kafka: a standalone Kafka for tests, demos and the quickstart.
// It is librdkafka's mock cluster, statically linked from Debian's librdkafka
// source with ferry's patch (rdkafka_mock_limits.patch) so that partitions
// keep every record for the life of the process. See README.md.

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "devkafka/control_server.h"
#include "devkafka/names.h"
#include "rdkafka.h"
#include "rdkafka_mock.h"

namespace ferry::devkafka {
namespace {

constexpr size_t kUnlimited = std::numeric_limits<size_t>::max();
// Debian's (and upstream's) hard-coded mock partition limits.
constexpr size_t kStockMaxBytes = 5 * 1024 * 1024;
constexpr size_t kStockMaxBatches = 100000;

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication = 0;  // 0: min(3, brokers), as the mock's own default.
};

absl::StatusOr<TopicSpec> ParseTopicSpec(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  TopicSpec spec;
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() ||
      !absl::SimpleAtoi(parts[1], &spec.partitions) || spec.partitions < 1 ||
      (parts.size() == 3 &&
       (!absl::SimpleAtoi(parts[2], &spec.replication) || spec.replication < 1))) {
    return absl::InvalidArgumentError(
        absl::StrCat("--topic wants NAME:PARTITIONS[:REPLICATION], got '", text, "'"));
  }
  spec.name = parts[0];
  return spec;
}

absl::StatusOr<size_t> ParseLimit(const std::string& flag, const std::string& text) {
  if (text == "unlimited") return kUnlimited;
  uint64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " wants a positive integer or 'unlimited', got '", text, "'"));
  }
  return static_cast<size_t>(value);
}

std::string LimitText(size_t limit) {
  return limit == kUnlimited ? "unlimited" : std::to_string(limit);
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& content) {
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat("cannot rename ", tmp, " to ", path));
  }
  return absl::OkStatus();
}

// Executes control commands against the mock cluster. Runs on the control
// server's thread; every rd_kafka_mock_* call used here is thread-safe (they
// post to the mock cluster's own thread or take its lock).
class Commands {
 public:
  Commands(rd_kafka_mock_cluster_t* cluster, int brokers) : cluster_(cluster), brokers_(brokers) {}

  CommandReply Handle(const std::string& line) {
    std::vector<std::string> args = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (args.empty()) return Err("empty command");
    const std::string& cmd = args[0];
    if (cmd == "ping") return Ok("pong");
    if (cmd == "help") return Ok(kHelp);
    if (cmd == "bootstrap") return Ok(rd_kafka_mock_cluster_bootstraps(cluster_));
    if (cmd == "shutdown") return CommandReply{"OK shutting down", true};
    if (cmd == "topic" && args.size() == 5 && args[1] == "create") return TopicCreate(args);
    if (cmd == "broker" && args.size() == 3 && (args[1] == "down" || args[1] == "up")) {
      return BrokerUpDown(args);
    }
    if (cmd == "errors" && args.size() >= 4) return Errors(args);
    if (cmd == "broker-errors" && args.size() >= 5) return BrokerErrors(args);
    if (cmd == "partition" && args.size() == 5 && args[1] == "leader") return PartitionLeader(args);
    return Err(absl::StrCat("unknown command or wrong arguments: '", line, "' (try 'help')"));
  }

 private:
  static constexpr const char* kHelp =
      "commands: ping | bootstrap | topic create NAME PARTITIONS RF | broker down|up ID | "
      "errors APIKEY COUNT ERR [ERR...] | broker-errors ID APIKEY COUNT ERR:RTT_MS "
      "[ERR:RTT_MS...] | partition leader TOPIC PARTITION BROKER | shutdown";

  static CommandReply Ok(const std::string& text) {
    return CommandReply{text.empty() ? "OK" : absl::StrCat("OK ", text)};
  }
  static CommandReply Err(const std::string& text) {
    return CommandReply{absl::StrCat("ERR ", text)};
  }
  static CommandReply FromErr(rd_kafka_resp_err_t err, const std::string& ok_text) {
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Ok(ok_text);
    return Err(absl::StrCat(rd_kafka_err2name(err), ": ", rd_kafka_err2str(err)));
  }

  std::optional<int32_t> BrokerId(const std::string& text) const {
    int32_t id = 0;
    if (!absl::SimpleAtoi(text, &id) || id < 1 || id > brokers_) return std::nullopt;
    return id;
  }

  CommandReply TopicCreate(const std::vector<std::string>& args) {
    int partitions = 0;
    int rf = 0;
    if (!absl::SimpleAtoi(args[3], &partitions) || partitions < 1) {
      return Err("PARTITIONS must be a positive integer");
    }
    if (!absl::SimpleAtoi(args[4], &rf) || rf < 1 || rf > brokers_) {
      return Err(absl::StrCat("RF must be between 1 and the broker count ", brokers_));
    }
    return FromErr(rd_kafka_mock_topic_create(cluster_, args[2].c_str(), partitions, rf), "");
  }

  CommandReply BrokerUpDown(const std::vector<std::string>& args) {
    std::optional<int32_t> id = BrokerId(args[2]);
    if (!id) return Err(absl::StrCat("no broker '", args[2], "' (ids are 1..", brokers_, ")"));
    rd_kafka_resp_err_t err = args[1] == "down" ? rd_kafka_mock_broker_set_down(cluster_, *id)
                                                : rd_kafka_mock_broker_set_up(cluster_, *id);
    return FromErr(err, "");
  }

  // errors APIKEY COUNT ERR [ERR...]: pushes COUNT errors, taking the ERRs in
  // turn (one ERR is repeated COUNT times); each of the next COUNT requests
  // of that API, to any broker, fails with the next one.
  CommandReply Errors(const std::vector<std::string>& args) {
    std::optional<int16_t> api_key = ParseApiKey(args[1]);
    if (!api_key) return Err(absl::StrCat("unknown API key '", args[1], "'"));
    size_t count = 0;
    if (!absl::SimpleAtoi(args[2], &count) || count == 0 || count > 100000) {
      return Err("COUNT must be between 1 and 100000");
    }
    std::vector<rd_kafka_resp_err_t> codes;
    for (size_t i = 3; i < args.size(); ++i) {
      std::optional<int> code = ParseErrorCode(args[i]);
      if (!code) return Err(absl::StrCat("unknown error '", args[i], "'"));
      codes.push_back(static_cast<rd_kafka_resp_err_t>(*code));
    }
    std::vector<rd_kafka_resp_err_t> pushed(count);
    for (size_t i = 0; i < count; ++i) pushed[i] = codes[i % codes.size()];
    rd_kafka_mock_push_request_errors_array(cluster_, *api_key, count, pushed.data());
    return Ok(absl::StrCat("pushed ", count, " ", ApiKeyName(*api_key), " errors"));
  }

  // broker-errors ID APIKEY COUNT ERR:RTT_MS...: as `errors`, for one broker,
  // each error answered after RTT_MS milliseconds.
  CommandReply BrokerErrors(const std::vector<std::string>& args) {
    std::optional<int32_t> id = BrokerId(args[1]);
    if (!id) return Err(absl::StrCat("no broker '", args[1], "' (ids are 1..", brokers_, ")"));
    std::optional<int16_t> api_key = ParseApiKey(args[2]);
    if (!api_key) return Err(absl::StrCat("unknown API key '", args[2], "'"));
    size_t count = 0;
    if (!absl::SimpleAtoi(args[3], &count) || count == 0 || count > 100000) {
      return Err("COUNT must be between 1 and 100000");
    }
    std::vector<std::pair<rd_kafka_resp_err_t, int>> items;
    for (size_t i = 4; i < args.size(); ++i) {
      std::vector<std::string> parts = absl::StrSplit(args[i], ':');
      int rtt_ms = 0;
      if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &rtt_ms) || rtt_ms < 0) {
        return Err(absl::StrCat("'", args[i], "' is not ERR:RTT_MS"));
      }
      std::optional<int> code = ParseErrorCode(parts[0]);
      if (!code) return Err(absl::StrCat("unknown error '", parts[0], "'"));
      items.emplace_back(static_cast<rd_kafka_resp_err_t>(*code), rtt_ms);
    }
    // The librdkafka call is variadic; pushing one at a time appends to the
    // same per-broker stack in the same order.
    for (size_t i = 0; i < count; ++i) {
      const auto& [code, rtt_ms] = items[i % items.size()];
      rd_kafka_resp_err_t err =
          rd_kafka_mock_broker_push_request_error_rtts(cluster_, *id, *api_key, 1, code, rtt_ms);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return FromErr(err, "");
    }
    return Ok(absl::StrCat("pushed ", count, " ", ApiKeyName(*api_key), " errors on broker ", *id));
  }

  CommandReply PartitionLeader(const std::vector<std::string>& args) {
    int32_t partition = 0;
    if (!absl::SimpleAtoi(args[3], &partition) || partition < 0) {
      return Err("PARTITION must be a non-negative integer");
    }
    std::optional<int32_t> id = BrokerId(args[4]);
    if (!id) return Err(absl::StrCat("no broker '", args[4], "' (ids are 1..", brokers_, ")"));
    return FromErr(rd_kafka_mock_partition_set_leader(cluster_, args[2].c_str(), partition, *id),
                   "");
  }

  rd_kafka_mock_cluster_t* cluster_;
  int brokers_;
};

int Run(int argc, char** argv) {
  CLI::App app{
      "ferry-dev-kafka: an embedded Kafka (librdkafka's mock cluster) on 127.0.0.1 that keeps "
      "every record for the life of the process"};
  int brokers = 1;
  std::vector<std::string> topic_args;
  std::string max_bytes_arg = "unlimited";
  std::string max_batches_arg = "unlimited";
  bool stock_limits = false;
  uint16_t control_port = 0;
  std::string ready_file;
  app.add_option("--brokers", brokers, "Number of brokers (ids 1..N)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--topic", topic_args,
                 "Create topic NAME:PARTITIONS[:REPLICATION] at start (repeatable)")
      ->allow_extra_args(false);
  auto* max_bytes_opt =
      app.add_option("--max-partition-bytes", max_bytes_arg,
                     "Bytes of record batches kept per partition; older batches are deleted")
          ->capture_default_str();
  auto* max_batches_opt = app.add_option("--max-partition-batches", max_batches_arg,
                                         "Record batches (message sets) kept per partition")
                              ->capture_default_str();
  app.add_flag("--stock-limits", stock_limits,
               "Use Debian's stock limits (5 MiB / 100000 batches per partition)")
      ->excludes(max_bytes_opt)
      ->excludes(max_batches_opt);
  app.add_option("--control-port", control_port, "Control port on 127.0.0.1 (0 = ephemeral)")
      ->capture_default_str();
  app.add_option("--ready-file", ready_file,
                 "Written atomically once up, with the bootstrap.servers= and control= lines");
  CLI11_PARSE(app, argc, argv);

  std::vector<TopicSpec> topics;
  for (const std::string& arg : topic_args) {
    absl::StatusOr<TopicSpec> spec = ParseTopicSpec(arg);
    if (!spec.ok()) {
      std::fprintf(stderr, "ferry-dev-kafka: %s\n", std::string(spec.status().message()).c_str());
      return 2;
    }
    if (spec->replication > brokers) {
      std::fprintf(stderr, "ferry-dev-kafka: topic %s: replication %d > %d brokers\n",
                   spec->name.c_str(), spec->replication, brokers);
      return 2;
    }
    topics.push_back(*spec);
  }
  size_t max_bytes = kStockMaxBytes;
  size_t max_batches = kStockMaxBatches;
  if (!stock_limits) {
    absl::StatusOr<size_t> bytes = ParseLimit("--max-partition-bytes", max_bytes_arg);
    absl::StatusOr<size_t> batches = ParseLimit("--max-partition-batches", max_batches_arg);
    for (const absl::Status& s : {bytes.status(), batches.status()}) {
      if (!s.ok()) {
        std::fprintf(stderr, "ferry-dev-kafka: %s\n", std::string(s.message()).c_str());
        return 2;
      }
    }
    max_bytes = *bytes;
    max_batches = *batches;
  }

  // Block the stop signals before any thread exists, so that every thread
  // inherits the mask and they arrive only through the signalfd.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::perror("ferry-dev-kafka: signalfd");
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);

  // Must precede rd_kafka_mock_cluster_new(): limits are read when a
  // partition is created.
  rd_kafka_mock_set_partition_limits(max_bytes, max_batches);

  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "client.id", "ferry-dev-kafka", errstr, sizeof(errstr));
  // This handle only hosts the mock cluster and never connects anywhere; its
  // notices ("No bootstrap.servers configured") would only mislead.
  rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof(errstr));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    std::fprintf(stderr, "ferry-dev-kafka: rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster == nullptr) {
    std::fprintf(stderr, "ferry-dev-kafka: could not create the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  int exit_code = 0;
  for (const TopicSpec& topic : topics) {
    int rf = topic.replication > 0 ? topic.replication : std::min(3, brokers);
    rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(cluster, topic.name.c_str(), topic.partitions, rf);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "ferry-dev-kafka: creating topic %s: %s\n", topic.name.c_str(),
                   rd_kafka_err2str(err));
      exit_code = 1;
    }
  }

  absl::StatusOr<std::unique_ptr<ControlServer>> server =
      exit_code == 0 ? ControlServer::Listen(control_port)
                     : absl::StatusOr<std::unique_ptr<ControlServer>>(
                           absl::FailedPreconditionError("topic creation failed"));
  if (!server.ok()) {
    std::fprintf(stderr, "ferry-dev-kafka: control server: %s\n",
                 std::string(server.status().message()).c_str());
    exit_code = 1;
  } else {
    std::string ready =
        absl::StrCat("bootstrap.servers=", rd_kafka_mock_cluster_bootstraps(cluster),
                     "\ncontrol=127.0.0.1:", (*server)->port(), "\n");
    std::fprintf(stderr,
                 "ferry-dev-kafka: %d broker(s), per-partition limits: %s bytes, %s batches\n",
                 brokers, LimitText(max_bytes).c_str(), LimitText(max_batches).c_str());
    // The file first, so that whoever has read the stdout lines also finds it.
    absl::Status written =
        ready_file.empty() ? absl::OkStatus() : WriteFileAtomically(ready_file, ready);
    if (written.ok()) {
      std::fputs(ready.c_str(), stdout);
      std::fflush(stdout);
    }
    if (!written.ok()) {
      std::fprintf(stderr, "ferry-dev-kafka: %s\n", std::string(written.message()).c_str());
      exit_code = 1;
    } else {
      Commands commands(cluster, brokers);
      absl::Status served = (*server)->Serve(
          signal_fd, [&commands](const std::string& line) { return commands.Handle(line); });
      if (!served.ok()) {
        std::fprintf(stderr, "ferry-dev-kafka: %s\n", std::string(served.message()).c_str());
        exit_code = 1;
      }
      // A stale ready file must not announce a broker that is gone.
      if (!ready_file.empty()) std::remove(ready_file.c_str());
    }
  }
  server = absl::StatusOr<std::unique_ptr<ControlServer>>(absl::CancelledError());
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(rk);
  close(signal_fd);
  return exit_code;
}

}  // namespace
}  // namespace ferry::devkafka

int main(int argc, char** argv) { return ferry::devkafka::Run(argc, argv); }
