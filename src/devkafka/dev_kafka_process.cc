#include "devkafka/dev_kafka_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#ifndef FERRY_DEV_KAFKA_BUILD_PATH
#define FERRY_DEV_KAFKA_BUILD_PATH "ferry-dev-kafka"
#endif

namespace ferry::devkafka {
namespace {

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

int RemainingMs(absl::Time deadline) {
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(absl::ToInt64Milliseconds(left)) + 1;
}

// Polls waitpid until the child exits or the deadline passes. There is no
// portable fd for child exit here, so this samples at 10 ms: it waits on
// the condition (exit) with a timeout, it does not sleep in place of one.
std::optional<int> WaitPid(pid_t pid, absl::Time deadline) {
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return ExitCodeOf(status);
    if (r < 0 && errno != EINTR) return -1;  // Already reaped elsewhere.
    if (absl::Now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<std::string> BuildArgs(const DevKafkaOptions& options, const std::string& exe) {
  std::vector<std::string> args = {exe, "--brokers", std::to_string(options.brokers)};
  for (const std::string& topic : options.topics) {
    args.push_back("--topic");
    args.push_back(topic);
  }
  if (options.stock_limits) args.push_back("--stock-limits");
  if (options.max_partition_bytes) {
    args.push_back("--max-partition-bytes");
    args.push_back(std::to_string(*options.max_partition_bytes));
  }
  if (options.max_partition_batches) {
    args.push_back("--max-partition-batches");
    args.push_back(std::to_string(*options.max_partition_batches));
  }
  args.push_back("--control-port");
  args.push_back(std::to_string(options.control_port));
  for (const std::string& extra : options.extra_args) args.push_back(extra);
  return args;
}

}  // namespace

std::string DevKafkaProcess::DefaultExecutable() {
  const char* env = std::getenv("FERRY_DEV_KAFKA");
  if (env != nullptr && env[0] != '\0') return env;
  return FERRY_DEV_KAFKA_BUILD_PATH;
}

absl::StatusOr<std::unique_ptr<DevKafkaProcess>> DevKafkaProcess::Start(
    const DevKafkaOptions& options) {
  std::string exe = options.executable.empty() ? DefaultExecutable() : options.executable;
  if (access(exe.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("ferry-dev-kafka executable '", exe,
                                            "' is not there or not executable (set "
                                            "FERRY_DEV_KAFKA or build target ferry-dev-kafka)"));
  }
  if (options.stock_limits && (options.max_partition_bytes || options.max_partition_batches)) {
    return absl::InvalidArgumentError("stock_limits excludes explicit partition limits");
  }

  // Everything the child needs is prepared before fork(): after it, only
  // async-signal-safe calls are allowed in a multi-threaded parent.
  std::vector<std::string> args = BuildArgs(options, exe);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Errno("pipe2");
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    absl::Status status = Errno("fork");
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return status;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // The parent died before prctl.
    dup2(pipe_fds[1], STDOUT_FILENO);     // dup2 clears O_CLOEXEC on the copy.
    // Signals blocked by the parent (e.g. by a test harness) would survive
    // exec and make the child deaf to SIGTERM.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  int out_fd = pipe_fds[0];

  auto fail = [&](absl::Status status) -> absl::Status {
    kill(pid, SIGKILL);
    std::optional<int> code = WaitPid(pid, absl::Now() + absl::Seconds(10));
    close(out_fd);
    std::string detail = code ? absl::StrCat(" (exit code ", *code, ")") : "";
    return absl::Status(status.code(), absl::StrCat(status.message(), detail));
  };

  absl::Time deadline = absl::Now() + options.start_timeout;
  std::string output;
  std::string bootstrap;
  std::optional<uint16_t> control_port;
  while (bootstrap.empty() || !control_port) {
    pollfd pfd{out_fd, POLLIN, 0};
    int ready = poll(&pfd, 1, RemainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return fail(Errno("poll"));
    if (ready == 0) {
      return fail(
          absl::DeadlineExceededError(absl::StrCat("ferry-dev-kafka did not report ready within ",
                                                   absl::FormatDuration(options.start_timeout))));
    }
    char buf[1024];
    ssize_t n = read(out_fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return fail(
          absl::UnavailableError("ferry-dev-kafka exited before reporting ready (see its stderr)"));
    }
    output.append(buf, static_cast<size_t>(n));
    size_t newline;
    while ((newline = output.find('\n')) != std::string::npos) {
      std::string line = output.substr(0, newline);
      output.erase(0, newline + 1);
      if (absl::StartsWith(line, "bootstrap.servers=")) {
        bootstrap = line.substr(18);
      } else if (absl::StartsWith(line, "control=")) {
        std::vector<std::string> hostport = absl::StrSplit(line.substr(8), ':');
        uint32_t port = 0;
        if (hostport.size() != 2 || !absl::SimpleAtoi(hostport[1], &port) || port == 0 ||
            port > 65535) {
          return fail(absl::InternalError(absl::StrCat("bad control line '", line, "'")));
        }
        control_port = static_cast<uint16_t>(port);
      }
    }
  }
  return std::unique_ptr<DevKafkaProcess>(
      new DevKafkaProcess(pid, out_fd, std::move(bootstrap), *control_port));
}

DevKafkaProcess::~DevKafkaProcess() {
  (void)Stop();
  close(stdout_fd_);
}

absl::StatusOr<int> DevKafkaProcess::WaitForExit(absl::Duration timeout) {
  if (exit_code_) return *exit_code_;
  std::optional<int> code = WaitPid(pid_, absl::Now() + timeout);
  if (!code) {
    return absl::DeadlineExceededError(absl::StrCat(
        "ferry-dev-kafka (pid ", pid_, ") still running after ", absl::FormatDuration(timeout)));
  }
  exit_code_ = *code;
  return *exit_code_;
}

absl::StatusOr<int> DevKafkaProcess::Stop(absl::Duration grace) {
  if (exit_code_) return *exit_code_;
  kill(pid_, SIGTERM);
  absl::StatusOr<int> code = WaitForExit(grace);
  if (code.ok()) return code;
  kill(pid_, SIGKILL);
  return WaitForExit(absl::Seconds(30));
}

absl::StatusOr<std::string> DevKafkaProcess::Control(std::string command, absl::Duration timeout) {
  if (command.find('\n') != std::string::npos) {
    return absl::InvalidArgumentError("a control command is one line");
  }
  absl::Time deadline = absl::Now() + timeout;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(control_port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return absl::UnavailableError(
        absl::StrCat("connect to control port ", control_port_, ": ", std::strerror(errno)));
  }
  command += '\n';
  size_t sent = 0;
  while (sent < command.size()) {
    ssize_t n = send(fd, command.data() + sent, command.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError(absl::StrCat("send: ", std::strerror(errno)));
    sent += static_cast<size_t>(n);
  }
  std::string reply;
  while (reply.find('\n') == std::string::npos) {
    pollfd pfd{fd, POLLIN, 0};
    int ready = poll(&pfd, 1, RemainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      return absl::DeadlineExceededError(absl::StrCat("no answer to control command '",
                                                      command.substr(0, command.size() - 1),
                                                      "' within ", absl::FormatDuration(timeout)));
    }
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("control connection closed without an answer");
    reply.append(buf, static_cast<size_t>(n));
  }
  reply.resize(reply.find('\n'));
  if (reply == "OK") return std::string();
  if (absl::StartsWith(reply, "OK ")) return reply.substr(3);
  if (absl::StartsWith(reply, "ERR ")) return absl::FailedPreconditionError(reply.substr(4));
  return absl::InternalError(absl::StrCat("malformed control answer '", reply, "'"));
}

}  // namespace ferry::devkafka
