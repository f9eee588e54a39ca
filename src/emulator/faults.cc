#include "emulator/faults.h"

#include <httplib.h>

#include <array>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "emulator/rest_api.h"

namespace ferry::emulator {
namespace {

using json = nlohmann::json;

constexpr std::array<std::string_view, 6> kGrpcMethods = {
    "AppendRows",          "CreateWriteStream",       "GetWriteStream",
    "FinalizeWriteStream", "BatchCommitWriteStreams", "FlushRows"};
constexpr std::array<std::string_view, 12> kRestMethods = {
    "datasets.insert", "datasets.get",  "datasets.list",  "datasets.delete",
    "tables.insert",   "tables.get",    "tables.list",    "tables.delete",
    "tables.patch",    "tables.update", "tabledata.list", "tabledata.insertAll"};

constexpr std::array<std::pair<grpc::StatusCode, std::string_view>, 16> kGrpcCodes = {{
    {grpc::StatusCode::CANCELLED, "CANCELLED"},
    {grpc::StatusCode::UNKNOWN, "UNKNOWN"},
    {grpc::StatusCode::INVALID_ARGUMENT, "INVALID_ARGUMENT"},
    {grpc::StatusCode::DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED"},
    {grpc::StatusCode::NOT_FOUND, "NOT_FOUND"},
    {grpc::StatusCode::ALREADY_EXISTS, "ALREADY_EXISTS"},
    {grpc::StatusCode::PERMISSION_DENIED, "PERMISSION_DENIED"},
    {grpc::StatusCode::RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED"},
    {grpc::StatusCode::FAILED_PRECONDITION, "FAILED_PRECONDITION"},
    {grpc::StatusCode::ABORTED, "ABORTED"},
    {grpc::StatusCode::OUT_OF_RANGE, "OUT_OF_RANGE"},
    {grpc::StatusCode::UNIMPLEMENTED, "UNIMPLEMENTED"},
    {grpc::StatusCode::INTERNAL, "INTERNAL"},
    {grpc::StatusCode::UNAVAILABLE, "UNAVAILABLE"},
    {grpc::StatusCode::DATA_LOSS, "DATA_LOSS"},
    {grpc::StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED"},
}};

std::string_view GrpcCodeName(grpc::StatusCode code) {
  for (const auto& [c, name] : kGrpcCodes) {
    if (c == code) return name;
  }
  return "UNKNOWN";
}

constexpr std::array<std::pair<FaultKind, std::string_view>, 4> kKinds = {{
    {FaultKind::kError, "error"},
    {FaultKind::kLatency, "latency"},
    {FaultKind::kDropBeforePersist, "drop_before_persist"},
    {FaultKind::kDropAfterPersist, "drop_after_persist"},
}};

struct HttpError {
  const char* reason;
  const char* status;
  const char* message;
};

// Google's reason/status for an HTTP code, with BigQuery's usual wording.
HttpError HttpErrorFor(int http_status) {
  switch (http_status) {
    case 400:
      return {"invalid", "INVALID_ARGUMENT", "Invalid request."};
    case 401:
      return {"authError", "UNAUTHENTICATED", "Request is missing required authentication."};
    case 403:
      return {"rateLimitExceeded", "PERMISSION_DENIED",
              "Exceeded rate limits: too many api requests per user per method for this "
              "user_method. For more information, see "
              "https://cloud.google.com/bigquery/docs/troubleshoot-quotas"};
    case 404:
      return {"notFound", "NOT_FOUND", "Not found."};
    case 409:
      return {"duplicate", "ALREADY_EXISTS", "Already Exists."};
    case 412:
      return {"conditionNotMet", "FAILED_PRECONDITION", "Precondition check failed."};
    case 429:
      return {"rateLimitExceeded", "RESOURCE_EXHAUSTED",
              "Exceeded rate limits: too many api requests per user per method for this "
              "user_method. For more information, see "
              "https://cloud.google.com/bigquery/docs/troubleshoot-quotas"};
    case 500:
      return {
          "internalError", "INTERNAL",
          "An internal error occurred and the request could not be completed. This is "
          "usually caused by a transient issue. Retrying the job with back-off as described "
          "in the BigQuery SLA should solve the problem: https://cloud.google.com/bigquery/sla."};
    case 502:
      return {"backendError", "UNAVAILABLE", "Bad Gateway"};
    case 503:
      return {"backendError", "UNAVAILABLE",
              "Error encountered during execution. Retrying may solve the problem."};
    case 504:
      return {"backendError", "DEADLINE_EXCEEDED", "Deadline exceeded."};
    default:
      return {"backendError", "UNKNOWN", "Injected error."};
  }
}

void SendControlError(httplib::Response& res, const absl::Status& status) {
  SendGoogleError(res, 400, "invalid", "INVALID_ARGUMENT", std::string(status.message()));
}

}  // namespace

bool IsGrpcMethod(std::string_view method) {
  for (std::string_view m : kGrpcMethods) {
    if (m == method) return true;
  }
  return false;
}

bool IsRestMethod(std::string_view method) {
  if (method == "*") return true;
  for (std::string_view m : kRestMethods) {
    if (m == method) return true;
  }
  return false;
}

std::string RestMethodName(std::string_view http_method, std::string_view path) {
  constexpr std::string_view kPrefix = "/bigquery/v2/projects/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return "";
  // p / datasets [/ d [/ tables [/ t [/ data|insertAll]]]]
  std::vector<std::string> parts = absl::StrSplit(
      absl::string_view(path.data() + kPrefix.size(), path.size() - kPrefix.size()), '/');
  if (parts.size() < 2 || parts[1] != "datasets") return "";
  const std::string_view m = http_method;
  switch (parts.size()) {
    case 2:
      return m == "POST" ? "datasets.insert" : m == "GET" ? "datasets.list" : "";
    case 3:
      return m == "GET"      ? "datasets.get"
             : m == "DELETE" ? "datasets.delete"
             : m == "PATCH"  ? "datasets.patch"
             : m == "PUT"    ? "datasets.update"
                             : "";
    case 4:
      if (parts[3] != "tables") return "";
      return m == "POST" ? "tables.insert" : m == "GET" ? "tables.list" : "";
    case 5:
      if (parts[3] != "tables") return "";
      return m == "GET"      ? "tables.get"
             : m == "DELETE" ? "tables.delete"
             : m == "PATCH"  ? "tables.patch"
             : m == "PUT"    ? "tables.update"
                             : "";
    case 6:
      if (parts[3] != "tables") return "";
      if (parts[5] == "data" && m == "GET") return "tabledata.list";
      if (parts[5] == "insertAll" && m == "POST") return "tabledata.insertAll";
      return "";
    default:
      return "";
  }
}

absl::Status FaultInjector::Add(Fault fault) {
  const bool grpc = IsGrpcMethod(fault.method);
  if (!grpc && !IsRestMethod(fault.method)) {
    return absl::InvalidArgumentError(absl::StrCat("Unknown method \"", fault.method, "\""));
  }
  if ((fault.kind == FaultKind::kDropBeforePersist || fault.kind == FaultKind::kDropAfterPersist) &&
      fault.method != "AppendRows") {
    return absl::InvalidArgumentError("Connection drops apply to AppendRows only");
  }
  if (fault.times == 0 || fault.times < -1) {
    return absl::InvalidArgumentError("times must be positive, or -1 for every call");
  }
  if (fault.latency < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("latency must not be negative");
  }
  if (!grpc && fault.kind == FaultKind::kError &&
      (fault.http_status < 400 || fault.http_status > 599)) {
    return absl::InvalidArgumentError("httpStatus must be 4xx or 5xx");
  }
  Entry entry;
  if (!fault.path_regex.empty()) {
    if (grpc) return absl::InvalidArgumentError("path applies to REST methods only");
    try {
      entry.path.emplace(fault.path_regex, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return absl::InvalidArgumentError(absl::StrCat("Invalid path regex: ", e.what()));
    }
  }
  entry.fault = std::move(fault);
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(std::move(entry));
  return absl::OkStatus();
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

void FaultInjector::ResetCounters() {
  std::lock_guard<std::mutex> lock(mu_);
  counters_.clear();
}

std::vector<Fault> FaultInjector::Pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Fault> out;
  for (const Entry& e : faults_) out.push_back(e.fault);
  return out;
}

std::map<std::string, MethodCounters> FaultInjector::Counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

std::optional<Fault> FaultInjector::OnCall(std::string_view method, std::string_view path) {
  std::optional<Fault> hit;
  {
    std::lock_guard<std::mutex> lock(mu_);
    MethodCounters& counters = counters_[std::string(method)];
    ++counters.calls;
    const bool rest = !IsGrpcMethod(method);
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      const bool method_matches = it->fault.method == method || (rest && it->fault.method == "*");
      if (!method_matches) continue;
      if (it->path && !std::regex_search(path.begin(), path.end(), *it->path)) continue;
      hit = it->fault;
      ++counters.faults;
      if (it->fault.times > 0 && --it->fault.times == 0) faults_.erase(it);
      break;
    }
  }
  if (hit && hit->latency > absl::ZeroDuration()) {
    // The injected latency itself, not a synchronisation wait.
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(hit->latency));
  }
  return hit;
}

grpc::Status GrpcFaultStatus(const Fault& fault) {
  std::string message = fault.message;
  if (message.empty()) {
    message = absl::StrCat(std::string(GrpcCodeName(fault.grpc_code)),
                           ": injected by the BigQuery emulator");
  }
  return grpc::Status(fault.grpc_code, message);
}

void RenderHttpFault(const Fault& fault, httplib::Response& res) {
  if (fault.http_status == 413) {
    // What Google's front end answers for a body it refuses before BigQuery sees it.
    res.status = 413;
    res.set_content(
        "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
        "  <meta name=viewport content=\"initial-scale=1, minimum-scale=1, "
        "width=device-width\">\n"
        "  <title>Error 413 (Request Entity Too Large)!!1</title>\n"
        "  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>\n"
        "  <p><b>413.</b> <ins>That\xE2\x80\x99s an error.</ins>\n"
        "  <p>Your client issued a request that was too large.\n"
        "  <ins>That\xE2\x80\x99s all we know.</ins>\n",
        "text/html; charset=UTF-8");
    return;
  }
  const HttpError e = HttpErrorFor(fault.http_status);
  const std::string message = fault.message.empty() ? e.message : fault.message;
  const std::string reason = fault.reason.empty() ? e.reason : fault.reason;
  SendGoogleError(res, fault.http_status, reason, e.status, message);
}

absl::StatusOr<Fault> FaultFromJson(const json& j) {
  if (!j.is_object()) return absl::InvalidArgumentError("A fault is a JSON object");
  Fault fault;
  for (const auto& [key, value] : j.items()) {
    if (key == "method" && value.is_string()) {
      fault.method = value.get<std::string>();
    } else if (key == "path" && value.is_string()) {
      fault.path_regex = value.get<std::string>();
    } else if (key == "times" && value.is_number_integer()) {
      fault.times = value.get<int64_t>();
    } else if (key == "kind" && value.is_string()) {
      const std::string kind = value.get<std::string>();
      bool found = false;
      for (const auto& [k, name] : kKinds) {
        if (name == kind) {
          fault.kind = k;
          found = true;
        }
      }
      if (!found) return absl::InvalidArgumentError(absl::StrCat("Unknown kind \"", kind, "\""));
    } else if (key == "grpcCode" && value.is_string()) {
      const std::string name = value.get<std::string>();
      bool found = false;
      for (const auto& [code, code_name] : kGrpcCodes) {
        if (code_name == name) {
          fault.grpc_code = code;
          found = true;
        }
      }
      if (!found) {
        return absl::InvalidArgumentError(absl::StrCat("Unknown grpcCode \"", name, "\""));
      }
    } else if (key == "grpcCode" && value.is_number_integer()) {
      const int code = value.get<int>();
      if (code < 1 || code > 16) return absl::InvalidArgumentError("grpcCode must be 1..16");
      fault.grpc_code = static_cast<grpc::StatusCode>(code);
    } else if (key == "httpStatus" && value.is_number_integer()) {
      fault.http_status = value.get<int>();
    } else if (key == "reason" && value.is_string()) {
      fault.reason = value.get<std::string>();
    } else if (key == "message" && value.is_string()) {
      fault.message = value.get<std::string>();
    } else if (key == "latencyMs" && value.is_number_integer()) {
      fault.latency = absl::Milliseconds(value.get<int64_t>());
    } else {
      return absl::InvalidArgumentError(absl::StrCat("Invalid fault field \"", key, "\""));
    }
  }
  if (fault.method.empty()) return absl::InvalidArgumentError("A fault needs a method");
  return fault;
}

json ToJson(const Fault& fault) {
  json j = {{"method", fault.method}, {"times", fault.times}};
  for (const auto& [k, name] : kKinds) {
    if (k == fault.kind) j["kind"] = name;
  }
  if (!fault.path_regex.empty()) j["path"] = fault.path_regex;
  if (IsGrpcMethod(fault.method)) {
    j["grpcCode"] = GrpcCodeName(fault.grpc_code);
  } else {
    j["httpStatus"] = fault.http_status;
  }
  if (!fault.reason.empty()) j["reason"] = fault.reason;
  if (!fault.message.empty()) j["message"] = fault.message;
  if (fault.latency > absl::ZeroDuration())
    j["latencyMs"] = absl::ToInt64Milliseconds(fault.latency);
  return j;
}

void InstallFaultControl(httplib::Server& server, FaultInjector& faults) {
  server.Post("/emulator/v1/faults", [&faults](const httplib::Request& req,
                                               httplib::Response& res) {
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
      return SendControlError(res, absl::InvalidArgumentError("Invalid JSON payload received."));
    }
    absl::StatusOr<Fault> fault = FaultFromJson(body);
    if (!fault.ok()) return SendControlError(res, fault.status());
    const json rendered = ToJson(*fault);
    if (absl::Status s = faults.Add(*std::move(fault)); !s.ok()) return SendControlError(res, s);
    SendJson(res, 200, {{"fault", rendered}});
  });
  server.Get("/emulator/v1/faults", [&faults](const httplib::Request&, httplib::Response& res) {
    json list = json::array();
    for (const Fault& f : faults.Pending()) list.push_back(ToJson(f));
    SendJson(res, 200, {{"faults", list}});
  });
  server.Delete("/emulator/v1/faults", [&faults](const httplib::Request&, httplib::Response& res) {
    faults.Clear();
    SendJson(res, 200, json::object());
  });
  server.Get("/emulator/v1/counters", [&faults](const httplib::Request&, httplib::Response& res) {
    json counters = json::object();
    for (const auto& [method, c] : faults.Counters()) {
      counters[method] = {{"calls", c.calls}, {"faults", c.faults}};
    }
    SendJson(res, 200, {{"counters", counters}});
  });
  server.Delete("/emulator/v1/counters",
                [&faults](const httplib::Request&, httplib::Response& res) {
                  faults.ResetCounters();
                  SendJson(res, 200, json::object());
                });
}

void InstallRestFaults(httplib::Server& server, FaultInjector& faults) {
  server.set_pre_routing_handler(
      [&faults](const httplib::Request& req,
                httplib::Response& res) -> httplib::Server::HandlerResponse {
        std::string method = RestMethodName(req.method, req.path);
        if (method.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::optional<Fault> fault = faults.OnCall(method, req.path);
        if (!fault || fault->kind != FaultKind::kError) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        RenderHttpFault(*fault, res);
        // The request body was not read: the connection cannot carry another
        // request, so it is closed (as a front end refusing a request does).
        res.set_header("Connection", "close");
        return httplib::Server::HandlerResponse::Handled;
      });
}

}  // namespace ferry::emulator
