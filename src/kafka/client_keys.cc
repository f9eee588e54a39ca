#include "kafka/client_keys.h"

#include <librdkafka/rdkafka.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ferry::kafka {
namespace {

// ---------------------------------------------------------------------------
// String helpers. Debian's abseil has its own absl::string_view, distinct from
// std::string_view, so absl's string functions are not used here.

std::string Piece(std::string_view s) { return std::string(s); }
template <typename Int, typename = std::enable_if_t<std::is_integral_v<Int>>>
std::string Piece(Int n) {
  return std::to_string(n);
}
template <typename... T>
std::string Cat(const T&... parts) {
  std::string out;
  (out.append(Piece(parts)), ...);
  return out;
}

template <typename Container>
std::string Join(const Container& parts, std::string_view sep) {
  std::string out;
  bool first = true;
  for (const auto& p : parts) {
    if (!first) out.append(sep);
    out.append(std::string_view(p));
    first = false;
  }
  return out;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string_view Strip(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Splits at any of `seps`, keeping empty pieces.
std::vector<std::string_view> Split(std::string_view s, std::string_view seps) {
  std::vector<std::string_view> out;
  size_t begin = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || seps.find(s[i]) != std::string_view::npos) {
      out.push_back(s.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}
std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) { return Lower(a) == Lower(b); }
bool StartsWith(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }
bool EndsWith(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// An integer as Java's Integer.parseInt / Long.parseLong reads it.
template <typename Int>
bool ParseInt(std::string_view s, Int* out) {
  if (StartsWith(s, "+")) {
    s.remove_prefix(1);
    if (StartsWith(s, "-")) return false;
  }
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

// ---------------------------------------------------------------------------
// Table types

enum class Treatment { kTranslated, kSameName, kIgnored, kRefused, kFerry };

std::string_view TreatmentName(Treatment t) {
  switch (t) {
    case Treatment::kTranslated:
      return "translated";
    case Treatment::kSameName:
      return "same name";
    case Treatment::kIgnored:
      return "ignored";
    case Treatment::kRefused:
      return "refused";
    case Treatment::kFerry:
      return "ferry";
  }
  return "";
}

// Keys translated together, because what one means depends on the others (a
// truststore file on its type and password; a JAAS line on the mechanism and
// the login callback handler).
enum class Group { kNone, kTruststore, kKeystore, kSasl };

// One key's value on its way to librdkafka.
struct KeyContext {
  std::string_view key;
  const std::string& value;  // trimmed, as Java's ConfigDef reads every value.
  const std::map<std::string, std::string>& props;
};

// What a value converter decided.
struct Conversion {
  std::optional<std::string> value;  // what to set; nullopt: nothing.
  std::string problem;               // "" when none.
  bool warning = false;

  static Conversion Set(std::string v) { return {std::move(v), "", false}; }
  static Conversion Refuse(std::string why) { return {std::nullopt, std::move(why), false}; }
  static Conversion Ignore(std::string why) { return {std::nullopt, std::move(why), true}; }
  static Conversion Nothing() { return {}; }
};
using Converter = Conversion (*)(const KeyContext&);

struct Spec {
  std::string_view java_key;
  std::string_view roles;
  std::string_view librdkafka;  // the target; for a group, the keys it may set.
  Treatment treatment;
  // Why. For ignored and refused rows it is also the problem's message.
  std::string_view note;
  // Java's accepted values, any case, as "java=librdkafka" or "same" entries
  // separated by ','. Empty: any value (librdkafka checks it).
  std::string_view values = {};
  Converter convert = nullptr;
  Group group = Group::kNone;
  // When the linked librdkafka lacks the target (it is newer than librdkafka):
  // the librdkafka values that mean librdkafka's fixed behaviour anyway, so the
  // key is ignored with a warning ("*": any value); any other is refused.
  std::string_view if_lacking = {};
  std::string_view example = {};
  std::string_view example_with = {};
};

constexpr std::string_view kAll = "consumer, producer, admin";
constexpr std::string_view kConsumer = "consumer";
constexpr std::string_view kProducer = "producer";
constexpr std::string_view kAdmin = "admin";
constexpr std::string_view kConsumerAdmin = "consumer, admin";
constexpr std::string_view kConsumerProducer = "consumer, producer";

std::optional<std::string> Prop(const std::map<std::string, std::string>& props,
                                std::string_view key) {
  auto it = props.find(std::string(key));
  if (it == props.end()) return std::nullopt;
  return std::string(Strip(it->second));
}

// ---------------------------------------------------------------------------
// Value converters

Conversion SocketBuffer(const KeyContext& c) {
  int64_t n = 0;
  if (!ParseInt(c.value, &n) || n < -1) {
    return Conversion::Refuse(
        Cat("must be -1 (the operating system's default) or a number of bytes, got ", c.value));
  }
  // Java's -1 and librdkafka's 0 both mean "leave the OS default".
  return Conversion::Set(n == -1 ? "0" : c.value);
}

Conversion BatchSize(const KeyContext& c) {
  int64_t n = 0;
  if (!ParseInt(c.value, &n) || n < 0) {
    return Conversion::Refuse(Cat("must be a number of bytes, got ", c.value));
  }
  // Java's 0 turns batching off; librdkafka applies batch.size after the first
  // message is in, so 1 sends one message per batch.
  return Conversion::Set(n == 0 ? "1" : c.value);
}

Conversion BufferMemory(const KeyContext& c) {
  int64_t bytes = 0;
  if (!ParseInt(c.value, &bytes) || bytes < 0) {
    return Conversion::Refuse(Cat("must be a number of bytes, got ", c.value));
  }
  // Rounded up, so the producer never gets less room than Java's would.
  const int64_t kbytes = std::max<int64_t>(1, (bytes + 1023) / 1024);
  return Conversion::Set(Cat(kbytes));
}

Conversion PositiveInt(const KeyContext& c) {
  int32_t n = 0;
  if (!ParseInt(c.value, &n) || n < 1) {
    return Conversion::Refuse(Cat("must be an integer of at least 1, got ", c.value));
  }
  return Conversion::Set(Cat(n));
}

Conversion NonNegativeInt(const KeyContext& c) {
  int32_t n = 0;
  if (!ParseInt(c.value, &n) || n < 0) {
    return Conversion::Refuse(Cat("must be an integer of at least 0, got ", c.value));
  }
  return Conversion::Set(Cat(n));
}

Conversion AutoOffsetReset(const KeyContext& c) {
  const std::string v = Lower(c.value);
  if (v == "earliest" || v == "latest") return Conversion::Set(v);
  if (v == "none") {
    return Conversion::Refuse(
        "none (fail when a partition has no committed offset) is not supported: ferry starts "
        "such a partition itself and needs earliest or latest to know where");
  }
  return Conversion::Refuse(Cat("must be earliest or latest, got ", c.value));
}

struct Assignor {
  std::string_view java_class;
  std::string_view librdkafka;  // "" when librdkafka has none.
  bool cooperative;
};
constexpr Assignor kAssignors[] = {
    {"org.apache.kafka.clients.consumer.RangeAssignor", "range", false},
    {"org.apache.kafka.clients.consumer.RoundRobinAssignor", "roundrobin", false},
    {"org.apache.kafka.clients.consumer.CooperativeStickyAssignor", "cooperative-sticky", true},
    {"org.apache.kafka.clients.consumer.StickyAssignor", "", false},
};

// A Java class name, its simple name, or librdkafka's name for the assignor.
const Assignor* FindAssignor(std::string_view name) {
  for (const Assignor& a : kAssignors) {
    std::string_view simple = a.java_class.substr(a.java_class.rfind('.') + 1);
    if (name == a.java_class || name == simple ||
        (!a.librdkafka.empty() && EqualsIgnoreCase(name, a.librdkafka))) {
      return &a;
    }
  }
  return nullptr;
}

Conversion Assignors(const KeyContext& c) {
  std::vector<std::string_view> names;
  for (std::string_view n : Split(c.value, ",")) {
    n = Strip(n);
    if (!n.empty()) names.push_back(n);
  }
  if (names.empty()) return Conversion::Refuse("names no assignor");
  const Assignor* first = FindAssignor(names[0]);
  if (first == nullptr) {
    return Conversion::Refuse(
        Cat(names[0],
            " is a custom assignor class, which cannot run in librdkafka; it has range, roundrobin "
            "and cooperative-sticky (Java's RangeAssignor, RoundRobinAssignor, "
            "CooperativeStickyAssignor)"));
  }
  if (first->librdkafka.empty()) {
    return Conversion::Refuse(
        "StickyAssignor (eager sticky) has no librdkafka equivalent; use "
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor (librdkafka's "
        "cooperative-sticky)");
  }
  // Every member prefers the first assignor all members support, so a group of
  // ferry consumers uses the first one. Later ones of the same protocol are kept
  // for groups shared with other clients; ones of the other protocol are
  // dropped silently, since librdkafka refuses eager and cooperative mixed and
  // Java's own default list (RangeAssignor, CooperativeStickyAssignor) is
  // exactly such a mix that runs as range.
  std::vector<std::string_view> out = {first->librdkafka};
  std::vector<std::string_view> dropped;
  for (size_t i = 1; i < names.size(); ++i) {
    const Assignor* a = FindAssignor(names[i]);
    if (a == nullptr || a->librdkafka.empty()) {
      dropped.push_back(names[i]);
    } else if (a->cooperative == first->cooperative &&
               std::find(out.begin(), out.end(), a->librdkafka) == out.end()) {
      out.push_back(a->librdkafka);
    }
  }
  Conversion conv = Conversion::Set(Join(out, ","));
  if (!dropped.empty()) {
    conv.problem = Cat("dropped ", Join(dropped, ", "),
                       ": no librdkafka equivalent (members use the first assignor "
                       "they all support, ",
                       first->librdkafka, " here)");
    conv.warning = true;
  }
  return conv;
}

Conversion CompressionLevel(const KeyContext& c) {
  // compression.<codec>.level
  std::string_view codec = c.key;
  codec.remove_prefix(std::string_view("compression.").size());
  codec.remove_suffix(std::string_view(".level").size());
  const std::string type = Lower(Prop(c.props, "compression.type").value_or("none"));
  if (type != codec) {
    return Conversion::Ignore(
        Cat("ignored: compression.type is ", type,
            ", and librdkafka has one compression.level, for the codec in use"));
  }
  return Conversion::Set(c.value);
}

Conversion KinitCmd(const KeyContext& c) {
  // Java runs the named program itself with its own arguments; librdkafka
  // runs a shell command line. A value that already is one (librdkafka's
  // form) is kept.
  if (c.value.find_first_of(" \t") != std::string::npos ||
      c.value.find("%{") != std::string::npos) {
    return Conversion::Set(c.value);
  }
  // librdkafka's default command, with the user's program.
  return Conversion::Set(
      Cat(c.value, " -R -t \"%{sasl.kerberos.keytab}\" -k %{sasl.kerberos.principal} || ", c.value,
          " -t \"%{sasl.kerberos.keytab}\" -k %{sasl.kerberos.principal}"));
}

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

Conversion CipherSuites(const KeyContext& c) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (ctx == nullptr) {
    ERR_clear_error();
    return Conversion::Set(c.value);  // Nothing to check with; librdkafka will.
  }
  std::vector<std::string> out;
  std::vector<std::string> tls13;
  for (std::string_view name : Split(c.value, ",:")) {
    name = Strip(name);
    if (name.empty()) continue;
    // A signalling value, not a suite; OpenSSL sends it by itself.
    if (name == "TLS_EMPTY_RENEGOTIATION_INFO_SCSV") continue;
    std::string n(name);
    // JSSE's old SSL_ prefix of the same suites.
    if (StartsWith(n, "SSL_")) n = Cat("TLS_", n.substr(4));
    if (StartsWith(n, "TLS_")) {
      // Java's names are the IANA ones; OpenSSL has its own.
      const char* openssl = OPENSSL_cipher_name(n.c_str());
      if (openssl == nullptr || std::string_view(openssl) == "(NONE)") {
        return Conversion::Refuse(Cat(name, " is not a cipher suite the linked OpenSSL knows"));
      }
      // TLS 1.3 suites keep their IANA names in OpenSSL.
      if (n == openssl) {
        tls13.push_back(n);
        continue;
      }
      n = openssl;
    }
    // A single name (not a !/+/-/@ cipher-string operator) must select a
    // cipher by itself, or OpenSSL would drop it silently.
    const bool op = n[0] == '!' || n[0] == '+' || n[0] == '-' || n[0] == '@';
    if (!op && SSL_CTX_set_cipher_list(ctx.get(), n.c_str()) != 1) {
      ERR_clear_error();
      return Conversion::Refuse(
          Cat("the linked OpenSSL (", OpenSSL_version(OPENSSL_VERSION),
              ") offers no cipher suite named ", name,
              " (Java's names are translated to OpenSSL's; OpenSSL's own are taken as they are)"));
    }
    out.push_back(n);
  }
  const std::string joined = Join(out, ":");
  if (!out.empty() && SSL_CTX_set_cipher_list(ctx.get(), joined.c_str()) != 1) {
    ERR_clear_error();
    return Conversion::Refuse("selects no cipher suite OpenSSL offers");
  }
  if (tls13.empty()) return Conversion::Set(joined);
  const std::string why =
      Cat("TLS 1.3 suites (", Join(tls13, ", "),
          ") are left to OpenSSL's defaults: librdkafka's ssl.cipher.suites narrows TLS 1.2 and "
          "older only");
  if (out.empty()) return Conversion::Ignore(Cat("ignored: ", why));
  Conversion conv = Conversion::Set(joined);
  conv.problem = why;
  conv.warning = true;
  return conv;
}

Conversion PartitionerClass(const KeyContext& c) {
  if (c.value == "org.apache.kafka.clients.producer.internals.DefaultPartitioner") {
    return Conversion::Set("murmur2_random");  // Java's key hash; no key: any partition.
  }
  if (c.value == "org.apache.kafka.clients.producer.UniformStickyPartitioner") {
    return Conversion::Set("random");  // Keys are not looked at.
  }
  if (c.value == "org.apache.kafka.clients.producer.RoundRobinPartitioner") {
    return Conversion::Ignore(
        "ignored: librdkafka has no round-robin partitioner, so its default "
        "(consistent_random) is used");
  }
  return Conversion::Ignore(
      "ignored: a custom partitioner class cannot run in librdkafka, so its default "
      "partitioner (consistent_random) is used");
}

Conversion PartitionerIgnoreKeys(const KeyContext& c) {
  const std::string v = Lower(c.value);
  if (v != "true" && v != "false") {
    return Conversion::Refuse(Cat("must be true or false, got ", c.value));
  }
  if (v == "false") return Conversion::Nothing();
  if (Prop(c.props, "partitioner.class")) {
    return Conversion::Ignore("ignored: partitioner.class is set (Java ignores it then too)");
  }
  return Conversion::Set("random");
}

// ---------------------------------------------------------------------------
// The table. Every Java 3.x key of CommonClientConfigs, ConsumerConfig,
// ProducerConfig, AdminClientConfig, SaslConfigs and SslConfigs, and the
// librdkafka names ferry manages itself.

const Spec kSpecs[] = {
    // --- Common client settings.
    {.java_key = "bootstrap.servers",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kRefused,
     .note = "ferry connects every client to the worker's bootstrap.servers; set it there",
     .example = "broker:9092"},
    {.java_key = "client.dns.lookup",
     .roles = kAll,
     .librdkafka = "client.dns.lookup",
     .treatment = Treatment::kSameName,
     .note = "Java's retired value default means use_all_dns_ips. librdkafka before 2.2 has no "
             "such setting and always tries every address, so there only use_all_dns_ips is "
             "accepted (and ignored)",
     .values = "use_all_dns_ips,resolve_canonical_bootstrap_servers_only,default=use_all_dns_ips",
     .if_lacking = "use_all_dns_ips",
     .example = "use_all_dns_ips"},
    {.java_key = "metadata.max.age.ms",
     .roles = kAll,
     .librdkafka = "topic.metadata.refresh.interval.ms",
     .treatment = Treatment::kTranslated,
     .note = "Java's is the period of forced metadata refreshes, which is librdkafka's "
             "topic.metadata.refresh.interval.ms; librdkafka's own metadata.max.age.ms is its "
             "cache lifetime (three intervals unless set)",
     .example = "60000"},
    {.java_key = "send.buffer.bytes",
     .roles = kAll,
     .librdkafka = "socket.send.buffer.bytes",
     .treatment = Treatment::kTranslated,
     .note = "Java's -1 (the operating system's default) is librdkafka's 0",
     .convert = SocketBuffer,
     .example = "131072"},
    {.java_key = "receive.buffer.bytes",
     .roles = kAll,
     .librdkafka = "socket.receive.buffer.bytes",
     .treatment = Treatment::kTranslated,
     .note = "Java's -1 (the operating system's default) is librdkafka's 0",
     .convert = SocketBuffer,
     .example = "-1"},
    {.java_key = "client.id",
     .roles = kAll,
     .librdkafka = "client.id",
     .treatment = Treatment::kSameName,
     .note = "replaces the id ferry gives each task's consumer (connector-consumer-<name>-<task>)",
     .example = "my-client"},
    {.java_key = "client.rack",
     .roles = kConsumer,
     .librdkafka = "client.rack",
     .treatment = Treatment::kSameName,
     .note = "fetching from the closest replica (KIP-392)",
     .example = "us-east-1a"},
    {.java_key = "reconnect.backoff.ms",
     .roles = kAll,
     .librdkafka = "reconnect.backoff.ms",
     .treatment = Treatment::kSameName,
     .note = "",
     .example = "50"},
    {.java_key = "reconnect.backoff.max.ms",
     .roles = kAll,
     .librdkafka = "reconnect.backoff.max.ms",
     .treatment = Treatment::kSameName,
     .note = "Java's default is 1000, librdkafka's 10000",
     .example = "1000"},
    {.java_key = "retries",
     .roles = kProducer,
     .librdkafka = "retries",
     .treatment = Treatment::kSameName,
     .note = "librdkafka's alias of message.send.max.retries",
     .example = "2147483647"},
    {.java_key = "retries",
     .roles = kAdmin,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka's admin requests retry within their own timeout; its retries counts "
             "produced messages only",
     .example = "5"},
    {.java_key = "retry.backoff.ms",
     .roles = kAll,
     .librdkafka = "retry.backoff.ms",
     .treatment = Treatment::kSameName,
     .note = "librdkafka before 2.5 applies it to producers only, so consumer and admin clients "
             "ignore it there (warning)",
     .example = "100"},
    {.java_key = "retry.backoff.max.ms",
     .roles = kAll,
     .librdkafka = "retry.backoff.max.ms",
     .treatment = Treatment::kSameName,
     .note = "librdkafka 2.3 and later; older ones ignore it (warning)",
     .if_lacking = "*",
     .example = "1000"},
    {.java_key = "enable.metrics.push",
     .roles = kAll,
     .librdkafka = "enable.metrics.push",
     .treatment = Treatment::kSameName,
     .note = "client metrics sent to the broker (KIP-714): librdkafka 2.5 and later; older ones "
             "ignore it (warning)",
     .values = "true,false",
     .if_lacking = "*",
     .example = "false"},
    {.java_key = "metadata.recovery.strategy",
     .roles = kAll,
     .librdkafka = "metadata.recovery.strategy",
     .treatment = Treatment::kSameName,
     .note = "re-bootstrapping (KIP-899): librdkafka 2.10 and later; older ones ignore it "
             "(warning)",
     .values = "none,rebootstrap",
     .if_lacking = "*",
     .example = "rebootstrap"},
    {.java_key = "security.protocol",
     .roles = kAll,
     .librdkafka = "security.protocol",
     .treatment = Treatment::kSameName,
     .note = "any case, as in Java",
     .values = "PLAINTEXT=plaintext,SSL=ssl,SASL_PLAINTEXT=sasl_plaintext,SASL_SSL=sasl_ssl",
     .example = "SASL_SSL"},
    {.java_key = "socket.connection.setup.timeout.ms",
     .roles = kAll,
     .librdkafka = "socket.connection.setup.timeout.ms",
     .treatment = Treatment::kSameName,
     .note = "librdkafka's covers TCP, TLS and SASL set-up, is at least 1000 and does not grow "
             "(see socket.connection.setup.timeout.max.ms)",
     .example = "10000"},
    {.java_key = "socket.connection.setup.timeout.max.ms",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka has one fixed connection set-up timeout "
             "(socket.connection.setup.timeout.ms), not an exponentially growing one",
     .example = "30000"},
    {.java_key = "connections.max.idle.ms",
     .roles = kAll,
     .librdkafka = "connections.max.idle.ms",
     .treatment = Treatment::kSameName,
     .note = "",
     .example = "540000"},
    {.java_key = "request.timeout.ms",
     .roles = kConsumerAdmin,
     .librdkafka = "socket.timeout.ms",
     .treatment = Treatment::kTranslated,
     .note = "librdkafka's timeout of the client's requests (fetches wait fetch.wait.max.ms "
             "longer)",
     .example = "30000"},
    {.java_key = "request.timeout.ms",
     .roles = kProducer,
     .librdkafka = "request.timeout.ms",
     .treatment = Treatment::kSameName,
     .note = "the produce request's acknowledgement timeout; librdkafka's client-side network "
             "timeout is socket.timeout.ms (set it by that name if needed)",
     .example = "30000"},
    {.java_key = "default.api.timeout.ms",
     .roles = kConsumerAdmin,
     .librdkafka = "",
     .treatment = Treatment::kFerry,
     .note = "librdkafka has no such default; ferry bounds its own blocking calls (commits, "
             "offset and metadata queries) with it",
     .convert = NonNegativeInt,
     .example = "60000"},
    {.java_key = "metrics.sample.window.ms",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "Java's client metrics; librdkafka reports statistics through "
             "statistics.interval.ms instead",
     .example = "30000"},
    {.java_key = "metrics.num.samples",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "Java's client metrics; librdkafka reports statistics through "
             "statistics.interval.ms instead",
     .example = "2"},
    {.java_key = "metrics.recording.level",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "Java's client metrics; librdkafka reports statistics through "
             "statistics.interval.ms instead",
     .example = "INFO"},
    {.java_key = "metric.reporters",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "Java metrics reporter classes cannot run in ferry",
     .example = "com.example.Reporter"},
    {.java_key = "metrics.context.",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "labels for Java's metrics reporters",
     .example = "x"},
    {.java_key = "auto.include.jmx.reporter",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "JMX is Java's",
     .example = "true"},
    {.java_key = "security.providers",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "JVM security providers; librdkafka uses OpenSSL (whose providers are librdkafka's "
             "ssl.providers)",
     .example = "com.example.ProviderCreator"},
    {.java_key = "rebalance.timeout.ms",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a Connect worker and Kafka Streams setting, not a client one (Java's clients "
             "ignore it too)",
     .example = "60000"},
    {.java_key = "default.list.key.serde.inner",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a Kafka Streams serde setting, not a client one",
     .example = "x"},
    {.java_key = "default.list.value.serde.inner",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a Kafka Streams serde setting, not a client one",
     .example = "x"},
    {.java_key = "default.list.key.serde.type",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a Kafka Streams serde setting, not a client one",
     .example = "x"},
    {.java_key = "default.list.value.serde.type",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a Kafka Streams serde setting, not a client one",
     .example = "x"},
    {.java_key = "interceptor.classes",
     .roles = kConsumerProducer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "Java interceptor classes cannot run in ferry",
     .example = "com.example.Interceptor"},

    // --- Admin client.
    {.java_key = "bootstrap.controllers",
     .roles = kAdmin,
     .librdkafka = "",
     .treatment = Treatment::kRefused,
     .note = "librdkafka's admin client talks to brokers only; ferry's admin calls use the "
             "worker's bootstrap.servers",
     .example = "controller:9093"},

    // --- Consumer.
    {.java_key = "group.id",
     .roles = kConsumer,
     .librdkafka = "group.id",
     .treatment = Treatment::kSameName,
     .note = "replaces the connector's group, connect-<connector name>, as in Connect (the "
             "committed offsets, and the exactly-once ledger in their metadata, live in it)",
     .example = "my-group"},
    {.java_key = "group.instance.id",
     .roles = kConsumer,
     .librdkafka = "group.instance.id",
     .treatment = Treatment::kSameName,
     .note = "static membership; with tasks.max > 1 each task gets <id>-<task> (in Connect "
             "every task gets the same id and they fence each other); or set the worker's "
             "ferry.consumer.static.membership=true",
     .example = "ferry-1"},
    {.java_key = "group.protocol",
     .roles = kConsumer,
     .librdkafka = "group.protocol",
     .treatment = Treatment::kSameName,
     .note = "KIP-848's consumer protocol needs librdkafka 2.4 or later (production-ready from "
             "2.12); older ones speak classic only",
     .values = "classic,consumer",
     .if_lacking = "classic",
     .example = "classic"},
    {.java_key = "group.remote.assignor",
     .roles = kConsumer,
     .librdkafka = "group.remote.assignor",
     .treatment = Treatment::kSameName,
     .note = "used with group.protocol=consumer only; librdkafka before 2.4 ignores it (warning)",
     .if_lacking = "*",
     .example = "uniform"},
    {.java_key = "session.timeout.ms",
     .roles = kConsumer,
     .librdkafka = "session.timeout.ms",
     .treatment = Treatment::kSameName,
     .note = "",
     .example = "45000"},
    {.java_key = "heartbeat.interval.ms",
     .roles = kConsumer,
     .librdkafka = "heartbeat.interval.ms",
     .treatment = Treatment::kSameName,
     .note = "",
     .example = "3000"},
    {.java_key = "max.poll.interval.ms",
     .roles = kConsumer,
     .librdkafka = "max.poll.interval.ms",
     .treatment = Treatment::kSameName,
     .note = "",
     .example = "300000"},
    {.java_key = "partition.assignment.strategy",
     .roles = kConsumer,
     .librdkafka = "partition.assignment.strategy",
     .treatment = Treatment::kTranslated,
     .note = "RangeAssignor, RoundRobinAssignor and CooperativeStickyAssignor (class or "
             "librdkafka name) become range, roundrobin and cooperative-sticky; the first one "
             "decides, and entries of the other rebalance protocol are dropped (Java's default "
             "list becomes range); StickyAssignor and custom classes are refused",
     .convert = Assignors,
     .example = "org.apache.kafka.clients.consumer.RangeAssignor, "
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"},
    {.java_key = "enable.auto.commit",
     .roles = kConsumer,
     .librdkafka = "",
     .treatment = Treatment::kRefused,
     .note = "ferry commits offsets itself, only after the records are written",
     .example = "true"},
    {.java_key = "auto.commit.interval.ms",
     .roles = kConsumer,
     .librdkafka = "",
     .treatment = Treatment::kRefused,
     .note = "ferry commits offsets itself, only after the records are written "
             "(offset.flush.interval.ms sets how often)",
     .example = "5000"},
    {.java_key = "auto.offset.reset",
     .roles = kConsumer,
     .librdkafka = "",
     .treatment = Treatment::kFerry,
     .note = "ferry runs librdkafka with auto.offset.reset=error and starts a partition without "
             "committed offset itself, at earliest or latest; none is refused",
     .convert = AutoOffsetReset,
     .example = "earliest"},
    {.java_key = "max.poll.records",
     .roles = kConsumer,
     .librdkafka = "",
     .treatment = Treatment::kFerry,
     .note = "ferry hands a task at most this many records per poll "
             "(ferry.task.max.poll.records when not set)",
     .convert = PositiveInt,
     .example = "500"},
    {.java_key = "fetch.min.bytes",
     .roles = kConsumer,
     .librdkafka = "fetch.min.bytes",
     .treatment = Treatment::kSameName,
     .note = "",
     .example = "1"},
    {.java_key = "fetch.max.bytes",
     .roles = kConsumer,
     .librdkafka = "fetch.max.bytes",
     .treatment = Treatment::kSameName,
     .note = "",
     .example = "52428800"},
    {.java_key = "fetch.max.wait.ms",
     .roles = kConsumer,
     .librdkafka = "fetch.wait.max.ms",
     .treatment = Treatment::kTranslated,
     .note = "",
     .example = "500"},
    {.java_key = "max.partition.fetch.bytes",
     .roles = kConsumer,
     .librdkafka = "max.partition.fetch.bytes",
     .treatment = Treatment::kSameName,
     .note = "librdkafka's alias of fetch.message.max.bytes",
     .example = "1048576"},
    {.java_key = "check.crcs",
     .roles = kConsumer,
     .librdkafka = "check.crcs",
     .treatment = Treatment::kSameName,
     .note = "Java's default is true, librdkafka's false",
     .values = "true,false",
     .example = "true"},
    {.java_key = "key.deserializer",
     .roles = kConsumer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "ferry reads keys with the connector's key.converter",
     .example = "org.apache.kafka.common.serialization.ByteArrayDeserializer"},
    {.java_key = "value.deserializer",
     .roles = kConsumer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "ferry reads values with the connector's value.converter",
     .example = "org.apache.kafka.common.serialization.ByteArrayDeserializer"},
    {.java_key = "exclude.internal.topics",
     .roles = kConsumer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka has no such switch: a topics.regex can match internal topics such as "
             "__consumer_offsets, so write it not to",
     .example = "true"},
    {.java_key = "internal.leave.group.on.close",
     .roles = kConsumer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a Java-internal setting; ferry's consumers leave the group when closed",
     .example = "false"},
    {.java_key = "internal.throw.on.fetch.stable.offset.unsupported",
     .roles = kConsumer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a Java-internal setting",
     .example = "true"},
    {.java_key = "isolation.level",
     .roles = kConsumer,
     .librdkafka = "isolation.level",
     .treatment = Treatment::kSameName,
     .note = "Java's default is read_uncommitted, librdkafka's read_committed",
     .values = "read_uncommitted,read_committed",
     .example = "read_committed"},
    {.java_key = "allow.auto.create.topics",
     .roles = kConsumer,
     .librdkafka = "allow.auto.create.topics",
     .treatment = Treatment::kSameName,
     .note = "Java's consumer default is true, librdkafka's false",
     .values = "true,false",
     .example = "false"},

    // --- Producer (ferry's dead-letter queue producer).
    {.java_key = "buffer.memory",
     .roles = kProducer,
     .librdkafka = "queue.buffering.max.kbytes",
     .treatment = Treatment::kTranslated,
     .note = "bytes become kilobytes, rounded up",
     .convert = BufferMemory,
     .example = "33554432"},
    {.java_key = "acks",
     .roles = kProducer,
     .librdkafka = "acks",
     .treatment = Treatment::kSameName,
     .note = "acks other than all turn idempotence off unless enable.idempotence is set, as in "
             "Java",
     .values = "all,-1,0,1",
     .example = "all"},
    {.java_key = "compression.type",
     .roles = kProducer,
     .librdkafka = "compression.type",
     .treatment = Treatment::kSameName,
     .note = "",
     .values = "none,gzip,snappy,lz4,zstd",
     .example = "zstd"},
    {.java_key = "compression.gzip.level",
     .roles = kProducer,
     .librdkafka = "compression.level",
     .treatment = Treatment::kTranslated,
     .note = "librdkafka has one compression.level, for the codec in compression.type; a level "
             "for another codec is ignored",
     .convert = CompressionLevel,
     .example = "6",
     .example_with = "compression.type=gzip"},
    {.java_key = "compression.lz4.level",
     .roles = kProducer,
     .librdkafka = "compression.level",
     .treatment = Treatment::kTranslated,
     .note = "librdkafka has one compression.level, for the codec in compression.type; a level "
             "for another codec is ignored (librdkafka's lz4 levels go to 12)",
     .convert = CompressionLevel,
     .example = "9",
     .example_with = "compression.type=lz4"},
    {.java_key = "compression.zstd.level",
     .roles = kProducer,
     .librdkafka = "compression.level",
     .treatment = Treatment::kTranslated,
     .note = "librdkafka has one compression.level, for the codec in compression.type; a level "
             "for another codec is ignored (librdkafka takes -1 to 12)",
     .convert = CompressionLevel,
     .example = "3",
     .example_with = "compression.type=zstd"},
    {.java_key = "batch.size",
     .roles = kProducer,
     .librdkafka = "batch.size",
     .treatment = Treatment::kSameName,
     .note = "bytes per batch in both; Java's 0 (no batching) is librdkafka's 1 (one message "
             "per batch)",
     .convert = BatchSize,
     .example = "16384"},
    {.java_key = "linger.ms",
     .roles = kProducer,
     .librdkafka = "linger.ms",
     .treatment = Treatment::kSameName,
     .note = "librdkafka's alias of queue.buffering.max.ms",
     .example = "5"},
    {.java_key = "delivery.timeout.ms",
     .roles = kProducer,
     .librdkafka = "message.timeout.ms",
     .treatment = Treatment::kTranslated,
     .note = "",
     .example = "120000"},
    {.java_key = "max.request.size",
     .roles = kProducer,
     .librdkafka = "message.max.bytes",
     .treatment = Treatment::kTranslated,
     .note = "librdkafka's largest request; at least 1000",
     .example = "1048576"},
    {.java_key = "max.in.flight.requests.per.connection",
     .roles = kProducer,
     .librdkafka = "max.in.flight",
     .treatment = Treatment::kTranslated,
     .note = "more than 5 turns idempotence off unless enable.idempotence is set, as in Java",
     .example = "5"},
    {.java_key = "enable.idempotence",
     .roles = kProducer,
     .librdkafka = "enable.idempotence",
     .treatment = Treatment::kSameName,
     .note = "ferry's producer asks for it unless told otherwise (Java 3.x's default too)",
     .values = "true,false",
     .example = "true"},
    {.java_key = "transactional.id",
     .roles = kProducer,
     .librdkafka = "",
     .treatment = Treatment::kRefused,
     .note = "ferry's dead-letter queue producer runs no transactions, and once "
             "transactional.id is set librdkafka refuses every send outside one",
     .example = "ferry-dlq"},
    {.java_key = "transaction.timeout.ms",
     .roles = kProducer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "ferry's producers run no transactions (see transactional.id)",
     .example = "60000"},
    {.java_key = "max.block.ms",
     .roles = kProducer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka never blocks a send; ferry waits for queue room itself",
     .example = "60000"},
    {.java_key = "metadata.max.idle.ms",
     .roles = kProducer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka has no idle expiry of the topics a producer has used",
     .example = "300000"},
    {.java_key = "partitioner.class",
     .roles = kProducer,
     .librdkafka = "partitioner",
     .treatment = Treatment::kTranslated,
     .note = "Java's DefaultPartitioner is murmur2_random, UniformStickyPartitioner random; "
             "other classes are ignored (librdkafka's own partitioner places records)",
     .convert = PartitionerClass,
     .example = "org.apache.kafka.clients.producer.internals.DefaultPartitioner"},
    {.java_key = "partitioner.ignore.keys",
     .roles = kProducer,
     .librdkafka = "partitioner",
     .treatment = Treatment::kTranslated,
     .note = "true is librdkafka's random partitioner (unless partitioner.class is set)",
     .convert = PartitionerIgnoreKeys,
     .example = "true"},
    {.java_key = "partitioner.adaptive.partitioning.enable",
     .roles = kProducer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka's partitioners do not adapt to broker load",
     .example = "true"},
    {.java_key = "partitioner.availability.timeout.ms",
     .roles = kProducer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka's partitioners do not adapt to broker load",
     .example = "0"},
    {.java_key = "key.serializer",
     .roles = kProducer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "ferry's dead-letter queue writes the original record's bytes",
     .example = "org.apache.kafka.common.serialization.ByteArraySerializer"},
    {.java_key = "value.serializer",
     .roles = kProducer,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "ferry's dead-letter queue writes the original record's bytes",
     .example = "org.apache.kafka.common.serialization.ByteArraySerializer"},

    // --- SASL.
    {.java_key = "sasl.mechanism",
     .roles = kAll,
     .librdkafka = "sasl.mechanisms",
     .treatment = Treatment::kTranslated,
     .note = "",
     .values = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,GSSAPI,OAUTHBEARER",
     .example = "PLAIN",
     .example_with = "security.protocol=SASL_SSL"},
    {.java_key = "sasl.jaas.config",
     .roles = kAll,
     .librdkafka = "sasl.username, sasl.password, sasl.kerberos.keytab, sasl.kerberos.principal, "
                   "sasl.oauthbearer.config, sasl.oauthbearer.client.id, "
                   "sasl.oauthbearer.client.secret, sasl.oauthbearer.scope",
     .treatment = Treatment::kTranslated,
     .note = "PlainLoginModule and ScramLoginModule give sasl.username and sasl.password; "
             "Krb5LoginModule (useKeyTab=true) sasl.kerberos.keytab and principal; "
             "OAuthBearerLoginModule the unsecured token's sasl.oauthbearer.config, or with the "
             "OIDC login callback handler clientId, clientSecret and scope; other modules are "
             "refused",
     .group = Group::kSasl,
     .example = "org.apache.kafka.common.security.plain.PlainLoginModule required "
                "username=\"alice\" password=\"alice-secret\";",
     .example_with = "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN"},
    {.java_key = "sasl.client.callback.handler.class",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kRefused,
     .note = "a Java class cannot run in librdkafka, which implements the SASL mechanisms itself",
     .example = "com.example.Handler"},
    {.java_key = "sasl.login.callback.handler.class",
     .roles = kAll,
     .librdkafka = "sasl.oauthbearer.method",
     .treatment = Treatment::kTranslated,
     .note = "Kafka's OIDC handler (org.apache.kafka.common.security.oauthbearer"
             "[.secured].OAuthBearerLoginCallbackHandler) becomes sasl.oauthbearer.method=oidc "
             "(librdkafka built with libcurl); other classes are refused",
     .group = Group::kSasl,
     .example = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
     .example_with = "security.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER\n"
                     "sasl.oauthbearer.token.endpoint.url=https://idp.example/token\n"
                     "sasl.jaas.config=org.apache.kafka.common.security.oauthbearer."
                     "OAuthBearerLoginModule required clientId=\"ferry\" clientSecret=\"s\";"},
    {.java_key = "sasl.login.class",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kRefused,
     .note = "a Java login class cannot run in librdkafka, which logs in itself (kinit for "
             "GSSAPI, its OIDC client for OAUTHBEARER)",
     .example = "com.example.Login"},
    {.java_key = "sasl.kerberos.service.name",
     .roles = kAll,
     .librdkafka = "sasl.kerberos.service.name",
     .treatment = Treatment::kSameName,
     .note = "",
     .example = "kafka",
     .example_with = "security.protocol=SASL_PLAINTEXT"},
    {.java_key = "sasl.kerberos.kinit.cmd",
     .roles = kAll,
     .librdkafka = "sasl.kerberos.kinit.cmd",
     .treatment = Treatment::kTranslated,
     .note = "Java names the kinit program; librdkafka runs a command line, so the program goes "
             "into librdkafka's default command (a value that is already a command line is "
             "kept)",
     .convert = KinitCmd,
     .example = "/usr/bin/kinit",
     .example_with = "security.protocol=SASL_PLAINTEXT"},
    {.java_key = "sasl.kerberos.ticket.renew.window.factor",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka re-runs sasl.kerberos.kinit.cmd every "
             "sasl.kerberos.min.time.before.relogin instead",
     .example = "0.8"},
    {.java_key = "sasl.kerberos.ticket.renew.jitter",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka re-runs sasl.kerberos.kinit.cmd every "
             "sasl.kerberos.min.time.before.relogin instead",
     .example = "0.05"},
    {.java_key = "sasl.kerberos.min.time.before.relogin",
     .roles = kAll,
     .librdkafka = "sasl.kerberos.min.time.before.relogin",
     .treatment = Treatment::kSameName,
     .note = "",
     .example = "60000",
     .example_with = "security.protocol=SASL_PLAINTEXT"},
    {.java_key = "sasl.login.refresh.window.factor",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka refreshes OAUTHBEARER tokens at 80% of their lifetime",
     .example = "0.8"},
    {.java_key = "sasl.login.refresh.window.jitter",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka refreshes OAUTHBEARER tokens at 80% of their lifetime",
     .example = "0.05"},
    {.java_key = "sasl.login.refresh.min.period.seconds",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka refreshes OAUTHBEARER tokens at 80% of their lifetime",
     .example = "60"},
    {.java_key = "sasl.login.refresh.buffer.seconds",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka refreshes OAUTHBEARER tokens at 80% of their lifetime",
     .example = "300"},
    {.java_key = "sasl.login.connect.timeout.ms",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka's OIDC token requests have their own timeouts and retries",
     .example = "10000"},
    {.java_key = "sasl.login.read.timeout.ms",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka's OIDC token requests have their own timeouts and retries",
     .example = "10000"},
    {.java_key = "sasl.login.retry.backoff.max.ms",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka's OIDC token requests have their own timeouts and retries",
     .example = "10000"},
    {.java_key = "sasl.login.retry.backoff.ms",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka's OIDC token requests have their own timeouts and retries",
     .example = "100"},
    {.java_key = "sasl.oauthbearer.scope.claim.name",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "Java checks the scope claim of the token it gets; librdkafka does not",
     .example = "scope"},
    {.java_key = "sasl.oauthbearer.sub.claim.name",
     .roles = kAll,
     .librdkafka = "sasl.oauthbearer.sub.claim.name",
     .treatment = Treatment::kSameName,
     .note = "the subject claim of OIDC tokens: librdkafka 2.14 and later; older ones ignore it "
             "(warning)",
     .if_lacking = "*",
     .example = "sub",
     .example_with = "security.protocol=SASL_SSL"},
    {.java_key = "sasl.oauthbearer.token.endpoint.url",
     .roles = kAll,
     .librdkafka = "sasl.oauthbearer.token.endpoint.url",
     .treatment = Treatment::kSameName,
     .note = "used with Kafka's OIDC login callback handler (or librdkafka's "
             "sasl.oauthbearer.method=oidc), as in Java; ignored otherwise",
     .group = Group::kSasl,
     .example = "https://idp.example/token",
     .example_with = "security.protocol=SASL_SSL\nsasl.mechanism=OAUTHBEARER\n"
                     "sasl.login.callback.handler.class=org.apache.kafka.common.security."
                     "oauthbearer.OAuthBearerLoginCallbackHandler\n"
                     "sasl.jaas.config=org.apache.kafka.common.security.oauthbearer."
                     "OAuthBearerLoginModule required clientId=\"ferry\" clientSecret=\"s\";"},
    {.java_key = "sasl.oauthbearer.jwks.endpoint.url",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a broker-side token validation setting",
     .example = "https://idp.example/jwks"},
    {.java_key = "sasl.oauthbearer.jwks.endpoint.refresh.ms",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a broker-side token validation setting",
     .example = "3600000"},
    {.java_key = "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a broker-side token validation setting",
     .example = "10000"},
    {.java_key = "sasl.oauthbearer.jwks.endpoint.retry.backoff.ms",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a broker-side token validation setting",
     .example = "100"},
    {.java_key = "sasl.oauthbearer.clock.skew.seconds",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a token validation setting; librdkafka does not validate the tokens it gets",
     .example = "30"},
    {.java_key = "sasl.oauthbearer.expected.audience",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a broker-side token validation setting",
     .example = "kafka"},
    {.java_key = "sasl.oauthbearer.expected.issuer",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a broker-side token validation setting",
     .example = "https://idp.example"},
    {.java_key = "sasl.oauthbearer.header.urlencode",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka sends the client id and secret of its OIDC requests as they are",
     .example = "true"},

    // --- SSL.
    {.java_key = "ssl.protocol",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka lets OpenSSL negotiate the TLS version (TLS 1.2 or 1.3 by OpenSSL 3's "
             "defaults)",
     .example = "TLSv1.3"},
    {.java_key = "ssl.enabled.protocols",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "librdkafka lets OpenSSL negotiate the TLS version (TLS 1.2 or 1.3 by OpenSSL 3's "
             "defaults)",
     .example = "TLSv1.2,TLSv1.3"},
    {.java_key = "ssl.provider",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a JVM security provider; librdkafka uses OpenSSL",
     .example = "SunJSSE"},
    {.java_key = "ssl.cipher.suites",
     .roles = kAll,
     .librdkafka = "ssl.cipher.suites",
     .treatment = Treatment::kTranslated,
     .note = "Java's (IANA) names become OpenSSL's and are checked against the linked OpenSSL; "
             "TLS 1.3 suites stay OpenSSL's defaults (librdkafka cannot narrow them)",
     .convert = CipherSuites,
     .example = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
     .example_with = "security.protocol=SSL"},
    {.java_key = "ssl.keystore.type",
     .roles = kAll,
     .librdkafka = "ssl.keystore.location, ssl.certificate.location, ssl.key.location",
     .treatment = Treatment::kTranslated,
     .note = "PKCS12 is read by librdkafka itself; PEM becomes ssl.certificate.* and "
             "ssl.key.*; JKS (Java's default type) is refused with the keytool command that "
             "converts it; the file's content decides, as Java's keystore.type.compat does",
     .group = Group::kKeystore},
    {.java_key = "ssl.keystore.location",
     .roles = kAll,
     .librdkafka = "ssl.keystore.location, ssl.certificate.location, ssl.key.location",
     .treatment = Treatment::kTranslated,
     .note = "PKCS12: ssl.keystore.location; PEM: ssl.certificate.location and ssl.key.location, "
             "both the file; JKS is refused (convert it with keytool)",
     .group = Group::kKeystore},
    {.java_key = "ssl.keystore.password",
     .roles = kAll,
     .librdkafka = "ssl.keystore.password",
     .treatment = Treatment::kTranslated,
     .note = "opens a PKCS12 keystore and its key (librdkafka has one password for both)",
     .group = Group::kKeystore},
    {.java_key = "ssl.key.password",
     .roles = kAll,
     .librdkafka = "ssl.key.password",
     .treatment = Treatment::kTranslated,
     .note = "the PEM key's password",
     .group = Group::kKeystore},
    {.java_key = "ssl.keystore.key",
     .roles = kAll,
     .librdkafka = "ssl.key.pem",
     .treatment = Treatment::kTranslated,
     .note = "inline PEM key (ssl.keystore.type=PEM); line breaks lost in a .properties file are "
             "restored",
     .group = Group::kKeystore},
    {.java_key = "ssl.keystore.certificate.chain",
     .roles = kAll,
     .librdkafka = "ssl.certificate.pem",
     .treatment = Treatment::kTranslated,
     .note = "inline PEM chain (ssl.keystore.type=PEM); librdkafka before 2.8 sends only its "
             "first certificate",
     .group = Group::kKeystore},
    {.java_key = "ssl.truststore.type",
     .roles = kAll,
     .librdkafka = "ssl.ca.location, ssl.ca.pem",
     .treatment = Treatment::kTranslated,
     .note = "PEM file: ssl.ca.location; PKCS12 file: read here, its certificates go to "
             "ssl.ca.pem; JKS (Java's default type) is refused with the keytool command that "
             "converts it; the file's content decides, as Java's keystore.type.compat does",
     .group = Group::kTruststore},
    {.java_key = "ssl.truststore.location",
     .roles = kAll,
     .librdkafka = "ssl.ca.location, ssl.ca.pem",
     .treatment = Treatment::kTranslated,
     .note = "see ssl.truststore.type",
     .group = Group::kTruststore},
    {.java_key = "ssl.truststore.password",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kTranslated,
     .note = "opens a PKCS12 truststore while it is read here",
     .group = Group::kTruststore},
    {.java_key = "ssl.truststore.certificates",
     .roles = kAll,
     .librdkafka = "ssl.ca.pem",
     .treatment = Treatment::kTranslated,
     .note = "inline PEM certificates (ssl.truststore.type=PEM); line breaks lost in a "
             ".properties file are restored",
     .group = Group::kTruststore},
    {.java_key = "ssl.keymanager.algorithm",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a JVM-only setting",
     .example = "SunX509"},
    {.java_key = "ssl.trustmanager.algorithm",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a JVM-only setting",
     .example = "PKIX"},
    {.java_key = "ssl.secure.random.implementation",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a JVM-only setting; OpenSSL has its own random generator",
     .example = "SHA1PRNG"},
    {.java_key = "ssl.engine.factory.class",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kIgnored,
     .note = "a JVM-only setting; librdkafka's TLS is OpenSSL's",
     .example = "com.example.EngineFactory"},
    {.java_key = "ssl.endpoint.identification.algorithm",
     .roles = kAll,
     .librdkafka = "ssl.endpoint.identification.algorithm",
     .treatment = Treatment::kSameName,
     .note = "Java's empty value (no host name check) is librdkafka's none",
     .values = "https,=none,none",
     .example = "https",
     .example_with = "security.protocol=SSL"},

    // --- librdkafka's own names for what ferry manages.
    {.java_key = "enable.auto.offset.store",
     .roles = kConsumer,
     .librdkafka = "",
     .treatment = Treatment::kRefused,
     .note = "(librdkafka's name) ferry stores offsets itself, only after the records are "
             "written",
     .example = "true"},
    {.java_key = "auto.commit.enable",
     .roles = kConsumer,
     .librdkafka = "",
     .treatment = Treatment::kRefused,
     .note = "(librdkafka's old name of enable.auto.commit) ferry commits offsets itself, only "
             "after the records are written",
     .example = "true"},
    {.java_key = "metadata.broker.list",
     .roles = kAll,
     .librdkafka = "",
     .treatment = Treatment::kRefused,
     .note = "(librdkafka's name of bootstrap.servers) ferry connects every client to the "
             "worker's bootstrap.servers; set it there",
     .example = "broker:9092"},
};

bool HasRole(std::string_view roles, ClientRole role) {
  for (std::string_view r : Split(roles, ",")) {
    if (Strip(r) == ClientRoleName(role)) return true;
  }
  return false;
}

bool SpecMatches(const Spec& s, std::string_view key) {
  if (EndsWith(s.java_key, ".")) {
    return StartsWith(key, s.java_key) && key.size() > s.java_key.size();
  }
  return s.java_key == key;
}

// The row of `key` for `role`; with any_role, a row of any role.
const Spec* FindSpec(std::string_view key, ClientRole role, bool any_role = false) {
  for (const Spec& s : kSpecs) {
    if (SpecMatches(s, key) && (any_role || HasRole(s.roles, role))) return &s;
  }
  return nullptr;
}

// Maps `value` through a "java=librdkafka,..." list, any case.
std::optional<std::string> MapValue(std::string_view values, std::string_view value) {
  for (std::string_view entry : Split(values, ",")) {
    const size_t eq = entry.find('=');
    std::string_view java = entry.substr(0, eq);
    std::string_view lib = eq == std::string_view::npos ? entry : entry.substr(eq + 1);
    if (EqualsIgnoreCase(java, value)) return std::string(lib);
  }
  return std::nullopt;
}

std::string ValuesForMessage(std::string_view values) {
  std::vector<std::string> out;
  for (std::string_view entry : Split(values, ",")) {
    std::string_view java = entry.substr(0, entry.find('='));
    out.push_back(java.empty() ? "\"\" (empty)" : std::string(java));
  }
  return Join(out, ", ");
}

// ---------------------------------------------------------------------------
// What the linked librdkafka knows

struct RdProperty {
  char scope = '*';      // 'C' consumer, 'P' producer, '*' both.
  std::string alias_of;  // "" when not an alias.
};

// librdkafka's property list, read from rd_kafka_conf_properties_show (its
// only listing of scopes and aliases) once. Empty if that cannot be read; the
// translation then assumes every property applies everywhere.
const std::map<std::string, RdProperty, std::less<>>& RdProperties() {
  static const auto* props = [] {
    auto* out = new std::map<std::string, RdProperty, std::less<>>;
    char* buf = nullptr;
    size_t len = 0;
    FILE* f = open_memstream(&buf, &len);
    if (f == nullptr) return out;
    rd_kafka_conf_properties_show(f);
    std::fclose(f);
    for (std::string_view line : Split(std::string_view(buf, len), "\n")) {
      std::vector<std::string_view> cols = Split(line, "|");
      if (cols.size() < 6) continue;
      std::string_view name = Strip(cols[0]);
      std::string_view scope = Strip(cols[1]);
      if (name.empty() || name == "Property" || StartsWith(name, "-") ||
          (scope != "C" && scope != "P" && scope != "*")) {
        continue;
      }
      RdProperty p;
      p.scope = scope[0];
      std::string_view desc = cols[5];
      if (size_t a = desc.find("Alias for `"); a != std::string_view::npos) {
        desc.remove_prefix(a + 11);
        p.alias_of = std::string(desc.substr(0, desc.find('`')));
      }
      auto [it, inserted] = out->emplace(std::string(name), p);
      // A property of both the global and the topic table (compression.type).
      if (!inserted && it->second.scope != p.scope) it->second.scope = '*';
    }
    std::free(buf);
    return out;
  }();
  return *props;
}

std::string Canonical(std::string_view name) {
  const auto& props = RdProperties();
  auto it = props.find(name);
  if (it == props.end() || it->second.alias_of.empty()) return std::string(name);
  return it->second.alias_of;
}

// Whether librdkafka uses `name` in `role`'s clients, given that it knows it.
bool Applies(std::string_view name, ClientRole role) {
  const auto& props = RdProperties();
  auto it = props.find(name);
  if (it == props.end() || it->second.scope == '*') return true;
  return it->second.scope == (role == ClientRole::kConsumer ? 'C' : 'P');
}

std::string ScopeName(std::string_view name) {
  const auto& props = RdProperties();
  auto it = props.find(name);
  return it != props.end() && it->second.scope == 'C' ? "consumers" : "producers";
}

std::string LibrdkafkaVersion() { return Cat("librdkafka ", rd_kafka_version_str()); }

class ScratchConf {
 public:
  ScratchConf() : conf_(rd_kafka_conf_new()) {}
  ~ScratchConf() { rd_kafka_conf_destroy(conf_); }
  ScratchConf(const ScratchConf&) = delete;
  ScratchConf& operator=(const ScratchConf&) = delete;

  rd_kafka_conf_res_t Set(const std::string& key, const std::string& value, std::string* error) {
    char errstr[512] = "";
    rd_kafka_conf_res_t res =
        rd_kafka_conf_set(conf_, key.c_str(), value.c_str(), errstr, sizeof(errstr));
    if (res != RD_KAFKA_CONF_OK) *error = errstr;
    return res;
  }

 private:
  rd_kafka_conf_t* conf_;
};

// ---------------------------------------------------------------------------
// Did you mean

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// How close `candidate` is to the unknown `key`: an edit distance of at most
// 2, or one being the other with dotted parts added (fetch.max.wait →
// fetch.max.wait.ms). nullopt when not close.
std::optional<size_t> Closeness(std::string_view key, std::string_view candidate) {
  const size_t d = EditDistance(key, candidate);
  if (d <= 2) return d;
  if (key.size() >= 5) {
    const bool extends =
        StartsWith(candidate, Cat(key, ".")) || StartsWith(key, Cat(candidate, "."));
    if (extends)
      return 3 + (std::max(key.size(), candidate.size()) - std::min(key.size(), candidate.size()));
  }
  return std::nullopt;
}

std::string Suggestion(std::string_view key, ClientRole role) {
  auto best_of = [&](const std::set<std::string>& names) -> std::string {
    std::string best;
    size_t best_score = SIZE_MAX;
    for (const std::string& n : names) {
      std::optional<size_t> s = Closeness(key, n);
      if (s && *s < best_score) {
        best_score = *s;
        best = n;
      }
    }
    return best;
  };
  std::set<std::string> java;
  for (const Spec& s : kSpecs) {
    if (!EndsWith(s.java_key, ".") && HasRole(s.roles, role)) java.emplace(s.java_key);
  }
  std::string best = best_of(java);
  if (best.empty()) {
    std::set<std::string> native;
    for (const auto& [name, p] : RdProperties()) {
      if (Applies(name, role)) native.insert(name);
    }
    best = best_of(native);
  }
  return best.empty() ? "" : Cat("; did you mean ", best, "?");
}

// ---------------------------------------------------------------------------
// JAAS

struct JaasEntry {
  std::string module;
  std::map<std::string, std::string> options;
};

// The tokens of Java's JaasConfig (a java.io.StreamTokenizer with // and /*
// comments, '"' and '\'' quotes with backslash escapes, and - _ $ as word
// characters). Unlike Java, unquoted numbers are words too.
class JaasLexer {
 public:
  enum class Kind { kWord, kQuoted, kEquals, kSemicolon, kOther, kEnd };
  struct Token {
    Kind kind;
    std::string text;
  };

  explicit JaasLexer(std::string_view s) : s_(s) {}

  absl::StatusOr<Token> Next() {
    for (;;) {
      while (i_ < s_.size() && IsSpace(s_[i_])) ++i_;
      if (s_.substr(i_, 2) == "//") {
        const size_t e = s_.find('\n', i_);
        i_ = e == std::string_view::npos ? s_.size() : e;
        continue;
      }
      if (s_.substr(i_, 2) == "/*") {
        const size_t e = s_.find("*/", i_ + 2);
        if (e == std::string_view::npos)
          return absl::InvalidArgumentError("a /* comment is not closed");
        i_ = e + 2;
        continue;
      }
      break;
    }
    if (i_ >= s_.size()) return Token{Kind::kEnd, ""};
    const char c = s_[i_];
    if (c == '=') {
      ++i_;
      return Token{Kind::kEquals, "="};
    }
    if (c == ';') {
      ++i_;
      return Token{Kind::kSemicolon, ";"};
    }
    if (c == '"' || c == '\'') return Quoted(c);
    if (IsWordChar(c)) {
      const size_t b = i_;
      while (i_ < s_.size() && IsWordChar(s_[i_])) ++i_;
      return Token{Kind::kWord, std::string(s_.substr(b, i_ - b))};
    }
    ++i_;
    return Token{Kind::kOther, std::string(1, c)};
  }

 private:
  static bool IsWordChar(char c) {
    const auto u = static_cast<unsigned char>(c);
    return IsAlnum(c) || c == '.' || c == '-' || c == '_' || c == '$' || u >= 0x80;
  }

  absl::StatusOr<Token> Quoted(char quote) {
    std::string out;
    ++i_;
    while (i_ < s_.size() && s_[i_] != quote) {
      const char ch = s_[i_++];
      if (ch == '\n' || ch == '\r') {
        return absl::InvalidArgumentError("a quoted value is not closed before the line ends");
      }
      if (ch != '\\' || i_ >= s_.size()) {
        out += ch;
        continue;
      }
      const char e = s_[i_++];
      switch (e) {
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        default:
          if (e >= '0' && e <= '7') {  // Octal, up to \377.
            int v = e - '0';
            int more = e <= '3' ? 2 : 1;
            while (more-- > 0 && i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '7') {
              v = v * 8 + (s_[i_++] - '0');
            }
            out += static_cast<char>(v);
          } else {
            out += e;  // \" \\ \' and any other character stand for themselves.
          }
      }
    }
    if (i_ >= s_.size()) return absl::InvalidArgumentError("a quoted value is not closed");
    ++i_;
    return Token{Kind::kQuoted, std::move(out)};
  }

  std::string_view s_;
  size_t i_ = 0;
};

// Parses `<LoginModule class> <flag> key=value ... ;`. Messages name option
// keys only, never values: the line holds passwords.
absl::StatusOr<JaasEntry> ParseJaas(std::string_view text) {
  using Kind = JaasLexer::Kind;
  constexpr std::string_view kQuoteHint =
      " (quote values that hold characters other than letters, digits and . - _ $)";
  JaasLexer lex(text);
  std::vector<JaasEntry> entries;
  for (;;) {
    absl::StatusOr<JaasLexer::Token> t = lex.Next();
    if (!t.ok()) return t.status();
    if (t->kind == Kind::kEnd) break;
    if (t->kind != Kind::kWord && t->kind != Kind::kQuoted) {
      return absl::InvalidArgumentError("it must start with a login module class name");
    }
    JaasEntry entry;
    entry.module = t->text;
    absl::StatusOr<JaasLexer::Token> flag = lex.Next();
    if (!flag.ok()) return flag.status();
    const std::string f = flag->kind == Kind::kWord ? Lower(flag->text) : "";
    if (f != "required" && f != "requisite" && f != "sufficient" && f != "optional") {
      return absl::InvalidArgumentError(
          "the login module class must be followed by its control flag (required)");
    }
    std::string last_key;
    for (;;) {
      absl::StatusOr<JaasLexer::Token> key = lex.Next();
      if (!key.ok()) return key.status();
      if (key->kind == Kind::kSemicolon) break;
      if (key->kind == Kind::kEnd) return absl::InvalidArgumentError("it does not end with ';'");
      const std::string after =
          last_key.empty() ? "the control flag" : Cat("option '", last_key, "'");
      if (key->kind != Kind::kWord && key->kind != Kind::kQuoted) {
        return absl::InvalidArgumentError(Cat("unexpected character after ", after, kQuoteHint));
      }
      absl::StatusOr<JaasLexer::Token> eq = lex.Next();
      if (!eq.ok()) return eq.status();
      if (eq->kind != Kind::kEquals) {
        // Not naming the word: it may be the rest of an unquoted password.
        return absl::InvalidArgumentError(
            Cat("the option after ", after, " has no value (key=value)", kQuoteHint));
      }
      absl::StatusOr<JaasLexer::Token> value = lex.Next();
      if (!value.ok()) {
        return absl::InvalidArgumentError(Cat("option '", key->text, "': ", Msg(value.status())));
      }
      if (value->kind != Kind::kWord && value->kind != Kind::kQuoted) {
        return absl::InvalidArgumentError(Cat("option '", key->text, "' has no value", kQuoteHint));
      }
      entry.options[key->text] = value->text;
      last_key = key->text;
    }
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) return absl::InvalidArgumentError("it names no login module");
  if (entries.size() > 1) {
    return absl::InvalidArgumentError(
        Cat("it names ", entries.size(), " login modules; a client takes exactly one"));
  }
  return std::move(entries[0]);
}

constexpr std::string_view kPlainModule = "org.apache.kafka.common.security.plain.PlainLoginModule";
constexpr std::string_view kScramModule = "org.apache.kafka.common.security.scram.ScramLoginModule";
constexpr std::string_view kKrb5Module = "com.sun.security.auth.module.Krb5LoginModule";
constexpr std::string_view kOAuthModule =
    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
constexpr std::string_view kOidcHandlers[] = {
    "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
    "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler",
};
constexpr std::string_view kUnsecuredHandler =
    "org.apache.kafka.common.security.oauthbearer.internals.unsecured."
    "OAuthBearerUnsecuredLoginCallbackHandler";

std::string_view SimpleName(std::string_view cls) { return cls.substr(cls.rfind('.') + 1); }

// ---------------------------------------------------------------------------
// OpenSSL helpers (keystores and truststores)

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct Pkcs12Free {
  void operator()(PKCS12* p) const { PKCS12_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, Pkcs12Free>;

// OpenSSL's reason for the last error, clearing the error queue.
std::string OpenSslError() {
  const unsigned long e = ERR_peek_last_error();
  std::string s;
  if (e != 0) {
    const char* reason = ERR_reason_error_string(e);
    if (reason != nullptr) {
      s = reason;
    } else {
      char buf[256];
      ERR_error_string_n(e, buf, sizeof(buf));
      s = buf;
    }
  }
  ERR_clear_error();
  return s.empty() ? "unknown OpenSSL error" : s;
}

bool LastErrorIsNoPemStart() {
  const unsigned long e = ERR_peek_last_error();
  return e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
}

// Supplies ssl.key.password to OpenSSL, and fails instead of OpenSSL's default
// of prompting on the terminal when there is none.
int PemPassword(char* buf, int size, int /*rwflag*/, void* u) {
  if (u == nullptr) return -1;
  const auto* pass = static_cast<const std::string*>(u);
  const int n = std::min<int>(size, static_cast<int>(pass->size()));
  std::memcpy(buf, pass->data(), n);
  return n;
}

// Java's PEM parser ignores white space inside the base64 body, so PEM written
// on one line (a .properties value continued with backslashes loses its line
// breaks) works there; OpenSSL needs the lines. Each block is re-wrapped at 64
// columns; a block with headers (old encrypted PEM) is kept as it is.
std::string NormalizePem(std::string_view text) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    const size_t begin = text.find("-----BEGIN ", pos);
    if (begin == std::string_view::npos) break;
    const size_t label_end = text.find("-----", begin + 11);
    if (label_end == std::string_view::npos) break;
    const std::string_view label = text.substr(begin + 11, label_end - begin - 11);
    const std::string end_marker = Cat("-----END ", label, "-----");
    const size_t body_start = label_end + 5;
    const size_t end = text.find(end_marker, body_start);
    if (end == std::string_view::npos) break;
    const std::string_view body = text.substr(body_start, end - body_start);
    if (body.find(':') != std::string_view::npos) {
      out += Cat(text.substr(begin, end + end_marker.size() - begin), "\n");
    } else {
      std::string b64;
      for (char c : body) {
        if (!IsSpace(c)) b64 += c;
      }
      out += Cat("-----BEGIN ", label, "-----\n");
      for (size_t i = 0; i < b64.size(); i += 64) out += Cat(b64.substr(i, 64), "\n");
      out += Cat(end_marker, "\n");
    }
    pos = end + end_marker.size();
  }
  return out.empty() ? std::string(text) : out;
}

absl::StatusOr<std::vector<X509Ptr>> LoadPemCerts(std::string_view pem) {
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<X509Ptr> certs;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, PemPassword, nullptr)) {
    certs.emplace_back(x);
  }
  if (!LastErrorIsNoPemStart()) {
    return absl::InvalidArgumentError(
        Cat("holds a certificate OpenSSL cannot read (", OpenSslError(), ")"));
  }
  ERR_clear_error();
  if (certs.empty()) {
    return absl::InvalidArgumentError("holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  return certs;
}

absl::StatusOr<PkeyPtr> LoadPemKey(std::string_view pem,
                                   const std::optional<std::string>& password) {
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  void* u = password ? const_cast<std::string*>(&*password) : nullptr;
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, PemPassword, u);
  if (key != nullptr) {
    ERR_clear_error();
    return PkeyPtr(key);
  }
  if (LastErrorIsNoPemStart()) {
    ERR_clear_error();
    return absl::InvalidArgumentError("holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }
  return absl::InvalidArgumentError(Cat(
      "holds a private key OpenSSL cannot read (", OpenSslError(),
      password ? "; is ssl.key.password right?)" : "; an encrypted key needs ssl.key.password)"));
}

std::string CertsToPem(const std::vector<X509Ptr>& certs) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  for (const X509Ptr& c : certs) PEM_write_bio_X509(bio.get(), c.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

struct Pkcs12Contents {
  std::vector<X509Ptr> certs;  // The key's certificate first, when there is a key.
  bool has_key = false;
  PkeyPtr key;
};

absl::StatusOr<Pkcs12Contents> ReadPkcs12(std::string_view der,
                                          const std::optional<std::string>& password,
                                          std::string_view password_key) {
  ERR_clear_error();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  if (p12 == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("is not a PKCS12 file OpenSSL can read");
  }
  const char* pass = password ? password->c_str() : nullptr;
  if (PKCS12_mac_present(p12.get())) {
    bool ok = PKCS12_verify_mac(p12.get(), pass, -1) == 1;
    if (!ok && !password) {
      ok = PKCS12_verify_mac(p12.get(), "", 0) == 1;
      if (ok) pass = "";
    }
    ERR_clear_error();
    if (!ok) {
      return absl::InvalidArgumentError(
          password ? Cat("cannot be opened with ", password_key, " (wrong password)")
                   : Cat("is protected by a password: set ", password_key));
    }
  }
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (PKCS12_parse(p12.get(), pass, &pkey, &cert, &ca) != 1) {
    return absl::InvalidArgumentError(
        Cat("cannot be decrypted (", OpenSslError(),
            "); a file written with legacy algorithms (RC2, 3DES) must be re-exported with current "
            "ones (AES)"));
  }
  Pkcs12Contents out;
  out.has_key = pkey != nullptr;
  out.key.reset(pkey);
  if (cert != nullptr) out.certs.emplace_back(cert);
  if (ca != nullptr) {
    while (X509* x = sk_X509_shift(ca)) out.certs.emplace_back(x);
    sk_X509_free(ca);
  }
  return out;
}

enum class StoreFormat { kJks, kJceks, kPkcs12, kUnknown };

// What a keystore file is, by its first bytes: Java's keystore.type.compat
// (on by default) loads JKS and PKCS12 files whatever the configured type.
StoreFormat Sniff(std::string_view data) {
  if (StartsWith(data, "\xFE\xED\xFE\xED")) return StoreFormat::kJks;
  if (StartsWith(data, "\xCE\xCE\xCE\xCE")) return StoreFormat::kJceks;
  if (!data.empty() && static_cast<unsigned char>(data[0]) == 0x30) return StoreFormat::kPkcs12;
  return StoreFormat::kUnknown;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(
        Cat("cannot read ", path, ": ", ec ? ec.message() : "not a regular file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(Cat("cannot read ", path, ": ", std::strerror(errno)));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::NotFoundError(Cat("cannot read ", path));
  return data;
}

std::string KeytoolAdvice(const std::string& file, std::string_view prefix, StoreFormat f,
                          std::string_view reader = "librdkafka (OpenSSL)") {
  const std::string_view type = f == StoreFormat::kJceks ? "JCEKS" : "JKS";
  return Cat(file, " is a ", type, " keystore, which ", reader, " cannot read; ",
             "convert it: keytool -importkeystore -srckeystore ", file, " -srcstoretype ", type,
             " -destkeystore ", file, ".p12 -deststoretype PKCS12, then set ", prefix,
             ".location=", file, ".p12 and ", prefix, ".type=PKCS12");
}

// librdkafka before 2.8 sends only the client certificate, not its chain.
bool SendsCertificateChain() { return rd_kafka_version() >= 0x02080000; }

// ---------------------------------------------------------------------------
// The translation

class Translator {
 public:
  Translator(const std::map<std::string, std::string>& props, ClientRole role)
      : props_(props), role_(role) {
    const std::string protocol = Upper(Prop(props, "security.protocol").value_or("PLAINTEXT"));
    protocol_ = protocol;
    ssl_ = protocol == "SSL" || protocol == "SASL_SSL";
    sasl_ = StartsWith(protocol, "SASL_");
  }

  ClientKeyTranslation Run() {
    for (const auto& [key, raw] : props_) One(key, raw);
    if (groups_.count(Group::kTruststore)) Truststore();
    if (groups_.count(Group::kKeystore)) Keystore();
    if (groups_.count(Group::kSasl)) Sasl();
    if (role_ == ClientRole::kProducer) Idempotence();
    Finish();
    return std::move(out_);
  }

 private:
  // A librdkafka setting derived from the user's `source` key.
  struct Pending {
    std::string key;
    std::string value;
    std::string source;
    const Spec* spec;  // nullptr for group outputs.
  };

  void Problem(std::string_view key, std::string message, bool warning) {
    out_.problems.push_back(ClientKeyProblem{std::string(key), std::move(message), warning});
  }
  void Refuse(std::string_view key, std::string message) {
    Problem(key, std::move(message), false);
  }
  void Warn(std::string_view key, std::string message) { Problem(key, std::move(message), true); }

  void Emit(std::string key, std::string value, std::string_view source,
            const Spec* spec = nullptr) {
    java_.push_back(Pending{std::move(key), std::move(value), std::string(source), spec});
  }

  std::optional<std::string> Get(std::string_view key) const { return Prop(props_, key); }

  void One(const std::string& key, const std::string& raw) {
    const std::string_view role = ClientRoleName(role_);
    const Spec* spec = FindSpec(key, role_);
    if (spec == nullptr) {
      if (FindSpec(key, role_, /*any_role=*/true) != nullptr) {
        Warn(key,
             Cat("ignored: not a ", role, " setting (Java's ", role, " client ignores it too)"));
      } else {
        Native(key, raw);
      }
      return;
    }
    switch (spec->treatment) {
      case Treatment::kIgnored:
        Warn(key, Cat("ignored: ", spec->note));
        return;
      case Treatment::kRefused:
        Refuse(key, std::string(spec->note));
        return;
      case Treatment::kTranslated:
      case Treatment::kSameName:
        // Java's clients do not look at ssl.* or sasl.* unless security.protocol
        // uses them; neither does librdkafka, so say so instead of translating.
        if (StartsWith(key, "ssl.") && !ssl_) {
          Warn(key, Cat("ignored: security.protocol is ", protocol_,
                        ", which uses no TLS (Java ignores it too); use SSL or SASL_SSL"));
          return;
        }
        if (StartsWith(key, "sasl.") && !sasl_) {
          Warn(key, Cat("ignored: security.protocol is ", protocol_,
                        ", which uses no SASL (Java ignores it too); use SASL_SSL or "
                        "SASL_PLAINTEXT"));
          return;
        }
        break;
      case Treatment::kFerry:
        break;
    }
    if (spec->group != Group::kNone) {
      groups_.insert(spec->group);
      return;
    }
    const std::string value(Strip(raw));
    Conversion conv = Conversion::Set(value);
    if (!spec->values.empty()) {
      std::optional<std::string> mapped = MapValue(spec->values, value);
      if (!mapped) {
        Refuse(key,
               Cat("must be one of ", ValuesForMessage(spec->values), ", got \"", value, "\""));
        return;
      }
      conv = Conversion::Set(*mapped);
    }
    if (spec->convert != nullptr) {
      const std::string mapped = *conv.value;
      conv = spec->convert(KeyContext{key, mapped, props_});
    }
    if (!conv.problem.empty()) Problem(key, conv.problem, conv.warning);
    if (!conv.value) return;
    if (spec->treatment == Treatment::kFerry) {
      out_.ferry[key] = *conv.value;
    } else {
      Emit(std::string(spec->librdkafka), *conv.value, key, spec);
    }
  }

  // A key Java's client does not have: librdkafka's own name, or a mistake.
  void Native(const std::string& key, const std::string& value) {
    std::string error;
    switch (scratch_.Set(key, value, &error)) {
      case RD_KAFKA_CONF_OK:
        if (!Applies(key, role_)) {
          Warn(key, Cat("ignored: ", LibrdkafkaVersion(), " applies ", key, " to ", ScopeName(key),
                        " only"));
          return;
        }
        native_[key] = value;
        return;
      case RD_KAFKA_CONF_INVALID:
        Refuse(key, Cat("librdkafka refuses it: ", error));
        return;
      case RD_KAFKA_CONF_UNKNOWN:
        Refuse(key, Cat("neither Java's ", ClientRoleName(role_),
                        " client nor librdkafka has a setting ", key, Suggestion(key, role_)));
        return;
    }
  }

  void Truststore() {
    const std::string type = Upper(Get("ssl.truststore.type").value_or("JKS"));
    const std::optional<std::string> location = Get("ssl.truststore.location");
    const std::optional<std::string> certificates = Get("ssl.truststore.certificates");
    if (certificates) {
      if (type != "PEM") {
        Refuse("ssl.truststore.certificates",
               "needs ssl.truststore.type=PEM (inline certificates are PEM only, as in Java)");
        return;
      }
      if (location) {
        Refuse("ssl.truststore.certificates",
               "and ssl.truststore.location are both set; set one of them");
        return;
      }
      const std::string pem = NormalizePem(*certificates);
      if (auto certs = LoadPemCerts(pem); !certs.ok()) {
        Refuse("ssl.truststore.certificates", Msg((certs.status())));
        return;
      }
      Emit("ssl.ca.pem", pem, "ssl.truststore.certificates");
      return;
    }
    // Without a location Java trusts the JVM's CA certificates, and librdkafka
    // OpenSSL's: nothing to set.
    if (!location) return;
    absl::StatusOr<std::string> data = ReadFile(*location);
    if (!data.ok()) {
      Refuse("ssl.truststore.location", Msg((data.status())));
      return;
    }
    if (type == "PEM") {
      if (auto certs = LoadPemCerts(*data); !certs.ok()) {
        Refuse("ssl.truststore.location", Cat(*location, " ", Msg(certs.status())));
        return;
      }
      Emit("ssl.ca.location", *location, "ssl.truststore.location");
      return;
    }
    const StoreFormat format = Sniff(*data);
    if (format == StoreFormat::kJks || format == StoreFormat::kJceks) {
      Refuse("ssl.truststore.location", KeytoolAdvice(*location, "ssl.truststore", format));
      return;
    }
    if (format != StoreFormat::kPkcs12) {
      Refuse("ssl.truststore.location",
             Cat(*location, " is neither a PKCS12 nor a JKS keystore (ssl.truststore.type ", type,
                 "); use a PKCS12 or PEM file"));
      return;
    }
    // librdkafka reads no PKCS12 truststore; its certificates go in as PEM.
    absl::StatusOr<Pkcs12Contents> p12 =
        ReadPkcs12(*data, Get("ssl.truststore.password"), "ssl.truststore.password");
    if (!p12.ok()) {
      Refuse("ssl.truststore.location", Cat(*location, " ", Msg(p12.status())));
      return;
    }
    if (p12->certs.empty()) {
      Refuse("ssl.truststore.location", Cat(*location, " holds no certificate"));
      return;
    }
    Emit("ssl.ca.pem", CertsToPem(p12->certs), "ssl.truststore.location");
  }

  void Keystore() {
    const std::string type = Upper(Get("ssl.keystore.type").value_or("JKS"));
    const std::optional<std::string> location = Get("ssl.keystore.location");
    const std::optional<std::string> key = Get("ssl.keystore.key");
    const std::optional<std::string> chain = Get("ssl.keystore.certificate.chain");
    const std::optional<std::string> key_password = Get("ssl.key.password");
    if (key || chain) {
      const std::string_view given = key ? "ssl.keystore.key" : "ssl.keystore.certificate.chain";
      if (type != "PEM") {
        Refuse(given, "needs ssl.keystore.type=PEM (inline keys are PEM only, as in Java)");
        return;
      }
      if (!key || !chain) {
        Refuse(given, "needs ssl.keystore.key and ssl.keystore.certificate.chain together");
        return;
      }
      if (location) {
        Refuse("ssl.keystore.location",
               "and ssl.keystore.key/ssl.keystore.certificate.chain are both set; set one");
        return;
      }
      const std::string chain_pem = NormalizePem(*chain);
      const std::string key_pem = NormalizePem(*key);
      absl::StatusOr<std::vector<X509Ptr>> certs = LoadPemCerts(chain_pem);
      if (!certs.ok()) {
        Refuse("ssl.keystore.certificate.chain", Msg((certs.status())));
        return;
      }
      absl::StatusOr<PkeyPtr> pkey = LoadPemKey(key_pem, key_password);
      if (!pkey.ok()) {
        Refuse("ssl.keystore.key", Msg((pkey.status())));
        return;
      }
      if (X509_check_private_key(certs->front().get(), pkey->get()) != 1) {
        ERR_clear_error();
        Refuse("ssl.keystore.key",
               "does not belong to the first certificate of ssl.keystore.certificate.chain");
        return;
      }
      if (certs->size() > 1 && !SendsCertificateChain()) {
        Warn("ssl.keystore.certificate.chain",
             Cat(LibrdkafkaVersion(),
                 " sends only the first certificate; the broker must know the "
                 "intermediate ones (librdkafka 2.8 sends the chain)"));
      }
      Emit("ssl.certificate.pem", chain_pem, "ssl.keystore.certificate.chain");
      Emit("ssl.key.pem", key_pem, "ssl.keystore.key");
      if (key_password) Emit("ssl.key.password", *key_password, "ssl.key.password");
      return;
    }
    if (!location) return;
    absl::StatusOr<std::string> data = ReadFile(*location);
    if (!data.ok()) {
      Refuse("ssl.keystore.location", Msg((data.status())));
      return;
    }
    if (type == "PEM") {
      absl::StatusOr<std::vector<X509Ptr>> certs = LoadPemCerts(*data);
      if (!certs.ok()) {
        Refuse("ssl.keystore.location", Cat(*location, " ", Msg(certs.status())));
        return;
      }
      absl::StatusOr<PkeyPtr> pkey = LoadPemKey(*data, key_password);
      if (!pkey.ok()) {
        Refuse("ssl.keystore.location", Cat(*location, " ", Msg(pkey.status())));
        return;
      }
      if (X509_check_private_key(certs->front().get(), pkey->get()) != 1) {
        ERR_clear_error();
        Refuse("ssl.keystore.location",
               Cat("the key in ", *location, " does not belong to its first certificate"));
        return;
      }
      // librdkafka reads the certificate chain and the key with separate
      // OpenSSL calls, each finding its own blocks in the one file.
      Emit("ssl.certificate.location", *location, "ssl.keystore.location");
      Emit("ssl.key.location", *location, "ssl.keystore.location");
      if (key_password) Emit("ssl.key.password", *key_password, "ssl.key.password");
      return;
    }
    const StoreFormat format = Sniff(*data);
    if (format == StoreFormat::kJks || format == StoreFormat::kJceks) {
      Refuse("ssl.keystore.location", KeytoolAdvice(*location, "ssl.keystore", format));
      return;
    }
    if (format != StoreFormat::kPkcs12) {
      Refuse("ssl.keystore.location",
             Cat(*location, " is neither a PKCS12 nor a JKS keystore (ssl.keystore.type ", type,
                 "); use a PKCS12 or PEM file"));
      return;
    }
    // librdkafka reads it itself, at client creation; reading it now reports
    // a wrong password or a file without key here.
    const std::optional<std::string> password = Get("ssl.keystore.password");
    absl::StatusOr<Pkcs12Contents> p12 = ReadPkcs12(*data, password, "ssl.keystore.password");
    if (!p12.ok()) {
      Refuse("ssl.keystore.location",
             Cat(*location, " ", Msg(p12.status()),
                 key_password ? " (librdkafka opens the key with ssl.keystore.password "
                                "too, not ssl.key.password)"
                              : ""));
      return;
    }
    if (!p12->has_key || p12->certs.empty()) {
      Refuse("ssl.keystore.location", Cat(*location, " holds no private key with its certificate"));
      return;
    }
    if (p12->certs.size() > 1 && !SendsCertificateChain()) {
      Warn("ssl.keystore.location",
           Cat(LibrdkafkaVersion(),
               " sends only the client certificate of a PKCS12 keystore; the broker "
               "must know the intermediate ones (librdkafka 2.8 sends the chain)"));
    }
    Emit("ssl.keystore.location", *location, "ssl.keystore.location");
    if (password) Emit("ssl.keystore.password", *password, "ssl.keystore.password");
  }

  void Sasl() {
    const std::optional<std::string> jaas = Get("sasl.jaas.config");
    const std::optional<std::string> handler = Get("sasl.login.callback.handler.class");
    const std::optional<std::string> url = Get("sasl.oauthbearer.token.endpoint.url");
    const bool oidc = handler && std::find(std::begin(kOidcHandlers), std::end(kOidcHandlers),
                                           *handler) != std::end(kOidcHandlers);
    if (handler && !oidc && *handler != kUnsecuredHandler) {
      Refuse("sasl.login.callback.handler.class",
             "a Java callback handler class cannot run in librdkafka; only Kafka's OIDC handler "
             "(org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler) "
             "is translated, to sasl.oauthbearer.method=oidc");
    }
    // Someone who configures librdkafka's OIDC by its own names means the URL.
    const bool native_oidc = Lower(Get("sasl.oauthbearer.method").value_or("")) == "oidc";
    if (url && !oidc) {
      if (native_oidc) {
        Emit("sasl.oauthbearer.token.endpoint.url", *url, "sasl.oauthbearer.token.endpoint.url");
      } else {
        Warn("sasl.oauthbearer.token.endpoint.url",
             "ignored: Java uses it only with sasl.login.callback.handler.class="
             "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
      }
    }
    if (!jaas) {
      if (oidc) {
        Refuse("sasl.login.callback.handler.class",
               "needs sasl.jaas.config=org.apache.kafka.common.security.oauthbearer."
               "OAuthBearerLoginModule required clientId=\"...\" clientSecret=\"...\";");
      }
      return;
    }
    absl::StatusOr<JaasEntry> entry = ParseJaas(*jaas);
    if (!entry.ok()) {
      Refuse("sasl.jaas.config",
             Cat("cannot be parsed: ", Msg(entry.status()),
                 "; the form is <LoginModule class> required key=\"value\" ...;"));
      return;
    }
    const std::string& module = entry->module;
    std::vector<std::string_view> mechanisms;
    if (module == kPlainModule) {
      mechanisms = {"PLAIN"};
    } else if (module == kScramModule) {
      mechanisms = {"SCRAM-SHA-256", "SCRAM-SHA-512"};
    } else if (module == kKrb5Module) {
      mechanisms = {"GSSAPI"};
    } else if (module == kOAuthModule) {
      mechanisms = {"OAUTHBEARER"};
    } else {
      Refuse("sasl.jaas.config",
             Cat("login module ", module,
                 " cannot run in librdkafka; it has PLAIN (PlainLoginModule), SCRAM "
                 "(ScramLoginModule), GSSAPI (Krb5LoginModule) and OAUTHBEARER "
                 "(OAuthBearerLoginModule)"));
      return;
    }
    const std::optional<std::string> given_mechanism = Get("sasl.mechanism");
    const std::string mechanism = Upper(given_mechanism.value_or("GSSAPI"));
    if (std::find(mechanisms.begin(), mechanisms.end(), mechanism) == mechanisms.end()) {
      Refuse("sasl.jaas.config", Cat("uses ", SimpleName(module), " but sasl.mechanism is ",
                                     mechanism, given_mechanism ? "" : " (Java's default)",
                                     ": set sasl.mechanism=", mechanisms[0]));
      return;
    }
    if (oidc && module != kOAuthModule) {
      Refuse("sasl.login.callback.handler.class",
             Cat("the OIDC handler needs OAuthBearerLoginModule in sasl.jaas.config, not ",
                 SimpleName(module)));
      return;
    }
    const auto& opts = entry->options;
    auto opt = [&](const std::string& name) -> std::optional<std::string> {
      auto it = opts.find(name);
      if (it == opts.end()) return std::nullopt;
      return it->second;
    };
    auto missing = [&](std::initializer_list<std::string> names) {
      std::vector<std::string> out;
      for (const std::string& n : names) {
        if (!opt(n) || opt(n)->empty()) out.push_back(n);
      }
      return out;
    };

    if (module == kPlainModule || module == kScramModule) {
      if (Lower(opt("tokenauth").value_or("false")) == "true") {
        Refuse("sasl.jaas.config",
               "delegation tokens (tokenauth=true) are not supported by librdkafka");
        return;
      }
      if (auto m = missing({"username", "password"}); !m.empty()) {
        Refuse(
            "sasl.jaas.config",
            Cat(SimpleName(module), " needs both username and password; missing: ", Join(m, ", ")));
        return;
      }
      Emit("sasl.username", *opt("username"), "sasl.jaas.config");
      Emit("sasl.password", *opt("password"), "sasl.jaas.config");
      return;
    }

    if (module == kKrb5Module) {
      // librdkafka gets its ticket by running kinit with a keytab.
      if (Lower(opt("useKeyTab").value_or("false")) != "true") {
        Refuse("sasl.jaas.config",
               "Krb5LoginModule needs useKeyTab=true with keyTab=\"...\" and principal=\"...\": "
               "librdkafka gets its Kerberos ticket with kinit from a keytab");
        return;
      }
      if (auto m = missing({"keyTab", "principal"}); !m.empty()) {
        Refuse("sasl.jaas.config",
               Cat("Krb5LoginModule needs keyTab and principal; missing: ", Join(m, ", ")));
        return;
      }
      Emit("sasl.kerberos.keytab", *opt("keyTab"), "sasl.jaas.config");
      Emit("sasl.kerberos.principal", *opt("principal"), "sasl.jaas.config");
      // Java takes the service name from the JAAS line when the key is unset.
      if (opt("serviceName") && !Get("sasl.kerberos.service.name")) {
        Emit("sasl.kerberos.service.name", *opt("serviceName"), "sasl.jaas.config");
      }
      return;
    }

    // OAuthBearerLoginModule. SASL extensions are extension_<name> options
    // with the OIDC handler, unsecuredLoginExtension_<name> without.
    if (oidc) {
      if (!url) {
        Refuse("sasl.login.callback.handler.class",
               "the OIDC handler needs sasl.oauthbearer.token.endpoint.url");
        return;
      }
      if (StartsWithIgnoreCase(*url, "file:")) {
        Refuse("sasl.oauthbearer.token.endpoint.url",
               "librdkafka's OIDC client fetches tokens over HTTP(S) only; a file: token "
               "endpoint cannot be used");
        return;
      }
      if (auto m = missing({"clientId", "clientSecret"}); !m.empty()) {
        Refuse("sasl.jaas.config",
               Cat("OAuthBearerLoginModule with the OIDC handler needs clientId and "
                   "clientSecret; missing: ",
                   Join(m, ", ")));
        return;
      }
      // A librdkafka built without libcurl has no OIDC: one refusal says so.
      std::string error;
      if (scratch_.Set("sasl.oauthbearer.method", "oidc", &error) != RD_KAFKA_CONF_OK) {
        Refuse("sasl.login.callback.handler.class",
               Cat("librdkafka refuses sasl.oauthbearer.method=oidc, which Kafka's OIDC handler "
                   "becomes: ",
                   error));
        return;
      }
      std::vector<std::string> extensions;
      for (const auto& [k, v] : opts) {
        if (StartsWith(k, "extension_")) extensions.push_back(Cat(k.substr(10), "=", v));
      }
      Emit("sasl.oauthbearer.method", "oidc", "sasl.login.callback.handler.class");
      Emit("sasl.oauthbearer.token.endpoint.url", *url, "sasl.oauthbearer.token.endpoint.url");
      Emit("sasl.oauthbearer.client.id", *opt("clientId"), "sasl.jaas.config");
      Emit("sasl.oauthbearer.client.secret", *opt("clientSecret"), "sasl.jaas.config");
      if (opt("scope")) Emit("sasl.oauthbearer.scope", *opt("scope"), "sasl.jaas.config");
      if (!extensions.empty()) {
        Emit("sasl.oauthbearer.extensions", Join(extensions, ","), "sasl.jaas.config");
      }
      return;
    }

    // The unsecured (development) token: librdkafka's builtin one, configured
    // by space-separated name=value pairs.
    const std::string principal_claim = opt("unsecuredLoginPrincipalClaimName").value_or("sub");
    const std::string scope_claim = opt("unsecuredLoginScopeClaimName").value_or("scope");
    const std::string principal_option = Cat("unsecuredLoginStringClaim_", principal_claim);
    const std::string scope_option = Cat("unsecuredLoginListClaim_", scope_claim);
    if (!opt(principal_option)) {
      Refuse("sasl.jaas.config", Cat("OAuthBearerLoginModule needs ", principal_option,
                                     " (the principal of the unsecured token)"));
      return;
    }
    std::vector<std::pair<std::string, std::string>> config = {
        {"principalClaimName", principal_claim}, {"principal", *opt(principal_option)}};
    if (opt("unsecuredLoginScopeClaimName")) config.emplace_back("scopeClaimName", scope_claim);
    if (auto scope = opt(scope_option); scope && !scope->empty()) {
      // Java's list claims start with their delimiter: ",a,b" or "|a|b".
      std::vector<std::string_view> items;
      for (std::string_view item : Split(std::string_view(*scope).substr(1), scope->substr(0, 1))) {
        if (!item.empty()) items.push_back(item);
      }
      config.emplace_back("scope", Join(items, ","));
    }
    if (auto life = opt("unsecuredLoginLifetimeSeconds")) config.emplace_back("lifeSeconds", *life);
    std::vector<std::string> dropped;
    for (const auto& [k, v] : opts) {
      if (StartsWith(k, "unsecuredLoginExtension_")) {
        config.emplace_back(Cat("extension_", k.substr(24)), v);
      } else if (StartsWith(k, "unsecuredLogin") && k != principal_option && k != scope_option &&
                 k != "unsecuredLoginPrincipalClaimName" && k != "unsecuredLoginScopeClaimName" &&
                 k != "unsecuredLoginLifetimeSeconds") {
        dropped.push_back(k);
      }
    }
    std::vector<std::string> pairs;
    for (const auto& [k, v] : config) {
      if (v.empty() || v.find_first_of(" \t\r\n") != std::string::npos) {
        Refuse("sasl.jaas.config", Cat("the value for ", k,
                                       " is empty or holds white space, which librdkafka's "
                                       "sasl.oauthbearer.config cannot carry"));
        return;
      }
      pairs.push_back(Cat(k, "=", v));
    }
    if (!dropped.empty()) {
      Warn("sasl.jaas.config",
           Cat("options ", Join(dropped, ", "),
               " are ignored: librdkafka's unsecured token holds only the principal, "
               "scope, lifetime and extensions"));
    }
    Emit("sasl.oauthbearer.config", Join(pairs, " "), "sasl.jaas.config");
    Emit("enable.sasl.oauthbearer.unsecure.jwt", "true", "sasl.jaas.config");
  }

  // Java 3.x turns idempotence off by itself when it was not asked for and a
  // setting contradicts it; ferry's producer asks librdkafka for idempotence
  // unless told otherwise, which librdkafka would then refuse to start with.
  void Idempotence() {
    std::string conflict;
    int64_t n = 0;
    if (auto acks = Get("acks"); acks && Lower(*acks) != "all" && *acks != "-1") {
      conflict = Cat("acks=", *acks);
    } else if (auto retries = Get("retries"); retries && *retries == "0") {
      conflict = "retries=0";
    } else if (auto inflight = Get("max.in.flight.requests.per.connection");
               inflight && ParseInt(*inflight, &n) && n > 5) {
      conflict = Cat("max.in.flight.requests.per.connection=", n);
    }
    if (conflict.empty()) return;
    const std::optional<std::string> given = Get("enable.idempotence");
    if (!given) {
      Emit("enable.idempotence", "false", conflict.substr(0, conflict.find('=')));
    } else if (Lower(*given) == "true") {
      Refuse("enable.idempotence", Cat("needs acks=all, retries above 0 and "
                                       "max.in.flight.requests.per.connection of at most 5, but ",
                                       conflict, " is set"));
    }
  }

  // The user's librdkafka names win over translations to the same property
  // (aliases included); every translated value is checked by librdkafka.
  void Finish() {
    std::map<std::string, std::string> native_by_canonical;
    for (const auto& [key, value] : native_) {
      native_by_canonical[Canonical(key)] = key;
      out_.librdkafka[key] = value;
    }
    std::map<std::string, std::string> taken;  // canonical → the Java key that set it.
    for (const Pending& p : java_) {
      const std::string canonical = Canonical(p.key);
      const std::string target = p.key == p.source ? "" : Cat(" (librdkafka's ", p.key, ")");
      if (auto it = native_by_canonical.find(canonical); it != native_by_canonical.end()) {
        Warn(p.source, Cat(it->second, " is set too, and librdkafka's own name wins over ",
                           p.source, target));
        continue;
      }
      if (auto it = taken.find(canonical); it != taken.end() && it->second != p.source) {
        Warn(p.source, Cat("ignored: ", it->second, " sets librdkafka's ", p.key, " already"));
        continue;
      }
      std::string error;
      switch (scratch_.Set(p.key, p.value, &error)) {
        case RD_KAFKA_CONF_OK:
          break;
        case RD_KAFKA_CONF_INVALID:
          Refuse(p.source, Cat("librdkafka refuses ", p.key, ": ", error));
          continue;
        case RD_KAFKA_CONF_UNKNOWN: {
          const bool harmless =
              p.spec != nullptr &&
              (p.spec->if_lacking == "*" ||
               (!p.spec->if_lacking.empty() && MapValue(p.spec->if_lacking, p.value)));
          const std::string why = Cat(LibrdkafkaVersion(), " has no ", p.key);
          if (harmless) {
            Warn(p.source, p.spec->if_lacking == "*"
                               ? Cat("ignored: ", why, " (newer librdkafka versions have it)")
                               : Cat("ignored: ", why, ", and behaves as ", p.value, " anyway"));
          } else {
            Refuse(p.source, Cat(why, ", so ", p.source, " cannot be honoured"));
          }
          continue;
        }
      }
      if (!Applies(p.key, role_)) {
        Warn(p.source, Cat("ignored: ", LibrdkafkaVersion(), " applies ", p.key, " to ",
                           ScopeName(p.key), " only"));
        continue;
      }
      out_.librdkafka[p.key] = p.value;
      taken[canonical] = p.source;
    }
  }

  const std::map<std::string, std::string>& props_;
  const ClientRole role_;
  std::string protocol_;
  bool ssl_ = false;
  bool sasl_ = false;
  std::set<Group> groups_;
  std::vector<Pending> java_;
  std::map<std::string, std::string> native_;
  ScratchConf scratch_;
  ClientKeyTranslation out_;
};

}  // namespace

std::string_view ClientRoleName(ClientRole role) {
  switch (role) {
    case ClientRole::kConsumer:
      return "consumer";
    case ClientRole::kProducer:
      return "producer";
    case ClientRole::kAdmin:
      return "admin";
  }
  return "";
}

ClientKeyTranslation TranslateClientProperties(const std::map<std::string, std::string>& props,
                                               ClientRole role) {
  return Translator(props, role).Run();
}

const std::vector<ClientKeyRow>& ClientKeyTable() {
  static const auto* rows = [] {
    auto* out = new std::vector<ClientKeyRow>;
    for (const Spec& s : kSpecs) {
      out->push_back(ClientKeyRow{s.java_key, s.roles, s.librdkafka, TreatmentName(s.treatment),
                                  s.note, s.example, s.example_with});
    }
    return out;
  }();
  return *rows;
}

namespace {

// The file of a store as PKCS12 bytes, or why it cannot be one.
absl::StatusOr<std::string> ReadStoreFile(const std::string& location, std::string_view type,
                                          std::string_view prefix) {
  absl::StatusOr<std::string> data = ReadFile(location);
  if (!data.ok()) return absl::InvalidArgumentError(std::string(data.status().message()));
  if (Upper(type) == "PEM") return data;
  const StoreFormat format = Sniff(*data);
  if (format == StoreFormat::kJks || format == StoreFormat::kJceks) {
    return absl::InvalidArgumentError(KeytoolAdvice(location, prefix, format, "OpenSSL"));
  }
  if (format != StoreFormat::kPkcs12) {
    return absl::InvalidArgumentError(Cat(location, " is neither a PKCS12 nor a JKS keystore (",
                                          prefix, ".type ", type, "); use a PKCS12 or PEM file"));
  }
  return data;
}

}  // namespace

absl::StatusOr<std::string> ReadTruststoreAsPem(const std::string& location, std::string_view type,
                                                const std::optional<std::string>& password,
                                                std::string_view prefix) {
  absl::StatusOr<std::string> data = ReadStoreFile(location, type, prefix);
  if (!data.ok()) return data.status();
  if (Upper(type) == "PEM") {
    absl::StatusOr<std::vector<X509Ptr>> certs = LoadPemCerts(*data);
    if (!certs.ok())
      return absl::InvalidArgumentError(Cat(location, " ", std::string(certs.status().message())));
    return CertsToPem(*certs);
  }
  absl::StatusOr<Pkcs12Contents> p12 = ReadPkcs12(*data, password, Cat(prefix, ".password"));
  if (!p12.ok())
    return absl::InvalidArgumentError(Cat(location, " ", std::string(p12.status().message())));
  if (p12->certs.empty()) return absl::InvalidArgumentError(Cat(location, " holds no certificate"));
  return CertsToPem(p12->certs);
}

absl::StatusOr<KeystorePem> ReadKeystoreAsPem(const std::string& location, std::string_view type,
                                              const std::optional<std::string>& password,
                                              const std::optional<std::string>& key_password,
                                              std::string_view prefix) {
  absl::StatusOr<std::string> data = ReadStoreFile(location, type, prefix);
  if (!data.ok()) return data.status();
  std::vector<X509Ptr> certs;
  PkeyPtr key;
  if (Upper(type) == "PEM") {
    absl::StatusOr<std::vector<X509Ptr>> c = LoadPemCerts(*data);
    if (!c.ok())
      return absl::InvalidArgumentError(Cat(location, " ", std::string(c.status().message())));
    absl::StatusOr<PkeyPtr> k = LoadPemKey(*data, key_password);
    if (!k.ok())
      return absl::InvalidArgumentError(Cat(location, " ", std::string(k.status().message())));
    certs = std::move(*c);
    key = std::move(*k);
  } else {
    absl::StatusOr<Pkcs12Contents> p12 = ReadPkcs12(*data, password, Cat(prefix, ".password"));
    if (!p12.ok())
      return absl::InvalidArgumentError(Cat(location, " ", std::string(p12.status().message())));
    if (!p12->has_key || p12->certs.empty()) {
      return absl::InvalidArgumentError(
          Cat(location, " holds no private key with its certificate"));
    }
    certs = std::move(p12->certs);
    key = std::move(p12->key);
  }
  if (X509_check_private_key(certs.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        Cat("the key in ", location, " does not belong to its first certificate"));
  }
  KeystorePem out;
  out.certificate_chain = CertsToPem(certs);
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* pem = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &pem);
  out.private_key.assign(pem, static_cast<size_t>(n));
  OPENSSL_cleanse(pem, static_cast<size_t>(n));
  return out;
}

bool LibrdkafkaAppliesProperty(std::string_view name, ClientRole role) {
  const auto& props = RdProperties();
  if (props.find(name) == props.end()) {
    // Not listed: hidden, or unknown to this librdkafka.
    ScratchConf conf;
    std::string error;
    if (conf.Set(std::string(name), "", &error) == RD_KAFKA_CONF_UNKNOWN) return false;
  }
  return Applies(name, role);
}

}  // namespace ferry::kafka
