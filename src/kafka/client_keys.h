#pragma once

// Java Kafka client properties, as Kafka Connect users write them (worker
// consumer.* / producer.* / admin.*, connector consumer.override.* /
// producer.override.*), translated to librdkafka's. Connect configurations
// are written for Java's clients; ferry runs librdkafka, whose names, units
// and formats differ (buffer.memory is bytes, queue.buffering.max.kbytes is
// kilobytes; JAAS lines and Java keystores mean nothing to librdkafka), so a
// setting copied from a Connect worker must be translated or it is silently
// lost or refused by librdkafka at client creation.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace ferry::kafka {

// Which Java client a property set is written for. ferry's admin calls run on
// librdkafka producer handles, so kAdmin takes producer-scope librdkafka
// properties and not consumer ones.
enum class ClientRole { kConsumer, kProducer, kAdmin };

// "consumer", "producer" or "admin".
std::string_view ClientRoleName(ClientRole role);

struct ClientKeyProblem {
  // The Java key as the user wrote it (without the consumer./producer. prefix).
  std::string key;
  // Why; names the librdkafka key or what to do instead.
  std::string message;
  // true: accepted and ignored (Java-only, meaningless here); false: refused
  // (cannot work).
  bool warning = false;
};

struct ClientKeyTranslation {
  // Properties to set with rd_kafka_conf_set.
  std::map<std::string, std::string> librdkafka;
  // Keys ferry honours itself, e.g. max.poll.records, default.api.timeout.ms.
  std::map<std::string, std::string> ferry;
  std::vector<ClientKeyProblem> problems;
};

// Translates Java client properties (and librdkafka-native names, which pass
// through unchanged when librdkafka knows them and Java has no such key) for
// one client role. Pass the whole property set of one client (the worker's
// consumer.* overlaid with the connector's consumer.override.*), prefixes
// removed: keys depend on each other (sasl.jaas.config on sasl.mechanism, a
// truststore file on its type, ssl.* on security.protocol).
//
// Every value that ends up in `librdkafka` has been checked with
// rd_kafka_conf_set on a scratch global conf (topic-level properties such as
// acks are accepted there too, for the default topic conf); a value librdkafka
// rejects is a refusing problem naming the user's key and librdkafka's
// message. Problem messages never hold secrets (passwords, the JAAS line).
// Keystore and truststore files are read here (PKCS12 truststores are turned
// into PEM for ssl.ca.pem), so a wrong path or password is reported now, not
// when the client starts.
ClientKeyTranslation TranslateClientProperties(const std::map<std::string, std::string>& props,
                                               ClientRole role);

// One row of the translation table.
struct ClientKeyRow {
  std::string_view java_key;    // a key ending in '.' is a prefix (metrics.context.)
  std::string_view roles;       // e.g. "consumer, producer, admin"
  std::string_view librdkafka;  // target key(s) or ""
  std::string_view treatment;   // "translated" | "same name" | "ignored" | "refused" | "ferry"
  std::string_view note;
  std::string_view example;       // a value showing the treatment; "" for none
  std::string_view example_with;  // other properties the example needs, "key=value" lines
};

// The table, for docs/compatibility.md (rendered by another module) and for
// tests. A key may have several rows when its treatment differs by role
// (request.timeout.ms). Besides Java's keys it holds the few librdkafka names
// that ferry manages itself and refuses.
const std::vector<ClientKeyRow>& ClientKeyTable();

// Whether the linked librdkafka has property `name` and uses it in `role`'s
// clients (librdkafka 2.0 applies retry.backoff.ms to producers only, for
// example). Used by the translation and by tests that must hold across
// librdkafka versions.
bool LibrdkafkaAppliesProperty(std::string_view name, ClientRole role);

// Java keystores and truststores for OpenSSL clients other than librdkafka
// (the Schema Registry client's HTTPS). `type` is Java's store type (PEM,
// PKCS12, JKS: a JKS or JCEKS file is refused with the keytool command that
// converts it, whatever the type says); `prefix` names the keys in messages
// ("schema.registry.ssl.truststore"). InvalidArgument with the reason (a
// missing file, a wrong password) otherwise; messages never hold a password.
//
// The certificates of a truststore, as PEM.
absl::StatusOr<std::string> ReadTruststoreAsPem(const std::string& location, std::string_view type,
                                                const std::optional<std::string>& password,
                                                std::string_view prefix);

struct KeystorePem {
  std::string certificate_chain;  // PEM, the key's certificate first.
  std::string private_key;        // PEM, unencrypted: keep it in memory only.
};
// A keystore's key and its certificates. A PEM keystore holds both in one
// file, the key encrypted with key_password or not; PKCS12 is opened with
// password.
absl::StatusOr<KeystorePem> ReadKeystoreAsPem(const std::string& location, std::string_view type,
                                              const std::optional<std::string>& password,
                                              const std::optional<std::string>& key_password,
                                              std::string_view prefix);

}  // namespace ferry::kafka
