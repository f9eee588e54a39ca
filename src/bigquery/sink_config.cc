#include "bigquery/sink_config.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace ferry::bigquery {
namespace {

ConfigKey Key(std::string name, ConfigType type, std::optional<std::string> default_value,
              Importance importance, std::string doc, Validator validator = nullptr,
              std::string valid_values = "") {
  ConfigKey key;
  key.name = std::move(name);
  key.type = type;
  key.default_value = std::move(default_value);
  key.importance = importance;
  key.doc = std::move(doc);
  key.validator = std::move(validator);
  key.group = "BigQuery";
  key.valid_values = std::move(valid_values);
  return key;
}

// kcbq's mergeIntervalMs / mergeRecordsThreshold validator.
Validator MergeSetting() {
  return [](const ConfigValue& v) -> std::string {
    if (v.i == 0) return "Cannot be zero";
    if (v.i < -1) return "Cannot be less than -1";
    return "";
  };
}

ConfigDef BuildDef() {
  using validators::AtLeast;
  using validators::Between;
  using validators::OneOf;
  ConfigDef def;
  def.Define(Key(keys::kProject, ConfigType::kString, std::nullopt, Importance::kHigh,
                 "The BigQuery project to write to"));
  def.Define(Key(keys::kDefaultDataset, ConfigType::kString, std::nullopt, Importance::kHigh,
                 "The default dataset to be used"));
  def.Define(Key(keys::kKeyfile, ConfigType::kPassword, "", Importance::kMedium,
                 "The file containing a JSON key with BigQuery service account credentials. "
                 "(ferry: service_account and authorized_user keys. Left empty with an endpoint "
                 "of Google's, application default credentials are used, as Google's Java client "
                 "does; left empty with another endpoint (the emulator), no credentials.)"));
  def.Define(Key(keys::kKeySource, ConfigType::kString, "FILE", Importance::kMedium,
                 "Determines whether the keyfile config is the path to the credentials json file "
                 "or the raw json of the key itself. If set to APPLICATION_DEFAULT, the keyfile "
                 "should not be provided and the connector will use any GCP application default "
                 "credentials that it can find on the Connect worker for authentication.",
                 OneOf({"FILE", "JSON", "APPLICATION_DEFAULT"}, /*case_insensitive=*/false),
                 "[FILE, JSON, APPLICATION_DEFAULT]"));
  def.Define(Key(keys::kTopic2TableMap, ConfigType::kString, "", Importance::kLow,
                 "Map of topics to tables (optional). Format: comma-separated tuples, e.g. "
                 "<topic-1>:<table-1>,<topic-2>:<table-2>,... Note that topic name should not be "
                 "modified using regex SMT while using this option. Also note that sanitizeTopics "
                 "would be ignored if this config is set. Lastly, if the topic2table map doesn't "
                 "contain the topic for a record, a table with the same name as the topic name "
                 "would be created",
                 [](const ConfigValue& v) -> std::string {
                   auto parsed = ParseTopic2TableMap(v.s);
                   return parsed.ok() ? "" : std::string(parsed.status().message());
                 }));
  def.Define(Key(keys::kSanitizeTopics, ConfigType::kBoolean, "false", Importance::kMedium,
                 "Whether to automatically sanitize topic names before using them as table "
                 "names; if not enabled topic names will be used directly as table names"));
  def.Define(Key(keys::kSanitizeFieldNames, ConfigType::kBoolean, "false", Importance::kMedium,
                 "Whether to automatically sanitize field names before using them as field names "
                 "in big query. Big query specifies that field name can only contain letters, "
                 "numbers, and underscores. The sanitizer will replace the invalid symbols with "
                 "underscore. If the field name starts with a digit, the sanitizer will add an "
                 "underscore in front of field name. Note: field a.b and a_b will have same value "
                 "after sanitizing, and might cause key duplication error."));
  def.Define(Key(keys::kAutoCreateTables, ConfigType::kBoolean, "true", Importance::kHigh,
                 "Automatically create BigQuery tables if they don't already exist"));
  def.Define(Key(keys::kAllowNewBigQueryFields, ConfigType::kBoolean, "false", Importance::kMedium,
                 "If true, new fields can be added to BigQuery tables during subsequent schema "
                 "updates"));
  def.Define(Key(keys::kAllowRequiredFieldRelaxation, ConfigType::kBoolean, "false",
                 Importance::kMedium,
                 "If true, fields in BigQuery Schema can be changed from REQUIRED to NULLABLE"));
  def.Define(Key(keys::kAllowSchemaUnionization, ConfigType::kBoolean, "false", Importance::kMedium,
                 "If true, the existing table schema (if one is present) will be unionized with "
                 "new record schemas during schema updates"));
  def.Define(Key(keys::kAllBQFieldsNullable, ConfigType::kBoolean, "false", Importance::kLow,
                 "If true, no fields in any produced BigQuery schema will be REQUIRED. All "
                 "non-nullable avro fields will be translated as NULLABLE (or REPEATED, if "
                 "arrays)."));
  def.Define(Key(keys::kTimestampPartitionFieldName, ConfigType::kString, "", Importance::kLow,
                 "The name of the field in the value that contains the timestamp to partition by "
                 "in BigQuery and enable timestamp partitioning for each table. Leave this "
                 "configuration blank, to enable ingestion time partitioning for each table."));
  def.Define(Key(keys::kTimePartitioningType, ConfigType::kString, "DAY", Importance::kLow,
                 "The time partitioning type to use when creating tables, or 'NONE' to create "
                 "non-partitioned tables. Existing tables will not be altered to use this "
                 "partitioning type.",
                 OneOf({"HOUR", "DAY", "MONTH", "YEAR", "NONE"}, /*case_insensitive=*/false),
                 "[HOUR, DAY, MONTH, YEAR, NONE]"));
  def.Define(Key(keys::kBigQueryPartitionDecorator, ConfigType::kBoolean, "true", Importance::kHigh,
                 "Whether or not to append partition decorator to BigQuery table name when "
                 "inserting records. Default is true. Setting this to true appends partition "
                 "decorator to table name (e.g. table$yyyyMMdd depending on the configuration set "
                 "for bigQueryPartitionDecorator). Setting this to false bypasses the logic to "
                 "append the partition decorator and uses raw table name for inserts. (ferry: "
                 "the Storage Write API takes no decorator; rows land in the partition of their "
                 "partitioning column, or of their ingestion time, which is the partition the "
                 "decorator named. Both values are accepted.)"));
  def.Define(Key(keys::kBigQueryMessageTimePartitioning, ConfigType::kBoolean, "false",
                 Importance::kHigh,
                 "Whether or not to use the message time when inserting records. Default uses the "
                 "connector processing time. (ferry: not supported yet; only false is accepted)"));
  def.Define(Key(keys::kClusteringPartitionFieldNames, ConfigType::kList, "", Importance::kLow,
                 "List of fields on which data should be clustered by in BigQuery, separated by "
                 "commas (as kcbq, only tables created with a timestampPartitionFieldName are "
                 "clustered)",
                 [](const ConfigValue& v) -> std::string {
                   return v.list.size() > 4
                              ? "You may only specify up to four clustering field names."
                              : "";
                 }));
  def.Define(Key(keys::kPartitionExpirationMs, ConfigType::kString, "", Importance::kLow,
                 "The amount of time, in milliseconds, after which partitions should be deleted "
                 "from the tables this connector creates. If this field is set, all data in "
                 "partitions in this connector's tables that are older than the specified "
                 "partition expiration time will be permanently deleted. Existing tables will not "
                 "be altered to use this partition expiration time. (A LONG; empty = unset.)",
                 [](const ConfigValue& v) -> std::string {
                   std::string text(absl::StripAsciiWhitespace(v.s));
                   if (text.empty()) return "";
                   int64_t ms = 0;
                   if (!absl::SimpleAtoi(text, &ms)) return "Not a number of type LONG";
                   return ms < 1 ? "Value must be at least 1" : "";
                 }));
  def.Define(Key(keys::kKafkaKeyFieldName, ConfigType::kString, "", Importance::kLow,
                 "The name of the field of Kafka key. Default to be null, which means Kafka Key "
                 "Field will not be included."));
  def.Define(Key(keys::kKafkaDataFieldName, ConfigType::kString, "", Importance::kLow,
                 "The name of the field of Kafka Data. Default to be null, which means Kafka Data "
                 "Field will not be included. (ferry writes RECORD(topic STRING, partition "
                 "INTEGER, offset INTEGER, timestamp TIMESTAMP, key STRING).)"));
  def.Define(Key(keys::kBigQueryRetry, ConfigType::kInt, "0", Importance::kMedium,
                 "The number of retry attempts that will be made per BigQuery request that fails "
                 "with a backend error or a quota exceeded error",
                 AtLeast(0)));
  def.Define(Key(keys::kBigQueryRetryWait, ConfigType::kLong, "1000", Importance::kMedium,
                 "The minimum amount of time, in milliseconds, to wait between BigQuery backend "
                 "or quota exceeded error retry attempts.",
                 AtLeast(0)));
  def.Define(Key(keys::kQueueSize, ConfigType::kLong, "-1", Importance::kHigh,
                 "The maximum size (or -1 for no maximum size) of the worker queue for bigQuery "
                 "write requests before all topics are paused. This is a soft limit; the size of "
                 "the queue can go over this before topics are paused. All topics will be resumed "
                 "once a flush is requested or the size of the queue drops under half of the "
                 "maximum size. (ferry writes each batch synchronously, so its queue never holds "
                 "more than the batch being written.)",
                 AtLeast(-1)));
  def.Define(Key(keys::kThreadPoolSize, ConfigType::kInt, "10", Importance::kMedium,
                 "The size of the BigQuery write thread pool. This establishes the maximum number "
                 "of concurrent writes to BigQuery. (ferry: the number of AppendRows requests "
                 "kept in flight on one table's stream.)",
                 AtLeast(1)));
  def.Define(Key(keys::kUseStorageWriteApi, ConfigType::kBoolean, "true", Importance::kMedium,
                 "Use Google's New Storage Write API for data streaming. Not available for "
                 "upsert/delete mode. (kcbq's default is false; ferry's is true, with exactly-once "
                 "writes, see ferry.bigquery.write.mode. false writes through the legacy "
                 "tabledata.insertAll API with kcbq's insertIds, at-least-once.)"));
  def.Define(Key(keys::kEnableBatchMode, ConfigType::kBoolean, "false", Importance::kLow,
                 "Use Google's New Storage Write API with batch mode. (ferry: rows go to PENDING "
                 "write streams, one per table and Kafka partition, committed with "
                 "BatchCommitWriteStreams every commitInterval; Kafka offsets are committed only "
                 "past committed rows, and the streams travel with them as in exactly-once mode, "
                 "so batch mode is exactly-once too.)"));
  def.Define(Key(keys::kEnableBatchLoad, ConfigType::kList, "", Importance::kLow,
                 "Beta Feature; use with caution: The sublist of topics to be batch loaded through "
                 "GCS (ferry: not supported; must be empty)"));
  def.Define(Key(keys::kCommitInterval, ConfigType::kInt, "60", Importance::kLow,
                 "The interval, in seconds, in which to attempt to commit streamed records. (Only "
                 "used by enableBatchMode.)",
                 Between(15, 14400)));
  def.Define(Key(keys::kUpsertEnabled, ConfigType::kBoolean, "false", Importance::kLow,
                 "Enable upsert functionality on the connector through the use of record keys, "
                 "intermediate tables, and periodic merge flushes. Row-matching will be performed "
                 "based on the contents of record keys. (ferry: not supported yet)"));
  def.Define(Key(keys::kDeleteEnabled, ConfigType::kBoolean, "false", Importance::kLow,
                 "Enable delete functionality on the connector through the use of record keys, "
                 "intermediate tables, and periodic merge flushes. A delete will be performed when "
                 "a record with a null value (i.e., a tombstone record) is read. (ferry: not "
                 "supported yet; only false is accepted, with which tombstones are skipped and "
                 "counted as filtered, as kcbq skips them)"));
  // kcbq 2.x keys of features ferry does not have: accepted where kcbq would
  // not use them either (the feature is off), refused otherwise.
  def.Define(Key(keys::kBatchLoadIntervalSec, ConfigType::kInt, "120", Importance::kLow,
                 "The interval, in seconds, in which to attempt to run GCS to BQ load jobs. Only "
                 "relevant if enableBatchLoad is configured. (ferry: GCS batch loading is not "
                 "supported, so this has no effect)"));
  def.Define(Key(keys::kGcsBucketName, ConfigType::kString, "", Importance::kHigh,
                 "The name of the bucket in which gcs blobs used to batch load to BigQuery should "
                 "be located. Only relevant if enableBatchLoad is configured. (ferry: GCS batch "
                 "loading is not supported, so this has no effect)"));
  def.Define(Key(keys::kGcsFolderName, ConfigType::kString, "", Importance::kMedium,
                 "The name of the folder under the bucket in which gcs blobs used to batch load "
                 "to BigQuery should be located. Only relevant if enableBatchLoad is configured. "
                 "(ferry: GCS batch loading is not supported, so this has no effect)"));
  def.Define(Key(keys::kAutoCreateBucket, ConfigType::kBoolean, "true", Importance::kMedium,
                 "Whether to automatically create the given bucket, if it does not exist. Only "
                 "relevant if enableBatchLoad is configured. (ferry: GCS batch loading is not "
                 "supported, so this has no effect)"));
  def.Define(Key(keys::kSchemaRetriever, ConfigType::kString, keys::kIdentitySchemaRetriever,
                 Importance::kMedium,
                 "A class that can be used for automatically creating tables and/or updating "
                 "schemas. (ferry: schemas come from the records, as with kcbq's default "
                 "IdentitySchemaRetriever; no other retriever is supported)"));
  def.Define(Key(keys::kAvroDataCacheSize, ConfigType::kInt, "100", Importance::kLow,
                 "The size of the cache to use when converting schemas from Avro to Kafka "
                 "Connect. (ferry: accepted, no effect: AvroConverter caches its own schemas, "
                 "<role>.converter.schemas.cache.config)",
                 AtLeast(0)));
  def.Define(Key(keys::kConvertDoubleSpecialValues, ConfigType::kBoolean, "false", Importance::kLow,
                 "Should +Infinity be converted to Double.MAX_VALUE and -Infinity and NaN be "
                 "converted to Double.MIN_VALUE so they can make it to BigQuery. (ferry: only "
                 "false is supported; such values are rejected rows, to the DLQ)"));
  def.Define(Key(keys::kIntermediateTableSuffix, ConfigType::kString, "tmp", Importance::kLow,
                 "A suffix that will be appended to the names of destination tables to create "
                 "the names for the corresponding intermediate tables. Multiple intermediate "
                 "tables may be created for a single destination table, but their names will "
                 "always start with the name of the destination table, followed by this suffix, "
                 "and possibly followed by an additional suffix. (ferry: only used by "
                 "upsert/delete, which ferry does not support)",
                 validators::NonEmptyString()));
  def.Define(Key(keys::kMergeIntervalMs, ConfigType::kLong, "60000", Importance::kLow,
                 "How often (in milliseconds) to perform a merge flush, if upsert/delete is "
                 "enabled. Can be set to -1 to disable periodic flushing. (ferry: only used by "
                 "upsert/delete, which ferry does not support)",
                 MergeSetting()));
  def.Define(Key(keys::kMergeRecordsThreshold, ConfigType::kLong, "-1", Importance::kLow,
                 "How many records to write to an intermediate table before performing a merge "
                 "flush, if upsert/delete is enabled. Can be set to -1 to disable record "
                 "count-based flushing. (ferry: only used by upsert/delete, which ferry does not "
                 "support)",
                 MergeSetting()));
  def.Define(Key(keys::kMaxRetries, ConfigType::kInt, "10", Importance::kMedium,
                 "The maximum number of times to retry on retriable errors before failing the "
                 "task. (ferry: with enableRetries=true, and when ferry.task.restart.max.attempts "
                 "is not set, the number of restarts in a row after which a failing task is left "
                 "FAILED: a failed write restarts the task, after ferry.task.restart.backoff.*, "
                 "as kcbq's retriable put() is retried. That limit counts every restartable "
                 "failure in a row, not only failed writes. Neither this nor enableRetries set: "
                 "ferry.task.restart.max.attempts decides, by default no limit.)",
                 AtLeast(1)));
  def.Define(Key(keys::kEnableRetries, ConfigType::kBoolean, "true", Importance::kMedium,
                 "Whether a retriable write failure is retried over at most max.retries put() "
                 "calls before the task fails (true), or for ever (false). (kcbq 2.x defines "
                 "the key as internal, without a doc.) (ferry: when this or max.retries is set "
                 "and ferry.task.restart.max.attempts is not, true sets that limit to "
                 "max.retries and false to -1, no limit; see max.retries)"));
  def.Define(Key(keys::kConvertDebeziumTimestampToInteger, ConfigType::kBoolean, "false",
                 Importance::kMedium,
                 "Write Debezium's io.debezium.time.Timestamp (INT64, epoch milliseconds) as an "
                 "INTEGER column holding the raw value instead of a TIMESTAMP. (kcbq 2.x defines "
                 "the key as internal, without a doc.) (ferry: as kcbq, on both write paths; a "
                 "TIMESTAMP column of an existing table still takes the values as epoch "
                 "milliseconds)"));
  def.Define(Key(keys::kDecimalHandlingMode, ConfigType::kString, "", Importance::kMedium,
                 "Specifies the conversion strategy for org.apache.kafka.connect.data.Decimal "
                 "fields. (ferry: unset, a Decimal gets a new exact NUMERIC column, or BIGNUMERIC "
                 "when its scale or connect.decimal.precision needs it, and goes into an existing "
                 "FLOAT column as the nearest double: Aiven's default is FLOAT and kcbq 2.x always "
                 "maps Decimal to FLOAT, so a table either created has FLOAT columns for them, "
                 "and a config moved from kcbq runs unchanged. decimalHandlingMode=FLOAT makes "
                 "new columns FLOAT too; NUMERIC and BIGNUMERIC ask for exact decimals and reject "
                 "a Decimal for a FLOAT column. RECORD = RECORD(scale "
                 "INTEGER, value BYTES), the unscaled value as two's complement; NUMERIC refuses "
                 "Decimals NUMERIC cannot hold; ferry's NUMERIC/BIGNUMERIC columns carry no "
                 "precision or scale parameters, unlike Aiven's.)",
                 OneOf({"RECORD", "FLOAT", "NUMERIC", "BIGNUMERIC"}, /*case_insensitive=*/true),
                 "[RECORD, FLOAT, NUMERIC, BIGNUMERIC]"));
  def.Define(Key(keys::kVariableScaleDecimalHandlingMode, ConfigType::kString, "RECORD",
                 Importance::kMedium,
                 "Specifies the conversion strategy for io.debezium.data.VariableScaleDecimal "
                 "fields. (ferry: as Aiven's: RECORD keeps Debezium's STRUCT(scale, value); FLOAT "
                 "is the nearest double; NUMERIC and BIGNUMERIC the exact value, a row whose "
                 "value the type cannot hold rejected, never rounded)",
                 OneOf({"RECORD", "FLOAT", "NUMERIC", "BIGNUMERIC"}, /*case_insensitive=*/true),
                 "[RECORD, FLOAT, NUMERIC, BIGNUMERIC]"));
  def.Define(Key(keys::kConvertDebeziumVariableScaleDecimal, ConfigType::kBoolean, "false",
                 Importance::kLow,
                 "Deprecated: use variableScaleDecimalHandlingMode instead. true writes "
                 "io.debezium.data.VariableScaleDecimal as NUMERIC while "
                 "variableScaleDecimalHandlingMode is at its default, RECORD. (ferry: as Aiven's, "
                 "with a warning)"));
  def.Define(Key(keys::kIgnoreUnknownFields, ConfigType::kBoolean, "false", Importance::kLow,
                 "Whether fields in a record that are not present in the BigQuery table schema "
                 "should be ignored during ingestion. When enabled, unknown fields will be "
                 "silently dropped instead of causing the record to be rejected. (ferry: on both "
                 "write paths, at any depth; insertAll also sends ignoreUnknownValues=true. As "
                 "with Aiven's, a dropped field never makes the table's schema grow, even with "
                 "allowNewBigQueryFields. A table without the kafkaKeyFieldName or "
                 "kafkaDataFieldName column takes rows without it.)"));
  def.Define(Key(keys::kTrackPutAttempts, ConfigType::kBoolean, "false", Importance::kLow,
                 "When true and kafkaDataFieldName is set, a 'putAttemptId' field (STRING, "
                 "NULLABLE) is added to the Kafka metadata struct in every BigQuery row. Each "
                 "invocation of put() by the Kafka Connect framework generates a fresh ULID for "
                 "this field, making it possible to distinguish rows written in different put() "
                 "attempts from rows written in the same attempt. Useful for downstream "
                 "deduplication of raw CDC tables. Has no effect if kafkaDataFieldName is not "
                 "configured. Enabling this on an existing table requires "
                 "allowNewBigQueryFields=true. Default false (disabled). (ferry: one ULID per "
                 "batch handed to the writer: a batch written again, after errors.retry.timeout "
                 "or a task restart, gets a new one; the request retries of one write "
                 "(bigQueryRetry) resend the same rows with the same id. In exactly-once mode a "
                 "row BigQuery already holds keeps the id it was first written with.)"));
  def.Define(Key(keys::kPreserveKafkaTopicPartitionOffset, ConfigType::kBoolean, "false",
                 Importance::kLow,
                 "If True and Kafka v3.6 or higher is in use will use the original topic, "
                 "partition, and offset values as specified before any message transformation "
                 "occurs. (ferry: true writes the topic, partition and offset the record was "
                 "consumed at into the kafkaDataFieldName column; false, as without the key, "
                 "those after the transforms, e.g. the topic RegexRouter gave it)"));
  def.Define(Key(keys::kUseCredentialsProjectId, ConfigType::kBoolean, "false", Importance::kMedium,
                 "If true, clients use the project ID from the credentials JSON and tables use "
                 "the connector's 'project' parameter. If false (default), clients use the "
                 "connector's project parameter and tables use the client project. (ferry: "
                 "accepted, no effect with either value: every call ferry makes names the "
                 "connector's project in its URL or write stream, ferry runs no jobs and sends "
                 "no x-goog-user-project header, so there is no client project to choose; Google "
                 "bills and meters the calls as requests without a quota project. Aiven's false "
                 "also makes the project the Storage Write API's quota project; ferry does not.)"));
  def.Define(Key(keys::kMediateConcurrentSchemaUpdates, ConfigType::kBoolean, "false",
                 Importance::kMedium,
                 "When true, enables a retry-and-reconcile path for schema updates to handle "
                 "concurrent schema changes from multiple connector instances writing to the "
                 "same BigQuery table. On a schema update failure, the connector waits "
                 "concurrentSchemaUpdateRetryWaitMs milliseconds, re-reads the table schema from "
                 "BigQuery, and checks whether it is already compatible with the current batch. "
                 "Default false (disabled). (ferry: ferry sends tables.patch with the etag it "
                 "read, so a concurrent change is a 412, never a lost column, and is always "
                 "reconciled: re-read, evolved again, not patched when the table already holds "
                 "what the batch needs. false: once, at once; true: up to "
                 "concurrentSchemaUpdateMaxRetries times, each after "
                 "concurrentSchemaUpdateRetryWaitMs. Other failures are not retried here.)"));
  def.Define(Key(keys::kConcurrentSchemaUpdateMaxRetries, ConfigType::kInt, "3",
                 Importance::kMedium,
                 "Maximum number of retry attempts for schema updates when "
                 "mediateConcurrentSchemaUpdates is true. Before each attempt the connector "
                 "waits concurrentSchemaUpdateRetryWaitMs milliseconds, re-reads the BigQuery "
                 "table schema, and checks whether it is already compatible. Must be at least 1. "
                 "Default 3. (ferry: as Aiven's, for 412s)",
                 AtLeast(1)));
  def.Define(Key(keys::kConcurrentSchemaUpdateRetryWaitMs, ConfigType::kLong, "10000",
                 Importance::kMedium,
                 "Milliseconds to wait between each retry attempt when "
                 "mediateConcurrentSchemaUpdates is true. After a failed schema update, the "
                 "connector waits this long before re-reading the BigQuery table schema and "
                 "retrying. Applied before every attempt, including the first. Must be between 0 "
                 "and 300000 (5 minutes). Default 10000. WARNING: BigQuery allows at most 5 table "
                 "metadata update requests per 10 seconds per table. Setting this value too low "
                 "across multiple connector instances may exhaust that quota and cause repeated "
                 "failures.",
                 Between(0, 300000)));
  def.Define(Key(keys::kRestEndpoint, ConfigType::kString, kDefaultRestEndpoint, Importance::kLow,
                 "ferry: base URL of the BigQuery REST API (datasets, tables). Point it at "
                 "`ferry emulator` (http://127.0.0.1:PORT) or a private endpoint.",
                 validators::NonEmptyString()));
  def.Define(Key(keys::kStorageEndpoint, ConfigType::kString, kDefaultStorageEndpoint,
                 Importance::kLow,
                 "ferry: the BigQuery Storage Write API (gRPC) as host:port (TLS when the port is "
                 "443 or the host is *.googleapis.com, plaintext otherwise, e.g. the emulator), "
                 "https://host:port (TLS) or http://host:port (plaintext).",
                 validators::NonEmptyString()));
  def.Define(Key(keys::kMaxRequestBytes, ConfigType::kLong, std::to_string(kDefaultMaxRequestBytes),
                 Importance::kLow,
                 "ferry: largest AppendRows request ferry sends, in bytes; batches are split to "
                 "stay under it. BigQuery refuses requests over 10485760 bytes.",
                 Between(1024, kAppendRowsLimitBytes)));
  def.Define(Key(keys::kTokenEndpoint, ConfigType::kString, "", Importance::kLow,
                 "ferry: the OAuth2 token endpoint service-account and authorized-user "
                 "credentials are exchanged at; empty = https://oauth2.googleapis.com/token. "
                 "For private access points and tests."));
  def.Define(Key(keys::kWriteMode, ConfigType::kString, "exactly_once", Importance::kMedium,
                 "ferry: how rows are written through the Storage Write API. exactly_once (alias "
                 "committed) = a COMMITTED write stream per table and Kafka partition, whose "
                 "stream name and row offset are committed with the Kafka offset, so records "
                 "re-read after a crash or rebalance land exactly once. default_stream = the "
                 "table's _default stream (at-least-once: a crash can write records twice).",
                 OneOf({"exactly_once", "committed", "default_stream"}),
                 "[exactly_once, committed, default_stream]"));
  return def;
}

std::optional<std::string> Explicit(const std::map<std::string, std::string>& props,
                                    const char* key) {
  auto it = props.find(key);
  if (it == props.end()) return std::nullopt;
  return it->second;
}

bool ExplicitTrue(const std::map<std::string, std::string>& props, const char* key) {
  auto v = Explicit(props, key);
  return v && absl::AsciiStrToLower(std::string(absl::StripAsciiWhitespace(*v))) == "true";
}

// A value the decimal handling modes' validator accepted.
DecimalHandling DecimalHandlingFromName(const std::string& name) {
  const std::string upper = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(name));
  if (upper == "RECORD") return DecimalHandling::kRecord;
  if (upper == "FLOAT") return DecimalHandling::kFloat;
  if (upper == "BIGNUMERIC") return DecimalHandling::kBignumeric;
  return DecimalHandling::kNumeric;
}

