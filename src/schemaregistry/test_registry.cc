#include "schemaregistry/test_registry.h"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace ferry::schemaregistry::testing {
namespace {

using json = nlohmann::json;

struct Error {
  int http_status;
  int error_code;
  std::string message;
};

void Reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/vnd.schemaregistry.v1+json");
}

void ReplyError(httplib::Response& res, const Error& e) {
  Reply(res, e.http_status, json{{"error_code", e.error_code}, {"message", e.message}});
}

json References(const RegisteredSchema& s) {
  json refs = json::array();
  for (const SchemaReference& r : s.references) {
    refs.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
  }
  return refs;
}

// The fields every schema answer has: schemaType only when not AVRO (the
// registry omits it for Avro), references only when there are some.
void AddSchemaFields(const RegisteredSchema& s, json* out) {
  if (s.schema_type != kAvro) (*out)["schemaType"] = s.schema_type;
  if (!s.references.empty()) (*out)["references"] = References(s);
  (*out)["schema"] = s.schema;
}

absl::Status StatusOf(const Error& e) {
  absl::Status s(absl::StatusCode::kUnknown, e.message);
  s.SetPayload("http_status", absl::Cord(absl::StrCat(e.http_status)));
  s.SetPayload("error_code", absl::Cord(absl::StrCat(e.error_code)));
  return s;
}

Error ErrorOf(const absl::Status& s) {
  Error e{500, 50001, std::string(s.message())};
  if (auto p = s.GetPayload("http_status")) (void)absl::SimpleAtoi(std::string(*p), &e.http_status);
  if (auto p = s.GetPayload("error_code")) (void)absl::SimpleAtoi(std::string(*p), &e.error_code);
  return e;
}

Error SubjectNotFound(const std::string& subject) {
  return {404, kSubjectNotFound, absl::StrCat("Subject '", subject, "' not found.")};
}

absl::StatusOr<RegisteredSchema> SchemaFromRequest(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("schema") || !j["schema"].is_string()) {
    return StatusOf({422, kInvalidSchema, "Invalid schema: the request has no schema string"});
  }
  RegisteredSchema s;
  s.schema = j["schema"].get<std::string>();
  if (j.contains("schemaType") && j["schemaType"].is_string()) {
    s.schema_type = j["schemaType"].get<std::string>();
  }
  if (j.contains("references") && j["references"].is_array()) {
    for (const json& r : j["references"]) {
      if (!r.is_object() || !r.contains("name") || !r.contains("subject") ||
          !r.contains("version")) {
        return StatusOf({422, kInvalidSchema,
                         "Invalid schema: a reference needs name, subject "
                         "and version"});
      }
      s.references.push_back(
          {r["name"].get<std::string>(), r["subject"].get<std::string>(), r["version"].get<int>()});
    }
  }
  return s;
}

}  // namespace

TestRegistry::TestRegistry(Options options) : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<TestRegistry>> TestRegistry::Start(Options options) {
  std::unique_ptr<TestRegistry> r(new TestRegistry(std::move(options)));
  if (!r->options_.tls_cert_pem.empty()) {
    // cpp-httplib takes files; an in-memory BIO-based store keeps nothing on disk.
    X509* cert = nullptr;
    EVP_PKEY* key = nullptr;
    BIO* b = BIO_new_mem_buf(r->options_.tls_cert_pem.data(),
                             static_cast<int>(r->options_.tls_cert_pem.size()));
    cert = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    b = BIO_new_mem_buf(r->options_.tls_key_pem.data(),
                        static_cast<int>(r->options_.tls_key_pem.size()));
    key = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    if (cert == nullptr || key == nullptr) {
      X509_free(cert);
      EVP_PKEY_free(key);
      return absl::InvalidArgumentError("TestRegistry: unreadable TLS certificate or key");
    }
    r->server_ = std::make_unique<httplib::SSLServer>(cert, key);
    X509_free(cert);
    EVP_PKEY_free(key);
  } else {
    r->server_ = std::make_unique<httplib::Server>();
  }
  TestRegistry* self = r.get();
  auto handler = [self](const httplib::Request& req, httplib::Response& res) {
    self->Handle(req, res);
  };
  r->server_->Get(".*", handler);
  r->server_->Post(".*", handler);
  if (r->options_.port > 0) {
    if (!r->server_->bind_to_port("127.0.0.1", r->options_.port)) {
      return absl::UnavailableError(
          absl::StrCat("TestRegistry: cannot bind port ", r->options_.port));
    }
    r->port_ = r->options_.port;
  } else {
    r->port_ = r->server_->bind_to_any_port("127.0.0.1");
  }
  if (r->port_ <= 0) return absl::UnavailableError("TestRegistry: cannot bind a port");
  r->thread_ = std::thread([self] { self->server_->listen_after_bind(); });
  // stop() before the accept loop runs would not end it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!r->server_->is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  return r;
}

