#include "config/connector_config.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <regex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ferry {
namespace {

using connect_keys::kDlqTopicName;
using connect_keys::kTopics;
using connect_keys::kTopicsRegex;

std::string_view JavaTrim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  return s.substr(b, e - b);
}

bool IsSet(const std::map<std::string, std::string>& props, const char* key) {
  auto it = props.find(key);
  return it != props.end() && !JavaTrim(it->second).empty();
}

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = JavaTrim(text.substr(start, comma - start));
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

// SinkConnectorConfig.validate, reporting on each key concerned (as
// AbstractHerder.validateSinkConnectorConfig does) rather than stopping at the
// first problem.
std::vector<ConfigError> CheckSinkTopics(const std::map<std::string, std::string>& props) {
  std::vector<ConfigError> errors;
  bool has_topics = IsSet(props, kTopics);
  bool has_regex = IsSet(props, kTopicsRegex);
  if (has_topics && has_regex) {
    std::string message = absl::StrCat(kTopics, " and ", kTopicsRegex,
                                       " are mutually exclusive options, but both are set.");
    errors.push_back({kTopics, message});
    errors.push_back({kTopicsRegex, message});
  } else if (!has_topics && !has_regex) {
    std::string message = absl::StrCat("Must configure one of ", kTopics, " or ", kTopicsRegex);
    errors.push_back({kTopics, message});
    errors.push_back({kTopicsRegex, message});
  }
  if (!IsSet(props, kDlqTopicName)) return errors;
  std::string dlq(JavaTrim(props.at(kDlqTopicName)));
  if (has_topics) {
    std::vector<std::string> topics = SplitList(props.at(kTopics));
    if (std::find(topics.begin(), topics.end(), dlq) != topics.end()) {
      errors.push_back(
          {kDlqTopicName,
           absl::StrCat("The DLQ topic '", dlq, "' may not be included in the list of topics ('",
                        kTopics, "=", absl::StrJoin(topics, ","), "') consumed by the connector")});
    }
  }
  if (has_regex) {
    const std::string& regex_text = props.at(kTopicsRegex);
    // Connect compiles a java.util.regex.Pattern; ECMAScript agrees with it on
    // the patterns topic regexes use. One it cannot compile (Java-only syntax)
    // is left to the consumer, which reports a bad subscription itself.
    try {
      std::regex pattern(regex_text, std::regex::ECMAScript);
      if (std::regex_match(dlq, pattern)) {
        errors.push_back(
            {kDlqTopicName,
             absl::StrCat("The DLQ topic '", dlq,
                          "' may not be included in the regex matching the topics ('", kTopicsRegex,
                          "=", regex_text, "') consumed by the connector")});
      }
    } catch (const std::regex_error&) {
    }
  }
  return errors;
}

