#include "bigquery/bigquery_sink_writer.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bigquery/proto_rows.h"
#include "bigquery/rest_client.h"
#include "bigquery/schema_mapping.h"
#include "bigquery/storage_writer.h"

namespace ferry::bigquery {
namespace {

std::string_view PartitioningName(TimePartitioningType type) {
  switch (type) {
    case TimePartitioningType::kHour:
      return "HOUR";
    case TimePartitioningType::kMonth:
      return "MONTH";
    case TimePartitioningType::kYear:
      return "YEAR";
    default:
      return "DAY";
  }
}

bool IsTransient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsResourceExhausted(status) ||
         absl::IsDeadlineExceeded(status);
}

class BigQuerySinkWriter final : public SinkWriter {
 public:
  BigQuerySinkWriter(BigQuerySinkSettings settings, std::unique_ptr<RestClient> rest,
                     std::unique_ptr<StorageWriter> storage)
      : settings_(std::move(settings)),
        router_(settings_.project, settings_.default_dataset, settings_.topic_to_table,
                settings_.sanitize_topics),
        rest_(std::move(rest)),
        storage_(std::move(storage)) {}

  absl::StatusOr<std::vector<RecordResult>> Write(
      absl::Span<const SinkRecord* const> records) override {
    std::vector<RecordResult> results(records.size());
    struct Group {
      TableReference ref;
      std::vector<size_t> records;
    };
    std::vector<Group> groups;
    std::map<std::string, size_t> group_of;
    for (size_t i = 0; i < records.size(); ++i) {
      auto ref = router_.Route(records[i]->topic);
      if (!ref.ok()) {
        results[i] = {WriteStatus::kRejected, std::string(ref.status().message()), ""};
        continue;
      }
      auto [it, inserted] = group_of.emplace(ref->StoragePath(), groups.size());
      if (inserted) groups.push_back({*ref, {}});
      groups[it->second].records.push_back(i);
    }

    for (const Group& group : groups) {
      auto encoder = EnsureTable(group.ref, records, group.records);
      if (!encoder.ok()) return encoder.status();
      std::vector<std::string> rows;
      std::vector<size_t> row_record;
      rows.reserve(group.records.size());
      std::string row;
      for (size_t i : group.records) {
        if (auto error = (*encoder)->Encode(*records[i], &row)) {
          results[i] = {WriteStatus::kRejected, std::move(error->message),
                        std::move(error->column)};
          continue;
        }
        rows.push_back(std::move(row));
        row_record.push_back(i);
      }
      if (rows.empty()) continue;
      auto appended = storage_->Append(group.ref, (*encoder)->descriptor(), rows);
      if (!appended.ok()) {
        return absl::Status(
            appended.status().code(),
            absl::StrCat(appended.status().message(), " (table ", group.ref.DebugString(), ")"));
      }
      for (size_t k = 0; k < row_record.size(); ++k) {
        results[row_record[k]] = std::move((*appended)[k]);
      }
    }
    return results;
  }

 private:
  template <typename T, typename Call>
  absl::StatusOr<T> WithRetries(Call call) {
    for (int attempt = 0;; ++attempt) {
      absl::StatusOr<T> result = call();
      if (result.ok() || !IsTransient(result.status()) || attempt >= settings_.retries) {
        return result;
      }
      absl::SleepFor(std::min(settings_.retry_wait * (int64_t{1} << std::min(attempt, 20)),
                              absl::Seconds(60)));  // backoff, not synchronisation.
    }
  }

  absl::StatusOr<const RowEncoder*> Cache(const TableReference& ref, Table table) {
    RowEncoderOptions options;
    options.sanitize_field_names = settings_.sanitize_field_names;
    options.kafka_key_field = settings_.kafka_key_field;
    options.kafka_data_field = settings_.kafka_data_field;
    auto encoder = RowEncoder::Create(std::move(table.schema), std::move(options));
    if (!encoder.ok()) {
      return absl::Status(encoder.status().code(), absl::StrCat("table ", ref.DebugString(), ": ",
                                                                encoder.status().message()));
    }
    const RowEncoder* raw = encoder->get();
    encoders_[ref.StoragePath()] = *std::move(encoder);
    return raw;
  }

  absl::Status EnsureDataset(const TableReference& ref) {
    auto got = WithRetries<nlohmann::json>(
        [&] { return rest_->GetDataset(ref.project_id, ref.dataset_id); });
    if (got.ok()) return absl::OkStatus();
    if (!absl::IsNotFound(got.status())) return got.status();
    auto inserted = WithRetries<nlohmann::json>(
        [&] { return rest_->InsertDataset(ref.project_id, ref.dataset_id); });
    if (inserted.ok() || absl::IsAlreadyExists(inserted.status())) return absl::OkStatus();
    return inserted.status();
  }

