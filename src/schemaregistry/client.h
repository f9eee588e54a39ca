#pragma once

// A Confluent Schema Registry REST client, the configuration the Confluent
// converters share (AbstractKafkaSchemaSerDeConfig's keys) and the Confluent
// wire format (magic byte 0, 4-byte big-endian schema id, payload).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "config/config_def.h"

namespace ferry::schemaregistry {

// ---------------------------------------------------------------------------
// Registry data, as the REST API's JSON has it.

// A schema's reference to another registered schema (Protobuf imports, JSON
// Schema $refs, Avro named types defined elsewhere).
struct SchemaReference {
  std::string name;     // As the referring schema names it (e.g. "other.proto").
  std::string subject;  // Where the referenced schema is registered.
  int version = 0;
  bool operator==(const SchemaReference&) const = default;
};

inline constexpr std::string_view kAvro = "AVRO";
inline constexpr std::string_view kProtobuf = "PROTOBUF";
inline constexpr std::string_view kJson = "JSON";

struct RegisteredSchema {
  int id = 0;  // 0 when not (yet) registered, e.g. an argument of Register.
  // "AVRO" when the registry omits schemaType (it does for Avro), "PROTOBUF",
  // "JSON".
  std::string schema_type = std::string(kAvro);
  std::string schema;  // The schema text as registered.
  std::vector<SchemaReference> references;
  bool operator==(const RegisteredSchema&) const = default;
};

// A schema as one version of one subject.
struct SubjectVersion {
  std::string subject;
  int version = 0;
  RegisteredSchema schema;  // schema.id is set.
};

// Registry error responses ({"error_code":40403,"message":"Schema not found"})
// become a Status whose code follows the HTTP status (404 NotFound, 401
// Unauthenticated, 403 PermissionDenied, 409 AlreadyExists (incompatible
// schema), 422 InvalidArgument, 5xx Unavailable) and whose message is Java's
// RestClientException text: "Schema not found; error code: 40403". The
// registry's error_code is also attached as a payload; this reads it (0 when
// the status carries none, e.g. a connection error).
int RegistryErrorCode(const absl::Status& status);

// The registry's error codes that the client and the test registry use.
inline constexpr int kSubjectNotFound = 40401;
inline constexpr int kVersionNotFound = 40402;
inline constexpr int kSchemaNotFound = 40403;
inline constexpr int kInvalidSchema = 42201;
inline constexpr int kInvalidVersion = 42202;

// ---------------------------------------------------------------------------
// Configuration (keys of Confluent's AbstractKafkaSchemaSerDeConfig and
// SchemaRegistryClientConfig, as set on a converter:
// value.converter.schema.registry.url=...).

enum class SubjectNameStrategy {
  kTopicName,        // io.confluent.kafka.serializers.subject.TopicNameStrategy
  kRecordName,       // ...RecordNameStrategy
  kTopicRecordName,  // ...TopicRecordNameStrategy
};

// The subject a schema is registered under: "<topic>-key"/"<topic>-value",
// "<record full name>", "<topic>-<record full name>". record_name is the Avro
// record's full name, the Protobuf message's full name or the JSON Schema's
// title; InvalidArgument when a record strategy is given an empty one.
absl::StatusOr<std::string> SubjectName(SubjectNameStrategy strategy, std::string_view topic,
                                        bool is_key, std::string_view record_name);

struct StoreConfig {
  std::string location;  // "" = not set.
  std::string password;
  std::string type = "JKS";  // As Java; JKS/JCEKS files are refused (keytool advice).
  std::string key_password;  // Keystores only.
};

struct ClientConfig {
  // schema.registry.url: tried in order; a connection error or 5xx moves on
  // to the next one.
  std::vector<std::string> urls;
  // basic.auth.credentials.source: "URL" (user info in the URL, Confluent's
  // default) or "USER_INFO" (basic.auth.user.info / its alias
  // schema.registry.basic.auth.user.info, "user:password").
  std::string basic_auth_credentials_source = "URL";
  std::string basic_auth_user_info;
  StoreConfig truststore;  // schema.registry.ssl.truststore.*
  StoreConfig keystore;    // schema.registry.ssl.keystore.*, schema.registry.ssl.key.password
  // schema.registry.ssl.endpoint.identification.algorithm: "https" (the
  // default) checks the certificate names the host; "" does not.
  bool verify_hostname = true;
  int max_schemas_per_subject = 1000;
  bool auto_register_schemas = true;
  bool use_latest_version = false;
  SubjectNameStrategy key_subject_name_strategy = SubjectNameStrategy::kTopicName;
  SubjectNameStrategy value_subject_name_strategy = SubjectNameStrategy::kTopicName;
  // max.retries, retries.wait.ms, retries.max.wait.ms: transient failures
  // (connection errors, 5xx, 429) are retried this many times, backing off
  // exponentially from wait to max wait, cycling through the URLs.
  int max_retries = 3;
  absl::Duration retries_wait = absl::Seconds(1);
  absl::Duration retries_max_wait = absl::Seconds(20);
  absl::Duration connect_timeout = absl::Seconds(60);  // http.connect.timeout.ms
  absl::Duration read_timeout = absl::Seconds(60);     // http.read.timeout.ms
};

// The keys above, for the ConfigDef of every converter that uses the registry
// (schema.registry.url is required).
std::vector<ConfigKey> ConfigKeys();

// Parses a converter's props (prefix already stripped) with ConfigKeys() and
// the cross-key rules (USER_INFO needs user info; JKS stores refused; store
// files readable). InvalidArgument listing every problem as "key: message".
absl::StatusOr<ClientConfig> ParseClientConfig(const std::map<std::string, std::string>& props);
// The same from an already validated config (one whose ConfigDef holds
// ConfigKeys()).
absl::StatusOr<ClientConfig> ClientConfigFromParsed(const ParsedConfig& parsed);

// ---------------------------------------------------------------------------
// The client.

// Thread-safe: calls may come from several threads; one HTTP exchange at a
// time per client. Caches: schemas by id forever (ids are immutable), ids of
// registered schemas per subject (at most max_schemas_per_subject each).
class SchemaRegistryClient {
 public:
  // Reads the store files now, so a bad path or password is a config error.
  static absl::StatusOr<std::unique_ptr<SchemaRegistryClient>> Create(ClientConfig config);
  ~SchemaRegistryClient();
  SchemaRegistryClient(const SchemaRegistryClient&) = delete;
  SchemaRegistryClient& operator=(const SchemaRegistryClient&) = delete;

