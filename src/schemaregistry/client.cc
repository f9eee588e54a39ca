#include "schemaregistry/client.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "bigquery/http.h"
#include "kafka/client_keys.h"

namespace ferry::schemaregistry {
namespace {

using json = nlohmann::json;

constexpr char kErrorCodePayload[] = "type.ferry.io/schemaregistry.ErrorCode";
// Java's RestService: an error body it cannot parse.
constexpr int kJsonParseErrorCode = 50005;

constexpr char kTopicNameStrategy[] = "io.confluent.kafka.serializers.subject.TopicNameStrategy";
constexpr char kRecordNameStrategy[] = "io.confluent.kafka.serializers.subject.RecordNameStrategy";
constexpr char kTopicRecordNameStrategy[] =
    "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy";

std::string S(std::string_view s) { return std::string(s); }

absl::StatusOr<SubjectNameStrategy> StrategyFromClass(const std::string& name) {
  if (name == kTopicNameStrategy) return SubjectNameStrategy::kTopicName;
  if (name == kRecordNameStrategy) return SubjectNameStrategy::kRecordName;
  if (name == kTopicRecordNameStrategy) return SubjectNameStrategy::kTopicRecordName;
  return absl::InvalidArgumentError(name);
}

Validator StrategyValidator() {
  return [](const ConfigValue& v) -> std::string {
    if (StrategyFromClass(v.s).ok()) return "";
    return absl::StrCat("Class ", v.s, " could not be found; ferry has ", kTopicNameStrategy, ", ",
                        kRecordNameStrategy, " and ", kTopicRecordNameStrategy);
  };
}

Validator UrlsValidator() {
  return [](const ConfigValue& v) -> std::string {
    if (v.list.empty()) return "Missing required configuration: at least one URL";
    for (const std::string& url : v.list) {
      if (absl::StartsWith(url, "mock://")) {
        return absl::StrCat(url,
                            ": mock:// is the Java client's in-process test registry; ferry has "
                            "none, point it at a registry over http:// or https://");
      }
      if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
        return absl::StrCat(url, ": not an http:// or https:// URL");
      }
    }
    return "";
  };
}

// "http://user:secret@host:8081/" → "user:secret" and "http://host:8081".
struct SplitUrl {
  std::string without_user_info;
  std::string user_info;  // Still percent-encoded, as in the URL.
};
SplitUrl SplitUserInfo(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const size_t authority = scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority);
  if (authority_end == std::string::npos) authority_end = url.size();
  const size_t at = url.rfind('@', authority_end - 1);
  SplitUrl out;
  if (at == std::string::npos || at < authority) {
    out.without_user_info = url;
  } else {
    out.user_info = url.substr(authority, at - authority);
    out.without_user_info = url.substr(0, authority) + url.substr(at + 1);
  }
  while (absl::EndsWith(out.without_user_info, "/")) out.without_user_info.pop_back();
  return out;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    int hi = 0, lo = 0;
    auto hex = [](char c, int* v) {
      if (c >= '0' && c <= '9') return *v = c - '0', true;
      if (c >= 'a' && c <= 'f') return *v = c - 'a' + 10, true;
      if (c >= 'A' && c <= 'F') return *v = c - 'A' + 10, true;
      return false;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1], &hi) && hex(s[i + 2], &lo)) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

absl::Status RegistryError(long http_status, int error_code, std::string_view message) {
  absl::StatusCode code;
  switch (http_status) {
    case 400:
    case 422:
      code = absl::StatusCode::kInvalidArgument;
      break;
    case 401:
      code = absl::StatusCode::kUnauthenticated;
      break;
    case 403:
      code = absl::StatusCode::kPermissionDenied;
      break;
    case 404:
      code = absl::StatusCode::kNotFound;
      break;
    case 409:
      code = absl::StatusCode::kAlreadyExists;
      break;
    case 408:
    case 429:
      code = absl::StatusCode::kUnavailable;
      break;
    default:
      code = http_status >= 500 ? absl::StatusCode::kUnavailable : absl::StatusCode::kUnknown;
  }
  absl::Status status(code, absl::StrCat(S(message), "; error code: ", error_code));
  status.SetPayload(kErrorCodePayload, absl::Cord(absl::StrCat(error_code)));
  return status;
}

