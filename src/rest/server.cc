#include "rest/server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "spdlog/spdlog.h"

namespace ferry::rest {
namespace {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Request Entity Too Large";
    case 414:
      return "Request-URI Too Long";
    default:
      return status >= 500 ? "Server Error" : "Error";
  }
}

}  // namespace

absl::StatusOr<Listener> ParseListeners(const std::string& listeners) {
  bool https = false;
  for (absl::string_view item : absl::StrSplit(listeners, ',', absl::SkipWhitespace())) {
    std::string text(absl::StripAsciiWhitespace(item));
    const size_t scheme_end = text.find("://");
    if (scheme_end == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("listeners: '", text, "' is not PROTOCOL://[host]:port"));
    }
    const std::string scheme = absl::AsciiStrToLower(text.substr(0, scheme_end));
    const std::string rest = text.substr(scheme_end + 3);
    if (scheme == "https") {
      https = true;
      continue;
    }
    if (scheme != "http") {
      return absl::InvalidArgumentError(
          absl::StrCat("listeners: unknown protocol '", scheme, "' (http or https)"));
    }
    Listener l;
    size_t colon = rest.rfind(':');
    std::string host = rest;
    std::string port;
    if (colon != std::string::npos && rest.find(']') == std::string::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    } else if (size_t close = rest.find("]:"); close != std::string::npos) {
      host = rest.substr(1, close - 1);  // [::1]:8083
      port = rest.substr(close + 2);
    }
    while (!port.empty() && port.back() == '/') port.pop_back();
    if (port.empty() || !absl::SimpleAtoi(port, &l.port) || l.port < 0 || l.port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("listeners: '", text, "' has no valid port"));
    }
    l.host = host;
    return l;
  }
  if (https) {
    return absl::InvalidArgumentError(
        "listeners: only https listeners given; ferry serves its REST API over http only "
        "(put a TLS-terminating proxy in front of it)");
  }
  return absl::InvalidArgumentError("listeners: no listener given");
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(std::shared_ptr<const Router> router,
                                                      ServerOptions options) {
  absl::StatusOr<std::unique_ptr<Server>> s = Bind(std::move(options));
  if (!s.ok()) return s.status();
  (*s)->Serve(std::move(router));
  return s;
}

absl::StatusOr<std::unique_ptr<Server>> Server::Bind(ServerOptions options) {
  std::unique_ptr<Server> s(new Server());
  s->http_ = std::make_unique<httplib::Server>();
  s->http_->set_payload_max_length(options.max_body_bytes);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a
  // second worker would bind the same port silently.
  s->http_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });
  // Until Serve: nothing is listening yet, but the port is held.
  const std::string host = options.listener.host.empty() ? "0.0.0.0" : options.listener.host;
  if (options.listener.port == 0) {
    s->port_ = s->http_->bind_to_any_port(host);
  } else if (s->http_->bind_to_port(host, options.listener.port)) {
    s->port_ = options.listener.port;
  } else {
    s->port_ = -1;
  }
  if (s->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("REST API: cannot listen on ", host, ":",
                                               options.listener.port, " (in use?)"));
  }
  s->host_ = options.listener.host.empty() || options.listener.host == "0.0.0.0"
                 ? "127.0.0.1"
                 : options.listener.host;
  return s;
}

void Server::Serve(std::shared_ptr<const Router> router) {
  router_ = std::move(router);
  const Router* r = router_.get();
  auto dispatch = [r](const httplib::Request& req, httplib::Response& res) {
    Request request;
    request.method = req.method;
    request.path = req.path;
    for (const auto& [k, v] : req.params) request.query.emplace(k, v);
    request.body = req.body;
    Response response = r->Route(std::move(request));
    res.status = response.status;
    for (const auto& [k, v] : response.headers) res.set_header(k, v);
    if (!response.body.empty()) res.set_content(response.body, "application/json");
  };
  http_->Get(".*", dispatch);
  http_->Post(".*", dispatch);
  http_->Put(".*", dispatch);
  http_->Patch(".*", dispatch);
  http_->Delete(".*", dispatch);
  // httplib answers 413 for a body over the limit, and 400 for a request it
  // cannot parse: with Connect's error body too.
  http_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string text = absl::StrCat("HTTP ", res.status, " ", ReasonPhrase(res.status));
    res.set_content(nlohmann::json({{"error_code", res.status}, {"message", text}}).dump(),
                    "application/json");
  });
  httplib::Server* http = http_.get();
  thread_ = std::thread([http] { http->listen_after_bind(); });
  // Until httplib's loop runs, stop() would not end it: wait for it here, so
  // that the destructor can always stop the server.
  while (!http_->is_running()) std::this_thread::yield();
  spdlog::info("REST API listening on {}", url());
}

Server::~Server() {
  if (http_ != nullptr) http_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string Server::url() const { return absl::StrCat("http://", host_, ":", port_, "/"); }

}  // namespace ferry::rest
