#include "devkafka/control_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace ferry::devkafka {
namespace {

constexpr size_t kMaxLine = 64 * 1024;

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

struct Connection {
  int fd;
  std::string in;
  std::string out;
  bool close_after_write = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ControlServer>> ControlServer::Listen(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Errno("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    absl::Status status = Errno(absl::StrCat("bind 127.0.0.1:", port));
    close(fd);
    return status;
  }
  if (listen(fd, 16) != 0) {
    absl::Status status = Errno("listen");
    close(fd);
    return status;
  }
  socklen_t len = sizeof(addr);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    absl::Status status = Errno("getsockname");
    close(fd);
    return status;
  }
  return std::unique_ptr<ControlServer>(new ControlServer(fd, ntohs(addr.sin_port)));
}

ControlServer::~ControlServer() { close(listen_fd_); }

absl::Status ControlServer::Serve(int stop_fd, const CommandHandler& handler) {
  std::vector<Connection> conns;
  bool stopping = false;
  absl::Status result;

  while (true) {
    if (stopping) {
      bool pending = false;
      for (const Connection& c : conns) pending |= !c.out.empty();
      if (!pending) break;
    }

    std::vector<pollfd> fds;
    fds.push_back({stop_fd, POLLIN, 0});
    fds.push_back({listen_fd_, static_cast<short>(stopping ? 0 : POLLIN), 0});
    for (const Connection& c : conns) {
      short events = c.out.empty() ? POLLIN : POLLOUT;
      if (stopping) events = c.out.empty() ? 0 : POLLOUT;
      fds.push_back({c.fd, events, 0});
    }
    // While stopping, a peer that does not read its last reply gets 2 s.
    int ready = poll(fds.data(), fds.size(), stopping ? 2000 : -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      result = Errno("poll");
      break;
    }
    if (ready == 0) break;
    if (fds[0].revents != 0) break;  // Asked to stop from outside.

    if ((fds[1].revents & POLLIN) != 0) {
      int cfd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (cfd >= 0) conns.push_back(Connection{cfd, {}, {}});
    }

    // Indexes in `fds` are 2 + connection index, for the connections that
    // existed before accept() above.
    std::vector<bool> drop(conns.size(), false);
    for (size_t i = 0; i + 2 < fds.size(); ++i) {
      Connection& c = conns[i];
      short revents = fds[i + 2].revents;
      if (revents == 0) continue;
      if ((revents & POLLOUT) != 0 && !c.out.empty()) {
        ssize_t n = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
          drop[i] = true;
          continue;
        }
        if (n > 0) c.out.erase(0, static_cast<size_t>(n));
        if (c.out.empty() && c.close_after_write) drop[i] = true;
        continue;
      }
      if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        char buf[4096];
        ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          drop[i] = true;
          continue;
        }
        if (n > 0) c.in.append(buf, static_cast<size_t>(n));
        size_t newline;
        while (!stopping && (newline = c.in.find('\n')) != std::string::npos) {
          std::string line = c.in.substr(0, newline);
          c.in.erase(0, newline + 1);
          if (!line.empty() && line.back() == '\r') line.pop_back();
          CommandReply reply = handler(line);
          c.out += reply.line;
          c.out += '\n';
          if (reply.shutdown) stopping = true;
        }
        if (c.in.size() > kMaxLine) {
          c.out += "ERR line too long\n";
          c.close_after_write = true;
        }
      }
    }
    for (size_t i = drop.size(); i-- > 0;) {
      if (drop[i]) {
        close(conns[i].fd);
        conns.erase(conns.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
  }
  for (Connection& c : conns) close(c.fd);
  return result;
}

}  // namespace ferry::devkafka