// Java's RestService retries 408, 429, 500, 502, 503 and 504, and failures to
// connect.
bool RetriableHttpStatus(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

absl::Status ErrorFromResponse(const bigquery::HttpResponse& response) {
  json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error_code") && body["error_code"].is_number_integer()) {
    std::string message = body.value("message", "");
    return RegistryError(response.status, body["error_code"].get<int>(), message);
  }
  return RegistryError(
      response.status, kJsonParseErrorCode,
      absl::StrCat("Unable to parse error message from schema registry: '(", response.body, ")'"));
}

absl::StatusOr<RegisteredSchema> SchemaFromJson(const json& j) {
  if (!j.is_object() || !j.contains("schema") || !j["schema"].is_string()) {
    return absl::InternalError(
        absl::StrCat("the Schema Registry answered without a schema: ", j.dump()));
  }
  RegisteredSchema out;
  out.schema = j["schema"].get<std::string>();
  if (j.contains("schemaType") && j["schemaType"].is_string()) {
    out.schema_type = j["schemaType"].get<std::string>();
  }
  if (j.contains("id") && j["id"].is_number_integer()) out.id = j["id"].get<int>();
  if (j.contains("references") && j["references"].is_array()) {
    for (const json& r : j["references"]) {
      if (!r.is_object()) continue;
      SchemaReference ref;
      ref.name = r.value("name", "");
      ref.subject = r.value("subject", "");
      ref.version = r.value("version", 0);
      out.references.push_back(std::move(ref));
    }
  }
  return out;
}

absl::StatusOr<SubjectVersion> SubjectVersionFromJson(const json& j, std::string_view subject) {
  absl::StatusOr<RegisteredSchema> schema = SchemaFromJson(j);
  if (!schema.ok()) return schema.status();
  SubjectVersion out;
  out.subject = j.value("subject", S(subject));
  out.version = j.value("version", 0);
  out.schema = std::move(*schema);
  return out;
}

json SchemaRequest(const RegisteredSchema& schema) {
  json body = json::object();
  body["schema"] = schema.schema;
  // The registry takes a missing schemaType for AVRO, as the Java client sends it.
  if (schema.schema_type != kAvro) body["schemaType"] = schema.schema_type;
  if (!schema.references.empty()) {
    json refs = json::array();
    for (const SchemaReference& r : schema.references) {
      refs.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
    }
    body["references"] = std::move(refs);
  }
  return body;
}

// A registered schema's identity within a subject's cache.
std::string CacheKey(const RegisteredSchema& schema) {
  std::string key = absl::StrCat(schema.schema_type, "\n", schema.schema);
  for (const SchemaReference& r : schema.references) {
    absl::StrAppend(&key, "\n", r.name, "\n", r.subject, "\n", r.version);
  }
  return key;
}

absl::Duration Millis(int64_t ms) { return absl::Milliseconds(ms); }

}  // namespace

int RegistryErrorCode(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorCodePayload);
  int code = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &code)) return 0;
  return code;
}

absl::StatusOr<std::string> SubjectName(SubjectNameStrategy strategy, std::string_view topic,
                                        bool is_key, std::string_view record_name) {
  switch (strategy) {
    case SubjectNameStrategy::kTopicName:
      return absl::StrCat(S(topic), is_key ? "-key" : "-value");
    case SubjectNameStrategy::kRecordName:
    case SubjectNameStrategy::kTopicRecordName:
      if (record_name.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            strategy == SubjectNameStrategy::kRecordName ? kRecordNameStrategy
                                                         : kTopicRecordNameStrategy,
            " needs a named schema (an Avro record, a Protobuf message, a JSON Schema with a "
            "title); topic ",
            S(topic), " has none"));
      }
      if (strategy == SubjectNameStrategy::kRecordName) return S(record_name);
      return absl::StrCat(S(topic), "-", S(record_name));
  }
  return absl::InternalError("unknown subject name strategy");
}

