#pragma once

// Runs ferry-dev-kafka as a child process for tests, benchmarks and the CLI.
// This library does not link librdkafka: it spawns the executable, reads its
// ready lines and speaks the control line protocol over TCP.
//
// Lifetime: the child lives as long as the DevKafkaProcess; the destructor
// stops it (SIGTERM, then SIGKILL after a grace period) and reaps it. The
// child is also sent SIGTERM by the kernel if the parent thread that started
// it dies (PR_SET_PDEATHSIG), so a crashed test does not leak a broker.
// Threads: Control() may be called from any thread (each call uses its own
// connection); Stop()/WaitForExit() must not race the destructor.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ferry::devkafka {

struct DevKafkaOptions {
  int brokers = 1;
  // "NAME:PARTITIONS[:REPLICATION]", one --topic each.
  std::vector<std::string> topics;
  // Debian's stock limits (5 MiB / 100000 batches per partition) instead of
  // unlimited. Mutually exclusive with the two limits below.
  bool stock_limits = false;
  std::optional<uint64_t> max_partition_bytes;    // unset = unlimited
  std::optional<uint64_t> max_partition_batches;  // unset = unlimited
  uint16_t control_port = 0;                      // 0 = ephemeral
  std::vector<std::string> extra_args;            // Passed through verbatim.
  // Executable to run; empty = $FERRY_DEV_KAFKA, else the build location.
  std::string executable;
  absl::Duration start_timeout = absl::Seconds(30);
};

class DevKafkaProcess {
 public:
  // Spawns the executable and waits up to options.start_timeout for its
  // bootstrap.servers= and control= lines. On failure the child is killed
  // and reaped and the status says why (including its exit status).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DevKafkaProcess>> Start(
      const DevKafkaOptions& options);

  // The executable Start() uses when options.executable is empty:
  // $FERRY_DEV_KAFKA if set and non-empty, else the path it was built at.
  static std::string DefaultExecutable();

  DevKafkaProcess(const DevKafkaProcess&) = delete;
  DevKafkaProcess& operator=(const DevKafkaProcess&) = delete;
  ~DevKafkaProcess();

  // "127.0.0.1:P1,127.0.0.1:P2,..."
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  uint16_t control_port() const { return control_port_; }
  pid_t pid() const { return pid_; }

  // Sends one control command (no newline) and returns the text after "OK"
  // (may be empty). An "ERR message" answer becomes a FailedPrecondition
  // status carrying the message; connection problems are Unavailable.
  [[nodiscard]] absl::StatusOr<std::string> Control(std::string command,
                                                    absl::Duration timeout = absl::Seconds(10));

  // Waits for the child to exit by itself (e.g. after "shutdown") and returns
  // its exit code (128 + signal when killed). DeadlineExceeded on timeout.
  [[nodiscard]] absl::StatusOr<int> WaitForExit(absl::Duration timeout);

  // SIGTERM, wait up to `grace`, then SIGKILL; reaps the child. Returns the
  // exit code as WaitForExit does. Idempotent.
  absl::StatusOr<int> Stop(absl::Duration grace = absl::Seconds(5));

 private:
  DevKafkaProcess(pid_t pid, int stdout_fd, std::string bootstrap, uint16_t control_port)
      : pid_(pid),
        stdout_fd_(stdout_fd),
        bootstrap_servers_(std::move(bootstrap)),
        control_port_(control_port) {}

  pid_t pid_;
  int stdout_fd_;  // Kept open so that late writes by the child never SIGPIPE.
  std::optional<int> exit_code_;
  std::string bootstrap_servers_;
  uint16_t control_port_;
};

}  // namespace ferry::devkafka