ConfigDef BuildSinkConnectorConfigDef() {
  ConfigDef def;
  const std::string common = "Common";
  const std::string transforms = "Transforms";
  const std::string predicates = "Predicates";
  const std::string errors = "Error Handling";
  def.Define({.name = "name",
              .type = ConfigType::kString,
              .default_value = std::nullopt,
              .importance = Importance::kHigh,
              .doc = "Globally unique name to use for this connector.",
              .validator = validators::NonEmptyStringWithoutControlChars(),
              .group = common,
              .valid_values = "non-empty string without ISO control characters"});
  def.Define({.name = "connector.class",
              .type = ConfigType::kString,
              .default_value = std::nullopt,
              .importance = Importance::kHigh,
              .doc = "Name or alias of the class for this connector. Must be a subclass of "
                     "org.apache.kafka.connect.connector.Connector. ferry runs the BigQuery sink "
                     "(com.wepay.kafka.connect.bigquery.BigQuerySinkConnector, or its alias "
                     "BigQuerySinkConnector / BigQuerySink).",
              .group = common});
  def.Define({.name = "tasks.max",
              .type = ConfigType::kInt,
              .default_value = "1",
              .importance = Importance::kHigh,
              .doc = "Maximum number of tasks to use for this connector.",
              .validator = validators::AtLeast(1),
              .group = common,
              .valid_values = "[1,...]"});
  def.Define({.name = "tasks.max.enforce",
              .type = ConfigType::kBoolean,
              .default_value = "true",
              .importance = Importance::kLow,
              .doc = "(Deprecated) Whether to enforce that the tasks.max property is respected by "
                     "the connector. By default, connectors that generate too many tasks will "
                     "fail, and existing sets of tasks that exceed the tasks.max property will "
                     "also be failed. If this property is set to false, then connectors will be "
                     "allowed to generate more than the maximum number of tasks, and existing "
                     "sets of tasks that exceed the tasks.max property will be allowed to run. "
                     "This property is deprecated and will be removed in an upcoming major "
                     "release. (ferry: accepted, no effect with either value: ferry starts "
                     "exactly tasks.max tasks per connector and never more, so there is no "
                     "excess to enforce or allow)",
              .group = common});
  def.Define({.name = "topics",
              .type = ConfigType::kList,
              .default_value = "",
              .importance = Importance::kHigh,
              .doc = "List of topics to consume, separated by commas.",
              .group = common});
  def.Define({.name = "topics.regex",
              .type = ConfigType::kString,
              .default_value = "",
              .importance = Importance::kHigh,
              .doc = "Regular expression giving topics to consume. Only one of topics or "
                     "topics.regex should be specified.",
              .group = common,
              .valid_values = "valid regex"});
  def.Define({.name = "key.converter",
              .type = ConfigType::kClass,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "Converter class used to convert between Kafka Connect format and the "
                     "serialized form that is written to Kafka. This controls the format of the "
                     "keys in messages written to or read from Kafka, and since this is "
                     "independent of connectors it allows any connector to work with any "
                     "serialization format. Examples of common formats include JSON and Avro. "
                     "When unset, the worker's key.converter is used.",
              .group = common});
  def.Define({.name = "value.converter",
              .type = ConfigType::kClass,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "Converter class used to convert between Kafka Connect format and the "
                     "serialized form that is written to Kafka. This controls the format of the "
                     "values in messages written to or read from Kafka, and since this is "
                     "independent of connectors it allows any connector to work with any "
                     "serialization format. Examples of common formats include JSON and Avro. "
                     "When unset, the worker's value.converter is used.",
              .group = common});
  def.Define({.name = "header.converter",
              .type = ConfigType::kClass,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "HeaderConverter class used to convert between Kafka Connect format and the "
                     "serialized form that is written to Kafka. This controls the format of the "
                     "header values in messages written to or read from Kafka. When unset, the "
                     "worker's header.converter (by default SimpleHeaderConverter, which "
                     "serializes header values to strings and infers their schemas) is used.",
              .group = common});
  def.Define({.name = "config.action.reload",
              .type = ConfigType::kString,
              .default_value = "restart",
              .importance = Importance::kLow,
              .doc = "The action that Connect should take on the connector when changes in "
                     "external configuration providers result in a change in the connector's "
                     "configuration properties. A value of 'none' indicates that Connect will do "
                     "nothing. A value of 'restart' indicates that Connect should restart/reload "
                     "the connector with the updated configuration properties.",
              .validator = validators::OneOf({"none", "restart"}, /*case_insensitive=*/true),
              .group = common,
              .valid_values = "[none, restart]"});
  def.Define({.name = "transforms",
              .type = ConfigType::kList,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "Aliases for the transformations to be applied to records.",
              .validator = validators::UniqueListItems(),
              .group = transforms,
              .valid_values = "distinct aliases"});
  def.Define({.name = "predicates",
              .type = ConfigType::kList,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "Aliases for the predicates used by transformations.",
              .validator = validators::UniqueListItems(),
              .group = predicates,
              .valid_values = "distinct aliases"});
  def.Define({.name = "errors.retry.timeout",
              .type = ConfigType::kLong,
              .default_value = "0",
              .importance = Importance::kMedium,
              .doc = "The maximum duration in milliseconds that a failed operation will be "
                     "reattempted. The default is 0, which means no retries will be attempted. "
                     "Use -1 for infinite retries.",
              .group = errors});
  def.Define({.name = "errors.retry.delay.max.ms",
              .type = ConfigType::kLong,
              .default_value = "60000",
              .importance = Importance::kMedium,
              .doc = "The maximum duration in milliseconds between consecutive retry attempts. "
                     "Jitter will be added to the delay once this limit is reached to prevent "
                     "thundering herd issues.",
              .group = errors});
  def.Define({.name = "errors.tolerance",
              .type = ConfigType::kString,
              .default_value = "none",
              .importance = Importance::kMedium,
              .doc = "Behavior for tolerating errors during connector operation. 'none' is the "
                     "default value and signals that any error will result in an immediate "
                     "connector task failure; 'all' changes the behavior to skip over "
                     "problematic records.",
              // Connect's ValidString.in is case-sensitive here.
              .validator = validators::OneOf({"none", "all"}, /*case_insensitive=*/false),
              .group = errors,
              .valid_values = "[none, all]"});
  def.Define({.name = "errors.log.enable",
              .type = ConfigType::kBoolean,
              .default_value = "false",
              .importance = Importance::kMedium,
              .doc = "If true, write each error and the details of the failed operation and "
                     "problematic record to the Connect application log. This is 'false' by "
                     "default, so that only errors that are not tolerated are reported.",
              .group = errors});
  def.Define({.name = "errors.log.include.messages",
              .type = ConfigType::kBoolean,
              .default_value = "false",
              .importance = Importance::kMedium,
              .doc = "Whether to include in the log the Connect record that resulted in a "
                     "failure. For sink records, the topic, partition, offset, and timestamp "
                     "will be logged. This is 'false' by default, which will prevent record "
                     "keys, values, and headers from being written to log files.",
              .group = errors});
  def.Define({.name = "errors.deadletterqueue.topic.name",
              .type = ConfigType::kString,
              .default_value = "",
              .importance = Importance::kMedium,
              .doc = "The name of the topic to be used as the dead letter queue (DLQ) for "
                     "messages that result in an error when processed by this sink connector, "
                     "or its transformations or converters. The topic name is blank by default, "
                     "which means that no messages are to be recorded in the DLQ.",
              .group = errors});
  def.Define({.name = "errors.deadletterqueue.topic.replication.factor",
              .type = ConfigType::kInt,
              .default_value = "3",
              .importance = Importance::kMedium,
              .doc = "Replication factor used to create the dead letter queue topic when it "
                     "doesn't already exist.",
              // Connect's type is SHORT.
              .validator = validators::Between(std::numeric_limits<int16_t>::min(),
                                               std::numeric_limits<int16_t>::max()),
              .group = errors,
              .valid_values = "[-32768,...,32767]"});
  def.Define({.name = "errors.deadletterqueue.context.headers.enable",
              .type = ConfigType::kBoolean,
              .default_value = "false",
              .importance = Importance::kMedium,
              .doc = "If true, add headers containing error context to the messages written to "
                     "the dead letter queue. To avoid clashing with headers from the original "
                     "record, all error context header keys will start with __connect.errors.",
              .group = errors});
  def.Check(CheckSinkTopics);
  return def;
}

