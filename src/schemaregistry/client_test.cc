#include "schemaregistry/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "bigquery/test_tls.h"
#include "schemaregistry/test_registry.h"

namespace ferry::schemaregistry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TestRegistry;

constexpr char kUserAvro[] =
    R"({"type":"record","name":"User","namespace":"com.example","fields":[{"name":"id","type":"long"}]})";

std::unique_ptr<TestRegistry> StartRegistry(TestRegistry::Options options = {}) {
  absl::StatusOr<std::unique_ptr<TestRegistry>> r = TestRegistry::Start(std::move(options));
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::move(*r) : nullptr;
}

std::unique_ptr<SchemaRegistryClient> Client(std::map<std::string, std::string> props) {
  props.emplace("retries.wait.ms", "0");
  absl::StatusOr<ClientConfig> config = ParseClientConfig(props);
  EXPECT_TRUE(config.ok()) << config.status();
  if (!config.ok()) return nullptr;
  absl::StatusOr<std::unique_ptr<SchemaRegistryClient>> client =
      SchemaRegistryClient::Create(*config);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? std::move(*client) : nullptr;
}

// A URL nothing listens on: a registry started and stopped again.
std::string DeadUrl() {
  std::unique_ptr<TestRegistry> gone = StartRegistry();
  const std::string url = gone->url();
  gone->Stop();
  return url;
}

RegisteredSchema Avro(std::string text) {
  RegisteredSchema s;
  s.schema = std::move(text);
  return s;
}

TEST(SchemaRegistryClientTest, SchemaByIdIsFetchedOnceAndCachedForever) {
  auto registry = StartRegistry();
  absl::StatusOr<int> id = registry->Register("users-value", Avro(kUserAvro));
  ASSERT_TRUE(id.ok()) << id.status();
  auto client = Client({{"schema.registry.url", registry->url()}});
  absl::StatusOr<RegisteredSchema> schema = client->GetSchemaById(*id);
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_EQ(schema->id, *id);
  EXPECT_EQ(schema->schema_type, "AVRO");  // the registry omits schemaType for Avro.
  EXPECT_EQ(schema->schema, kUserAvro);
  EXPECT_TRUE(schema->references.empty());
  EXPECT_EQ(registry->requests(), 1);

  absl::StatusOr<RegisteredSchema> again = client->GetSchemaById(*id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *schema);
  EXPECT_EQ(registry->requests(), 1);  // no second HTTP request.
  EXPECT_EQ(client->requests_sent(), 1);
  EXPECT_THAT(registry->request_log(), ElementsAre(absl::StrCat("GET /schemas/ids/", *id)));
}

TEST(SchemaRegistryClientTest, TypesAndReferencesAreReadAndReferencesResolveBySubjectVersion) {
  auto registry = StartRegistry();
  RegisteredSchema dep;
  dep.schema_type = "PROTOBUF";
  dep.schema = "syntax = \"proto3\"; package dep; message Dep { string a = 1; }";
  ASSERT_TRUE(registry->Register("dep.proto", dep).ok());
  RegisteredSchema main;
  main.schema_type = "PROTOBUF";
  main.schema = "syntax = \"proto3\"; import \"dep.proto\"; message Main { dep.Dep d = 1; }";
  main.references = {{"dep.proto", "dep.proto", 1}};
  absl::StatusOr<int> id = registry->Register("t-value", main);
  ASSERT_TRUE(id.ok()) << id.status();

  auto client = Client({{"schema.registry.url", registry->url()}});
  absl::StatusOr<RegisteredSchema> got = client->GetSchemaById(*id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->schema_type, "PROTOBUF");
  EXPECT_EQ(got->schema, main.schema);
  ASSERT_EQ(got->references.size(), 1u);
  EXPECT_EQ(got->references[0], (SchemaReference{"dep.proto", "dep.proto", 1}));

  absl::StatusOr<SubjectVersion> ref = client->GetSchemaBySubjectVersion("dep.proto", 1);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->subject, "dep.proto");
  EXPECT_EQ(ref->version, 1);
  EXPECT_EQ(ref->schema.schema_type, "PROTOBUF");
  EXPECT_EQ(ref->schema.schema, dep.schema);
  EXPECT_EQ(ref->schema.id, 1);

  RegisteredSchema json_schema;
  json_schema.schema_type = "JSON";
  json_schema.schema = R"({"type":"object","title":"T"})";
  absl::StatusOr<int> json_id = client->Register("j-value", json_schema);
  ASSERT_TRUE(json_id.ok()) << json_id.status();
  absl::StatusOr<RegisteredSchema> json_got = client->GetSchemaById(*json_id);
  ASSERT_TRUE(json_got.ok());
  EXPECT_EQ(json_got->schema_type, "JSON");
}

