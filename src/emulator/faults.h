#pragma once

#include <grpcpp/support/status.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace httplib {
class Server;
struct Response;
}  // namespace httplib

// Fault injection for the emulator's gRPC and REST APIs, driven from C++
// (Emulator::faults()) or over HTTP (POST /emulator/v1/faults, README.md).
namespace ferry::emulator {

// What an injected fault does to the call it hits.
enum class FaultKind {
  kError,    // The call fails with `grpc_code` / `http_status`; nothing is done.
  kLatency,  // The call is handled normally after `latency`.
  // AppendRows only: the connection ends with UNAVAILABLE "Connection reset by
  // peer" before the request's rows are stored...
  kDropBeforePersist,
  // ... or after they are stored, before the response is sent: the client
  // cannot know the append happened.
  kDropAfterPersist,
};

struct Fault {
  // gRPC: "AppendRows", "CreateWriteStream", "GetWriteStream", "FinalizeWriteStream",
  // "BatchCommitWriteStreams", "FlushRows". REST: "datasets.insert|get|list|delete",
  // "tables.insert|get|list|delete|patch|update", "tabledata.list", "tabledata.insertAll",
  // or "*" for every REST call.
  std::string method;
  std::string path_regex;  // REST only: the request path must also match (ECMAScript).
  int64_t times = 1;       // Calls to hit; -1 = every call until cleared.
  FaultKind kind = FaultKind::kError;
  grpc::StatusCode grpc_code = grpc::StatusCode::UNAVAILABLE;
  int http_status = 503;
  std::string reason;   // REST error reason; empty = Google's for http_status.
  std::string message;  // Empty = a default for the code.
  // Added before the call is handled, whatever the kind (AppendRows: per request).
  absl::Duration latency = absl::ZeroDuration();
};

struct MethodCounters {
  int64_t calls = 0;   // Calls seen (AppendRows: requests), faulted or not.
  int64_t faults = 0;  // Calls a fault hit.
};

bool IsGrpcMethod(std::string_view method);
bool IsRestMethod(std::string_view method);
// "tables.get", ... for a BigQuery REST request; empty for other paths.
std::string RestMethodName(std::string_view http_method, std::string_view path);

// Thread-safe: every method may be called from any thread.
class FaultInjector {
 public:
  // InvalidArgument for an unknown method, a drop kind on anything but AppendRows,
  // a bad path regex, times == 0 or < -1.
  absl::Status Add(Fault fault);
  void Clear();  // Pending faults only.
  void ResetCounters();
  std::vector<Fault> Pending() const;  // With `times` = the calls each still hits.
  std::map<std::string, MethodCounters> Counters() const;

  // Counts one call of `method` (REST: with its path) and returns the first
  // pending fault that hits it, consuming one of its `times`. Sleeps for that
  // fault's latency before returning (without holding the lock).
  std::optional<Fault> OnCall(std::string_view method, std::string_view path = {});

 private:
  struct Entry {
    Fault fault;
    std::optional<std::regex> path;
  };
  mutable std::mutex mu_;
  std::vector<Entry> faults_;                       // Guarded by mu_.
  std::map<std::string, MethodCounters> counters_;  // Guarded by mu_.
};

// The status an injected gRPC error ends a call with.
grpc::Status GrpcFaultStatus(const Fault& fault);
// Google's error response for an injected HTTP error: the JSON error body, or
// for 413 the HTML page Google's front end sends.
void RenderHttpFault(const Fault& fault, httplib::Response& res);

absl::StatusOr<Fault> FaultFromJson(const nlohmann::json& j);
nlohmann::json ToJson(const Fault& fault);

// The control endpoint, under a path BigQuery never uses:
//   POST   /emulator/v1/faults    add one fault (JSON, see README.md)
//   GET    /emulator/v1/faults    {"faults":[...]} still pending
//   DELETE /emulator/v1/faults    clear pending faults
//   GET    /emulator/v1/counters  {"counters":{"AppendRows":{"calls":N,"faults":M},...}}
//   DELETE /emulator/v1/counters  reset counters
// Install before any catch-all route. `faults` must outlive the server.
void InstallFaultControl(httplib::Server& server, FaultInjector& faults);
// Applies REST faults in httplib's pre-routing hook (paths under /emulator/ are
// exempt), so they hit before any handler runs.
void InstallRestFaults(httplib::Server& server, FaultInjector& faults);

}  // namespace ferry::emulator