bool ExplicitFalse(const std::map<std::string, std::string>& props, const char* key) {
  auto v = Explicit(props, key);
  return v && absl::AsciiStrToLower(std::string(absl::StripAsciiWhitespace(*v))) == "false";
}

}  // namespace

const ConfigDef& BigQuerySinkConfigDef() {
  static const ConfigDef* def = new ConfigDef(BuildDef());
  return *def;
}

absl::StatusOr<std::map<std::string, std::string>> ParseTopic2TableMap(const std::string& text) {
  // Several topics may name one table (n:1, kcbq 2.5.3 and later).
  std::map<std::string, std::string> result;
  if (absl::StripAsciiWhitespace(text).empty()) return result;
  for (absl::string_view entry : absl::StrSplit(text, ',')) {
    std::vector<std::string> parts = absl::StrSplit(entry, ':');
    if (parts.size() != 2) {
      return absl::InvalidArgumentError(
          "One of the topic to table mappings has an invalid format.");
    }
    std::string topic(absl::StripAsciiWhitespace(parts[0]));
    std::string table(absl::StripAsciiWhitespace(parts[1]));
    if (topic.empty() || table.empty()) {
      return absl::InvalidArgumentError(
          "One of the topic to table mappings has an invalid format.");
    }
    if (result.count(topic) > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "The topic name ", topic, " is duplicated. Topic names cannot be duplicated."));
    }
    result.emplace(std::move(topic), std::move(table));
  }
  return result;
}