std::vector<ConfigKey> ConfigKeys() {
  const std::string group = "Schema Registry";
  std::vector<ConfigKey> keys = {
      {.name = "schema.registry.url",
       .type = ConfigType::kList,
       .default_value = std::nullopt,
       .importance = Importance::kHigh,
       .doc = "Comma-separated list of URLs for Schema Registry instances that can be used to "
              "register or look up schemas. (ferry: tried in order; a connection error or a 5xx "
              "answer moves on to the next; mock:// is not available)",
       .validator = UrlsValidator(),
       .group = group},
      {.name = "basic.auth.credentials.source",
       .type = ConfigType::kString,
       .default_value = "URL",
       .importance = Importance::kMedium,
       .doc = "Specify how to pick the credentials for the Basic authentication header. URL: the "
              "user info of the URL (http://user:password@host:8081); USER_INFO: "
              "basic.auth.user.info. (ferry: SASL_INHERIT is not available)",
       .validator = validators::OneOf({"URL", "USER_INFO"}, /*case_insensitive=*/false),
       .group = group,
       .valid_values = "[URL, USER_INFO]"},
      {.name = "basic.auth.user.info",
       .type = ConfigType::kPassword,
       .default_value = "",
       .importance = Importance::kMedium,
       .doc = "Specify the user info for the Basic authentication in the form of "
              "{username}:{password}",
       .group = group},
      {.name = "schema.registry.basic.auth.user.info",
       .type = ConfigType::kPassword,
       .default_value = "",
       .importance = Importance::kMedium,
       .doc = "Alias of basic.auth.user.info (which wins when both are set).",
       .group = group},
      {.name = "schema.registry.ssl.truststore.location",
       .type = ConfigType::kString,
       .default_value = "",
       .importance = Importance::kHigh,
       .doc = "The location of the trust store file. (ferry: PEM or PKCS12; unset: the system's "
              "CAs)",
       .group = group},
      {.name = "schema.registry.ssl.truststore.password",
       .type = ConfigType::kPassword,
       .default_value = "",
       .importance = Importance::kHigh,
       .doc = "The password for the trust store file.",
       .group = group},
      {.name = "schema.registry.ssl.truststore.type",
       .type = ConfigType::kString,
       .default_value = "JKS",
       .importance = Importance::kMedium,
       .doc = "The file format of the trust store file. (ferry: PEM or PKCS12; a JKS file is "
              "refused with the keytool command that converts it)",
       .group = group},
      {.name = "schema.registry.ssl.keystore.location",
       .type = ConfigType::kString,
       .default_value = "",
       .importance = Importance::kHigh,
       .doc = "The location of the key store file, for a client certificate. (ferry: PEM or "
              "PKCS12)",
       .group = group},
      {.name = "schema.registry.ssl.keystore.password",
       .type = ConfigType::kPassword,
       .default_value = "",
       .importance = Importance::kHigh,
       .doc = "The store password for the key store file.",
       .group = group},
      {.name = "schema.registry.ssl.keystore.type",
       .type = ConfigType::kString,
       .default_value = "JKS",
       .importance = Importance::kMedium,
       .doc = "The file format of the key store file. (ferry: PEM or PKCS12)",
       .group = group},
      {.name = "schema.registry.ssl.key.password",
       .type = ConfigType::kPassword,
       .default_value = "",
       .importance = Importance::kHigh,
       .doc = "The password of the private key in the key store file (PEM keystores).",
       .group = group},
      {.name = "schema.registry.ssl.endpoint.identification.algorithm",
       .type = ConfigType::kString,
       .default_value = "https",
       .importance = Importance::kLow,
       .doc = "The endpoint identification algorithm to validate server hostname using server "
              "certificate; empty disables the check.",
       .validator = validators::OneOf({"https", ""}),
       .group = group,
       .valid_values = "[https, \"\"]"},
      {.name = "max.schemas.per.subject",
       .type = ConfigType::kInt,
       .default_value = "1000",
       .importance = Importance::kLow,
       .doc = "Maximum number of schemas to create or cache locally.",
       .validator = validators::AtLeast(1),
       .group = group},
      {.name = "auto.register.schemas",
       .type = ConfigType::kBoolean,
       .default_value = "true",
       .importance = Importance::kMedium,
       .doc = "Specify if the Serializer should attempt to register the Schema with Schema "
              "Registry",
       .group = group},
      {.name = "use.latest.version",
       .type = ConfigType::kBoolean,
       .default_value = "false",
       .importance = Importance::kLow,
       .doc = "Specify if the Serializer should use the latest subject version for "
              "serialization (with auto.register.schemas=false). (ferry: the value is written "
              "with the latest version's id; it must be the same schema)",
       .group = group},
      {.name = "key.subject.name.strategy",
       .type = ConfigType::kClass,
       .default_value = kTopicNameStrategy,
       .importance = Importance::kMedium,
       .doc = "Determines how to construct the subject name under which the key schema is "
              "registered with the schema registry. By default, <topic>-key is used as subject.",
       .validator = StrategyValidator(),
       .group = group},
      {.name = "value.subject.name.strategy",
       .type = ConfigType::kClass,
       .default_value = kTopicNameStrategy,
       .importance = Importance::kMedium,
       .doc = "Determines how to construct the subject name under which the value schema is "
              "registered with the schema registry. By default, <topic>-value is used as "
              "subject.",
       .validator = StrategyValidator(),
       .group = group},
      {.name = "max.retries",
       .type = ConfigType::kInt,
       .default_value = "3",
       .importance = Importance::kLow,
       .doc = "Maximum number of retries for a request (per URL) on a connection failure or a "
              "408, 429, 500, 502, 503 or 504 answer.",
       .validator = validators::AtLeast(0),
       .group = group},
      {.name = "retries.wait.ms",
       .type = ConfigType::kInt,
       .default_value = "1000",
       .importance = Importance::kLow,
       .doc = "Time to wait before the first retry; it doubles with each retry.",
       .validator = validators::AtLeast(0),
       .group = group},
      {.name = "retries.max.wait.ms",
       .type = ConfigType::kInt,
       .default_value = "20000",
       .importance = Importance::kLow,
       .doc = "Maximum time to wait between retries.",
       .validator = validators::AtLeast(0),
       .group = group},
      {.name = "http.connect.timeout.ms",
       .type = ConfigType::kInt,
       .default_value = "60000",
       .importance = Importance::kLow,
       .doc = "Timeout for establishing a connection to the Schema Registry.",
       .validator = validators::AtLeast(1),
       .group = group},
      {.name = "http.read.timeout.ms",
       .type = ConfigType::kInt,
       .default_value = "60000",
       .importance = Importance::kLow,
       .doc = "Timeout of one request to the Schema Registry, once connected.",
       .validator = validators::AtLeast(1),
       .group = group},
  };
  return keys;
}

