#include "bigquery/error_table.h"

#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "bigquery/bigquery_sink_writer.h"
#include "spdlog/spdlog.h"

namespace ferry::bigquery {
namespace {

using json = nlohmann::json;
namespace k = error_table_keys;

// BigQuery's TIMESTAMP range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999Z.
constexpr int64_t kMinTimestampMicros = -62135596800000000;
constexpr int64_t kMaxTimestampMicros = 253402300799999999;
constexpr int kMaxSuffixLength = 100;
constexpr char kPartitionColumn[] = "error_time";

ConfigKey Key(std::string name, ConfigType type, std::optional<std::string> default_value,
              Importance importance, std::string doc, Validator validator = nullptr) {
  ConfigKey key;
  key.name = std::move(name);
  key.type = type;
  key.default_value = std::move(default_value);
  key.importance = importance;
  key.doc = std::move(doc);
  key.validator = std::move(validator);
  key.group = "Error table";
  return key;
}

ConfigDef BuildDef() {
  ConfigDef def;
  def.Define(Key(k::kEnable, ConfigType::kBoolean, "false", Importance::kMedium,
                 "Also write every record that fails (at any stage, whatever errors.tolerance "
                 "decides) as one row of a BigQuery error table, for inspection with SQL: the "
                 "table the record's original topic is written to (topic2TableMap, "
                 "sanitizeTopics), with the suffix, in the same dataset. The row holds the raw "
                 "key, value and headers, the stage, the reason and the time. ferry creates the "
                 "table (whatever autoCreateTables says) with a fixed schema, partitioned by day "
                 "on error_time."));
  def.Define(Key(k::kSuffix, ConfigType::kString, "_errors", Importance::kLow,
                 "Appended to the name of a record's table to name its error table.",
                 [](const ConfigValue& v) -> std::string {
                   if (v.s.empty() || static_cast<int>(v.s.size()) > kMaxSuffixLength) {
                     return absl::StrCat("must be 1 to ", kMaxSuffixLength, " characters");
                   }
                   for (char c : v.s) {
                     if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
                         c != '-') {
                       return "may hold only letters, digits, underscores and dashes";
                     }
                   }
                   return "";
                 }));
  def.Define(Key(k::kRetries, ConfigType::kInt, "3", Importance::kLow,
                 "How many times one write of error rows retries BigQuery calls that fail "
                 "transiently (5xx, rate limits, timeouts), in all; each retry waits "
                 "bigQueryRetryWait (table calls: doubling, at most 60 s; insertAll: plus up to "
                 "1 s of jitter). Independent of bigQueryRetry, whose default (0) suits the data "
                 "path, not the error path.",
                 validators::AtLeast(0)));
  def.Define(Key(k::kPartitionExpirationMs, ConfigType::kLong, "", Importance::kLow,
                 "When set, error tables ferry creates drop their daily partitions this many "
                 "milliseconds after the partition's day (BigQuery's partition expiration). "
                 "Existing tables are not altered. Empty = rows are kept.",
                 validators::AtLeast(1)));
  return def;
}

TableFieldSchema Field(std::string name, FieldType type, FieldMode mode = FieldMode::kNullable,
                       std::string description = "", std::vector<TableFieldSchema> fields = {}) {
  TableFieldSchema f;
  f.name = std::move(name);
  f.type = type;
  f.mode = mode;
  f.description = std::move(description);
  f.fields = std::move(fields);
  return f;
}

std::string TimestampText(int64_t micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromUnixMicros(micros),
                          absl::UTCTimeZone());
}

bool IsTransient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsResourceExhausted(status) ||
         absl::IsDeadlineExceeded(status);
}