ConfigDef BuildWorkerConfigDef() {
  ConfigDef def;
  const std::string worker = "Worker";
  def.Define({.name = "bootstrap.servers",
              .type = ConfigType::kList,
              .default_value = std::nullopt,
              .importance = Importance::kHigh,
              .doc = "A list of host/port pairs to use for establishing the initial connection "
                     "to the Kafka cluster, in the form host1:port1,host2:port2,... It need not "
                     "contain every broker: the client discovers the full cluster from these. "
                     "Required: Connect falls back to localhost:9092, so a misspelt key would "
                     "silently point the worker elsewhere; ferry refuses to start instead.",
              .group = worker});
  def.Define({.name = "key.converter",
              .type = ConfigType::kClass,
              .default_value = std::nullopt,
              .importance = Importance::kHigh,
              .doc = "Converter class used to convert between Kafka Connect format and the "
                     "serialized form that is written to Kafka. This controls the format of the "
                     "keys in messages written to or read from Kafka. A connector may override "
                     "it with its own key.converter.",
              .group = worker});
  def.Define({.name = "value.converter",
              .type = ConfigType::kClass,
              .default_value = std::nullopt,
              .importance = Importance::kHigh,
              .doc = "Converter class used to convert between Kafka Connect format and the "
                     "serialized form that is written to Kafka. This controls the format of the "
                     "values in messages written to or read from Kafka. A connector may override "
                     "it with its own value.converter.",
              .group = worker});
  def.Define({.name = "header.converter",
              .type = ConfigType::kClass,
              .default_value = "org.apache.kafka.connect.storage.SimpleHeaderConverter",
              .importance = Importance::kLow,
              .doc = "HeaderConverter class used to convert between Kafka Connect format and the "
                     "serialized form that is written to Kafka. This controls the format of the "
                     "header values in messages written to or read from Kafka. By default, the "
                     "SimpleHeaderConverter is used to serialize header values to strings and "
                     "deserialize them by inferring the schemas.",
              .group = worker});
  def.Define({.name = "offset.flush.interval.ms",
              .type = ConfigType::kLong,
              .default_value = "60000",
              .importance = Importance::kLow,
              .doc = "Interval at which to try committing offsets for tasks.",
              .validator = validators::AtLeast(0),
              .group = worker,
              .valid_values = "[0,...]"});
  def.Define({.name = "offset.storage.file.filename",
              .type = ConfigType::kString,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "Accepted for compatibility with Connect standalone worker files, and not "
                     "used: a sink's offsets are its consumer group's committed offsets in "
                     "Kafka, which is where ferry keeps them.",
              .group = worker});
  def.Define({.name = "plugin.path",
              .type = ConfigType::kList,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "Accepted for compatibility and ignored: ferry's connector, converters and "
                     "transforms are built in; it loads no Java plugins.",
              .group = worker});
  def.Define({.name = "listeners",
              .type = ConfigType::kList,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "List of comma-separated URIs the REST API will listen on, e.g. "
                     "http://:8083. When unset, http://:<rest.port> (port 8083 by default).",
              .group = worker});
  def.Define({.name = "rest.port",
              .type = ConfigType::kInt,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "Port for the REST API to listen on when listeners is unset (deprecated in "
                     "Connect in favour of listeners).",
              .validator = validators::Between(0, 65535),
              .group = worker,
              .valid_values = "[0,...,65535]"});
  def.Define({.name = "rest.advertised.host.name",
              .type = ConfigType::kString,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "If this is set, this is the hostname that will be given out to other workers "
                     "to connect to (ferry: and the host of the worker id in statuses and of "
                     "Location headers; unset, the listener's host or the host name).",
              .group = worker});
  def.Define({.name = "rest.advertised.port",
              .type = ConfigType::kInt,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "If this is set, this is the port that will be given out to other workers to "
                     "connect to.",
              .validator = validators::Between(0, 65535),
              .group = worker,
              .valid_values = "[0,...,65535]"});
  def.Define({.name = "ferry.worker.id",
              .type = ConfigType::kString,
              .default_value = "",
              .importance = Importance::kLow,
              .doc = "ferry: this worker's stable name, for static membership; empty = the host "
                     "name. Two workers that run the same connector need different ids.",
              .group = worker});
  def.Define({.name = "ferry.consumer.static.membership",
              .type = ConfigType::kBoolean,
              .default_value = "false",
              .importance = Importance::kMedium,
              .doc = "ferry: give each task's consumer a group.instance.id (KIP-345 static "
                     "membership), <ferry.worker.id>-<connector>-<task>, the same across "
                     "restarts, so that a restarted worker takes its partitions back at once "
                     "instead of waiting out the old members' session.timeout.ms. The price: a "
                     "static member does not leave the group when it stops, so the partitions of "
                     "a task that is stopped for good reach another member only after "
                     "session.timeout.ms.",
              .group = worker});
  def.Define({.name = "task.shutdown.graceful.timeout.ms",
              .type = ConfigType::kLong,
              .default_value = "5000",
              .importance = Importance::kLow,
              .doc = "Amount of time to wait for tasks to shutdown gracefully. This is the total "
                     "amount of time, not per task. All task have shutdown triggered, then they "
                     "are waited on sequentially.",
              .validator = validators::AtLeast(0),
              .group = worker,
              .valid_values = "[0,...]"});
  return def;
}