absl::StatusOr<ClientConfig> ClientConfigFromParsed(const ParsedConfig& parsed) {
  std::vector<ConfigError> errors;
  ClientConfig c;
  c.urls = parsed.GetList("schema.registry.url");
  c.basic_auth_credentials_source = parsed.GetString("basic.auth.credentials.source");
  c.basic_auth_user_info = parsed.GetString("basic.auth.user.info");
  if (c.basic_auth_user_info.empty()) {
    c.basic_auth_user_info = parsed.GetString("schema.registry.basic.auth.user.info");
  }
  if (c.basic_auth_credentials_source == "USER_INFO" && c.basic_auth_user_info.empty()) {
    errors.push_back({"basic.auth.user.info",
                      "UserInfo must be provided when basic.auth.credentials.source is set to "
                      "USER_INFO"});
  }
  c.truststore.location = parsed.GetString("schema.registry.ssl.truststore.location");
  c.truststore.password = parsed.GetString("schema.registry.ssl.truststore.password");
  c.truststore.type =
      absl::AsciiStrToUpper(parsed.GetString("schema.registry.ssl.truststore.type"));
  c.keystore.location = parsed.GetString("schema.registry.ssl.keystore.location");
  c.keystore.password = parsed.GetString("schema.registry.ssl.keystore.password");
  c.keystore.type = absl::AsciiStrToUpper(parsed.GetString("schema.registry.ssl.keystore.type"));
  c.keystore.key_password = parsed.GetString("schema.registry.ssl.key.password");
  c.verify_hostname =
      !parsed.GetString("schema.registry.ssl.endpoint.identification.algorithm").empty();
  c.max_schemas_per_subject = parsed.GetInt("max.schemas.per.subject");
  c.auto_register_schemas = parsed.GetBool("auto.register.schemas");
  c.use_latest_version = parsed.GetBool("use.latest.version");
  if (auto s = StrategyFromClass(parsed.GetString("key.subject.name.strategy")); s.ok()) {
    c.key_subject_name_strategy = *s;
  }
  if (auto s = StrategyFromClass(parsed.GetString("value.subject.name.strategy")); s.ok()) {
    c.value_subject_name_strategy = *s;
  }
  c.max_retries = parsed.GetInt("max.retries");
  c.retries_wait = Millis(parsed.GetInt("retries.wait.ms"));
  c.retries_max_wait = Millis(parsed.GetInt("retries.max.wait.ms"));
  c.connect_timeout = Millis(parsed.GetInt("http.connect.timeout.ms"));
  c.read_timeout = Millis(parsed.GetInt("http.read.timeout.ms"));
  if (!errors.empty()) return absl::InvalidArgumentError(FormatConfigErrors(errors));
  return c;
}

