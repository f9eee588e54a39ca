#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bigquery/schema_mapping.h"
#include "config/config_def.h"

namespace ferry::bigquery {

// Key names: kcbq 2.x's (BigQuerySinkConfig.java), plus ferry's own under
// "ferry.bigquery.".
namespace keys {
inline constexpr char kProject[] = "project";
inline constexpr char kDefaultDataset[] = "defaultDataset";
inline constexpr char kKeyfile[] = "keyfile";
inline constexpr char kKeySource[] = "keySource";
inline constexpr char kTopic2TableMap[] = "topic2TableMap";
inline constexpr char kSanitizeTopics[] = "sanitizeTopics";
inline constexpr char kSanitizeFieldNames[] = "sanitizeFieldNames";
inline constexpr char kAutoCreateTables[] = "autoCreateTables";
inline constexpr char kAllowNewBigQueryFields[] = "allowNewBigQueryFields";
inline constexpr char kAllowRequiredFieldRelaxation[] = "allowBigQueryRequiredFieldRelaxation";
inline constexpr char kAllowSchemaUnionization[] = "allowSchemaUnionization";
inline constexpr char kAllBQFieldsNullable[] = "allBQFieldsNullable";
inline constexpr char kTimestampPartitionFieldName[] = "timestampPartitionFieldName";
inline constexpr char kTimePartitioningType[] = "timePartitioningType";
inline constexpr char kBigQueryPartitionDecorator[] = "bigQueryPartitionDecorator";
inline constexpr char kBigQueryMessageTimePartitioning[] = "bigQueryMessageTimePartitioning";
inline constexpr char kClusteringPartitionFieldNames[] = "clusteringPartitionFieldNames";
inline constexpr char kPartitionExpirationMs[] = "partitionExpirationMs";
inline constexpr char kKafkaKeyFieldName[] = "kafkaKeyFieldName";
inline constexpr char kKafkaDataFieldName[] = "kafkaDataFieldName";
inline constexpr char kBigQueryRetry[] = "bigQueryRetry";
inline constexpr char kBigQueryRetryWait[] = "bigQueryRetryWait";
inline constexpr char kQueueSize[] = "queueSize";
inline constexpr char kThreadPoolSize[] = "threadPoolSize";
inline constexpr char kUseStorageWriteApi[] = "useStorageWriteApi";
inline constexpr char kEnableBatchMode[] = "enableBatchMode";
inline constexpr char kEnableBatchLoad[] = "enableBatchLoad";
inline constexpr char kCommitInterval[] = "commitInterval";
inline constexpr char kUpsertEnabled[] = "upsertEnabled";
inline constexpr char kDeleteEnabled[] = "deleteEnabled";
// kcbq 2.x keys ferry accepts without their feature (batch loading through
// GCS, upsert/delete merges, Avro) or refuses unless left at kcbq's default.
inline constexpr char kBatchLoadIntervalSec[] = "batchLoadIntervalSec";
inline constexpr char kGcsBucketName[] = "gcsBucketName";
inline constexpr char kGcsFolderName[] = "gcsFolderName";
inline constexpr char kAutoCreateBucket[] = "autoCreateBucket";
inline constexpr char kSchemaRetriever[] = "schemaRetriever";
inline constexpr char kAvroDataCacheSize[] = "avroDataCacheSize";
inline constexpr char kConvertDoubleSpecialValues[] = "convertDoubleSpecialValues";
inline constexpr char kIntermediateTableSuffix[] = "intermediateTableSuffix";
inline constexpr char kMergeIntervalMs[] = "mergeIntervalMs";
inline constexpr char kMergeRecordsThreshold[] = "mergeRecordsThreshold";
inline constexpr char kMaxRetries[] = "max.retries";
inline constexpr char kEnableRetries[] = "enableRetries";
inline constexpr char kConvertDebeziumTimestampToInteger[] = "convertDebeziumTimestampToInteger";
// Keys of Aiven's fork (Aiven-Open/bigquery-connector-for-apache-kafka).
inline constexpr char kDecimalHandlingMode[] = "decimalHandlingMode";
inline constexpr char kVariableScaleDecimalHandlingMode[] = "variableScaleDecimalHandlingMode";
inline constexpr char kConvertDebeziumVariableScaleDecimal[] =
    "convertDebeziumVariableScaleDecimal";  // deprecated by Aiven for the one above.
inline constexpr char kIgnoreUnknownFields[] = "ignoreUnknownFields";
inline constexpr char kTrackPutAttempts[] = "trackPutAttempts";
inline constexpr char kPreserveKafkaTopicPartitionOffset[] = "preserveKafkaTopicPartitionOffset";
inline constexpr char kUseCredentialsProjectId[] = "useCredentialsProjectId";
inline constexpr char kMediateConcurrentSchemaUpdates[] = "mediateConcurrentSchemaUpdates";
inline constexpr char kConcurrentSchemaUpdateMaxRetries[] = "concurrentSchemaUpdateMaxRetries";
inline constexpr char kConcurrentSchemaUpdateRetryWaitMs[] = "concurrentSchemaUpdateRetryWaitMs";
// ferry's runtime key that kcbq's enableRetries / max.retries map onto.
inline constexpr char kTaskRestartMaxAttempts[] = "ferry.task.restart.max.attempts";
inline constexpr char kIdentitySchemaRetriever[] =
    "com.wepay.kafka.connect.bigquery.retrieve.IdentitySchemaRetriever";
inline constexpr char kRestEndpoint[] = "ferry.bigquery.rest.endpoint";
inline constexpr char kStorageEndpoint[] = "ferry.bigquery.storage.endpoint";
inline constexpr char kMaxRequestBytes[] = "ferry.bigquery.max.request.bytes";
inline constexpr char kWriteMode[] = "ferry.bigquery.write.mode";
inline constexpr char kTokenEndpoint[] = "ferry.bigquery.token.endpoint";
}  // namespace keys

// BigQuery's hard limit on one AppendRows request (10 MB).
inline constexpr int64_t kAppendRowsLimitBytes = 10 * 1024 * 1024;
// ferry's default: the limit minus headroom for the request envelope
// (write_stream name, writer schema, per-row framing).
inline constexpr int64_t kDefaultMaxRequestBytes = kAppendRowsLimitBytes - 512 * 1024;

inline constexpr char kDefaultRestEndpoint[] = "https://bigquery.googleapis.com";
inline constexpr char kDefaultStorageEndpoint[] = "bigquerystorage.googleapis.com:443";

// The writer's keys, with kcbq's defaults and documentation. Keys whose
// behaviour ferry does not have yet are defined (so they are documented and
// typed) but refused by ValidateBigQuerySinkConfig when set to a value that
// would need that behaviour.
const ConfigDef& BigQuerySinkConfigDef();

// Types, validators and cross-key rules, plus the refusals of what ferry does
// not support yet ("... is not supported yet by ferry"). Keys the table does
// not know are not reported here (the connector config decides about them).
std::vector<ConfigError> ValidateBigQuerySinkConfig(
    const std::map<std::string, std::string>& props);

enum class TimePartitioningType { kHour, kDay, kMonth, kYear, kNone };

// How rows reach BigQuery.
enum class WriteMode {
  kExactlyOnce,    // COMMITTED write streams per (table, partition), offsets with the Kafka commit.
  kDefaultStream,  // the table's _default stream: at-least-once.
  kInsertAll,      // useStorageWriteApi=false: tabledata.insertAll, at-least-once.
  kBatch,          // enableBatchMode: PENDING streams per (table, partition), committed every
                   // commitInterval; exactly-once as kExactlyOnce.
};

// The validated, typed form the writer is built from.
struct BigQuerySinkSettings {
  std::string project;
  std::string default_dataset;
  std::map<std::string, std::string> topic_to_table;  // topic2TableMap.
  bool sanitize_topics = false;
  bool sanitize_field_names = false;
  bool auto_create_tables = true;
  bool all_fields_nullable = false;
  std::string timestamp_partition_field;  // empty = ingestion-time partitioning.
  TimePartitioningType partitioning = TimePartitioningType::kDay;
  // clusteringPartitionFieldNames; empty unless timestamp_partition_field is
  // set (kcbq clusters only tables partitioned on a column).
  std::vector<std::string> clustering_fields;
  std::optional<int64_t> partition_expiration_ms;
  std::string kafka_key_field;   // empty = not written.
  std::string kafka_data_field;  // empty = not written.
  int retries = 0;               // bigQueryRetry.
  absl::Duration retry_wait = absl::Seconds(1);
  int max_in_flight = 10;  // threadPoolSize: concurrent AppendRows per stream.
  std::string rest_endpoint = kDefaultRestEndpoint;
  std::string storage_endpoint = kDefaultStorageEndpoint;
  int64_t max_request_bytes = kDefaultMaxRequestBytes;
  WriteMode write_mode = WriteMode::kExactlyOnce;
  absl::Duration commit_interval = absl::Seconds(60);  // commitInterval (batch mode).
  // Schema updates (kcbq's keys).
  bool allow_new_fields = false;    // allowNewBigQueryFields
  bool allow_relaxation = false;    // allowBigQueryRequiredFieldRelaxation
  bool allow_unionization = false;  // allowSchemaUnionization
  // mediateConcurrentSchemaUpdates: a tables.patch refused because the table
  // changed since it was read (412) is tried again up to
  // concurrent_update_retries times, each after concurrent_update_wait,
  // re-reading the table first; false = once, at once.
  bool mediate_concurrent_updates = false;
  int concurrent_update_retries = 3;                             // concurrentSchemaUpdateMaxRetries
  absl::Duration concurrent_update_wait = absl::Seconds(10);     // concurrentSchemaUpdateRetryWaitMs
  // Mapping and rows (see SchemaMappingOptions and RowEncoderOptions).
  bool debezium_timestamp_as_integer = false;  // convertDebeziumTimestampToInteger
  std::optional<DecimalHandling> decimal_handling;  // decimalHandlingMode; nullopt = unset.
  // variableScaleDecimalHandlingMode, or NUMERIC for the deprecated
  // convertDebeziumVariableScaleDecimal=true while it is at its default.
  DecimalHandling variable_scale_decimal_handling = DecimalHandling::kRecord;
  bool ignore_unknown_fields = false;  // ignoreUnknownFields
  // trackPutAttempts, and only when kafka_data_field is set (as Aiven's).
  bool track_put_attempts = false;
  bool original_coordinates = false;       // preserveKafkaTopicPartitionOffset
  bool use_credentials_project_id = false;  // useCredentialsProjectId (no effect: sink_config.cc)
  // Credentials (see google_auth.h). Anonymous when keyfile is empty, the key
  // source is not APPLICATION_DEFAULT and neither endpoint is Google's.
  std::string keyfile;  // a path (FILE) or the key itself (JSON): a secret.
  std::string key_source = "FILE";
  std::string token_endpoint;  // "" = Google's.
  // Not a connector key: `ferry replay --dry-run`. Write() then tells what it
  // would do (see CreateBigQuerySinkWriter) and changes nothing anywhere.
  bool dry_run = false;
};

// kcbq 1.x keys that kcbq 2.x removed, each with what replaces it (the
// message ferry answers them with).
const std::vector<std::pair<std::string, std::string>>& RemovedKcbqKeys();

// Validates (as above) and returns the settings; InvalidArgument listing every
// problem as "key: message" lines otherwise.
absl::StatusOr<BigQuerySinkSettings> ParseBigQuerySinkSettings(
    const std::map<std::string, std::string>& props);

// kcbq 2.x's enableRetries + max.retries as ferry's limit on restarts in a
// row (ferry.task.restart.max.attempts): max.retries with enableRetries=true
// (kcbq fails the task once max.retries put() calls in a row failed
// retriably), -1 = no limit with enableRetries=false; nullopt when the
// properties set neither key, or set ferry.task.restart.max.attempts
// themselves (which then decides), or are invalid.
std::optional<int> KcbqRestartLimit(const std::map<std::string, std::string>& props);

// Parses kcbq's topic2TableMap ("t1:tab1,t2:tab2") with kcbq's rules (no
// duplicate topics or tables, both sides non-empty).
absl::StatusOr<std::map<std::string, std::string>> ParseTopic2TableMap(const std::string& text);

// True for an endpoint that reaches Google itself (so needs credentials).
bool IsGoogleEndpoint(const std::string& endpoint);

}  // namespace ferry::bigquery