  absl::StatusOr<const RowEncoder*> EnsureTable(const TableReference& ref,
                                                absl::Span<const SinkRecord* const> records,
                                                const std::vector<size_t>& members) {
    if (auto it = encoders_.find(ref.StoragePath()); it != encoders_.end()) {
      return it->second.get();
    }
    auto table = WithRetries<Table>([&] { return rest_->GetTable(ref); });
    if (table.ok()) return Cache(ref, *std::move(table));
    if (!absl::IsNotFound(table.status())) return table.status();
    if (!settings_.auto_create_tables) {
      return absl::NotFoundError(absl::StrCat(
          "table ", ref.DebugString(),
          " does not exist and autoCreateTables is false: ", table.status().message()));
    }

    const SinkRecord* model = nullptr;
    for (size_t i : members) {
      if (records[i]->value_schema && records[i]->value_schema->type() == Type::kStruct) {
        model = records[i];
        break;
      }
    }
    if (model == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("table ", ref.DebugString(),
                       " does not exist and cannot be created: its records carry no STRUCT schema "
                       "(schemaless JSON). Create the table, or use a converter with schemas"));
    }
    SchemaMappingOptions mapping;
    mapping.all_fields_nullable = settings_.all_fields_nullable;
    mapping.sanitize_field_names = settings_.sanitize_field_names;
    mapping.kafka_key_field = settings_.kafka_key_field;
    mapping.kafka_data_field = settings_.kafka_data_field;
    auto schema = ConnectToTableSchema(*model->value_schema, model->key_schema.get(), mapping);
    if (!schema.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create table ", ref.DebugString(), " from the schema of ", model->topic, "/",
          model->partition, "@", model->offset, ": ", schema.status().message()));
    }
    if (auto s = EnsureDataset(ref); !s.ok()) return s;

    Table create;
    create.ref = ref;
    create.schema = *std::move(schema);
    if (settings_.partitioning != TimePartitioningType::kNone) {
      TimePartitioning partitioning;
      partitioning.type = std::string(PartitioningName(settings_.partitioning));
      partitioning.field = settings_.timestamp_partition_field;
      partitioning.expiration_ms = settings_.partition_expiration_ms;
      create.time_partitioning = partitioning;
    }
    create.clustering_fields = settings_.clustering_fields;
    auto created = WithRetries<Table>([&] { return rest_->InsertTable(create); });
    if (!created.ok() && !absl::IsAlreadyExists(created.status())) {
      return absl::Status(
          created.status().code(),
          absl::StrCat("creating table ", ref.DebugString(), ": ", created.status().message()));
    }
    // Read it back: after a 409 someone else's schema is the one that counts.
    auto fetched = WithRetries<Table>([&] { return rest_->GetTable(ref); });
    if (!fetched.ok()) return fetched.status();
    return Cache(ref, *std::move(fetched));
  }

  BigQuerySinkSettings settings_;
  TableRouter router_;
  std::unique_ptr<RestClient> rest_;
  std::unique_ptr<StorageWriter> storage_;
  std::map<std::string, std::unique_ptr<RowEncoder>> encoders_;  // by table storage path.
};

}  // namespace

absl::StatusOr<std::unique_ptr<SinkWriter>> CreateBigQuerySinkWriter(
    const BigQuerySinkSettings& settings, std::shared_ptr<TokenSource> token_source) {
  if (!token_source) token_source = std::make_shared<AnonymousTokenSource>();
  RestClientOptions rest_options;
  rest_options.endpoint = settings.rest_endpoint;
  rest_options.token_source = token_source;
  auto rest = RestClient::Create(std::move(rest_options));
  if (!rest.ok()) return rest.status();

  StorageWriterOptions storage_options;
  storage_options.endpoint = settings.storage_endpoint;
  storage_options.token_source = token_source;
  storage_options.max_request_bytes = settings.max_request_bytes;
  storage_options.max_in_flight = settings.max_in_flight;
  storage_options.retries = settings.retries;
  storage_options.retry_wait = settings.retry_wait;
  auto storage = StorageWriter::Create(std::move(storage_options));
  if (!storage.ok()) return storage.status();

  return std::unique_ptr<SinkWriter>(
      new BigQuerySinkWriter(settings, *std::move(rest), *std::move(storage)));
}

absl::StatusOr<std::unique_ptr<SinkWriter>> CreateBigQuerySinkWriter(
    const std::map<std::string, std::string>& connector_props) {
  auto settings = ParseBigQuerySinkSettings(connector_props);
  if (!settings.ok()) return settings.status();
  return CreateBigQuerySinkWriter(*settings, nullptr);
}

}  // namespace ferry::bigquery