bool IsGoogleEndpoint(const std::string& endpoint) {
  std::string host = absl::AsciiStrToLower(endpoint);
  for (absl::string_view scheme : {"https://", "http://"}) {
    if (absl::StartsWith(host, scheme)) host = host.substr(scheme.size());
  }
  host = host.substr(0, host.find_first_of(":/"));
  return host == "googleapis.com" || absl::EndsWith(host, ".googleapis.com");
}

const std::vector<std::pair<std::string, std::string>>& RemovedKcbqKeys() {
  static const auto* const removed = new std::vector<std::pair<std::string, std::string>>{
      {"datasets",
       "removed in kcbq 2.0: use defaultDataset (a topic named <dataset>:<table>, e.g. made "
       "with RegexRouter, goes to that dataset; topic2TableMap names tables)"},
      {"topicsToTables",
       "removed in kcbq 2.0: route topics to tables with an SMT such as "
       "org.apache.kafka.connect.transforms.RegexRouter, or name tables with topic2TableMap"},
      {"autoUpdateSchemas",
       "removed in kcbq 2.0: use allowNewBigQueryFields (new columns) and "
       "allowBigQueryRequiredFieldRelaxation (REQUIRED to NULLABLE)"},
      {"includeKafkaData",
       "removed in kcbq 2.0: name the column that receives the Kafka topic, partition, offset "
       "and insert time with kafkaDataFieldName"},
      {"schemaRegistryLocation",
       "removed in kcbq 2.0 with the Schema Registry schema retriever: schemas come from the "
       "records (configure the converter, e.g. value.converter.schema.registry.url)"},
      {"bufferSize", "removed from kcbq before 2.0: flow control is queueSize and threadPoolSize"},
      {"maxWriteSize",
       "removed from kcbq before 2.0: ferry splits write requests by "
       "ferry.bigquery.max.request.bytes"},
      {"tableWriteWait", "removed from kcbq before 2.0: there is no replacement"},
      {"tableMaxThreads", "removed from kcbq before 2.0: use threadPoolSize"},
  };
  return *removed;
}

