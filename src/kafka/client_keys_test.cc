#include "kafka/client_keys.h"

#include <librdkafka/rdkafka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace ferry::kafka {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using Props = std::map<std::string, std::string>;

constexpr ClientRole kRoles[] = {ClientRole::kConsumer, ClientRole::kProducer, ClientRole::kAdmin};

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t begin = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      std::string piece(s.substr(begin, i - begin));
      while (!piece.empty() && piece.front() == ' ') piece.erase(0, 1);
      if (!piece.empty()) out.push_back(piece);
      begin = i + 1;
    }
  }
  return out;
}

bool HasRole(std::string_view roles, ClientRole role) {
  for (const std::string& r : Split(roles, ',')) {
    if (r == ClientRoleName(role)) return true;
  }
  return false;
}

// "key=value" lines.
Props Context(std::string_view lines) {
  Props out;
  for (const std::string& line : Split(lines, '\n')) {
    const size_t eq = line.find('=');
    out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::vector<ClientKeyProblem> ProblemsFor(const ClientKeyTranslation& t, std::string_view key) {
  std::vector<ClientKeyProblem> out;
  for (const ClientKeyProblem& p : t.problems) {
    if (p.key == key) out.push_back(p);
  }
  return out;
}

bool Refused(const ClientKeyTranslation& t, std::string_view key) {
  for (const ClientKeyProblem& p : ProblemsFor(t, key)) {
    if (!p.warning) return true;
  }
  return false;
}

std::string AllMessages(const ClientKeyTranslation& t) {
  std::string out;
  for (const ClientKeyProblem& p : t.problems) out += p.key + ": " + p.message + "\n";
  return out;
}

// Whether this librdkafka was built with OIDC (libcurl).
bool OidcSupported() {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  const bool ok = rd_kafka_conf_set(conf, "sasl.oauthbearer.method", "oidc", err, sizeof(err)) ==
                  RD_KAFKA_CONF_OK;
  rd_kafka_conf_destroy(conf);
  return ok;
}

// Creates (and destroys) a client with `conf`, which makes librdkafka load
// every certificate and key it names; "" when that works, else its message.
std::string CreateClient(const Props& conf, rd_kafka_type_t type) {
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  char err[512] = "";
  for (const auto& [k, v] : conf) {
    if (rd_kafka_conf_set(c, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(c);
      return k + ": " + err;
    }
  }
  rd_kafka_t* rk = nullptr;
  {
#if defined(__SANITIZE_ADDRESS__)
    // librdkafka 2.0 leaks the key and certificate it allocates before
    // PKCS12_parse replaces them when loading ssl.keystore.location.
    __lsan::ScopedDisabler librdkafka_leaks;
#endif
    rk = rd_kafka_new(type, c, err, sizeof(err));
  }
  if (rk == nullptr) {
    rd_kafka_conf_destroy(c);
    return err;
  }
  rd_kafka_destroy(rk);
  return "";
}

// clang-format off
// Every key Java 3.9's clients define (ConfigDef of ConsumerConfig,
// ProducerConfig, AdminClientConfig, with SaslConfigs and SslConfigs added
// to each), from apache/kafka at 3.9.0.
const std::vector<std::string> kJavaConsumerKeys = {
    "allow.auto.create.topics", "auto.commit.interval.ms", "auto.include.jmx.reporter",
    "auto.offset.reset", "bootstrap.servers", "check.crcs", "client.dns.lookup", "client.id",
    "client.rack", "connections.max.idle.ms", "default.api.timeout.ms", "enable.auto.commit",
    "enable.metrics.push", "exclude.internal.topics", "fetch.max.bytes", "fetch.max.wait.ms",
    "fetch.min.bytes", "group.id", "group.instance.id", "group.protocol", "group.remote.assignor",
    "heartbeat.interval.ms", "interceptor.classes", "internal.leave.group.on.close",
    "internal.throw.on.fetch.stable.offset.unsupported", "isolation.level", "key.deserializer",
    "max.partition.fetch.bytes", "max.poll.interval.ms", "max.poll.records", "metadata.max.age.ms",
    "metadata.recovery.strategy", "metric.reporters", "metrics.num.samples",
    "metrics.recording.level", "metrics.sample.window.ms", "partition.assignment.strategy",
    "receive.buffer.bytes", "reconnect.backoff.max.ms", "reconnect.backoff.ms",
    "request.timeout.ms", "retry.backoff.max.ms", "retry.backoff.ms", "security.protocol",
    "security.providers", "send.buffer.bytes", "session.timeout.ms",
    "socket.connection.setup.timeout.max.ms", "socket.connection.setup.timeout.ms",
    "value.deserializer",
};
const std::vector<std::string> kJavaProducerKeys = {
    "acks", "auto.include.jmx.reporter", "batch.size", "bootstrap.servers", "buffer.memory",
    "client.dns.lookup", "client.id", "compression.gzip.level", "compression.lz4.level",
    "compression.type", "compression.zstd.level", "connections.max.idle.ms",
    "delivery.timeout.ms", "enable.idempotence", "enable.metrics.push", "interceptor.classes",
    "key.serializer", "linger.ms", "max.block.ms", "max.in.flight.requests.per.connection",
    "max.request.size", "metadata.max.age.ms", "metadata.max.idle.ms",
    "metadata.recovery.strategy", "metric.reporters", "metrics.num.samples",
    "metrics.recording.level", "metrics.sample.window.ms",
    "partitioner.adaptive.partitioning.enable", "partitioner.availability.timeout.ms",
    "partitioner.class", "partitioner.ignore.keys", "receive.buffer.bytes",
    "reconnect.backoff.max.ms", "reconnect.backoff.ms", "request.timeout.ms", "retries",
    "retry.backoff.max.ms", "retry.backoff.ms", "security.protocol", "security.providers",
    "send.buffer.bytes", "socket.connection.setup.timeout.max.ms",
    "socket.connection.setup.timeout.ms", "transaction.timeout.ms", "transactional.id",
    "value.serializer",
};
const std::vector<std::string> kJavaAdminKeys = {
    "auto.include.jmx.reporter", "bootstrap.controllers", "bootstrap.servers",
    "client.dns.lookup", "client.id", "connections.max.idle.ms", "default.api.timeout.ms",
    "enable.metrics.push", "metadata.max.age.ms", "metadata.recovery.strategy", "metric.reporters",
    "metrics.num.samples", "metrics.recording.level", "metrics.sample.window.ms",
    "receive.buffer.bytes", "reconnect.backoff.max.ms", "reconnect.backoff.ms",
    "request.timeout.ms", "retries", "retry.backoff.max.ms", "retry.backoff.ms",
    "security.protocol", "security.providers", "send.buffer.bytes",
    "socket.connection.setup.timeout.max.ms", "socket.connection.setup.timeout.ms",
};
const std::vector<std::string> kJavaSaslSslKeys = {
    "sasl.client.callback.handler.class", "sasl.jaas.config", "sasl.kerberos.kinit.cmd",
    "sasl.kerberos.min.time.before.relogin", "sasl.kerberos.service.name",
    "sasl.kerberos.ticket.renew.jitter", "sasl.kerberos.ticket.renew.window.factor",
    "sasl.login.callback.handler.class", "sasl.login.class", "sasl.login.connect.timeout.ms",
    "sasl.login.read.timeout.ms", "sasl.login.refresh.buffer.seconds",
    "sasl.login.refresh.min.period.seconds", "sasl.login.refresh.window.factor",
    "sasl.login.refresh.window.jitter", "sasl.login.retry.backoff.max.ms",
    "sasl.login.retry.backoff.ms", "sasl.mechanism", "sasl.oauthbearer.clock.skew.seconds",
    "sasl.oauthbearer.expected.audience", "sasl.oauthbearer.expected.issuer",
    "sasl.oauthbearer.header.urlencode", "sasl.oauthbearer.jwks.endpoint.refresh.ms",
    "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms",
    "sasl.oauthbearer.jwks.endpoint.retry.backoff.ms", "sasl.oauthbearer.jwks.endpoint.url",
    "sasl.oauthbearer.scope.claim.name", "sasl.oauthbearer.sub.claim.name",
    "sasl.oauthbearer.token.endpoint.url", "ssl.cipher.suites", "ssl.enabled.protocols",
    "ssl.endpoint.identification.algorithm", "ssl.engine.factory.class", "ssl.key.password",
    "ssl.keymanager.algorithm", "ssl.keystore.certificate.chain", "ssl.keystore.key",
    "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type", "ssl.protocol",
    "ssl.provider", "ssl.secure.random.implementation", "ssl.trustmanager.algorithm",
    "ssl.truststore.certificates", "ssl.truststore.location", "ssl.truststore.password",
    "ssl.truststore.type",
};
// clang-format on

bool TableHas(const std::string& key, ClientRole role) {
  for (const ClientKeyRow& row : ClientKeyTable()) {
    if (row.java_key == key && HasRole(row.roles, role)) return true;
  }
  return false;
}

TEST(ClientKeyTableTest, CoversEveryKeyOfJavasClients) {
  for (const std::string& k : kJavaConsumerKeys)
    EXPECT_TRUE(TableHas(k, ClientRole::kConsumer)) << k;
  for (const std::string& k : kJavaProducerKeys)
    EXPECT_TRUE(TableHas(k, ClientRole::kProducer)) << k;
  for (const std::string& k : kJavaAdminKeys) EXPECT_TRUE(TableHas(k, ClientRole::kAdmin)) << k;
  for (const std::string& k : kJavaSaslSslKeys) {
    for (ClientRole role : kRoles)
      EXPECT_TRUE(TableHas(k, role)) << k << " " << ClientRoleName(role);
  }
}

TEST(ClientKeyTableTest, RowsAreWellFormed) {
  std::map<std::pair<std::string, std::string>, int> seen;
  for (const ClientKeyRow& row : ClientKeyTable()) {
    EXPECT_THAT(
        std::vector<std::string_view>({"translated", "same name", "ignored", "refused", "ferry"}),
        ::testing::Contains(row.treatment))
        << row.java_key;
    EXPECT_FALSE(Split(row.roles, ',').empty()) << row.java_key;
    for (const std::string& role : Split(row.roles, ',')) {
      const std::pair<std::string, std::string> key(row.java_key, role);
      EXPECT_EQ(++seen[key], 1) << row.java_key << " has two rows for " << role;
    }
    if (row.treatment == "same name") {
      EXPECT_EQ(row.librdkafka, row.java_key);
    }
    if (row.treatment == "ignored" || row.treatment == "refused") {
      EXPECT_FALSE(row.note.empty()) << row.java_key << ": the note is the problem's message";
    }
  }
}

// Key by key: what TranslateClientProperties does with each row's example is
// what the row's treatment says.
TEST(ClientKeyTableTest, EveryExampleIsTreatedAsItsRowSays) {
  const bool oidc = OidcSupported();
  int checked = 0;
  for (const ClientKeyRow& row : ClientKeyTable()) {
    if (row.example.empty()) continue;
    const std::string key =
        row.java_key.ends_with(".") ? std::string(row.java_key) + "x" : std::string(row.java_key);
    for (ClientRole role : kRoles) {
      if (!HasRole(row.roles, role)) continue;
      SCOPED_TRACE(key + " as " + std::string(ClientRoleName(role)) + " (" +
                   std::string(row.treatment) + ")");
      const Props context = Context(row.example_with);
      Props props = context;
      props[key] = std::string(row.example);
      const ClientKeyTranslation base = TranslateClientProperties(context, role);
      const ClientKeyTranslation t = TranslateClientProperties(props, role);
      const std::vector<ClientKeyProblem> problems = ProblemsFor(t, key);
      ++checked;
      if (row.treatment == "ignored") {
        ASSERT_EQ(problems.size(), 1u) << AllMessages(t);
        EXPECT_TRUE(problems[0].warning);
        EXPECT_THAT(problems[0].message, HasSubstr("ignored"));
        EXPECT_EQ(t.librdkafka, base.librdkafka);
        EXPECT_EQ(t.ferry, base.ferry);
      } else if (row.treatment == "refused") {
        ASSERT_EQ(problems.size(), 1u) << AllMessages(t);
        EXPECT_FALSE(problems[0].warning);
        EXPECT_EQ(problems[0].message, row.note);
        EXPECT_EQ(t.librdkafka, base.librdkafka);
        EXPECT_EQ(t.ferry, base.ferry);
      } else if (row.treatment == "ferry") {
        EXPECT_THAT(problems, IsEmpty()) << AllMessages(t);
        EXPECT_EQ(t.ferry.count(key), 1u);
        EXPECT_EQ(t.librdkafka, base.librdkafka);
      } else {  // translated, same name
        const std::vector<std::string> targets = Split(row.librdkafka, ',');
        ASSERT_FALSE(targets.empty());
        const bool needs_oidc =
            row.example_with.find("OAuthBearerLoginCallbackHandler") != std::string_view::npos ||
            row.example.find("OAuthBearerLoginCallbackHandler") != std::string_view::npos;
        if (needs_oidc && !oidc) {
          // librdkafka built without libcurl refuses sasl.oauthbearer.method=oidc.
          ASSERT_TRUE(Refused(t, "sasl.login.callback.handler.class")) << AllMessages(t);
          EXPECT_THAT(AllMessages(t), HasSubstr("librdkafka refuses sasl.oauthbearer.method"));
          for (const std::string& target : targets) EXPECT_EQ(t.librdkafka.count(target), 0u);
        } else if (!LibrdkafkaAppliesProperty(targets[0], role)) {
          // This librdkafka lacks the property or does not use it in this role.
          ASSERT_EQ(problems.size(), 1u) << AllMessages(t);
          EXPECT_TRUE(problems[0].warning);
          EXPECT_THAT(problems[0].message, HasSubstr(rd_kafka_version_str()));
          EXPECT_EQ(t.librdkafka, base.librdkafka);
        } else {
          EXPECT_THAT(problems, IsEmpty()) << AllMessages(t);
          bool any = false;
          for (const std::string& target : targets) any = any || t.librdkafka.count(target) > 0;
          EXPECT_TRUE(any) << "none of " << row.librdkafka << " set";
          if (row.treatment == "same name") {
            EXPECT_EQ(t.librdkafka.count(key), 1u);
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 150);
}

// --- Value translations.

TEST(ClientKeysTest, TranslatesRenamedKeys) {
  ClientKeyTranslation c = TranslateClientProperties({{"fetch.max.wait.ms", "250"},
                                                      {"receive.buffer.bytes", "65536"},
                                                      {"send.buffer.bytes", "-1"},
                                                      {"metadata.max.age.ms", "60000"}},
                                                     ClientRole::kConsumer);
  EXPECT_THAT(c.problems, IsEmpty()) << AllMessages(c);
  EXPECT_EQ(c.librdkafka, (Props{{"fetch.wait.max.ms", "250"},
                                 {"socket.receive.buffer.bytes", "65536"},
                                 {"socket.send.buffer.bytes", "0"},
                                 {"topic.metadata.refresh.interval.ms", "60000"}}));

  ClientKeyTranslation p =
      TranslateClientProperties({{"max.request.size", "2097152"},
                                 {"delivery.timeout.ms", "120000"},
                                 {"max.in.flight.requests.per.connection", "5"},
                                 {"batch.size", "0"}},
                                ClientRole::kProducer);
  EXPECT_THAT(p.problems, IsEmpty()) << AllMessages(p);
  EXPECT_EQ(p.librdkafka, (Props{{"message.max.bytes", "2097152"},
                                 {"message.timeout.ms", "120000"},
                                 {"max.in.flight", "5"},
                                 {"batch.size", "1"}}));
}

TEST(ClientKeysTest, BufferMemoryBecomesKilobytesRoundedUp) {
  auto kbytes = [](const std::string& bytes) {
    ClientKeyTranslation t =
        TranslateClientProperties({{"buffer.memory", bytes}}, ClientRole::kProducer);
    EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
    return t.librdkafka["queue.buffering.max.kbytes"];
  };
  EXPECT_EQ(kbytes("33554432"), "32768");  // Java's default, 32 MiB.
  EXPECT_EQ(kbytes("1024"), "1");
  EXPECT_EQ(kbytes("1025"), "2");
  EXPECT_EQ(kbytes("1000"), "1");
  EXPECT_EQ(kbytes(" 2048 "), "2");  // Java trims values.
  EXPECT_EQ(kbytes("0"), "1");
  ClientKeyTranslation bad =
      TranslateClientProperties({{"buffer.memory", "lots"}}, ClientRole::kProducer);
  EXPECT_TRUE(Refused(bad, "buffer.memory"));
  EXPECT_EQ(bad.librdkafka.count("queue.buffering.max.kbytes"), 0u);
}

TEST(ClientKeysTest, RequestTimeoutDependsOnTheRole) {
  const Props props = {{"request.timeout.ms", "20000"}};
  ClientKeyTranslation c = TranslateClientProperties(props, ClientRole::kConsumer);
  ClientKeyTranslation a = TranslateClientProperties(props, ClientRole::kAdmin);
  ClientKeyTranslation p = TranslateClientProperties(props, ClientRole::kProducer);
  EXPECT_EQ(c.librdkafka, (Props{{"socket.timeout.ms", "20000"}}));
  EXPECT_EQ(a.librdkafka, (Props{{"socket.timeout.ms", "20000"}}));
  EXPECT_EQ(p.librdkafka, (Props{{"request.timeout.ms", "20000"}}));
  EXPECT_THAT(c.problems, IsEmpty());
  EXPECT_THAT(a.problems, IsEmpty());
  EXPECT_THAT(p.problems, IsEmpty());
}

TEST(ClientKeysTest, AKeyOfAnotherClientIsIgnored) {
  ClientKeyTranslation t = TranslateClientProperties(
      {{"linger.ms", "5"}, {"max.poll.records", "10"}}, ClientRole::kProducer);
  EXPECT_EQ(t.librdkafka, (Props{{"linger.ms", "5"}}));
  ASSERT_EQ(ProblemsFor(t, "max.poll.records").size(), 1u);
  EXPECT_TRUE(ProblemsFor(t, "max.poll.records")[0].warning);
  EXPECT_THAT(ProblemsFor(t, "max.poll.records")[0].message, HasSubstr("not a producer setting"));
  EXPECT_THAT(t.ferry, IsEmpty());
}

TEST(ClientKeysTest, FerryKeys) {
  ClientKeyTranslation t = TranslateClientProperties({{"max.poll.records", "200"},
                                                      {"default.api.timeout.ms", "5000"},
                                                      {"auto.offset.reset", "Latest"}},
                                                     ClientRole::kConsumer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.ferry, (Props{{"max.poll.records", "200"},
                            {"default.api.timeout.ms", "5000"},
                            {"auto.offset.reset", "latest"}}));
  EXPECT_THAT(t.librdkafka, IsEmpty());

  ClientKeyTranslation none =
      TranslateClientProperties({{"auto.offset.reset", "none"}}, ClientRole::kConsumer);
  EXPECT_TRUE(Refused(none, "auto.offset.reset"));
  EXPECT_THAT(none.ferry, IsEmpty());
  ClientKeyTranslation zero =
      TranslateClientProperties({{"max.poll.records", "0"}}, ClientRole::kConsumer);
  EXPECT_TRUE(Refused(zero, "max.poll.records"));
}

TEST(ClientKeysTest, KeysFerryManagesAreRefused) {
  ClientKeyTranslation t = TranslateClientProperties({{"enable.auto.commit", "true"},
                                                      {"auto.commit.interval.ms", "1000"},
                                                      {"bootstrap.servers", "b:9092"},
                                                      {"enable.auto.offset.store", "true"}},
                                                     ClientRole::kConsumer);
  for (const char* key : {"enable.auto.commit", "auto.commit.interval.ms", "bootstrap.servers",
                          "enable.auto.offset.store"}) {
    EXPECT_TRUE(Refused(t, key)) << key;
  }
  EXPECT_THAT(t.librdkafka, IsEmpty());
}

// As in Connect, consumer.group.id / consumer.override.group.id replace the
// connector's group connect-<name>.
TEST(ClientKeysTest, GroupIdReplacesTheConnectorsGroup) {
  ClientKeyTranslation t = TranslateClientProperties(
      {{"group.id", "BIGQUERY-SINK-CONNECTOR.CONSUMER-GROUP"}}, ClientRole::kConsumer);
  EXPECT_FALSE(Refused(t, "group.id"));
  EXPECT_EQ(t.librdkafka["group.id"], "BIGQUERY-SINK-CONNECTOR.CONSUMER-GROUP");
}

TEST(ClientKeysTest, JavaValuesAreChecked) {
  ClientKeyTranslation t = TranslateClientProperties(
      {{"acks", "2"}, {"compression.type", "brotli"}, {"enable.idempotence", "yes"}},
      ClientRole::kProducer);
  EXPECT_TRUE(Refused(t, "acks"));
  EXPECT_TRUE(Refused(t, "compression.type"));
  EXPECT_TRUE(Refused(t, "enable.idempotence"));
  EXPECT_THAT(ProblemsFor(t, "acks")[0].message, HasSubstr("all, -1, 0, 1"));

  ClientKeyTranslation a = TranslateClientProperties({{"acks", "ALL"}, {"compression.type", "LZ4"}},
                                                     ClientRole::kProducer);
  EXPECT_THAT(a.problems, IsEmpty()) << AllMessages(a);
  EXPECT_EQ(a.librdkafka, (Props{{"acks", "all"}, {"compression.type", "lz4"}}));
}

TEST(ClientKeysTest, ValuesLibrdkafkaRejectsAreRefusedWithItsMessage) {
  ClientKeyTranslation t = TranslateClientProperties(
      {{"fetch.min.bytes", "0"}, {"session.timeout.ms", "soon"}, {"fetch.max.wait.ms", "-5"}},
      ClientRole::kConsumer);
  ASSERT_TRUE(Refused(t, "fetch.min.bytes")) << AllMessages(t);
  EXPECT_THAT(ProblemsFor(t, "fetch.min.bytes")[0].message,
              HasSubstr("librdkafka refuses fetch.min.bytes"));
  EXPECT_TRUE(Refused(t, "session.timeout.ms"));
  ASSERT_TRUE(Refused(t, "fetch.max.wait.ms"));
  EXPECT_THAT(ProblemsFor(t, "fetch.max.wait.ms")[0].message, HasSubstr("fetch.wait.max.ms"));
  EXPECT_THAT(t.librdkafka, IsEmpty());
}

TEST(ClientKeysTest, TopicLevelKeysAreTakenOnTheGlobalConf) {
  // rd_kafka_conf_set passes properties of the default topic conf through.
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : Props{{"acks", "all"},
                                  {"request.timeout.ms", "1000"},
                                  {"compression.type", "zstd"},
                                  {"message.timeout.ms", "1000"},
                                  {"auto.offset.reset", "earliest"}}) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)), RD_KAFKA_CONF_OK)
        << k;
  }
  rd_kafka_conf_destroy(conf);
  ClientKeyTranslation t = TranslateClientProperties({{"acks", "all"},
                                                      {"request.timeout.ms", "1000"},
                                                      {"compression.type", "zstd"},
                                                      {"delivery.timeout.ms", "1000"}},
                                                     ClientRole::kProducer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka.size(), 4u);
  EXPECT_EQ(CreateClient(t.librdkafka, RD_KAFKA_PRODUCER), "");
}

TEST(ClientKeysTest, IdempotenceIsTurnedOffAsJavaDoes) {
  ClientKeyTranslation t = TranslateClientProperties({{"acks", "1"}}, ClientRole::kProducer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka, (Props{{"acks", "1"}, {"enable.idempotence", "false"}}));

  ClientKeyTranslation inflight = TranslateClientProperties(
      {{"max.in.flight.requests.per.connection", "10"}}, ClientRole::kProducer);
  EXPECT_EQ(inflight.librdkafka["enable.idempotence"], "false");

  ClientKeyTranslation both = TranslateClientProperties(
      {{"acks", "0"}, {"enable.idempotence", "true"}}, ClientRole::kProducer);
  ASSERT_TRUE(Refused(both, "enable.idempotence"));
  EXPECT_THAT(ProblemsFor(both, "enable.idempotence")[0].message, HasSubstr("acks=0"));
}

TEST(ClientKeysTest, CompressionLevelFollowsTheCodec) {
  ClientKeyTranslation t = TranslateClientProperties({{"compression.type", "gzip"},
                                                      {"compression.gzip.level", "9"},
                                                      {"compression.zstd.level", "3"}},
                                                     ClientRole::kProducer);
  EXPECT_EQ(t.librdkafka, (Props{{"compression.type", "gzip"}, {"compression.level", "9"}}));
  ASSERT_EQ(ProblemsFor(t, "compression.zstd.level").size(), 1u);
  EXPECT_TRUE(ProblemsFor(t, "compression.zstd.level")[0].warning);
}

TEST(ClientKeysTest, ClientDnsLookup) {
  for (const char* value : {"use_all_dns_ips", "default", "USE_ALL_DNS_IPS"}) {
    ClientKeyTranslation t =
        TranslateClientProperties({{"client.dns.lookup", value}}, ClientRole::kConsumer);
    if (LibrdkafkaAppliesProperty("client.dns.lookup", ClientRole::kConsumer)) {
      EXPECT_EQ(t.librdkafka["client.dns.lookup"], "use_all_dns_ips") << value;
      EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
    } else {
      EXPECT_THAT(t.librdkafka, IsEmpty());
      ASSERT_EQ(t.problems.size(), 1u) << value;
      EXPECT_TRUE(t.problems[0].warning);
    }
  }
  ClientKeyTranslation canonical = TranslateClientProperties(
      {{"client.dns.lookup", "resolve_canonical_bootstrap_servers_only"}}, ClientRole::kConsumer);
  if (LibrdkafkaAppliesProperty("client.dns.lookup", ClientRole::kConsumer)) {
    EXPECT_EQ(canonical.librdkafka["client.dns.lookup"],
              "resolve_canonical_bootstrap_servers_only");
  } else {
    // Older librdkafka cannot do it: refused, not ignored.
    EXPECT_TRUE(Refused(canonical, "client.dns.lookup")) << AllMessages(canonical);
  }
  EXPECT_TRUE(Refused(
      TranslateClientProperties({{"client.dns.lookup", "sometimes"}}, ClientRole::kConsumer),
      "client.dns.lookup"));
}

TEST(ClientKeysTest, KinitCommand) {
  ClientKeyTranslation t = TranslateClientProperties(
      {{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.kerberos.kinit.cmd", "/opt/krb/bin/kinit"}},
      ClientRole::kConsumer);
  EXPECT_THAT(t.librdkafka["sasl.kerberos.kinit.cmd"],
              HasSubstr("/opt/krb/bin/kinit -R -t \"%{sasl.kerberos.keytab}\""));
  ClientKeyTranslation native =
      TranslateClientProperties({{"security.protocol", "SASL_PLAINTEXT"},
                                 {"sasl.kerberos.kinit.cmd", "kinit -k -t /k.keytab me@R"}},
                                ClientRole::kConsumer);
  EXPECT_EQ(native.librdkafka["sasl.kerberos.kinit.cmd"], "kinit -k -t /k.keytab me@R");
}

TEST(ClientKeysTest, CipherSuitesBecomeOpenSslNames) {
  ClientKeyTranslation t = TranslateClientProperties(
      {{"security.protocol", "SSL"},
       {"ssl.cipher.suites",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, SSL_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}},
      ClientRole::kConsumer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka["ssl.cipher.suites"],
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384");

  ClientKeyTranslation openssl = TranslateClientProperties(
      {{"security.protocol", "SSL"}, {"ssl.cipher.suites", "ECDHE-RSA-AES128-GCM-SHA256"}},
      ClientRole::kConsumer);
  EXPECT_EQ(openssl.librdkafka["ssl.cipher.suites"], "ECDHE-RSA-AES128-GCM-SHA256");

  ClientKeyTranslation tls13 = TranslateClientProperties(
      {{"security.protocol", "SSL"}, {"ssl.cipher.suites", "TLS_AES_128_GCM_SHA256"}},
      ClientRole::kConsumer);
  EXPECT_EQ(tls13.librdkafka.count("ssl.cipher.suites"), 0u);
  ASSERT_EQ(tls13.problems.size(), 1u);
  EXPECT_TRUE(tls13.problems[0].warning);

  ClientKeyTranslation unknown = TranslateClientProperties(
      {{"security.protocol", "SSL"}, {"ssl.cipher.suites", "TLS_MADE_UP_WITH_ROT13"}},
      ClientRole::kConsumer);
  EXPECT_TRUE(Refused(unknown, "ssl.cipher.suites"));
  ClientKeyTranslation unknown_openssl = TranslateClientProperties(
      {{"security.protocol", "SSL"}, {"ssl.cipher.suites", "MADE-UP-CIPHER"}},
      ClientRole::kConsumer);
  EXPECT_TRUE(Refused(unknown_openssl, "ssl.cipher.suites"));
}

TEST(ClientKeysTest, EndpointIdentification) {
  auto translate = [](const std::string& v) {
    return TranslateClientProperties(
               {{"security.protocol", "SSL"}, {"ssl.endpoint.identification.algorithm", v}},
               ClientRole::kConsumer)
        .librdkafka["ssl.endpoint.identification.algorithm"];
  };
  EXPECT_EQ(translate("https"), "https");
  EXPECT_EQ(translate("HTTPS"), "https");
  EXPECT_EQ(translate(""), "none");
}

TEST(ClientKeysTest, SslAndSaslKeysNeedTheirProtocol) {
  ClientKeyTranslation t = TranslateClientProperties(
      {{"ssl.truststore.location", "/nonexistent/truststore.p12"}, {"sasl.mechanism", "PLAIN"}},
      ClientRole::kConsumer);
  EXPECT_THAT(t.librdkafka, IsEmpty());
  ASSERT_EQ(t.problems.size(), 2u) << AllMessages(t);
  for (const ClientKeyProblem& p : t.problems) {
    EXPECT_TRUE(p.warning);
    EXPECT_THAT(p.message, HasSubstr("security.protocol is PLAINTEXT"));
  }
}

// --- Assignors.

std::string Strategy(const std::string& value, ClientKeyTranslation* out = nullptr) {
  ClientKeyTranslation t =
      TranslateClientProperties({{"partition.assignment.strategy", value}}, ClientRole::kConsumer);
  if (out != nullptr) *out = t;
  auto it = t.librdkafka.find("partition.assignment.strategy");
  return it == t.librdkafka.end() ? "" : it->second;
}

TEST(ClientKeysTest, AssignorClassNames) {
  ClientKeyTranslation t;
  EXPECT_EQ(Strategy("org.apache.kafka.clients.consumer.RangeAssignor", &t), "range");
  EXPECT_THAT(t.problems, IsEmpty());
  EXPECT_EQ(Strategy("org.apache.kafka.clients.consumer.RoundRobinAssignor"), "roundrobin");
  EXPECT_EQ(Strategy("org.apache.kafka.clients.consumer.CooperativeStickyAssignor"),
            "cooperative-sticky");
  EXPECT_EQ(Strategy("cooperative-sticky"), "cooperative-sticky");
  EXPECT_EQ(Strategy("RangeAssignor"), "range");
  EXPECT_EQ(Strategy("org.apache.kafka.clients.consumer.RoundRobinAssignor,"
                     "org.apache.kafka.clients.consumer.RangeAssignor"),
            "roundrobin,range");
}

TEST(ClientKeysTest, MixedAssignorListTakesTheFirst) {
  ClientKeyTranslation t;
  // Java 3.x's default.
  EXPECT_EQ(Strategy("org.apache.kafka.clients.consumer.RangeAssignor, "
                     "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
                     &t),
            "range");
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(Strategy("org.apache.kafka.clients.consumer.CooperativeStickyAssignor, "
                     "org.apache.kafka.clients.consumer.RangeAssignor",
                     &t),
            "cooperative-sticky");
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
}

TEST(ClientKeysTest, StickyAndCustomAssignorsAreRefused) {
  ClientKeyTranslation t;
  EXPECT_EQ(Strategy("org.apache.kafka.clients.consumer.StickyAssignor", &t), "");
  ASSERT_TRUE(Refused(t, "partition.assignment.strategy"));
  EXPECT_THAT(t.problems[0].message, HasSubstr("CooperativeStickyAssignor"));

  EXPECT_EQ(Strategy("com.example.MyAssignor", &t), "");
  ASSERT_TRUE(Refused(t, "partition.assignment.strategy"));
  EXPECT_THAT(t.problems[0].message, HasSubstr("com.example.MyAssignor"));

  // Later in the list they are dropped with a warning.
  EXPECT_EQ(Strategy("org.apache.kafka.clients.consumer.RangeAssignor, com.example.MyAssignor", &t),
            "range");
  ASSERT_EQ(t.problems.size(), 1u);
  EXPECT_TRUE(t.problems[0].warning);
}

// --- Unknown keys and librdkafka's own names.

TEST(ClientKeysTest, UnknownKeySuggestsTheJavaKey) {
  ClientKeyTranslation t =
      TranslateClientProperties({{"fetch.max.wait", "500"}}, ClientRole::kConsumer);
  ASSERT_TRUE(Refused(t, "fetch.max.wait"));
  EXPECT_THAT(t.problems[0].message, HasSubstr("did you mean fetch.max.wait.ms?"));

  ClientKeyTranslation typo =
      TranslateClientProperties({{"sesion.timeout.ms", "500"}}, ClientRole::kConsumer);
  ASSERT_TRUE(Refused(typo, "sesion.timeout.ms"));
  EXPECT_THAT(typo.problems[0].message, HasSubstr("did you mean session.timeout.ms?"));

  ClientKeyTranslation nothing =
      TranslateClientProperties({{"completely.unrelated.thing", "1"}}, ClientRole::kConsumer);
  ASSERT_TRUE(Refused(nothing, "completely.unrelated.thing"));
  EXPECT_THAT(nothing.problems[0].message, Not(HasSubstr("did you mean")));
  EXPECT_THAT(nothing.librdkafka, IsEmpty());
}

TEST(ClientKeysTest, LibrdkafkaNamesPassThrough) {
  ClientKeyTranslation t = TranslateClientProperties(
      {{"queued.min.messages", "1000"}, {"fetch.wait.max.ms", "100"}, {"debug", "broker"}},
      ClientRole::kConsumer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(
      t.librdkafka,
      (Props{{"queued.min.messages", "1000"}, {"fetch.wait.max.ms", "100"}, {"debug", "broker"}}));
  ClientKeyTranslation bad =
      TranslateClientProperties({{"queued.min.messages", "many"}}, ClientRole::kConsumer);
  EXPECT_TRUE(Refused(bad, "queued.min.messages"));
  // A consumer property on a producer does nothing there.
  ClientKeyTranslation wrong =
      TranslateClientProperties({{"queued.min.messages", "1000"}}, ClientRole::kProducer);
  EXPECT_THAT(wrong.librdkafka, IsEmpty());
  ASSERT_EQ(wrong.problems.size(), 1u);
  EXPECT_TRUE(wrong.problems[0].warning);
}

TEST(ClientKeysTest, TheNativeNameWinsOverTheJavaKey) {
  ClientKeyTranslation t = TranslateClientProperties(
      {{"fetch.max.wait.ms", "500"}, {"fetch.wait.max.ms", "100"}}, ClientRole::kConsumer);
  EXPECT_EQ(t.librdkafka, (Props{{"fetch.wait.max.ms", "100"}}));
  ASSERT_EQ(t.problems.size(), 1u);
  EXPECT_EQ(t.problems[0].key, "fetch.max.wait.ms");
  EXPECT_TRUE(t.problems[0].warning);
  EXPECT_THAT(t.problems[0].message, HasSubstr("fetch.wait.max.ms"));

  // Aliases count: linger.ms is librdkafka's alias of queue.buffering.max.ms.
  ClientKeyTranslation alias = TranslateClientProperties(
      {{"linger.ms", "50"}, {"queue.buffering.max.ms", "10"}}, ClientRole::kProducer);
  EXPECT_EQ(alias.librdkafka, (Props{{"queue.buffering.max.ms", "10"}}));
  ASSERT_EQ(alias.problems.size(), 1u);
  EXPECT_EQ(alias.problems[0].key, "linger.ms");
}

// --- JAAS.

Props Sasl(const std::string& mechanism, const std::string& jaas) {
  return {
      {"security.protocol", "SASL_SSL"}, {"sasl.mechanism", mechanism}, {"sasl.jaas.config", jaas}};
}

TEST(ClientKeysJaasTest, Plain) {
  ClientKeyTranslation t = TranslateClientProperties(
      Sasl("PLAIN",
           "org.apache.kafka.common.security.plain.PlainLoginModule required "
           "username=\"alice\" password=\"alice-secret\";"),
      ClientRole::kConsumer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka, (Props{{"security.protocol", "sasl_ssl"},
                                 {"sasl.mechanisms", "PLAIN"},
                                 {"sasl.username", "alice"},
                                 {"sasl.password", "alice-secret"}}));
}

TEST(ClientKeysJaasTest, Scram) {
  ClientKeyTranslation t = TranslateClientProperties(
      Sasl("SCRAM-SHA-512",
           "org.apache.kafka.common.security.scram.ScramLoginModule required\n"
           "  username=bob   // unquoted values are words\n"
           "  password='b0b-s3cret' /* single quotes too */ ;"),
      ClientRole::kProducer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka["sasl.mechanisms"], "SCRAM-SHA-512");
  EXPECT_EQ(t.librdkafka["sasl.username"], "bob");
  EXPECT_EQ(t.librdkafka["sasl.password"], "b0b-s3cret");
}

TEST(ClientKeysJaasTest, QuotedValuesWithEscapes) {
  ClientKeyTranslation t = TranslateClientProperties(
      Sasl("PLAIN",
           "org.apache.kafka.common.security.plain.PlainLoginModule required "
           "username=\"al\\\"ice\" password=\"p\\\\w;d=\\101\";"),
      ClientRole::kConsumer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka["sasl.username"], "al\"ice");
  EXPECT_EQ(t.librdkafka["sasl.password"], "p\\w;d=A");
}

TEST(ClientKeysJaasTest, MissingPasswordIsRefusedWithoutEchoingSecrets) {
  ClientKeyTranslation t = TranslateClientProperties(
      Sasl("PLAIN",
           "org.apache.kafka.common.security.plain.PlainLoginModule required "
           "username=\"alice\" passwrd=\"alice-secret\";"),
      ClientRole::kConsumer);
  ASSERT_TRUE(Refused(t, "sasl.jaas.config")) << AllMessages(t);
  const std::string message = ProblemsFor(t, "sasl.jaas.config")[0].message;
  EXPECT_THAT(message, HasSubstr("password"));
  EXPECT_THAT(message, Not(HasSubstr("alice-secret")));
  EXPECT_THAT(message, Not(HasSubstr("alice")));
  EXPECT_EQ(t.librdkafka.count("sasl.username"), 0u);
  EXPECT_EQ(t.librdkafka.count("sasl.password"), 0u);
}

TEST(ClientKeysJaasTest, UnparseableLinesAreRefusedWithoutEchoingSecrets) {
  const std::string module = "org.apache.kafka.common.security.plain.PlainLoginModule";
  for (const std::string& jaas : {
           module + " required username=\"alice\" password=\"hunter2-secret",    // unclosed quote
           module + " required username=\"alice\" password=\"hunter2-secret\"",  // no ';'
           module + " required username=alice password=hunter2@secret;",         // unquoted '@'
           module + " required username=alice password=hunter2 secret;",         // unquoted space
           module + " username=\"alice\" password=\"hunter2-secret\";",          // no control flag
           module + " required username=\"a\" password=\"hunter2-secret\"; " + module +
               " required username=\"b\" password=\"hunter2-secret\";",  // two modules
           std::string("hunter2-secret"),
       }) {
    SCOPED_TRACE(jaas);
    ClientKeyTranslation t = TranslateClientProperties(Sasl("PLAIN", jaas), ClientRole::kConsumer);
    ASSERT_TRUE(Refused(t, "sasl.jaas.config")) << AllMessages(t);
    EXPECT_THAT(AllMessages(t), HasSubstr("sasl.jaas.config"));
    EXPECT_THAT(AllMessages(t), Not(HasSubstr("hunter2")));
    EXPECT_THAT(AllMessages(t), Not(HasSubstr("secret;")));
    EXPECT_EQ(t.librdkafka.count("sasl.password"), 0u);
  }
}

TEST(ClientKeysJaasTest, ModuleMustMatchTheMechanism) {
  const std::string plain =
      "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
      "password=\"p\";";
  ClientKeyTranslation t =
      TranslateClientProperties(Sasl("SCRAM-SHA-256", plain), ClientRole::kConsumer);
  ASSERT_TRUE(Refused(t, "sasl.jaas.config"));
  EXPECT_THAT(ProblemsFor(t, "sasl.jaas.config")[0].message, HasSubstr("sasl.mechanism=PLAIN"));

  // Java's default mechanism is GSSAPI.
  ClientKeyTranslation unset = TranslateClientProperties(
      {{"security.protocol", "SASL_SSL"}, {"sasl.jaas.config", plain}}, ClientRole::kConsumer);
  ASSERT_TRUE(Refused(unset, "sasl.jaas.config"));
  EXPECT_THAT(ProblemsFor(unset, "sasl.jaas.config")[0].message, HasSubstr("Java's default"));

  ClientKeyTranslation other = TranslateClientProperties(
      Sasl("PLAIN", "com.example.FancyLoginModule required user=\"u\";"), ClientRole::kConsumer);
  ASSERT_TRUE(Refused(other, "sasl.jaas.config"));
  EXPECT_THAT(ProblemsFor(other, "sasl.jaas.config")[0].message,
              HasSubstr("com.example.FancyLoginModule"));
}

TEST(ClientKeysJaasTest, Kerberos) {
  Props props = Sasl("GSSAPI",
                     "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true "
                     "storeKey=true keyTab=\"/etc/security/ferry.keytab\" "
                     "principal=\"ferry@EXAMPLE.COM\" serviceName=\"kafka\";");
  ClientKeyTranslation t = TranslateClientProperties(props, ClientRole::kConsumer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka["sasl.kerberos.keytab"], "/etc/security/ferry.keytab");
  EXPECT_EQ(t.librdkafka["sasl.kerberos.principal"], "ferry@EXAMPLE.COM");
  EXPECT_EQ(t.librdkafka["sasl.kerberos.service.name"], "kafka");

  props["sasl.kerberos.service.name"] = "brokers";  // The key wins over the JAAS option.
  EXPECT_EQ(TranslateClientProperties(props, ClientRole::kConsumer)
                .librdkafka["sasl.kerberos.service.name"],
            "brokers");

  ClientKeyTranslation cache = TranslateClientProperties(
      Sasl("GSSAPI", "com.sun.security.auth.module.Krb5LoginModule required useTicketCache=true;"),
      ClientRole::kConsumer);
  ASSERT_TRUE(Refused(cache, "sasl.jaas.config"));
  EXPECT_THAT(ProblemsFor(cache, "sasl.jaas.config")[0].message, HasSubstr("useKeyTab=true"));
}

TEST(ClientKeysJaasTest, UnsecuredOAuthBearer) {
  ClientKeyTranslation t = TranslateClientProperties(
      Sasl("OAUTHBEARER",
           "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
           "unsecuredLoginStringClaim_sub=\"alice\" unsecuredLoginListClaim_scope=\"|a|b\" "
           "unsecuredLoginLifetimeSeconds=\"600\" unsecuredLoginExtension_org=\"sales\";"),
      ClientRole::kConsumer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka["sasl.oauthbearer.config"],
            "principalClaimName=sub principal=alice scope=a,b lifeSeconds=600 extension_org=sales");
  EXPECT_EQ(t.librdkafka["enable.sasl.oauthbearer.unsecure.jwt"], "true");
}

TEST(ClientKeysJaasTest, OidcLoginCallbackHandler) {
  Props props = Sasl("OAUTHBEARER",
                     "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule "
                     "required clientId=\"ferry\" clientSecret=\"oidc-secret\" scope=\"kafka\" "
                     "extension_logicalCluster=\"lkc-1\";");
  props["sasl.login.callback.handler.class"] =
      "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler";
  props["sasl.oauthbearer.token.endpoint.url"] = "https://idp.example/oauth2/token";
  ClientKeyTranslation t = TranslateClientProperties(props, ClientRole::kConsumer);
  EXPECT_THAT(AllMessages(t), Not(HasSubstr("oidc-secret")));
  if (!OidcSupported()) {
    // This librdkafka was built without libcurl.
    ASSERT_TRUE(Refused(t, "sasl.login.callback.handler.class")) << AllMessages(t);
    EXPECT_THAT(ProblemsFor(t, "sasl.login.callback.handler.class")[0].message,
                HasSubstr("sasl.oauthbearer.method"));
    return;
  }
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka["sasl.oauthbearer.method"], "oidc");
  EXPECT_EQ(t.librdkafka["sasl.oauthbearer.client.id"], "ferry");
  EXPECT_EQ(t.librdkafka["sasl.oauthbearer.client.secret"], "oidc-secret");
  EXPECT_EQ(t.librdkafka["sasl.oauthbearer.scope"], "kafka");
  EXPECT_EQ(t.librdkafka["sasl.oauthbearer.extensions"], "logicalCluster=lkc-1");
  EXPECT_EQ(t.librdkafka["sasl.oauthbearer.token.endpoint.url"],
            "https://idp.example/oauth2/token");
}

TEST(ClientKeysJaasTest, OtherCallbackHandlersAreRefused) {
  Props props = Sasl("OAUTHBEARER",
                     "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule "
                     "required unsecuredLoginStringClaim_sub=\"alice\";");
  props["sasl.login.callback.handler.class"] = "com.example.TokenHandler";
  ClientKeyTranslation t = TranslateClientProperties(props, ClientRole::kConsumer);
  EXPECT_TRUE(Refused(t, "sasl.login.callback.handler.class"));
  props["sasl.login.callback.handler.class"] = "";
  props.erase("sasl.login.callback.handler.class");
  props["sasl.oauthbearer.token.endpoint.url"] = "https://idp.example/token";
  ClientKeyTranslation url = TranslateClientProperties(props, ClientRole::kConsumer);
  ASSERT_EQ(ProblemsFor(url, "sasl.oauthbearer.token.endpoint.url").size(), 1u);
  EXPECT_TRUE(ProblemsFor(url, "sasl.oauthbearer.token.endpoint.url")[0].warning);
  EXPECT_EQ(url.librdkafka.count("sasl.oauthbearer.token.endpoint.url"), 0u);
}

TEST(ClientKeysJaasTest, NativeSaslNamesWin) {
  Props props = Sasl("PLAIN",
                     "org.apache.kafka.common.security.plain.PlainLoginModule required "
                     "username=\"alice\" password=\"alice-secret\";");
  props["sasl.username"] = "carol";
  ClientKeyTranslation t = TranslateClientProperties(props, ClientRole::kConsumer);
  EXPECT_EQ(t.librdkafka["sasl.username"], "carol");
  EXPECT_EQ(t.librdkafka["sasl.password"], "alice-secret");
  ASSERT_EQ(ProblemsFor(t, "sasl.jaas.config").size(), 1u);
  EXPECT_TRUE(ProblemsFor(t, "sasl.jaas.config")[0].warning);
}

// --- Keystores and truststores, made with OpenSSL in a temporary directory.

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

class ClientKeysSslTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "ferry-client-keys-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    key_.reset(EVP_EC_gen("P-256"));
    ASSERT_NE(key_, nullptr);
    cert_.reset(X509_new());
    X509* x = cert_.get();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key_.get());
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("ferry-test"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    ASSERT_GT(X509_sign(x, key_.get(), EVP_sha256()), 0);
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::string Write(const std::string& name, const std::string& data) const {
    std::ofstream(Path(name), std::ios::binary) << data;
    return Path(name);
  }

  std::string CertPem() const {
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), cert_.get());
    return Drain(bio.get());
  }

  // PKCS#8, encrypted with `password` when given.
  std::string KeyPem(const char* password = nullptr) const {
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    if (password == nullptr) {
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr);
    } else {
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                    const_cast<char*>(password));
    }
    return Drain(bio.get());
  }

  // A PKCS12 file: with the key and its certificate (a keystore), or the
  // certificate alone (a truststore).
  std::string Pkcs12(const std::string& name, const char* password, bool with_key) const {
    PKCS12* p12 = nullptr;
    if (with_key) {
      p12 = PKCS12_create(password, "ferry", key_.get(), cert_.get(), nullptr, 0, 0, 0, 0, 0);
    } else {
      STACK_OF(X509)* ca = sk_X509_new_null();
      sk_X509_push(ca, cert_.get());
      p12 = PKCS12_create(password, nullptr, nullptr, nullptr, ca, 0, 0, 0, 0, 0);
      sk_X509_free(ca);
    }
    EXPECT_NE(p12, nullptr);
    std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
    i2d_PKCS12_bio(bio.get(), p12);
    PKCS12_free(p12);
    return Write(name, Drain(bio.get()));
  }

  static std::string Drain(BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<size_t>(n));
  }

  std::filesystem::path dir_;
  std::unique_ptr<EVP_PKEY, PkeyFree> key_;
  std::unique_ptr<X509, X509Free> cert_;
};