// Merges the columns of `want` missing from `have` into it (NULLABLE, or
// REPEATED), recursively, and lists what makes `have` unable to take ferry's
// rows: another type, other repetition, a REQUIRED column ferry may leave NULL
// or does not know.
void MergeColumns(std::vector<TableFieldSchema>& have, const std::vector<TableFieldSchema>& want,
                  const std::string& prefix, std::vector<std::string>* added,
                  std::vector<std::string>* wrong) {
  for (const TableFieldSchema& w : want) {
    TableFieldSchema* h = nullptr;
    for (TableFieldSchema& candidate : have) {
      if (absl::EqualsIgnoreCase(candidate.name, w.name)) h = &candidate;
    }
    const std::string path = prefix + w.name;
    if (h == nullptr) {
      TableFieldSchema column = w;
      if (column.mode == FieldMode::kRequired) column.mode = FieldMode::kNullable;
      have.push_back(std::move(column));
      added->push_back(path);
      continue;
    }
    if (h->type != w.type) {
      wrong->push_back(absl::StrCat(path, " is ", std::string(FieldTypeName(h->type)), ", not ",
                                    std::string(FieldTypeName(w.type))));
    } else if ((h->mode == FieldMode::kRepeated) != (w.mode == FieldMode::kRepeated)) {
      wrong->push_back(absl::StrCat(path, " is ", std::string(FieldModeName(h->mode)), ", not ",
                                    std::string(FieldModeName(w.mode))));
    } else if (h->mode == FieldMode::kRequired && w.mode != FieldMode::kRequired) {
      wrong->push_back(absl::StrCat(path, " is REQUIRED, but ferry leaves it NULL at times"));
    } else if (w.type == FieldType::kRecord) {
      MergeColumns(h->fields, w.fields, path + ".", added, wrong);
    }
  }
  for (const TableFieldSchema& h : have) {
    if (h.mode != FieldMode::kRequired) continue;
    bool known = false;
    for (const TableFieldSchema& w : want) known |= absl::EqualsIgnoreCase(h.name, w.name);
    if (!known) {
      wrong->push_back(absl::StrCat(prefix, h.name, " is REQUIRED, but ferry does not write it"));
    }
  }
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), static_cast<size_t>(length)));
}

}  // namespace

const ConfigDef& ErrorTableConfigDef() {
  static const ConfigDef* def = new ConfigDef(BuildDef());
  return *def;
}

TableSchema ErrorTableSchema() {
  using FT = FieldType;
  using FM = FieldMode;
  TableSchema schema;
  schema.fields = {
      Field("error_time", FT::kTimestamp, FM::kRequired, "When the record failed"),
      Field("connector", FT::kString, FM::kNullable, "The connector's name"),
      Field("task", FT::kInteger, FM::kNullable, "The task's number"),
      Field("stage", FT::kString, FM::kNullable,
            "Where it failed: KEY_CONVERTER, VALUE_CONVERTER, HEADER_CONVERTER, "
            "TRANSFORMATION, TASK_PUT, KAFKA_CONSUME, KAFKA_PRODUCE"),
      Field("executing_class", FT::kString, FM::kNullable,
            "The converter, transformation or task class that was executing"),
      Field("exception_class", FT::kString, FM::kNullable, "The failure, as Connect names it"),
      Field("reason", FT::kString, FM::kNullable, "The error message"),
      Field("bigquery_reason", FT::kString, FM::kNullable,
            "BigQuery's reason for refusing the row"),
      Field("bigquery_location", FT::kString, FM::kNullable,
            "The field or column BigQuery named at fault"),
      Field("bigquery_table", FT::kString, FM::kNullable,
            "The table the row was refused by (project.dataset.table)"),
      Field("topic", FT::kString, FM::kNullable, "The Kafka topic the record was read from"),
      Field("partition", FT::kInteger, FM::kNullable, "Its Kafka partition"),
      Field("offset", FT::kInteger, FM::kNullable, "Its Kafka offset"),
      Field("record_timestamp", FT::kTimestamp, FM::kNullable, "The Kafka record's timestamp"),
      Field("key", FT::kBytes, FM::kNullable, "The raw key (NULL: null key)"),
      Field("value", FT::kBytes, FM::kNullable, "The raw value (NULL: tombstone)"),
      Field("headers", FT::kRecord, FM::kRepeated, "The raw headers, in order",
            {Field("key", FT::kString, FM::kNullable), Field("value", FT::kBytes, FM::kNullable)}),
      Field("payload_omitted", FT::kBoolean, FM::kNullable,
            "true: BigQuery refused the row with its key, value and headers (too large), so it "
            "was written without them"),
  };
  return schema;
}