TEST(SchemaRegistryClientTest, RegisterLookupAndLatestVersion) {
  auto registry = StartRegistry();
  auto client = Client({{"schema.registry.url", registry->url()}});
  absl::StatusOr<int> id = client->Register("users-value", Avro(kUserAvro));
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, 1);
  // The same schema gets the same id, under another subject too; the second
  // registration under a subject is answered from the cache.
  const int64_t before = registry->requests();
  EXPECT_EQ(*client->Register("users-value", Avro(kUserAvro)), 1);
  EXPECT_EQ(registry->requests(), before);
  std::string spaced = kUserAvro;
  spaced.insert(1, " ");
  EXPECT_EQ(*client->Register("other-value", Avro(spaced)), 1);

  const std::string v2 =
      R"({"type":"record","name":"User","namespace":"com.example","fields":[{"name":"id","type":"long"},{"name":"email","type":["null","string"],"default":null}]})";
  absl::StatusOr<int> id2 = client->Register("users-value", Avro(v2));
  ASSERT_TRUE(id2.ok());
  EXPECT_EQ(*id2, 2);

  absl::StatusOr<SubjectVersion> latest = client->LatestVersion("users-value");
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->schema.id, 2);
  EXPECT_EQ(latest->schema.schema, v2);

  absl::StatusOr<SubjectVersion> found = client->Lookup("users-value", Avro(kUserAvro));
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(found->schema.id, 1);
  const int64_t after_lookup = registry->requests();
  EXPECT_EQ(client->Lookup("users-value", Avro(kUserAvro))->version, 1);
  EXPECT_EQ(registry->requests(), after_lookup);

  absl::StatusOr<std::vector<std::string>> subjects = client->Subjects();
  ASSERT_TRUE(subjects.ok());
  EXPECT_THAT(*subjects, ElementsAre("other-value", "users-value"));
}

TEST(SchemaRegistryClientTest, RegistryErrorsCarryTheirCodeAndMessage) {
  auto registry = StartRegistry();
  ASSERT_TRUE(registry->Register("users-value", Avro(kUserAvro)).ok());
  auto client = Client({{"schema.registry.url", registry->url()}});

  absl::StatusOr<RegisteredSchema> missing = client->GetSchemaById(999);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(RegistryErrorCode(missing.status()), kSchemaNotFound);
  EXPECT_EQ(missing.status().message(), "Schema 999 not found; error code: 40403");

  absl::StatusOr<SubjectVersion> subject = client->LatestVersion("nope-value");
  EXPECT_EQ(subject.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(RegistryErrorCode(subject.status()), kSubjectNotFound);
  EXPECT_EQ(subject.status().message(), "Subject 'nope-value' not found.; error code: 40401");

  absl::StatusOr<SubjectVersion> version = client->GetSchemaBySubjectVersion("users-value", 7);
  EXPECT_EQ(RegistryErrorCode(version.status()), kVersionNotFound);
  EXPECT_EQ(version.status().message(), "Version 7 not found.; error code: 40402");

  absl::StatusOr<SubjectVersion> lookup = client->Lookup("users-value", Avro(R"("string")"));
  EXPECT_EQ(RegistryErrorCode(lookup.status()), kSchemaNotFound);
  EXPECT_EQ(lookup.status().message(), "Schema not found; error code: 40403");

  absl::StatusOr<int> invalid = client->Register("users-value", Avro("{not json"));
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RegistryErrorCode(invalid.status()), kInvalidSchema);
  EXPECT_EQ(RegistryErrorCode(absl::UnavailableError("x")), 0);
  // None of these are retried: one request each.
  EXPECT_EQ(registry->requests(), 5);
}