TestRegistry::~TestRegistry() { Stop(); }

void TestRegistry::Stop() {
  if (stopped_) return;
  stopped_ = true;
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string TestRegistry::url() const {
  return absl::StrCat(options_.tls_cert_pem.empty() ? "http" : "https", "://127.0.0.1:", port_);
}

int64_t TestRegistry::requests() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(log_.size());
}

std::vector<std::string> TestRegistry::request_log() const {
  absl::MutexLock lock(&mu_);
  return log_;
}

void TestRegistry::FailNext(int count, int http_status) {
  absl::MutexLock lock(&mu_);
  fail_count_ = count;
  fail_status_ = http_status;
}

absl::StatusOr<int> TestRegistry::Register(const std::string& subject,
                                           const RegisteredSchema& schema) {
  absl::MutexLock lock(&mu_);
  return RegisterLocked(subject, schema);
}

std::string TestRegistry::Identity(const RegisteredSchema& schema) const {
  // The registry compares Avro and JSON schemas parsed, not as typed.
  std::string text = schema.schema;
  if (schema.schema_type != kProtobuf) {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) text = j.dump();
  }
  std::string id = absl::StrCat(schema.schema_type, "\n", text);
  for (const SchemaReference& r : schema.references) {
    absl::StrAppend(&id, "\n", r.name, "\n", r.subject, "\n", r.version);
  }
  return id;
}

absl::StatusOr<int> TestRegistry::RegisterLocked(const std::string& subject,
                                                 const RegisteredSchema& schema) {
  if (schema.schema_type != kAvro && schema.schema_type != kProtobuf &&
      schema.schema_type != kJson) {
    return StatusOf(
        {422, kInvalidSchema, absl::StrCat("Invalid schema type ", schema.schema_type)});
  }
  if (schema.schema_type != kProtobuf &&
      json::parse(schema.schema, nullptr, /*allow_exceptions=*/false).is_discarded()) {
    return StatusOf(
        {422, kInvalidSchema,
         absl::StrCat("Invalid schema {subject=", subject, "}: the schema is not JSON")});
  }
  for (const SchemaReference& r : schema.references) {
    auto it = subjects_.find(r.subject);
    if (it == subjects_.end() || r.version < 1 ||
        r.version > static_cast<int>(it->second.versions.size())) {
      return StatusOf(
          {422, kInvalidSchema,
           absl::StrCat("Invalid schema {subject=", subject, "}: reference ", r.name, " (subject ",
                        r.subject, ", version ", r.version, ") is not registered")});
    }
  }
  const std::string identity = Identity(schema);
  int id = 0;
  for (size_t i = 0; i < schemas_.size(); ++i) {
    if (schemas_[i].identity == identity) id = static_cast<int>(i) + 1;
  }
  if (id == 0) {
    RegisteredSchema stored = schema;
    id = static_cast<int>(schemas_.size()) + 1;
    stored.id = id;
    schemas_.push_back({std::move(stored), identity});
  }
  Subject& s = subjects_[subject];
  for (int v : s.versions) {
    if (v == id) return id;
  }
  s.versions.push_back(id);
  return id;
}

