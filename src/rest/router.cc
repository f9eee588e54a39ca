#include "rest/router.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "spdlog/spdlog.h"

namespace ferry::rest {

std::optional<std::string> Request::Query(const std::string& key) const {
  std::optional<std::string> out;
  auto [begin, end] = query.equal_range(key);
  for (auto it = begin; it != end; ++it) out = it->second;
  return out;
}

std::vector<std::string> Request::QueryAll(const std::string& key) const {
  std::vector<std::string> out;
  auto [begin, end] = query.equal_range(key);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

absl::StatusOr<nlohmann::json> Request::Json() const {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError(body.empty() ? "Request body is empty"
                                                   : "Request body is not valid JSON");
  }
  return j;
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::NoContent() {
  Response r;
  r.status = 204;
  return r;
}

Response Response::Error(int status, const std::string& message) {
  return Json(status, {{"error_code", status}, {"message", message}});
}

Response Response::FromStatus(const absl::Status& status) {
  int code = 500;
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      code = 404;
      break;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      code = 409;
      break;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      code = 400;
      break;
    case absl::StatusCode::kUnavailable:
      code = 503;
      break;
    default:
      code = 500;
  }
  return Error(code, std::string(status.message()));
}

void Router::Add(std::string method, const std::string& pattern, Handler handler) {
  routes_.push_back({std::move(method), Split(pattern), std::move(handler)});
}

std::vector<std::string> Router::Split(const std::string& path) {
  return absl::StrSplit(path, '/', absl::SkipEmpty());
}

bool Router::Match(const Route_& route, const std::vector<std::string>& segments,
                   std::map<std::string, std::string>* params) {
  if (route.segments.size() != segments.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& p = route.segments[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      found[p.substr(1, p.size() - 2)] = segments[i];
    } else if (p != segments[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

Response Router::Route(Request request) const {
  const std::vector<std::string> segments = Split(request.path);
  bool path_known = false;
  for (const Route_& route : routes_) {
    std::map<std::string, std::string> params;
    if (!Match(route, segments, &params)) continue;
    path_known = true;
    if (route.method != request.method) continue;
    request.params = std::move(params);
    try {
      return route.handler(request);
    } catch (const std::exception& e) {
      spdlog::error("REST {} {}: {}", request.method, request.path, e.what());
      return Response::Error(500, absl::StrCat("Internal error: ", e.what()));
    }
  }
  if (path_known) return Response::Error(405, "HTTP 405 Method Not Allowed");
  return Response::Error(404, "HTTP 404 Not Found");
}

}  // namespace ferry::rest