std::vector<ConfigError> ValidateBigQuerySinkConfig(
    const std::map<std::string, std::string>& props) {
  std::vector<ConfigError> errors = BigQuerySinkConfigDef().Validate(props);
  auto refuse = [&errors](const char* key, std::string what) {
    errors.push_back({key, absl::StrCat(what, " is not supported yet by ferry")});
  };

  // kcbq's NonEmptyString validators accept an absent key but not an empty one.
  for (const char* key :
       {keys::kKafkaKeyFieldName, keys::kKafkaDataFieldName, keys::kTimestampPartitionFieldName}) {
    auto v = Explicit(props, key);
    if (v && absl::StripAsciiWhitespace(*v).empty()) {
      errors.push_back({key, "String must be non-empty"});
    }
  }

  // BigQuery's rule for dataset IDs, with its message: kcbq passes any text
  // and the first write fails; ferry says so before it starts.
  if (auto v = Explicit(props, keys::kDefaultDataset); v && !v->empty()) {
    const std::string id(absl::StripAsciiWhitespace(*v));
    const bool valid =
        !id.empty() && id.size() <= 1024 && std::all_of(id.begin(), id.end(), [](char c) {
          return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
        });
    if (!valid) {
      errors.push_back({keys::kDefaultDataset,
                        absl::StrCat("Invalid dataset ID \"", id,
                                     "\". Dataset IDs must be alphanumeric (plus underscores) "
                                     "and must be at most 1024 characters long.")});
    }
  }
  if (ExplicitFalse(props, keys::kUseStorageWriteApi) && Explicit(props, keys::kWriteMode)) {
    errors.push_back({keys::kWriteMode,
                      "applies to the Storage Write API; with useStorageWriteApi=false rows go "
                      "through tabledata.insertAll (at-least-once, de-duplicated by insertId on a "
                      "best-effort basis). Remove one of the two"});
  }
  if (ExplicitTrue(props, keys::kEnableBatchMode)) {
    if (ExplicitFalse(props, keys::kUseStorageWriteApi)) {
      errors.push_back({keys::kEnableBatchMode,
                        "batch mode is a mode of the Storage Write API; it cannot be used with "
                        "useStorageWriteApi=false"});
    }
    if (auto mode = Explicit(props, keys::kWriteMode);
        mode && absl::AsciiStrToLower(absl::StripAsciiWhitespace(*mode)) == "default_stream") {
      errors.push_back({keys::kEnableBatchMode,
                        absl::StrCat("batch mode writes to PENDING streams, not the _default "
                                     "stream; remove ",
                                     keys::kWriteMode, "=default_stream or enableBatchMode")});
    }
  }
  if (auto v = Explicit(props, keys::kEnableBatchLoad);
      v && !absl::StripAsciiWhitespace(*v).empty()) {
    refuse(keys::kEnableBatchLoad, "enableBatchLoad (GCS batch loading)");
  }
  if (ExplicitTrue(props, keys::kUpsertEnabled)) {
    refuse(keys::kUpsertEnabled, "upsertEnabled=true");
  }
  if (ExplicitTrue(props, keys::kDeleteEnabled)) {
    refuse(keys::kDeleteEnabled, "deleteEnabled=true");
  }
  if (ExplicitTrue(props, keys::kBigQueryMessageTimePartitioning)) {
    refuse(keys::kBigQueryMessageTimePartitioning, "bigQueryMessageTimePartitioning=true");
  }
  if (ExplicitTrue(props, keys::kConvertDoubleSpecialValues)) {
    refuse(keys::kConvertDoubleSpecialValues, "convertDoubleSpecialValues=true");
  }
  if (auto v = Explicit(props, keys::kSchemaRetriever);
      v && absl::StripAsciiWhitespace(*v) != keys::kIdentitySchemaRetriever) {
    errors.push_back({keys::kSchemaRetriever,
                      absl::StrCat("ferry takes table schemas from the records, as kcbq's ",
                                   keys::kIdentitySchemaRetriever,
                                   " does; other schema retrievers are not supported. Remove the "
                                   "key, and use a converter that gives records a schema")});
  }
  if (props.count(keys::kTaskRestartMaxAttempts) > 0) {
    for (const char* key : {keys::kEnableRetries, keys::kMaxRetries}) {
      if (props.count(key) > 0) {
        errors.push_back({key,
                          absl::StrCat("has no effect: ", keys::kTaskRestartMaxAttempts,
                                       " is set and limits the task's restarts"),
                          /*ignorable=*/true});
      }
    }
  }
  if (ExplicitTrue(props, keys::kConvertDebeziumVariableScaleDecimal)) {
    auto mode = Explicit(props, keys::kVariableScaleDecimalHandlingMode);
    const bool at_default =
        !mode || absl::AsciiStrToUpper(absl::StripAsciiWhitespace(*mode)) == "RECORD";
    errors.push_back(
        {keys::kConvertDebeziumVariableScaleDecimal,
         at_default ? absl::StrCat("'", keys::kConvertDebeziumVariableScaleDecimal,
                                   "' has been deprecated; VariableScaleDecimal fields are written "
                                   "as NUMERIC. Recommended replacement: ",
                                   keys::kVariableScaleDecimalHandlingMode, "=NUMERIC")
                    : absl::StrCat("'", keys::kConvertDebeziumVariableScaleDecimal,
                                   "' has been deprecated and has no effect: ",
                                   keys::kVariableScaleDecimalHandlingMode, " is set"),
         /*ignorable=*/true});
  }
  if (ExplicitTrue(props, keys::kTrackPutAttempts)) {
    auto data = Explicit(props, keys::kKafkaDataFieldName);
    if (!data || absl::StripAsciiWhitespace(*data).empty()) {
      errors.push_back({keys::kTrackPutAttempts,
                        "has no effect: putAttemptId is a field of the kafkaDataFieldName "
                        "column, and kafkaDataFieldName is not set",
                        /*ignorable=*/true});
    }
  }
  for (const auto& [key, message] : RemovedKcbqKeys()) {
    if (props.count(key) > 0) errors.push_back({key, message, /*ignorable=*/true});
  }

  // Partitioning on a field only makes sense when the table is partitioned.
  auto partition_type = Explicit(props, keys::kTimePartitioningType).value_or("DAY");
  if (absl::StripAsciiWhitespace(partition_type) == "NONE") {
    if (auto f = Explicit(props, keys::kTimestampPartitionFieldName);
        f && !absl::StripAsciiWhitespace(*f).empty()) {
      errors.push_back(
          {keys::kTimestampPartitionFieldName, "Cannot be set when timePartitioningType is NONE"});
    }
    if (auto e = Explicit(props, keys::kPartitionExpirationMs);
        e && !absl::StripAsciiWhitespace(*e).empty()) {
      errors.push_back(
          {keys::kPartitionExpirationMs, "Cannot be set when timePartitioningType is NONE"});
    }
  }
  return errors;
}