void TestRegistry::Handle(const httplib::Request& req, httplib::Response& res) {
  absl::MutexLock lock(&mu_);
  log_.push_back(absl::StrCat(req.method, " ", req.path));
  if (!options_.user_info.empty()) {
    const std::string expected = absl::StrCat("Basic ", absl::Base64Escape(options_.user_info));
    if (req.get_header_value("Authorization") != expected) {
      ReplyError(res, {401, 401, "Unauthorized"});
      return;
    }
  }
  if (fail_count_ > 0) {
    --fail_count_;
    if (fail_status_ >= 500) {
      ReplyError(res, {fail_status_, 50001, "Error in the backend data store"});
    } else {
      ReplyError(res, {fail_status_, fail_status_, "Injected failure"});
    }
    return;
  }
  static const std::regex kById(R"(/schemas/ids/(-?\d+))");
  static const std::regex kVersion(R"(/subjects/(.+)/versions/([^/]+))");
  static const std::regex kVersions(R"(/subjects/(.+)/versions)");
  static const std::regex kSubject(R"(/subjects/(.+))");
  std::smatch m;
  const std::string& path = req.path;
  if (req.method == "GET" && std::regex_match(path, m, kById)) {
    int id = 0;
    if (!absl::SimpleAtoi(m[1].str(), &id) || id < 1 || id > static_cast<int>(schemas_.size())) {
      ReplyError(res, {404, kSchemaNotFound, absl::StrCat("Schema ", m[1].str(), " not found")});
      return;
    }
    json out = json::object();
    AddSchemaFields(schemas_[id - 1].schema, &out);
    Reply(res, 200, out);
    return;
  }
  if (req.method == "GET" && path == "/subjects") {
    json out = json::array();
    for (const auto& [name, s] : subjects_) out.push_back(name);
    Reply(res, 200, out);
    return;
  }
  if (req.method == "GET" && std::regex_match(path, m, kVersion)) {
    const std::string subject = m[1].str();
    const std::string v = m[2].str();
    auto it = subjects_.find(subject);
    int version = 0;
    if (v != "latest" && (!absl::SimpleAtoi(v, &version) || version < 1)) {
      ReplyError(res, {422, kInvalidVersion,
                       absl::StrCat("The specified version '", v,
                                    "' is not a valid version id. Allowed values are between "
                                    "[1, 2^31-1] and the string \"latest\"")});
      return;
    }
    if (it == subjects_.end()) {
      ReplyError(res, SubjectNotFound(subject));
      return;
    }
    const int n = static_cast<int>(it->second.versions.size());
    if (v == "latest") version = n;
    if (version > n) {
      ReplyError(res, {404, kVersionNotFound, absl::StrCat("Version ", version, " not found.")});
      return;
    }
    const int id = it->second.versions[version - 1];
    json out = {{"subject", subject}, {"version", version}, {"id", id}};
    AddSchemaFields(schemas_[id - 1].schema, &out);
    Reply(res, 200, out);
    return;
  }
  if (req.method == "GET" && std::regex_match(path, m, kVersions)) {
    auto it = subjects_.find(m[1].str());
    if (it == subjects_.end()) {
      ReplyError(res, SubjectNotFound(m[1].str()));
      return;
    }
    json out = json::array();
    for (size_t i = 0; i < it->second.versions.size(); ++i) out.push_back(i + 1);
    Reply(res, 200, out);
    return;
  }
  if (req.method == "POST" && std::regex_match(path, m, kVersions)) {
    absl::StatusOr<RegisteredSchema> schema = SchemaFromRequest(req.body);
    absl::StatusOr<int> id = schema.ok() ? RegisterLocked(m[1].str(), *schema) : schema.status();
    if (!id.ok()) {
      ReplyError(res, ErrorOf(id.status()));
      return;
    }
    Reply(res, 200, json{{"id", *id}});
    return;
  }
  if (req.method == "POST" && std::regex_match(path, m, kSubject)) {
    const std::string subject = m[1].str();
    absl::StatusOr<RegisteredSchema> schema = SchemaFromRequest(req.body);
    if (!schema.ok()) {
      ReplyError(res, ErrorOf(schema.status()));
      return;
    }
    auto it = subjects_.find(subject);
    if (it == subjects_.end()) {
      ReplyError(res, SubjectNotFound(subject));
      return;
    }
    const std::string identity = Identity(*schema);
    for (size_t i = 0; i < it->second.versions.size(); ++i) {
      const int id = it->second.versions[i];
      if (schemas_[id - 1].identity == identity) {
        json out = {{"subject", subject}, {"version", static_cast<int>(i) + 1}, {"id", id}};
        AddSchemaFields(schemas_[id - 1].schema, &out);
        Reply(res, 200, out);
        return;
      }
    }
    ReplyError(res, {404, kSchemaNotFound, "Schema not found"});
    return;
  }
  ReplyError(res, {404, 404, "HTTP 404 Not Found"});
}

}  // namespace ferry::schemaregistry::testing