absl::StatusOr<ClientConfig> ParseClientConfig(const std::map<std::string, std::string>& props) {
  ConfigDef def;
  for (ConfigKey& key : ConfigKeys()) def.Define(std::move(key));
  absl::StatusOr<ParsedConfig> parsed = def.Parse(props);
  if (!parsed.ok()) return parsed.status();
  return ClientConfigFromParsed(*parsed);
}

// ---------------------------------------------------------------------------

struct SchemaRegistryClient::Impl {
  struct Base {
    std::string url;        // Without user info or a trailing '/'.
    std::string user_info;  // From the URL, percent-decoded.
  };
  std::vector<Base> bases;
  std::string authorization;  // "Authorization: Basic …" for USER_INFO; "" otherwise.
  bool url_auth = false;
  bigquery::TlsOptions tls;
  bool use_tls_options = false;

  absl::Mutex http_mu;
  std::unique_ptr<bigquery::HttpConnection> connection ABSL_GUARDED_BY(http_mu);
  size_t current ABSL_GUARDED_BY(http_mu) = 0;  // The URL tried first.

  mutable absl::Mutex cache_mu;
  absl::flat_hash_map<int, RegisteredSchema> by_id ABSL_GUARDED_BY(cache_mu);
  // subject → schema identity → (id, version; 0 when only registered).
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, std::pair<int, int>>> ids
      ABSL_GUARDED_BY(cache_mu);
  int64_t requests ABSL_GUARDED_BY(cache_mu) = 0;

  // One REST call with retries and failover; the parsed JSON of a 2xx answer.
  absl::StatusOr<json> Call(const ClientConfig& config, const std::string& method,
                            const std::string& path, const std::optional<std::string>& body);
};

