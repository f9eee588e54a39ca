#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_def.h"

namespace ferry {

// Names of Kafka Connect's common keys, for code that reads them.
namespace connect_keys {
inline constexpr char kName[] = "name";
inline constexpr char kConnectorClass[] = "connector.class";
inline constexpr char kTasksMax[] = "tasks.max";
inline constexpr char kTopics[] = "topics";
inline constexpr char kTopicsRegex[] = "topics.regex";
inline constexpr char kKeyConverter[] = "key.converter";
inline constexpr char kValueConverter[] = "value.converter";
inline constexpr char kHeaderConverter[] = "header.converter";
inline constexpr char kConfigActionReload[] = "config.action.reload";
inline constexpr char kTransforms[] = "transforms";
inline constexpr char kPredicates[] = "predicates";
inline constexpr char kErrorsRetryTimeout[] = "errors.retry.timeout";
inline constexpr char kErrorsRetryDelayMaxMs[] = "errors.retry.delay.max.ms";
inline constexpr char kErrorsTolerance[] = "errors.tolerance";
inline constexpr char kErrorsLogEnable[] = "errors.log.enable";
inline constexpr char kErrorsLogIncludeMessages[] = "errors.log.include.messages";
inline constexpr char kDlqTopicName[] = "errors.deadletterqueue.topic.name";
inline constexpr char kDlqTopicReplicationFactor[] =
    "errors.deadletterqueue.topic.replication.factor";
inline constexpr char kDlqContextHeadersEnable[] = "errors.deadletterqueue.context.headers.enable";

// Standalone worker keys.
inline constexpr char kBootstrapServers[] = "bootstrap.servers";
inline constexpr char kOffsetFlushIntervalMs[] = "offset.flush.interval.ms";
inline constexpr char kOffsetStorageFileFilename[] = "offset.storage.file.filename";
inline constexpr char kPluginPath[] = "plugin.path";
inline constexpr char kListeners[] = "listeners";
inline constexpr char kRestPort[] = "rest.port";
inline constexpr char kTaskShutdownGracefulTimeoutMs[] = "task.shutdown.graceful.timeout.ms";
}  // namespace connect_keys

// Kafka Connect's common sink connector keys (ConnectorConfig +
// SinkConnectorConfig) with Connect's defaults and docs, and its cross-key
// rules: exactly one of topics / topics.regex, and the DLQ topic must not be
// one of the consumed topics. The table lives for the whole program.
const ConfigDef& SinkConnectorConfigDef();

// The standalone worker keys ferry honours (see README.md for the keys it
// accepts but does not use, and why). The table lives for the whole program.
const ConfigDef& WorkerConfigDef();

// The known key closest to `unknown` by edit distance (case-insensitive,
// a transposition counts as one edit), for "did you mean" hints; "" when
// none is close enough to be a plausible typo. Ties go to the earlier key.
std::string ClosestKey(std::string_view unknown, const std::vector<std::string>& known);

// The keys of props that start with prefix (and are longer than it), with
// the prefix stripped; as Kafka's originalsWithPrefix.
std::map<std::string, std::string> WithPrefix(const std::map<std::string, std::string>& props,
                                              std::string_view prefix);

// One error per key of props that none of defs defines and that starts with
// none of allowed_prefixes (e.g. "transforms.", "consumer.override."):
// "Unknown configuration" plus a "did you mean" hint when one is close.
// They are ignorable: Connect runs a config with keys it does not define.
std::vector<ConfigError> UnknownKeyErrors(const std::map<std::string, std::string>& props,
                                          const std::vector<const ConfigDef*>& defs,
                                          const std::vector<std::string>& allowed_prefixes);

}  // namespace ferry
