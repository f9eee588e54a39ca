#pragma once

// The TCP line-protocol listener of ferry-dev-kafka. It knows nothing of
// Kafka: each received line is handed to a CommandHandler whose answer is
// sent back as one line.
//
// Threads: Serve() runs on the calling thread and serves every connection
// from it with poll(); the handler therefore runs on that thread, one
// command at a time.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ferry::devkafka {

struct CommandReply {
  std::string line;       // Without the trailing newline.
  bool shutdown = false;  // Stop serving once this reply is sent.
};

using CommandHandler = std::function<CommandReply(const std::string& line)>;

class ControlServer {
 public:
  // Binds and listens on 127.0.0.1:`port` (0 = ephemeral).
  static absl::StatusOr<std::unique_ptr<ControlServer>> Listen(uint16_t port);

  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ~ControlServer();

  uint16_t port() const { return port_; }

  // Serves until a handler reply asks for shutdown (after that reply has been
  // written) or until `stop_fd` becomes readable. Lines longer than 64 KiB
  // close their connection.
  absl::Status Serve(int stop_fd, const CommandHandler& handler);

 private:
  ControlServer(int listen_fd, uint16_t port) : listen_fd_(listen_fd), port_(port) {}

  int listen_fd_;
  uint16_t port_;
};

}  // namespace ferry::devkafka