  const ClientConfig& config() const { return config_; }

  // GET /schemas/ids/{id}. NotFound (40403) for an unknown id; Unavailable
  // when no registry answered.
  absl::StatusOr<RegisteredSchema> GetSchemaById(int id);
  // GET /subjects/{subject}/versions/{version} (used to resolve references).
  absl::StatusOr<SubjectVersion> GetSchemaBySubjectVersion(std::string_view subject, int version);
  // GET /subjects/{subject}/versions/latest.
  absl::StatusOr<SubjectVersion> LatestVersion(std::string_view subject);
  // POST /subjects/{subject}/versions {"schema","schemaType","references"}
  // → the id (the same schema gets the same id). schema.id is ignored.
  absl::StatusOr<int> Register(std::string_view subject, const RegisteredSchema& schema);
  // POST /subjects/{subject}: the version of `subject` that has this schema
  // (auto.register.schemas=false). NotFound (40403) when it has none.
  absl::StatusOr<SubjectVersion> Lookup(std::string_view subject, const RegisteredSchema& schema);
  // GET /subjects.
  absl::StatusOr<std::vector<std::string>> Subjects();

  // HTTP exchanges made so far (cache tests).
  int64_t requests_sent() const;

 private:
  struct Impl;
  SchemaRegistryClient(ClientConfig config, std::unique_ptr<Impl> impl);

  const ClientConfig config_;
  const std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------
// The Confluent wire format.

inline constexpr char kMagicByte = 0;
inline constexpr size_t kWireHeaderSize = 5;

struct WireMessage {
  int schema_id = 0;
  std::string_view payload;  // Points into the parsed bytes.
};

// InvalidArgument "Unknown magic byte!" (Confluent's text) when the first
// byte is not 0, and a "too short" message when there are fewer than 5 bytes.
absl::StatusOr<WireMessage> ParseWireFormat(std::string_view bytes);
// 0x00, the id big-endian, then payload.
std::string WriteWireFormat(int schema_id, std::string_view payload);

}  // namespace ferry::schemaregistry