TEST_F(ClientKeysSslTest, JksIsRefusedNamingKeytool) {
  const std::string jks = Write("truststore.jks", std::string("\xFE\xED\xFE\xED\0\0\0\2", 8));
  ClientKeyTranslation t = TranslateClientProperties({{"security.protocol", "SSL"},
                                                      {"ssl.truststore.location", jks},
                                                      {"ssl.truststore.password", "changeit"}},
                                                     ClientRole::kConsumer);
  ASSERT_TRUE(Refused(t, "ssl.truststore.location")) << AllMessages(t);
  const std::string message = ProblemsFor(t, "ssl.truststore.location")[0].message;
  EXPECT_THAT(message,
              HasSubstr("keytool -importkeystore -srckeystore " + jks +
                        " -srcstoretype JKS -destkeystore " + jks + ".p12 -deststoretype PKCS12"));
  EXPECT_THAT(t.librdkafka, ::testing::ElementsAre(::testing::Pair("security.protocol", "ssl")));

  ClientKeyTranslation k = TranslateClientProperties(
      {{"security.protocol", "SSL"}, {"ssl.keystore.location", jks}, {"ssl.keystore.type", "JKS"}},
      ClientRole::kProducer);
  ASSERT_TRUE(Refused(k, "ssl.keystore.location"));
  EXPECT_THAT(ProblemsFor(k, "ssl.keystore.location")[0].message, HasSubstr("keytool"));
}