SchemaRegistryClient::SchemaRegistryClient(ClientConfig config, std::unique_ptr<Impl> impl)
    : config_(std::move(config)), impl_(std::move(impl)) {}

SchemaRegistryClient::~SchemaRegistryClient() = default;

absl::StatusOr<std::unique_ptr<SchemaRegistryClient>> SchemaRegistryClient::Create(
    ClientConfig config) {
  if (config.urls.empty()) {
    return absl::InvalidArgumentError("schema.registry.url: at least one URL is needed");
  }
  auto impl = std::make_unique<Impl>();
  for (const std::string& url : config.urls) {
    SplitUrl split = SplitUserInfo(url);
    impl->bases.push_back({split.without_user_info, PercentDecode(split.user_info)});
  }
  if (config.basic_auth_credentials_source == "USER_INFO") {
    impl->authorization =
        absl::StrCat("Authorization: Basic ", absl::Base64Escape(config.basic_auth_user_info));
  } else {
    impl->url_auth = true;
  }
  if (!config.truststore.location.empty()) {
    absl::StatusOr<std::string> pem = kafka::ReadTruststoreAsPem(
        config.truststore.location, config.truststore.type,
        config.truststore.password.empty() ? std::nullopt
                                           : std::optional<std::string>(config.truststore.password),
        "schema.registry.ssl.truststore");
    if (!pem.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("schema.registry.ssl.truststore.location: ",
                                                     std::string(pem.status().message())));
    }
    impl->tls.ca_pem = std::move(*pem);
    impl->use_tls_options = true;
  }
  if (!config.keystore.location.empty()) {
    auto opt = [](const std::string& s) {
      return s.empty() ? std::nullopt : std::optional<std::string>(s);
    };
    absl::StatusOr<kafka::KeystorePem> key = kafka::ReadKeystoreAsPem(
        config.keystore.location, config.keystore.type, opt(config.keystore.password),
        opt(config.keystore.key_password), "schema.registry.ssl.keystore");
    if (!key.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("schema.registry.ssl.keystore.location: ",
                                                     std::string(key.status().message())));
    }
    impl->tls.client_cert_pem = std::move(key->certificate_chain);
    impl->tls.client_key_pem = std::move(key->private_key);
    impl->use_tls_options = true;
  }
  if (!config.verify_hostname) {
    impl->tls.verify_hostname = false;
    impl->use_tls_options = true;
  }
  absl::StatusOr<std::unique_ptr<bigquery::HttpConnection>> connection =
      bigquery::HttpConnection::Create();
  if (!connection.ok()) return connection.status();
  impl->connection = std::move(*connection);
  return std::unique_ptr<SchemaRegistryClient>(
      new SchemaRegistryClient(std::move(config), std::move(impl)));
}

int64_t SchemaRegistryClient::requests_sent() const {
  absl::MutexLock lock(&impl_->cache_mu);
  return impl_->requests;
}

