#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "emulator/faults.h"

namespace grpc {
class Server;
}
namespace httplib {
class Server;
}

namespace ferry::emulator {

class Store;
class WriteService;

struct EmulatorOptions {
  std::string host = "127.0.0.1";
  int rest_port = 0;                 // 0 = pick a free port
  int grpc_port = 0;                 // 0 = pick a free port
  std::string db_path = ":memory:";  // SQLite file; data survives a restart when a file.

  // The clock for stream times, stream expiry and schema propagation; tests
  // move a fake one forward to make streams expire.
  std::function<absl::Time()> now = [] { return absl::Now(); };
  // BigQuery garbage-collects a PENDING stream not committed within 24 hours of
  // its creation, or within 4 hours of its finalization (README.md). Zero = never.
  absl::Duration pending_stream_ttl = absl::Hours(24);
  absl::Duration finalized_stream_ttl = absl::Hours(4);
  // How long after tables.patch/update AppendRows keeps binding rows to the old
  // schema (BigQuery: "in the order of minutes"). Zero = at once.
  absl::Duration schema_propagation_delay = absl::ZeroDuration();
  // false: Storage Write errors without StorageError details (the status
  // code alone; a finalized stream FAILED_PRECONDITION), as an independent
  // server built from Google's protos answers.
  bool storage_error_details = true;
};

// A local BigQuery: the v2 REST API (datasets, tables incl. patch/update,
// tabledata.list/insertAll) and the Storage Write API (all BigQueryWrite RPCs)
// over one SQLite store, with fault injection. See README.md.
//
// Threads: httplib's listener and worker pool for REST, gRPC's sync-server pool
// for the Storage Write API. Both are up and accepting when Start returns; both
// are stopped (in-flight calls cancelled) when Stop returns.
class Emulator {
 public:
  static absl::StatusOr<std::unique_ptr<Emulator>> Start(const EmulatorOptions& options);
  ~Emulator();  // stops
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Idempotent; callable from any thread, including while another thread Waits.
  void Stop();
  int rest_port() const { return rest_port_; }
  int grpc_port() const { return grpc_port_; }
  std::string rest_endpoint() const;  // "http://127.0.0.1:PORT"
  std::string grpc_endpoint() const;  // "127.0.0.1:PORT"
  void Wait();                        // blocks until Stop() (for the CLI)

  // Fault injection for in-process tests; the same injector serves the REST
  // control endpoint /emulator/v1/faults. Thread-safe.
  FaultInjector& faults() { return faults_; }

 private:
  Emulator();

  std::string host_;
  int rest_port_ = 0;
  int grpc_port_ = 0;
  FaultInjector faults_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<WriteService> write_service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<httplib::Server> http_server_;
  std::thread http_thread_;

  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;  // Guarded by mu_.
};

}  // namespace ferry::emulator