TEST(SchemaRegistryClientTest, BasicAuthFromUserInfoOrTheUrl) {
  auto registry = StartRegistry({.user_info = "ferry:s3cr=t"});
  ASSERT_TRUE(registry->Register("users-value", Avro(kUserAvro)).ok());
  {
    auto client = Client({{"schema.registry.url", registry->url()}});
    absl::StatusOr<RegisteredSchema> s = client->GetSchemaById(1);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(s.status().message(), "Unauthorized; error code: 401");
  }
  {
    auto client = Client({{"schema.registry.url", registry->url()},
                          {"basic.auth.credentials.source", "USER_INFO"},
                          {"basic.auth.user.info", "ferry:s3cr=t"}});
    EXPECT_TRUE(client->GetSchemaById(1).ok());
  }
  {
    auto client = Client({{"schema.registry.url", registry->url()},
                          {"basic.auth.credentials.source", "USER_INFO"},
                          {"schema.registry.basic.auth.user.info", "ferry:s3cr=t"}});
    EXPECT_TRUE(client->GetSchemaById(1).ok());
  }
  {
    // URL (the default): the URL's user info, percent-decoded.
    const std::string url = absl::StrCat("http://ferry:s3cr%3Dt@127.0.0.1:", registry->port(), "/");
    auto client = Client({{"schema.registry.url", url}});
    EXPECT_TRUE(client->GetSchemaById(1).ok());
  }
  {
    auto client = Client({{"schema.registry.url", registry->url()},
                          {"basic.auth.credentials.source", "USER_INFO"},
                          {"basic.auth.user.info", "ferry:wrong"}});
    absl::StatusOr<RegisteredSchema> s = client->GetSchemaById(1);
    EXPECT_EQ(s.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_THAT(s.status().message(), ::testing::Not(HasSubstr("wrong")));
  }
}

TEST(SchemaRegistryClientTest, FailsOverFromADeadUrl) {
  auto registry = StartRegistry();
  ASSERT_TRUE(registry->Register("users-value", Avro(kUserAvro)).ok());
  ASSERT_TRUE(registry->Register("users-value", Avro(R"("string")")).ok());
  const std::string dead = DeadUrl();
  auto client = Client(
      {{"schema.registry.url", absl::StrCat(dead, ",", registry->url())}, {"max.retries", "2"}});
  absl::StatusOr<RegisteredSchema> s = client->GetSchemaById(1);
  ASSERT_TRUE(s.ok()) << s.status();
  // The dead URL was tried 1 + max.retries times, then the live one once.
  EXPECT_EQ(client->requests_sent(), 4);
  EXPECT_EQ(registry->requests(), 1);
  // The next request starts at the URL that answered.
  ASSERT_TRUE(client->GetSchemaById(2).ok());
  EXPECT_EQ(client->requests_sent(), 5);
  EXPECT_EQ(registry->requests(), 2);
}

TEST(SchemaRegistryClientTest, TransientErrorsAreRetriedABoundedNumberOfTimes) {
  auto registry = StartRegistry();
  ASSERT_TRUE(registry->Register("users-value", Avro(kUserAvro)).ok());
  auto client = Client({{"schema.registry.url", registry->url()}, {"max.retries", "3"}});
  registry->FailNext(2, 503);
  absl::StatusOr<RegisteredSchema> s = client->GetSchemaById(1);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(registry->requests(), 3);

  registry->FailNext(10, 500);
  absl::StatusOr<SubjectVersion> latest = client->LatestVersion("users-value");
  EXPECT_EQ(latest.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(latest.status().message(), "Error in the backend data store; error code: 50001");
  EXPECT_EQ(RegistryErrorCode(latest.status()), 50001);
  EXPECT_EQ(registry->requests(), 3 + 4);

  registry->FailNext(1, 429);
  EXPECT_TRUE(client->LatestVersion("users-value").ok());

  auto unreachable = Client(
      {{"schema.registry.url", absl::StrCat(DeadUrl(), ",", DeadUrl())}, {"max.retries", "1"}});
  absl::StatusOr<RegisteredSchema> none = unreachable->GetSchemaById(1);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(none.status().message(), HasSubstr("could not be reached (GET /schemas/ids/1)"));
  EXPECT_EQ(unreachable->requests_sent(), 4);
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            absl::StrCat("ferry-sr-test-", ::getpid(), "-", reinterpret_cast<uintptr_t>(this));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& data) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary) << data;
    return p;
  }

 private:
  std::filesystem::path path_;
};