// Optimal string alignment distance: Levenshtein plus adjacent transposition,
// the commonest typo in key names.
size_t EditDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  const size_t m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

}  // namespace

const ConfigDef& SinkConnectorConfigDef() {
  static const ConfigDef* const def = new ConfigDef(BuildSinkConnectorConfigDef());
  return *def;
}

const ConfigDef& WorkerConfigDef() {
  static const ConfigDef* const def = new ConfigDef(BuildWorkerConfigDef());
  return *def;
}

std::string ClosestKey(std::string_view unknown, const std::vector<std::string>& known) {
  std::string needle = absl::AsciiStrToLower(std::string(unknown));
  // About one edit per four characters, at most three: beyond that a match is
  // more likely a different key than a typo.
  size_t threshold = std::clamp<size_t>(needle.size() / 4, 1, 3);
  std::string best;
  size_t best_distance = threshold + 1;
  for (const std::string& candidate : known) {
    size_t distance = EditDistance(needle, absl::AsciiStrToLower(candidate));
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

std::map<std::string, std::string> WithPrefix(const std::map<std::string, std::string>& props,
                                              std::string_view prefix) {
  std::map<std::string, std::string> out;
  for (auto it = props.lower_bound(std::string(prefix)); it != props.end(); ++it) {
    if (!absl::StartsWith(it->first, absl::string_view(prefix.data(), prefix.size()))) break;
    if (it->first.size() > prefix.size()) out.emplace(it->first.substr(prefix.size()), it->second);
  }
  return out;
}

std::vector<ConfigError> UnknownKeyErrors(const std::map<std::string, std::string>& props,
                                          const std::vector<const ConfigDef*>& defs,
                                          const std::vector<std::string>& allowed_prefixes) {
  std::vector<std::string> known;
  for (const ConfigDef* def : defs) {
    for (const ConfigKey& key : def->keys()) known.push_back(key.name);
  }
  std::vector<ConfigError> errors;
  for (const auto& [key, value] : props) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    bool allowed =
        std::any_of(allowed_prefixes.begin(), allowed_prefixes.end(),
                    [&key = key](const std::string& p) { return absl::StartsWith(key, p); });
    if (allowed) continue;
    std::string message = absl::StrCat("Unknown configuration \"", key, "\"");
    std::string hint = ClosestKey(key, known);
    if (!hint.empty()) absl::StrAppend(&message, " (did you mean \"", hint, "\"?)");
    errors.push_back({key, std::move(message), /*ignorable=*/true});
  }
  return errors;
}

}  // namespace ferry