absl::StatusOr<json> SchemaRegistryClient::Impl::Call(const ClientConfig& config,
                                                      const std::string& method,
                                                      const std::string& path,
                                                      const std::optional<std::string>& body) {
  Impl& impl = *this;
  absl::MutexLock lock(&impl.http_mu);
  absl::Status last;
  const size_t n = impl.bases.size();
  for (size_t u = 0; u < n; ++u) {
    const SchemaRegistryClient::Impl::Base& base = impl.bases[impl.current];
    bigquery::HttpRequest request;
    request.method = method;
    request.url = base.url + path;
    request.headers = {
        "Accept: application/vnd.schemaregistry.v1+json, "
        "application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5"};
    if (body) {
      request.headers.push_back("Content-Type: application/vnd.schemaregistry.v1+json");
      request.body = *body;
    }
    if (!impl.authorization.empty()) {
      request.headers.push_back(impl.authorization);
    } else if (impl.url_auth && !base.user_info.empty()) {
      request.headers.push_back(
          absl::StrCat("Authorization: Basic ", absl::Base64Escape(base.user_info)));
    }
    request.connect_timeout = config.connect_timeout;
    request.timeout = config.connect_timeout + config.read_timeout;
    if (impl.use_tls_options) request.tls = &impl.tls;
    absl::Duration wait = config.retries_wait;
    for (int attempt = 0;; ++attempt) {
      {
        absl::MutexLock cache_lock(&impl.cache_mu);
        ++impl.requests;
      }
      absl::StatusOr<bigquery::HttpResponse> response = impl.connection->Send(request);
      bool retriable = false;
      if (!response.ok()) {
        last = absl::UnavailableError(
            absl::StrCat("Schema Registry ", base.url, " could not be reached (", method, " ", path,
                         "): ", std::string(response.status().message())));
        retriable = true;
      } else if (response->status >= 200 && response->status < 300) {
        if (response->body.empty()) return json();
        json parsed = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
        if (parsed.is_discarded()) {
          return absl::InternalError(absl::StrCat("Schema Registry ", base.url, " answered ",
                                                  method, " ", path, " with invalid JSON"));
        }
        return parsed;
      } else {
        last = ErrorFromResponse(*response);
        if (!RetriableHttpStatus(response->status)) return last;
        retriable = true;
      }
      if (!retriable || attempt >= config.max_retries) break;
      absl::SleepFor(wait);
      wait = std::min(wait * 2, config.retries_max_wait);
    }
    impl.current = (impl.current + 1) % n;  // Fail over; the next call starts there too.
  }
  if (last.code() != absl::StatusCode::kUnavailable) {
    last = absl::Status(absl::StatusCode::kUnavailable, last.message());
  }
  return last;
}

namespace {

std::string VersionsPath(std::string_view subject) {
  return absl::StrCat("/subjects/", bigquery::UrlEscape(S(subject)), "/versions");
}

}  // namespace

absl::StatusOr<RegisteredSchema> SchemaRegistryClient::GetSchemaById(int id) {
  {
    absl::MutexLock lock(&impl_->cache_mu);
    if (auto it = impl_->by_id.find(id); it != impl_->by_id.end()) return it->second;
  }
  absl::StatusOr<json> j =
      impl_->Call(config_, "GET", absl::StrCat("/schemas/ids/", id), std::nullopt);
  if (!j.ok()) return j.status();
  absl::StatusOr<RegisteredSchema> schema = SchemaFromJson(*j);
  if (!schema.ok()) return schema.status();
  schema->id = id;
  absl::MutexLock lock(&impl_->cache_mu);
  impl_->by_id.emplace(id, *schema);
  return schema;
}

absl::StatusOr<SubjectVersion> SchemaRegistryClient::GetSchemaBySubjectVersion(
    std::string_view subject, int version) {
  absl::StatusOr<json> j =
      impl_->Call(config_, "GET", absl::StrCat(VersionsPath(subject), "/", version), std::nullopt);
  if (!j.ok()) return j.status();
  return SubjectVersionFromJson(*j, subject);
}

absl::StatusOr<SubjectVersion> SchemaRegistryClient::LatestVersion(std::string_view subject) {
  absl::StatusOr<json> j =
      impl_->Call(config_, "GET", absl::StrCat(VersionsPath(subject), "/latest"), std::nullopt);
  if (!j.ok()) return j.status();
  return SubjectVersionFromJson(*j, subject);
}