absl::StatusOr<BigQuerySinkSettings> ParseBigQuerySinkSettings(
    const std::map<std::string, std::string>& props) {
  std::vector<ConfigError> errors = BlockingErrors(ValidateBigQuerySinkConfig(props));
  if (!errors.empty()) return absl::InvalidArgumentError(FormatConfigErrors(errors));
  absl::StatusOr<ParsedConfig> parsed = BigQuerySinkConfigDef().Parse(props);
  if (!parsed.ok()) return parsed.status();
  const ParsedConfig& c = *parsed;

  BigQuerySinkSettings s;
  s.project = c.GetString(keys::kProject);
  s.default_dataset = c.GetString(keys::kDefaultDataset);
  auto map = ParseTopic2TableMap(c.GetString(keys::kTopic2TableMap));
  if (!map.ok()) return map.status();
  s.topic_to_table = *std::move(map);
  s.sanitize_topics = c.GetBool(keys::kSanitizeTopics);
  s.sanitize_field_names = c.GetBool(keys::kSanitizeFieldNames);
  s.auto_create_tables = c.GetBool(keys::kAutoCreateTables);
  s.all_fields_nullable = c.GetBool(keys::kAllBQFieldsNullable);
  s.timestamp_partition_field =
      std::string(absl::StripAsciiWhitespace(c.GetString(keys::kTimestampPartitionFieldName)));
  const std::string& type = c.GetString(keys::kTimePartitioningType);
  s.partitioning = type == "HOUR"    ? TimePartitioningType::kHour
                   : type == "MONTH" ? TimePartitioningType::kMonth
                   : type == "YEAR"  ? TimePartitioningType::kYear
                   : type == "NONE"  ? TimePartitioningType::kNone
                                     : TimePartitioningType::kDay;
  // kcbq (SchemaManager.constructTableInfo) clusters only the tables it
  // partitions on timestampPartitionFieldName; otherwise the key is ignored.
  if (!s.timestamp_partition_field.empty() && s.partitioning != TimePartitioningType::kNone) {
    s.clustering_fields = c.GetList(keys::kClusteringPartitionFieldNames);
  }
  std::string expiration(absl::StripAsciiWhitespace(c.GetString(keys::kPartitionExpirationMs)));
  if (!expiration.empty()) {
    int64_t ms = 0;
    if (absl::SimpleAtoi(expiration, &ms)) s.partition_expiration_ms = ms;
  }
  s.kafka_key_field =
      std::string(absl::StripAsciiWhitespace(c.GetString(keys::kKafkaKeyFieldName)));
  s.kafka_data_field =
      std::string(absl::StripAsciiWhitespace(c.GetString(keys::kKafkaDataFieldName)));
  s.retries = c.GetInt(keys::kBigQueryRetry);
  s.retry_wait = absl::Milliseconds(c.GetLong(keys::kBigQueryRetryWait));
  s.max_in_flight = c.GetInt(keys::kThreadPoolSize);
  s.rest_endpoint = c.GetString(keys::kRestEndpoint);
  s.storage_endpoint = c.GetString(keys::kStorageEndpoint);
  s.max_request_bytes = c.GetLong(keys::kMaxRequestBytes);
  s.keyfile = c.GetString(keys::kKeyfile);
  s.key_source = c.GetString(keys::kKeySource);
  s.token_endpoint = c.GetString(keys::kTokenEndpoint);
  const std::string mode = absl::AsciiStrToLower(c.GetString(keys::kWriteMode));
  s.write_mode = mode == "default_stream" ? WriteMode::kDefaultStream : WriteMode::kExactlyOnce;
  if (!c.GetBool(keys::kUseStorageWriteApi)) s.write_mode = WriteMode::kInsertAll;
  if (c.GetBool(keys::kEnableBatchMode)) s.write_mode = WriteMode::kBatch;
  s.commit_interval = absl::Seconds(c.GetInt(keys::kCommitInterval));
  s.allow_new_fields = c.GetBool(keys::kAllowNewBigQueryFields);
  s.allow_relaxation = c.GetBool(keys::kAllowRequiredFieldRelaxation);
  s.allow_unionization = c.GetBool(keys::kAllowSchemaUnionization);
  s.mediate_concurrent_updates = c.GetBool(keys::kMediateConcurrentSchemaUpdates);
  s.concurrent_update_retries = c.GetInt(keys::kConcurrentSchemaUpdateMaxRetries);
  s.concurrent_update_wait =
      absl::Milliseconds(c.GetLong(keys::kConcurrentSchemaUpdateRetryWaitMs));
  s.debezium_timestamp_as_integer = c.GetBool(keys::kConvertDebeziumTimestampToInteger);
  if (std::string mode(absl::StripAsciiWhitespace(c.GetString(keys::kDecimalHandlingMode)));
      !mode.empty()) {
    s.decimal_handling = DecimalHandlingFromName(mode);
  }
  s.variable_scale_decimal_handling =
      DecimalHandlingFromName(c.GetString(keys::kVariableScaleDecimalHandlingMode));
  // Aiven's getVariableScaleDecimalHandlingMode: the deprecated key counts
  // only while the new one is at its default.
  if (s.variable_scale_decimal_handling == DecimalHandling::kRecord &&
      c.GetBool(keys::kConvertDebeziumVariableScaleDecimal)) {
    s.variable_scale_decimal_handling = DecimalHandling::kNumeric;
  }
  s.ignore_unknown_fields = c.GetBool(keys::kIgnoreUnknownFields);
  s.track_put_attempts = c.GetBool(keys::kTrackPutAttempts) && !s.kafka_data_field.empty();
  s.original_coordinates = c.GetBool(keys::kPreserveKafkaTopicPartitionOffset);
  s.use_credentials_project_id = c.GetBool(keys::kUseCredentialsProjectId);
  return s;
}

std::optional<int> KcbqRestartLimit(const std::map<std::string, std::string>& props) {
  if (props.count(keys::kTaskRestartMaxAttempts) > 0) return std::nullopt;
  auto enable = Explicit(props, keys::kEnableRetries);
  auto max = Explicit(props, keys::kMaxRetries);
  if (!enable && !max) return std::nullopt;
  if (enable) {
    const std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(*enable));
    if (v == "false") return -1;
    if (v != "true") return std::nullopt;
  }
  int retries = 10;  // kcbq's default max.retries.
  if (max && (!absl::SimpleAtoi(absl::StripAsciiWhitespace(*max), &retries) || retries < 1)) {
    return std::nullopt;
  }
  return retries;
}

}  // namespace ferry::bigquery