absl::StatusOr<std::optional<ErrorTableSettings>> ParseErrorTableSettings(
    const std::map<std::string, std::string>& connector_props) {
  auto parsed = ErrorTableConfigDef().Parse(connector_props);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->GetBool(k::kEnable)) return std::optional<ErrorTableSettings>();
  auto sink = ParseBigQuerySinkSettings(connector_props);
  if (!sink.ok()) return sink.status();
  ErrorTableSettings settings;
  settings.suffix = parsed->GetString(k::kSuffix);
  settings.retries = parsed->GetInt(k::kRetries);
  if (parsed->Has(k::kPartitionExpirationMs)) {
    settings.partition_expiration_ms = parsed->GetLong(k::kPartitionExpirationMs);
  }
  settings.retry_wait = sink->retry_wait;
  settings.create_datasets = sink->auto_create_tables;
  settings.sink = *std::move(sink);
  return std::optional<ErrorTableSettings>(std::move(settings));
}

std::string ErrorRowJson(const errors::ErrorReport& report, bool with_payload) {
  json row = json::object();
  int64_t error_micros = absl::ToUnixMicros(report.time);
  if (error_micros < kMinTimestampMicros || error_micros > kMaxTimestampMicros) {
    error_micros = absl::ToUnixMicros(absl::Now());  // not a time (infinite): when it is written.
  }
  row["error_time"] = TimestampText(error_micros);
  auto text = [&row](const char* column, const std::string& value) {
    if (!value.empty()) row[column] = value;
  };
  text("connector", report.connector_name);
  row["task"] = std::to_string(report.task_id);
  row["stage"] = std::string(errors::StageName(report.stage));
  text("executing_class", report.executing_class);
  text("exception_class", report.exception_class);
  text("reason", report.message);
  text("bigquery_reason", report.bigquery_reason);
  text("bigquery_location", report.bigquery_location);
  text("bigquery_table", report.bigquery_table);
  if (const RawRecord* raw = report.raw.get()) {
    row["topic"] = raw->topic;
    row["partition"] = std::to_string(raw->partition);
    row["offset"] = std::to_string(raw->offset);
    if (raw->timestamp_ms >= 0 && raw->timestamp_ms <= kMaxTimestampMicros / 1000) {
      row["record_timestamp"] = TimestampText(raw->timestamp_ms * 1000);
    }
    if (with_payload) {
      if (raw->key) row["key"] = absl::Base64Escape(*raw->key);
      if (raw->value) row["value"] = absl::Base64Escape(*raw->value);
      if (!raw->headers.empty()) {
        json headers = json::array();
        for (const auto& [key, value] : raw->headers) {
          json header = {{"key", key}};
          if (value) header["value"] = absl::Base64Escape(*value);
          headers.push_back(std::move(header));
        }
        row["headers"] = std::move(headers);
      }
    }
  }
  row["payload_omitted"] = !with_payload;
  return row.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ErrorRowInsertId(const errors::ErrorReport& report) {
  const RawRecord* raw = report.raw.get();
  const std::string topic = raw != nullptr ? raw->topic : "";
  // Length-prefixed, so that no two reports' fields run together the same way.
  const std::string stage(errors::StageName(report.stage));
  const std::string fields = absl::StrCat(
      report.connector_name.size(), ":", report.connector_name, topic.size(), ":", topic,
      raw != nullptr ? raw->partition : -1, ":", raw != nullptr ? raw->offset : -1, ":", stage);
  return absl::StrCat("ferry-err-", Sha256Hex(fields).substr(0, 32));
}

absl::StatusOr<std::unique_ptr<ErrorTableWriter>> ErrorTableWriter::Create(
    const std::map<std::string, std::string>& connector_props) {
  auto settings = ParseErrorTableSettings(connector_props);
  if (!settings.ok()) return settings.status();
  if (!settings->has_value()) return std::unique_ptr<ErrorTableWriter>();
  auto token_source = TokenSourceFor((*settings)->sink);
  if (!token_source.ok()) return token_source.status();
  return Create(**std::move(settings), *std::move(token_source));
}

absl::StatusOr<std::unique_ptr<ErrorTableWriter>> ErrorTableWriter::Create(
    ErrorTableSettings settings, std::shared_ptr<TokenSource> token_source) {
  if (!token_source) token_source = std::make_shared<AnonymousTokenSource>();
  RestClientOptions rest_options;
  rest_options.endpoint = settings.sink.rest_endpoint;
  rest_options.token_source = std::move(token_source);
  auto rest = RestClient::Create(std::move(rest_options));
  if (!rest.ok()) return rest.status();
  return std::unique_ptr<ErrorTableWriter>(
      new ErrorTableWriter(std::move(settings), *std::move(rest)));
}

ErrorTableWriter::ErrorTableWriter(ErrorTableSettings settings, std::unique_ptr<RestClient> rest)
    : settings_(std::move(settings)),
      router_(settings_.sink.project, settings_.sink.default_dataset, settings_.sink.topic_to_table,
              settings_.sink.sanitize_topics),
      rest_(std::move(rest)) {
  InsertAllWriterOptions options;
  options.max_request_bytes = settings_.sink.max_request_bytes;
  options.retries = settings_.retries;
  options.retry_wait = settings_.retry_wait;
  options.max_jitter = settings_.max_jitter;
  insert_ = std::make_unique<InsertAllWriter>(*rest_, options);
}

absl::StatusOr<TableReference> ErrorTableWriter::TableFor(const std::string& topic) const {
  auto ref = router_.Route(topic);
  if (!ref.ok()) return ref.status();
  ref->table_id += settings_.suffix;
  return ref;
}

namespace {

// A REST call, retried out of the Write's budget.
template <typename T, typename Call>
absl::StatusOr<T> WithRetries(RetryBudget& budget, absl::Duration wait, Call call) {
  if (budget.spent()) return absl::UnavailableError(budget.NotAttempted());
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<T> result = call();
    if (result.ok() || !IsTransient(result.status())) return result;
    const int n = budget.Take(result.status().ToString());
    if (n == 0) {
      spdlog::warn("error table: giving up after {} attempt(s): {}", attempt,
                   result.status().ToString());
      return result;
    }
    const absl::Duration backoff = RetryBudget::Backoff(n, wait, absl::Seconds(60));
    spdlog::warn("error table: {}; retrying in {}", result.status().ToString(),
                 absl::FormatDuration(backoff));
    absl::SleepFor(backoff);  // backoff, not synchronisation.
  }
}

absl::Status WithContext(const absl::Status& status, const std::string& what) {
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

}  // namespace

absl::Status ErrorTableWriter::EnsureTable(const TableReference& ref, RetryBudget& budget) {
  const std::string path = ref.StoragePath();
  if (ready_.count(path) > 0) return absl::OkStatus();
  auto table =
      WithRetries<Table>(budget, settings_.retry_wait, [&] { return rest_->GetTable(ref); });
  absl::Status s;
  if (table.ok()) {
    s = CheckTable(*table, budget);
  } else if (absl::IsNotFound(table.status())) {
    s = CreateTable(ref, budget);
  } else {
    s = WithContext(table.status(), absl::StrCat("reading error table ", ref.DebugString()));
  }
  if (s.ok()) ready_.insert(path);
  return s;
}

absl::Status ErrorTableWriter::CreateTable(const TableReference& ref, RetryBudget& budget) {
  Table create;
  create.ref = ref;
  create.schema = ErrorTableSchema();
  TimePartitioning partitioning;
  partitioning.type = "DAY";
  partitioning.field = kPartitionColumn;
  partitioning.expiration_ms = settings_.partition_expiration_ms;
  create.time_partitioning = partitioning;
  create.description =
      "Records ferry could not deliver, one row per failure (ferry's error table; ferry adds "
      "columns it needs)";
  for (int attempt = 0;; ++attempt) {
    auto created = WithRetries<Table>(budget, settings_.retry_wait,
                                      [&] { return rest_->InsertTable(create); });
    if (created.ok()) {
      spdlog::info("created error table {}", ref.DebugString());
      return absl::OkStatus();
    }
    if (absl::IsAlreadyExists(created.status())) {
      // Created meanwhile (another task): check the one that is there.
      auto fetched =
          WithRetries<Table>(budget, settings_.retry_wait, [&] { return rest_->GetTable(ref); });
      if (!fetched.ok()) {
        return WithContext(fetched.status(),
                           absl::StrCat("reading error table ", ref.DebugString()));
      }
      return CheckTable(*fetched, budget);
    }
    if (!absl::IsNotFound(created.status()) || attempt > 0) {
      return WithContext(created.status(),
                         absl::StrCat("creating error table ", ref.DebugString()));
    }
    // The dataset is missing.
    if (!settings_.create_datasets) {
      return absl::NotFoundError(absl::StrCat("cannot create error table ", ref.DebugString(),
                                              ": dataset ", ref.project_id, ".", ref.dataset_id,
                                              " does not exist and autoCreateTables is false (",
                                              created.status().message(), ")"));
    }
    auto dataset = WithRetries<json>(budget, settings_.retry_wait, [&] {
      return rest_->InsertDataset(ref.project_id, ref.dataset_id);
    });
    if (!dataset.ok() && !absl::IsAlreadyExists(dataset.status())) {
      return WithContext(dataset.status(),
                         absl::StrCat("creating dataset ", ref.project_id, ".", ref.dataset_id,
                                      " for error table ", ref.table_id));
    }
  }
}

absl::Status ErrorTableWriter::CheckTable(const Table& existing, RetryBudget& budget) {
  Table table = existing;
  for (int attempt = 0;; ++attempt) {
    TableSchema merged = table.schema;
    std::vector<std::string> added;
    std::vector<std::string> wrong;
    MergeColumns(merged.fields, ErrorTableSchema().fields, "", &added, &wrong);
    if (!wrong.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "table ", table.ref.DebugString(), " cannot be ferry's error table: ",
          absl::StrJoin(wrong, "; "), ". Drop or rename it, or choose another ", k::kSuffix));
    }
    if (added.empty()) return absl::OkStatus();
    auto patched = WithRetries<Table>(budget, settings_.retry_wait, [&] {
      return rest_->PatchTable(table.ref, merged, table.etag);
    });
    if (patched.ok()) {
      spdlog::info("error table {}: added column(s) {}", table.ref.DebugString(),
                   absl::StrJoin(added, ", "));
      return absl::OkStatus();
    }
    if (!absl::IsFailedPrecondition(patched.status()) || attempt > 0) {
      return WithContext(patched.status(),
                         absl::StrCat("adding columns to error table ", table.ref.DebugString()));
    }
    // Changed since it was read (412): read it again and merge into that.
    auto fetched = WithRetries<Table>(budget, settings_.retry_wait,
                                      [&] { return rest_->GetTable(existing.ref); });
    if (!fetched.ok()) return fetched.status();
    table = *std::move(fetched);
  }
}