TEST_F(ClientKeysSslTest, Pkcs12TruststoreBecomesCaPem) {
  const std::string p12 = Pkcs12("truststore.p12", "trust-pw", /*with_key=*/false);
  ClientKeyTranslation t = TranslateClientProperties({{"security.protocol", "SSL"},
                                                      {"ssl.truststore.type", "PKCS12"},
                                                      {"ssl.truststore.location", p12},
                                                      {"ssl.truststore.password", "trust-pw"}},
                                                     ClientRole::kConsumer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_THAT(t.librdkafka["ssl.ca.pem"], HasSubstr("-----BEGIN CERTIFICATE-----"));
  EXPECT_EQ(t.librdkafka["ssl.ca.pem"], CertPem());
  EXPECT_EQ(CreateClient(t.librdkafka, RD_KAFKA_CONSUMER), "");

  // Java's default type (JKS) loads a PKCS12 file too.
  ClientKeyTranslation untyped =
      TranslateClientProperties({{"security.protocol", "SSL"},
                                 {"ssl.truststore.location", p12},
                                 {"ssl.truststore.password", "trust-pw"}},
                                ClientRole::kConsumer);
  EXPECT_THAT(untyped.problems, IsEmpty()) << AllMessages(untyped);
  EXPECT_EQ(untyped.librdkafka["ssl.ca.pem"], CertPem());
}

TEST_F(ClientKeysSslTest, TruststoreThatCannotBeOpenedIsRefused) {
  const std::string p12 = Pkcs12("truststore.p12", "trust-pw", /*with_key=*/false);
  ClientKeyTranslation wrong = TranslateClientProperties({{"security.protocol", "SSL"},
                                                          {"ssl.truststore.type", "PKCS12"},
                                                          {"ssl.truststore.location", p12},
                                                          {"ssl.truststore.password", "not-it"}},
                                                         ClientRole::kConsumer);
  ASSERT_TRUE(Refused(wrong, "ssl.truststore.location")) << AllMessages(wrong);
  EXPECT_THAT(wrong.problems[0].message, HasSubstr(p12));
  EXPECT_THAT(wrong.problems[0].message, HasSubstr("ssl.truststore.password"));
  EXPECT_THAT(AllMessages(wrong), Not(HasSubstr("not-it")));
  EXPECT_EQ(wrong.librdkafka.count("ssl.ca.pem"), 0u);

  const std::string missing = Path("missing.p12");
  ClientKeyTranslation gone = TranslateClientProperties({{"security.protocol", "SSL"},
                                                         {"ssl.truststore.type", "PKCS12"},
                                                         {"ssl.truststore.location", missing}},
                                                        ClientRole::kConsumer);
  ASSERT_TRUE(Refused(gone, "ssl.truststore.location"));
  EXPECT_THAT(gone.problems[0].message, HasSubstr(missing));
}

TEST_F(ClientKeysSslTest, PemTruststore) {
  const std::string pem = Write("ca.pem", CertPem());
  ClientKeyTranslation t = TranslateClientProperties({{"security.protocol", "SSL"},
                                                      {"ssl.truststore.type", "PEM"},
                                                      {"ssl.truststore.location", pem}},
                                                     ClientRole::kConsumer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka["ssl.ca.location"], pem);

  // Inline, on one line as a continued .properties value leaves it.
  std::string one_line = CertPem();
  for (char& c : one_line) {
    if (c == '\n') c = ' ';
  }
  ClientKeyTranslation inline_pem =
      TranslateClientProperties({{"security.protocol", "SSL"},
                                 {"ssl.truststore.type", "PEM"},
                                 {"ssl.truststore.certificates", one_line}},
                                ClientRole::kConsumer);
  EXPECT_THAT(inline_pem.problems, IsEmpty()) << AllMessages(inline_pem);
  EXPECT_EQ(inline_pem.librdkafka["ssl.ca.pem"], CertPem());
  EXPECT_EQ(CreateClient(inline_pem.librdkafka, RD_KAFKA_CONSUMER), "");

  ClientKeyTranslation not_pem = TranslateClientProperties(
      {{"security.protocol", "SSL"}, {"ssl.truststore.certificates", one_line}},
      ClientRole::kConsumer);
  EXPECT_TRUE(Refused(not_pem, "ssl.truststore.certificates"));
}

TEST_F(ClientKeysSslTest, PemKeystoreFileIsBothCertificateAndKey) {
  const std::string file = Write("client.pem", KeyPem("key-pw") + CertPem());
  ClientKeyTranslation t = TranslateClientProperties({{"security.protocol", "SSL"},
                                                      {"ssl.keystore.type", "PEM"},
                                                      {"ssl.keystore.location", file},
                                                      {"ssl.key.password", "key-pw"}},
                                                     ClientRole::kProducer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka["ssl.certificate.location"], file);
  EXPECT_EQ(t.librdkafka["ssl.key.location"], file);
  EXPECT_EQ(t.librdkafka["ssl.key.password"], "key-pw");
  // librdkafka loads both from the one file.
  EXPECT_EQ(CreateClient(t.librdkafka, RD_KAFKA_PRODUCER), "");

  ClientKeyTranslation wrong = TranslateClientProperties({{"security.protocol", "SSL"},
                                                          {"ssl.keystore.type", "PEM"},
                                                          {"ssl.keystore.location", file},
                                                          {"ssl.key.password", "nope"}},
                                                         ClientRole::kProducer);
  EXPECT_TRUE(Refused(wrong, "ssl.keystore.location")) << AllMessages(wrong);
}

TEST_F(ClientKeysSslTest, InlinePemKeystore) {
  ClientKeyTranslation t =
      TranslateClientProperties({{"security.protocol", "SSL"},
                                 {"ssl.keystore.type", "PEM"},
                                 {"ssl.keystore.key", KeyPem()},
                                 {"ssl.keystore.certificate.chain", CertPem()}},
                                ClientRole::kConsumer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka["ssl.certificate.pem"], CertPem());
  EXPECT_EQ(t.librdkafka["ssl.key.pem"], KeyPem());
  EXPECT_EQ(CreateClient(t.librdkafka, RD_KAFKA_CONSUMER), "");

  ClientKeyTranslation half = TranslateClientProperties(
      {{"security.protocol", "SSL"}, {"ssl.keystore.type", "PEM"}, {"ssl.keystore.key", KeyPem()}},
      ClientRole::kConsumer);
  EXPECT_TRUE(Refused(half, "ssl.keystore.key"));
}

TEST_F(ClientKeysSslTest, Pkcs12Keystore) {
  const std::string p12 = Pkcs12("client.p12", "store-pw", /*with_key=*/true);
  ClientKeyTranslation t = TranslateClientProperties({{"security.protocol", "SSL"},
                                                      {"ssl.keystore.type", "PKCS12"},
                                                      {"ssl.keystore.location", p12},
                                                      {"ssl.keystore.password", "store-pw"},
                                                      {"ssl.key.password", "store-pw"}},
                                                     ClientRole::kConsumer);
  EXPECT_THAT(t.problems, IsEmpty()) << AllMessages(t);
  EXPECT_EQ(t.librdkafka, (Props{{"security.protocol", "ssl"},
                                 {"ssl.keystore.location", p12},
                                 {"ssl.keystore.password", "store-pw"}}));
  EXPECT_EQ(CreateClient(t.librdkafka, RD_KAFKA_CONSUMER), "");

  ClientKeyTranslation wrong = TranslateClientProperties({{"security.protocol", "SSL"},
                                                          {"ssl.keystore.type", "PKCS12"},
                                                          {"ssl.keystore.location", p12},
                                                          {"ssl.keystore.password", "nope"}},
                                                         ClientRole::kConsumer);
  ASSERT_TRUE(Refused(wrong, "ssl.keystore.location"));
  EXPECT_THAT(wrong.problems[0].message, HasSubstr(p12));

  // A truststore-like file has no key to authenticate with.
  const std::string certs_only = Pkcs12("certs.p12", "store-pw", /*with_key=*/false);
  ClientKeyTranslation no_key = TranslateClientProperties({{"security.protocol", "SSL"},
                                                           {"ssl.keystore.location", certs_only},
                                                           {"ssl.keystore.password", "store-pw"}},
                                                          ClientRole::kConsumer);
  EXPECT_TRUE(Refused(no_key, "ssl.keystore.location"));
}

TEST_F(ClientKeysSslTest, SecretsStayOutOfMessages) {
  const std::string p12 = Pkcs12("client.p12", "store-pw", /*with_key=*/true);
  ClientKeyTranslation t = TranslateClientProperties(
      {{"security.protocol", "SASL_SSL"},
       {"sasl.mechanism", "SCRAM-SHA-256"},
       {"sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        "username=\"u\" password=\"very-secret-1\""},
       {"ssl.keystore.location", p12},
       {"ssl.keystore.password", "very-secret-2"},
       {"ssl.truststore.location", p12},
       {"ssl.truststore.password", "very-secret-3"}},
      ClientRole::kConsumer);
  EXPECT_GE(t.problems.size(), 2u) << AllMessages(t);
  EXPECT_THAT(AllMessages(t), Not(HasSubstr("very-secret")));
}

// The stores of OpenSSL clients besides librdkafka (the Schema Registry's HTTPS).
TEST_F(ClientKeysSslTest, StoresReadForOtherOpenSslClients) {
  const std::string p12 = Pkcs12("trust.p12", "changeit", /*with_key=*/false);
  absl::StatusOr<std::string> pem =
      ReadTruststoreAsPem(p12, "PKCS12", "changeit", "schema.registry.ssl.truststore");
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_EQ(*pem, CertPem());
  const std::string pem_file = Write("trust.pem", CertPem());
  pem = ReadTruststoreAsPem(pem_file, "PEM", std::nullopt, "schema.registry.ssl.truststore");
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_EQ(*pem, CertPem());

  pem = ReadTruststoreAsPem(p12, "PKCS12", "wrong", "schema.registry.ssl.truststore");
  EXPECT_EQ(pem.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(pem.status().message(),
              HasSubstr("cannot be opened with schema.registry.ssl.truststore.password"));
  EXPECT_THAT(pem.status().message(), Not(HasSubstr("wrong\"")));

  const std::string jks = Write("trust.jks", std::string("\xFE\xED\xFE\xED\0\0\0\2", 8));
  pem = ReadTruststoreAsPem(jks, "JKS", "changeit", "schema.registry.ssl.truststore");
  EXPECT_EQ(pem.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(pem.status().message(), HasSubstr("which OpenSSL cannot read"));
  EXPECT_THAT(pem.status().message(),
              HasSubstr("then set schema.registry.ssl.truststore.location=" + jks +
                        ".p12 and schema.registry.ssl.truststore.type=PKCS12"));

  const std::string keystore = Pkcs12("key.p12", "secret", /*with_key=*/true);
  absl::StatusOr<KeystorePem> key =
      ReadKeystoreAsPem(keystore, "PKCS12", "secret", std::nullopt, "schema.registry.ssl.keystore");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->certificate_chain, CertPem());
  EXPECT_EQ(key->private_key, KeyPem());
  const std::string pem_keystore = Write("key.pem", KeyPem("pw") + CertPem());
  key = ReadKeystoreAsPem(pem_keystore, "PEM", std::nullopt, "pw", "schema.registry.ssl.keystore");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->private_key, KeyPem());
  key = ReadKeystoreAsPem(p12, "PKCS12", "changeit", std::nullopt, "schema.registry.ssl.keystore");
  EXPECT_THAT(key.status().message(), HasSubstr("holds no private key"));
}

}  // namespace
}  // namespace ferry::kafka
