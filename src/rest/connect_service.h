// Connect's REST API served as the worker config says: `listeners` (or the
// older `rest.port`; default http://:8083), `rest.advertised.host.name` and
// `rest.advertised.port` for the URLs and worker ids it shows.
#ifndef FERRY_REST_CONNECT_SERVICE_H_
#define FERRY_REST_CONNECT_SERVICE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "herder/herder.h"
#include "rest/server.h"

namespace ferry::rest {

struct ConnectService {
  std::unique_ptr<Server> server;  // null: not served (see StartConnectService).
  std::string worker_id;           // "host:port", as Connect's statuses name workers.
  std::string url;                 // "http://host:port", the advertised base URL.
};

// Binds, tells `on_bound` the worker id, then serves. A listener the config
// names that cannot be bound is an error (Unavailable), as in Connect; with
// neither `listeners` nor `rest.port` set and port 8083 taken, the API is not
// served and a warning says so (the worker still runs its connectors).
absl::StatusOr<ConnectService> StartConnectService(
    const std::map<std::string, std::string>& worker_props, herder::Herder* herder,
    const std::string& commit, const std::function<void(const std::string&)>& on_bound);

}  // namespace ferry::rest

#endif  // FERRY_REST_CONNECT_SERVICE_H_