TEST(SchemaRegistryClientTest, HttpsWithATruststore) {
  const ferry::testing::TestCertificate cert =
      ferry::testing::MakeSelfSignedCertificate("localhost");
  auto registry = StartRegistry({.tls_cert_pem = cert.cert_pem, .tls_key_pem = cert.key_pem});
  ASSERT_TRUE(registry->Register("users-value", Avro(kUserAvro)).ok());
  TempDir dir;
  const std::string truststore = dir.Write("ca.pem", cert.cert_pem);
  {
    auto client = Client({{"schema.registry.url", registry->url()}, {"max.retries", "0"}});
    EXPECT_EQ(client->GetSchemaById(1).status().code(), absl::StatusCode::kUnavailable);
  }
  auto client = Client({{"schema.registry.url", registry->url()},
                        {"schema.registry.ssl.truststore.location", truststore},
                        {"schema.registry.ssl.truststore.type", "PEM"}});
  absl::StatusOr<RegisteredSchema> s = client->GetSchemaById(1);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->schema, kUserAvro);

  // A Java keystore is refused when the client is made, with the keytool command.
  const std::string jks = dir.Write("trust.jks", std::string("\xFE\xED\xFE\xED\0\0\0\2", 8));
  absl::StatusOr<ClientConfig> config =
      ParseClientConfig({{"schema.registry.url", registry->url()},
                         {"schema.registry.ssl.truststore.location", jks},
                         {"schema.registry.ssl.truststore.password", "changeit"}});
  ASSERT_TRUE(config.ok());
  absl::StatusOr<std::unique_ptr<SchemaRegistryClient>> refused =
      SchemaRegistryClient::Create(*config);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("keytool -importkeystore -srckeystore " + jks));
}