absl::StatusOr<std::vector<RecordResult>> ErrorTableWriter::Insert(
    const TableReference& ref, const std::vector<InsertAllRow>& rows, RetryBudget& budget) {
  for (;;) {
    auto results = insert_->Insert(ref, rows, &budget);
    if (results.ok() || !absl::IsNotFound(results.status())) return results;
    // Deleted since it was checked, or just created and not yet visible to
    // streaming (BigQuery answers insertAll with 404 for a while): check it
    // again (create it if gone) and retry.
    ready_.erase(ref.StoragePath());
    const int n = budget.Take(results.status().ToString());
    if (n == 0) return results.status();
    const absl::Duration backoff = RetryBudget::Backoff(n, settings_.retry_wait, absl::Seconds(60));
    spdlog::warn("error table: {}; checking the table and retrying in {}",
                 results.status().ToString(), absl::FormatDuration(backoff));
    absl::SleepFor(backoff);  // backoff, not synchronisation.
    if (absl::Status s = EnsureTable(ref, budget); !s.ok()) return s;
  }
}

absl::Status ErrorTableWriter::Write(absl::Span<const errors::ErrorReport> reports) {
  std::lock_guard<std::mutex> lock(mu_);
  RetryBudget budget(settings_.retries);

  size_t unwritten = 0;
  size_t rows_total = 0;
  absl::StatusCode code = absl::StatusCode::kOk;
  std::vector<std::string> why;  // distinct reasons, the first few.
  auto fail = [&](size_t n, const absl::Status& status, const std::string& table) {
    unwritten += n;
    if (code == absl::StatusCode::kOk) code = status.code();
    std::string text =
        table.empty() ? std::string(status.message()) : absl::StrCat(table, ": ", status.message());
    if (why.size() < 3 && std::find(why.begin(), why.end(), text) == why.end()) {
      why.push_back(std::move(text));
    }
  };

  struct Group {
    TableReference ref;
    std::vector<size_t> members;
  };
  std::vector<Group> groups;
  std::map<std::string, size_t> group_of;
  size_t skipped = 0;
  for (size_t i = 0; i < reports.size(); ++i) {
    if (!reports[i].raw) {
      ++skipped;
      continue;
    }
    ++rows_total;
    auto ref = TableFor(reports[i].raw->topic);
    if (!ref.ok()) {
      fail(1, ref.status(), "");
      continue;
    }
    auto [it, inserted] = group_of.emplace(ref->StoragePath(), groups.size());
    if (inserted) groups.push_back({*ref, {}});
    groups[it->second].members.push_back(i);
  }
  if (skipped > 0) {
    spdlog::warn("error table: {} report(s) without a Kafka record have no table; not written",
                 skipped);
  }

  for (const Group& group : groups) {
    const std::string table = group.ref.DebugString();
    if (absl::Status s = EnsureTable(group.ref, budget); !s.ok()) {
      fail(group.members.size(), s, "");
      continue;
    }
    std::vector<InsertAllRow> rows;
    rows.reserve(group.members.size());
    for (size_t i : group.members) {
      rows.push_back({ErrorRowInsertId(reports[i]), ErrorRowJson(reports[i])});
    }
    auto results = Insert(group.ref, rows, budget);
    if (!results.ok()) {
      fail(group.members.size(), results.status(), table);
      continue;
    }
    // Rows BigQuery refused go again without their payload.
    std::vector<size_t> refused;
    std::string refusal;
    for (size_t r = 0; r < results->size(); ++r) {
      const RecordResult& result = (*results)[r];
      if (result.status == WriteStatus::kRejected) {
        refused.push_back(group.members[r]);
        if (refusal.empty()) refusal = result.reason;
      } else if (result.status == WriteStatus::kRetriable) {
        fail(1, absl::UnavailableError(result.reason), table);
      }
    }
    if (refused.empty()) continue;
    spdlog::warn(
        "error table {}: BigQuery refused {} row(s) ({}); writing them without key, value and "
        "headers",
        table, refused.size(), refusal);
    std::vector<InsertAllRow> bare;
    for (size_t i : refused) {
      bare.push_back({ErrorRowInsertId(reports[i]) + "-bare", ErrorRowJson(reports[i], false)});
    }
    auto again = Insert(group.ref, bare, budget);
    if (!again.ok()) {
      fail(refused.size(), again.status(), table);
      continue;
    }
    for (const RecordResult& result : *again) {
      if (result.status == WriteStatus::kDelivered) continue;
      fail(1,
           result.status == WriteStatus::kRejected
               ? absl::InvalidArgumentError(absl::StrCat("row refused: ", result.reason))
               : absl::UnavailableError(result.reason),
           table);
    }
  }

  if (unwritten == 0) return absl::OkStatus();
  return absl::Status(code, absl::StrCat("error table: ", unwritten, " of ", rows_total,
                                         " row(s) not written: ", absl::StrJoin(why, "; ")));
}

}  // namespace ferry::bigquery
