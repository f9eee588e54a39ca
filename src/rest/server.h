// Serves a Router over HTTP/1.1 with cpp-httplib (Debian's libcpp-httplib):
// one listener from Connect's `listeners` key, request bodies bounded,
// answers JSON. Threads: httplib's pool; handlers must be thread-safe.
#ifndef FERRY_REST_SERVER_H_
#define FERRY_REST_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rest/router.h"

namespace httplib {
class Server;
}

namespace ferry::rest {

struct Listener {
  std::string host;  // "" listens on every interface (0.0.0.0).
  int port = 8083;   // 0: any free port (tests).
};

// Connect's `listeners` value ("http://:8083", "HTTP://127.0.0.1:0",
// "http://host:8083,https://host:8443"): the first http listener.
// InvalidArgument for a malformed list, or one with https listeners only
// (ferry serves no TLS yet).
absl::StatusOr<Listener> ParseListeners(const std::string& listeners);

struct ServerOptions {
  Listener listener;
  size_t max_body_bytes = 1 << 20;  // a larger request is answered 413.
};

class Server {
 public:
  // Binds now (so a port in use is an error at start: Unavailable) and
  // serves on a thread of its own until the Server is destroyed.
  static absl::StatusOr<std::unique_ptr<Server>> Start(std::shared_ptr<const Router> router,
                                                       ServerOptions options);
  // The same in two steps, for a router that needs the bound port (URLs it
  // advertises): Bind, then Serve once.
  static absl::StatusOr<std::unique_ptr<Server>> Bind(ServerOptions options);
  void Serve(std::shared_ptr<const Router> router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  // "http://host:port/" as clients reach it (127.0.0.1 for every interface).
  std::string url() const;

 private:
  Server() = default;
  std::shared_ptr<const Router> router_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::string host_;
  int port_ = 0;
};

}  // namespace ferry::rest

#endif  // FERRY_REST_SERVER_H_