absl::StatusOr<int> SchemaRegistryClient::Register(std::string_view subject,
                                                   const RegisteredSchema& schema) {
  const std::string key = CacheKey(schema);
  {
    absl::MutexLock lock(&impl_->cache_mu);
    if (auto s = impl_->ids.find(S(subject)); s != impl_->ids.end()) {
      if (auto it = s->second.find(key); it != s->second.end()) return it->second.first;
    }
  }
  absl::StatusOr<json> j =
      impl_->Call(config_, "POST", VersionsPath(subject), SchemaRequest(schema).dump());
  if (!j.ok()) return j.status();
  if (!j->is_object() || !j->contains("id") || !(*j)["id"].is_number_integer()) {
    return absl::InternalError(
        absl::StrCat("the Schema Registry answered a registration without an id: ", j->dump()));
  }
  const int id = (*j)["id"].get<int>();
  absl::MutexLock lock(&impl_->cache_mu);
  auto& per_subject = impl_->ids[S(subject)];
  if (static_cast<int>(per_subject.size()) < config_.max_schemas_per_subject) {
    per_subject.emplace(key, std::pair{id, 0});
  }
  RegisteredSchema copy = schema;
  copy.id = id;
  impl_->by_id.emplace(id, std::move(copy));
  return id;
}

absl::StatusOr<SubjectVersion> SchemaRegistryClient::Lookup(std::string_view subject,
                                                            const RegisteredSchema& schema) {
  const std::string key = CacheKey(schema);
  {
    absl::MutexLock lock(&impl_->cache_mu);
    if (auto s = impl_->ids.find(S(subject)); s != impl_->ids.end()) {
      if (auto it = s->second.find(key); it != s->second.end() && it->second.second > 0) {
        SubjectVersion out{S(subject), it->second.second, schema};
        out.schema.id = it->second.first;
        return out;
      }
    }
  }
  absl::StatusOr<json> j =
      impl_->Call(config_, "POST", absl::StrCat("/subjects/", bigquery::UrlEscape(S(subject))),
                  SchemaRequest(schema).dump());
  if (!j.ok()) return j.status();
  absl::StatusOr<SubjectVersion> found = SubjectVersionFromJson(*j, subject);
  if (!found.ok()) return found.status();
  absl::MutexLock lock(&impl_->cache_mu);
  auto& per_subject = impl_->ids[S(subject)];
  if (auto it = per_subject.find(key); it != per_subject.end()) {
    it->second = {found->schema.id, found->version};
  } else if (static_cast<int>(per_subject.size()) < config_.max_schemas_per_subject) {
    per_subject.emplace(key, std::pair{found->schema.id, found->version});
  }
  return found;
}

absl::StatusOr<std::vector<std::string>> SchemaRegistryClient::Subjects() {
  absl::StatusOr<json> j = impl_->Call(config_, "GET", "/subjects", std::nullopt);
  if (!j.ok()) return j.status();
  std::vector<std::string> out;
  if (j->is_array()) {
    for (const json& s : *j) {
      if (s.is_string()) out.push_back(s.get<std::string>());
    }
  }
  return out;
}

// ---------------------------------------------------------------------------

absl::StatusOr<WireMessage> ParseWireFormat(std::string_view bytes) {
  if (!bytes.empty() && bytes[0] != kMagicByte) {
    return absl::InvalidArgumentError("Unknown magic byte!");
  }
  if (bytes.size() < kWireHeaderSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Input is ", bytes.size(),
        " bytes long; the Confluent wire format needs at least 5 (magic byte 0 and a 4-byte "
        "schema id)"));
  }
  WireMessage out;
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  out.schema_id =
      static_cast<int>((static_cast<uint32_t>(u[1]) << 24) | (static_cast<uint32_t>(u[2]) << 16) |
                       (static_cast<uint32_t>(u[3]) << 8) | static_cast<uint32_t>(u[4]));
  out.payload = bytes.substr(kWireHeaderSize);
  return out;
}

std::string WriteWireFormat(int schema_id, std::string_view payload) {
  std::string out;
  out.reserve(kWireHeaderSize + payload.size());
  const auto id = static_cast<uint32_t>(schema_id);
  out.push_back(kMagicByte);
  out.push_back(static_cast<char>(id >> 24));
  out.push_back(static_cast<char>(id >> 16));
  out.push_back(static_cast<char>(id >> 8));
  out.push_back(static_cast<char>(id));
  out.append(payload);
  return out;
}

}  // namespace ferry::schemaregistry
