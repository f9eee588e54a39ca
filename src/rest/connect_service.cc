#include "rest/connect_service.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rest/connect_api.h"
#include "spdlog/spdlog.h"

namespace ferry::rest {
namespace {

std::string Get(const std::map<std::string, std::string>& props, const std::string& key) {
  auto it = props.find(key);
  return it == props.end() ? "" : it->second;
}

std::string HostName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

}  // namespace

absl::StatusOr<ConnectService> StartConnectService(
    const std::map<std::string, std::string>& worker_props, herder::Herder* herder,
    const std::string& commit, const std::function<void(const std::string&)>& on_bound) {
  const std::string listeners = Get(worker_props, "listeners");
  const std::string rest_port = Get(worker_props, "rest.port");
  const bool configured = !listeners.empty() || !rest_port.empty();
  ServerOptions options;
  if (!listeners.empty()) {
    absl::StatusOr<Listener> l = ParseListeners(listeners);
    if (!l.ok()) return l.status();
    options.listener = *l;
  } else if (!rest_port.empty()) {
    if (!absl::SimpleAtoi(rest_port, &options.listener.port)) {
      return absl::InvalidArgumentError("rest.port: not a port: " + rest_port);
    }
  }
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Bind(options);
  ConnectService out;
  if (!server.ok()) {
    if (configured) return server.status();
    spdlog::warn("{}; the REST API is not served (set listeners to serve it elsewhere)",
                 std::string(server.status().message()));
    return out;
  }
  std::string host = Get(worker_props, "rest.advertised.host.name");
  if (host.empty()) host = options.listener.host.empty() ? HostName() : options.listener.host;
  int port = (*server)->port();
  if (std::string p = Get(worker_props, "rest.advertised.port"); !p.empty()) {
    (void)absl::SimpleAtoi(p, &port);
  }
  out.worker_id = absl::StrCat(host, ":", port);
  out.url = absl::StrCat("http://", host, ":", port);
  if (on_bound) on_bound(out.worker_id);
  ConnectApiOptions api;
  api.commit = commit;
  api.advertised_url = out.url;
  (*server)->Serve(ConnectRouter(herder, std::move(api)));
  out.server = std::move(*server);
  return out;
}

}  // namespace ferry::rest