TEST(ClientConfigTest, DefaultsAndEveryKey) {
  absl::StatusOr<ClientConfig> c =
      ParseClientConfig({{"schema.registry.url", " http://a:8081 , http://b:8081"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->urls, ElementsAre("http://a:8081", "http://b:8081"));
  EXPECT_EQ(c->basic_auth_credentials_source, "URL");
  EXPECT_EQ(c->max_schemas_per_subject, 1000);
  EXPECT_TRUE(c->auto_register_schemas);
  EXPECT_FALSE(c->use_latest_version);
  EXPECT_EQ(c->key_subject_name_strategy, SubjectNameStrategy::kTopicName);
  EXPECT_EQ(c->value_subject_name_strategy, SubjectNameStrategy::kTopicName);
  EXPECT_EQ(c->max_retries, 3);
  EXPECT_EQ(c->truststore.type, "JKS");
  EXPECT_TRUE(c->verify_hostname);

  c = ParseClientConfig(
      {{"schema.registry.url", "https://r"},
       {"value.subject.name.strategy",
        "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"},
       {"key.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy"},
       {"max.schemas.per.subject", "5"},
       {"auto.register.schemas", "false"},
       {"use.latest.version", "true"},
       {"schema.registry.ssl.endpoint.identification.algorithm", ""}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->value_subject_name_strategy, SubjectNameStrategy::kTopicRecordName);
  EXPECT_EQ(c->key_subject_name_strategy, SubjectNameStrategy::kRecordName);
  EXPECT_EQ(c->max_schemas_per_subject, 5);
  EXPECT_FALSE(c->auto_register_schemas);
  EXPECT_TRUE(c->use_latest_version);
  EXPECT_FALSE(c->verify_hostname);
}

TEST(ClientConfigTest, ProblemsAreReportedByKey) {
  absl::StatusOr<ClientConfig> c = ParseClientConfig({});
  EXPECT_THAT(c.status().message(), HasSubstr("schema.registry.url"));
  c = ParseClientConfig({{"schema.registry.url", "mock://scope"}});
  EXPECT_THAT(c.status().message(), HasSubstr("mock:// is the Java client's in-process"));
  c = ParseClientConfig(
      {{"schema.registry.url", "http://r"}, {"basic.auth.credentials.source", "USER_INFO"}});
  EXPECT_THAT(c.status().message(),
              HasSubstr("basic.auth.user.info: UserInfo must be provided when "
                        "basic.auth.credentials.source is set to USER_INFO"));
  c = ParseClientConfig(
      {{"schema.registry.url", "http://r"}, {"basic.auth.credentials.source", "SASL_INHERIT"}});
  EXPECT_THAT(c.status().message(), HasSubstr("basic.auth.credentials.source"));
  c = ParseClientConfig(
      {{"schema.registry.url", "http://r"}, {"value.subject.name.strategy", "TopicNameStrategy"}});
  EXPECT_THAT(c.status().message(),
              HasSubstr("value.subject.name.strategy: Class TopicNameStrategy could not be found"));
}

TEST(SubjectNameTest, Strategies) {
  EXPECT_EQ(*SubjectName(SubjectNameStrategy::kTopicName, "t", false, "a.B"), "t-value");
  EXPECT_EQ(*SubjectName(SubjectNameStrategy::kTopicName, "t", true, ""), "t-key");
  EXPECT_EQ(*SubjectName(SubjectNameStrategy::kRecordName, "t", false, "a.B"), "a.B");
  EXPECT_EQ(*SubjectName(SubjectNameStrategy::kTopicRecordName, "t", true, "a.B"), "t-a.B");
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kRecordName, "t", false, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(WireFormatTest, MagicByteSchemaIdAndPayload) {
  const std::string bytes = WriteWireFormat(258, "payload");
  EXPECT_EQ(bytes, std::string("\0\0\0\x01\x02payload", 12));
  absl::StatusOr<WireMessage> m = ParseWireFormat(bytes);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->schema_id, 258);
  EXPECT_EQ(m->payload, "payload");
  m = ParseWireFormat(WriteWireFormat(0x7FFFFFFF, ""));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->schema_id, 0x7FFFFFFF);
  EXPECT_EQ(m->payload, "");

  m = ParseWireFormat("\x01\0\0\0\x01xyz");
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(), "Unknown magic byte!");
  m = ParseWireFormat("{\"json\":1}");
  EXPECT_EQ(m.status().message(), "Unknown magic byte!");
  for (size_t n = 0; n < 5; ++n) {
    m = ParseWireFormat(std::string(n, '\0'));
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << n;
    EXPECT_THAT(m.status().message(), HasSubstr("needs at least 5")) << n;
  }
}

}  // namespace
}  // namespace ferry::schemaregistry
