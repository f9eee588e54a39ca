#pragma once

// A local Schema Registry for tests: the REST endpoints the converters call,
// with Confluent's JSON shapes and error codes, over cpp-httplib on
// 127.0.0.1 (http or https). Thread-safe.
//
// Endpoints: POST /subjects/{s}/versions ({"schema","schemaType","references"}
// → {"id"}; the same schema gets the same id, in any subject), POST
// /subjects/{s} (lookup → {"subject","version","id","schema",…}), GET
// /schemas/ids/{id} ({"schema"}, with "schemaType" unless AVRO and
// "references" when there are some), GET /subjects/{s}/versions/{v|latest},
// GET /subjects/{s}/versions, GET /subjects. Errors are
// {"error_code":…,"message":…}: 40401 subject, 40402 version, 40403 schema
// not found, 42201 invalid schema, 42202 invalid version, 401 without the
// configured basic auth.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "schemaregistry/client.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace ferry::schemaregistry::testing {

class TestRegistry {
 public:
  struct Options {
    // "user:password": every request must carry it as basic auth.
    std::string user_info;
    // PEM certificate and key: serve https instead of http.
    std::string tls_cert_pem;
    std::string tls_key_pem;
    // 0: any free port; else this one (a registry that comes back where it was).
    int port = 0;
  };
  static absl::StatusOr<std::unique_ptr<TestRegistry>> Start(Options options);
  static absl::StatusOr<std::unique_ptr<TestRegistry>> Start() { return Start(Options()); }
  ~TestRegistry();
  TestRegistry(const TestRegistry&) = delete;
  TestRegistry& operator=(const TestRegistry&) = delete;

  // "http://127.0.0.1:<port>" (https with a certificate).
  std::string url() const;
  int port() const { return port_; }

  // Registers without HTTP (test setup); the id, as POST would answer.
  absl::StatusOr<int> Register(const std::string& subject, const RegisteredSchema& schema);

  // HTTP requests answered so far, and their "METHOD path" lines in order.
  int64_t requests() const;
  std::vector<std::string> request_log() const;

  // The next `count` requests are answered with `http_status` and
  // {"error_code":50001,"message":"Error in the backend data store"} (500s)
  // or the status itself as error_code (e.g. 429).
  void FailNext(int count, int http_status);

  // Stops serving: connections to the port are refused from now on.
  void Stop();

 private:
  struct Subject {
    std::vector<int> versions;  // ids, version = index + 1.
  };
  struct Stored {
    RegisteredSchema schema;
    std::string identity;
  };

  explicit TestRegistry(Options options);
  void Handle(const httplib::Request& req, httplib::Response& res);
  // Registration under the lock; errors carry their HTTP status as code.
  absl::StatusOr<int> RegisterLocked(const std::string& subject, const RegisteredSchema& schema)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string Identity(const RegisteredSchema& schema) const;

  const Options options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  bool stopped_ = false;

  mutable absl::Mutex mu_;
  std::vector<Stored> schemas_ ABSL_GUARDED_BY(mu_);  // id = index + 1.
  std::map<std::string, Subject> subjects_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
  int fail_count_ ABSL_GUARDED_BY(mu_) = 0;
  int fail_status_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace ferry::schemaregistry::testing
