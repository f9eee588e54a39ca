// A small HTTP router: (method, path pattern) → handler, with Connect's error
// bodies. Patterns are literal segments and {name} segments that match one
// non-empty segment ("/connectors/{connector}/tasks/{task}/status"). No
// HTTP here: the server (server.h) feeds it requests, tests call Route().
#ifndef FERRY_REST_ROUTER_H_
#define FERRY_REST_ROUTER_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace ferry::rest {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded, without the query: "/connectors/a b/status"
  std::multimap<std::string, std::string> query;
  std::string body;
  std::map<std::string, std::string> params;  // the pattern's {name}s, filled by Route().

  // The query parameter's last value; nullopt when absent.
  std::optional<std::string> Query(const std::string& key) const;
  // Every value of a repeated query parameter (?expand=status&expand=info).
  std::vector<std::string> QueryAll(const std::string& key) const;
  // The body as JSON; InvalidArgument naming the problem when it is not.
  absl::StatusOr<nlohmann::json> Json() const;
};

struct Response {
  int status = 200;
  std::string body;  // JSON text, or empty (204).
  std::map<std::string, std::string> headers;

  static Response Json(int status, const nlohmann::json& body);
  static Response NoContent();  // 204
  // Connect's error body: {"error_code": status, "message": message}.
  static Response Error(int status, const std::string& message);
  // The HTTP status Connect answers for a status code: NotFound 404,
  // AlreadyExists and Aborted 409 (conflict, a rebalance), InvalidArgument and
  // FailedPrecondition 400, Unavailable 503, DeadlineExceeded 500 ("Request
  // timed out"), anything else 500.
  static Response FromStatus(const absl::Status& status);
};

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  void Add(std::string method, const std::string& pattern, Handler handler);

  // The handler's response; 404 when no pattern matches the path, 405 when
  // one does but not for this method (Connect's texts). A handler that throws
  // is answered 500, never a crash.
  Response Route(Request request) const;

 private:
  struct Route_ {
    std::string method;
    std::vector<std::string> segments;  // "{name}" for a parameter.
    Handler handler;
  };
  static std::vector<std::string> Split(const std::string& path);
  static bool Match(const Route_& route, const std::vector<std::string>& segments,
                    std::map<std::string, std::string>* params);
  std::vector<Route_> routes_;
};

}  // namespace ferry::rest

#endif  // FERRY_REST_ROUTER_H_
