#include "bigquery/schema_mapping.h"

#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ferry::bigquery {
namespace {

bool IsNameChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

TableFieldSchema Column(std::string name, FieldType type, FieldMode mode) {
  TableFieldSchema f;
  f.name = std::move(name);
  f.type = type;
  f.mode = mode;
  return f;
}

std::optional<FieldType> LogicalType(const Schema& schema) {
  if (schema.IsLogical(logical::kTimestamp)) return FieldType::kTimestamp;
  if (schema.IsLogical(logical::kDate)) return FieldType::kDate;
  if (schema.IsLogical(logical::kTime)) return FieldType::kTime;
  if (schema.IsLogical(logical::kDecimal)) return FieldType::kNumeric;
  if (schema.IsLogical(logical::kJson)) return FieldType::kJson;
  return std::nullopt;
}

std::optional<FieldType> PrimitiveType(Type type) {
  switch (type) {
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
    case Type::kInt64:
      return FieldType::kInteger;
    case Type::kFloat32:
    case Type::kFloat64:
      return FieldType::kFloat;
    case Type::kBoolean:
      return FieldType::kBoolean;
    case Type::kString:
      return FieldType::kString;
    case Type::kBytes:
      return FieldType::kBytes;
    default:
      return std::nullopt;
  }
}

absl::Status CheckUnique(const std::vector<TableFieldSchema>& fields, const std::string& where) {
  std::set<std::string> seen;
  for (const TableFieldSchema& f : fields) {
    if (!seen.insert(absl::AsciiStrToLower(f.name)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("duplicate column name '", f.name, "'", where,
                       " (BigQuery column names are case-insensitive)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TableFieldSchema>> StructColumns(const Schema& schema,
                                                            const SchemaMappingOptions& options) {
  std::vector<TableFieldSchema> columns;
  for (const Field& field : schema.fields()) {
    auto column = ConnectFieldToBigQuery(*field.schema, field.name, options);
    if (!column.ok()) return column.status();
    if (column->has_value()) columns.push_back(**std::move(column));
  }
  return columns;
}

}  // namespace

std::string SanitizeName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (!IsNameChar(c)) c = '_';
  }
  if (out.empty() || !(absl::ascii_isalpha(static_cast<unsigned char>(out[0])) || out[0] == '_')) {
    // kcbq's regex "^[^a-zA-Z_].*" does not match an empty name; keep that.
    if (!out.empty()) out.insert(out.begin(), '_');
  }
  return out;
}

TableFieldSchema KafkaDataField(const std::string& name) {
  TableFieldSchema f = Column(name, FieldType::kRecord, FieldMode::kNullable);
  f.fields = {
      Column("topic", FieldType::kString, FieldMode::kRequired),
      Column("partition", FieldType::kInteger, FieldMode::kRequired),
      Column("offset", FieldType::kInteger, FieldMode::kRequired),
      Column("timestamp", FieldType::kTimestamp, FieldMode::kNullable),
      Column("key", FieldType::kString, FieldMode::kNullable),
  };
  return f;
}

absl::StatusOr<std::optional<TableFieldSchema>> ConnectFieldToBigQuery(
    const Schema& schema, std::string name, const SchemaMappingOptions& options) {
  if (options.sanitize_field_names) name = SanitizeName(name);
  const FieldMode mode = (options.all_fields_nullable || schema.optional()) ? FieldMode::kNullable
                                                                            : FieldMode::kRequired;
  std::optional<TableFieldSchema> result;
  if (auto logical = LogicalType(schema)) {
    result = Column(name, *logical, mode);
  } else if (auto primitive = PrimitiveType(schema.type())) {
    result = Column(name, *primitive, mode);
  } else if (schema.type() == Type::kStruct) {
    auto columns = StructColumns(schema, options);
    if (!columns.ok()) return columns.status();
    if (columns->empty()) return std::optional<TableFieldSchema>();
    if (auto s = CheckUnique(*columns, absl::StrCat(" in RECORD '", name, "'")); !s.ok()) return s;
    result = Column(name, FieldType::kRecord, mode);
    result->fields = *std::move(columns);
  } else if (schema.type() == Type::kArray) {
    if (!schema.value_schema()) {
      return absl::InvalidArgumentError(
          absl::StrCat("ARRAY field '", name, "' has no value schema"));
    }
    auto element = ConnectFieldToBigQuery(*schema.value_schema(), name, options);
    if (!element.ok()) return element.status();
    if (!element->has_value()) return std::optional<TableFieldSchema>();
    if ((*element)->mode == FieldMode::kRepeated) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field '", name, "' is an ARRAY of ARRAY or MAP, which BigQuery cannot store"));
    }
    (*element)->mode = FieldMode::kRepeated;
    return element;
  } else if (schema.type() == Type::kMap) {
    if (!schema.key_schema() || !schema.value_schema()) {
      return absl::InvalidArgumentError(
          absl::StrCat("MAP field '", name, "' has no key/value schema"));
    }
    // The key/value columns keep their names even when sanitizing (they are valid already).
    auto key = ConnectFieldToBigQuery(*schema.key_schema(), "key", options);
    if (!key.ok()) return key.status();
    auto value = ConnectFieldToBigQuery(*schema.value_schema(), "value", options);
    if (!value.ok()) return value.status();
    if (!key->has_value() || !value->has_value()) return std::optional<TableFieldSchema>();
    result = Column(name, FieldType::kRecord, FieldMode::kRepeated);
    result->fields = {**std::move(key), **std::move(value)};
    if (!schema.doc().empty()) result->description = schema.doc();
    return result;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("field '", name, "' has unsupported type ",
                                                   std::string(TypeName(schema.type()))));
  }
  if (!schema.doc().empty()) result->description = schema.doc();
  return result;
}

absl::StatusOr<TableSchema> ConnectToTableSchema(const Schema& value_schema,
                                                 const Schema* key_schema,
                                                 const SchemaMappingOptions& options) {
  if (value_schema.type() != Type::kStruct) {
    return absl::InvalidArgumentError("Top-level Kafka Connect schema must be of type 'struct'");
  }
  TableSchema table;
  auto columns = StructColumns(value_schema, options);
  if (!columns.ok()) return columns.status();
  table.fields = *std::move(columns);
  if (!options.kafka_key_field.empty()) {
    if (key_schema == nullptr) {
      return absl::InvalidArgumentError(
          "kafkaKeyFieldName is set but the record key has no schema, so its column cannot be "
          "derived");
    }
    auto key = ConnectFieldToBigQuery(*key_schema, options.kafka_key_field, options);
    if (!key.ok()) return key.status();
    if (key->has_value()) {
      if ((*key)->mode != FieldMode::kRepeated) (*key)->mode = FieldMode::kNullable;
      table.fields.push_back(**std::move(key));
    }
  }
  if (!options.kafka_data_field.empty()) {
    table.fields.push_back(KafkaDataField(options.sanitize_field_names
                                              ? SanitizeName(options.kafka_data_field)
                                              : options.kafka_data_field));
  }
  if (table.fields.empty()) {
    return absl::InvalidArgumentError("the record schema has no fields BigQuery can store");
  }
  if (auto s = CheckUnique(table.fields, ""); !s.ok()) return s;
  return table;
}

TableRouter::TableRouter(std::string project, std::string default_dataset,
                         std::map<std::string, std::string> topic_to_table, bool sanitize_topics)
    : project_(std::move(project)),
      default_dataset_(std::move(default_dataset)),
      topic_to_table_(std::move(topic_to_table)),
      sanitize_topics_(sanitize_topics) {}

absl::StatusOr<TableReference> TableRouter::Route(const std::string& topic) const {
  TableReference ref;
  ref.project_id = project_;
  ref.dataset_id = default_dataset_;
  if (!topic_to_table_.empty()) {
    auto it = topic_to_table_.find(topic);
    ref.table_id = it == topic_to_table_.end() ? topic : it->second;
    return ref;
  }
  std::vector<std::string> parts = absl::StrSplit(topic, ':');
  if (parts.size() == 2) {
    ref.dataset_id = parts[0];
    ref.table_id = parts[1];
  } else if (parts.size() == 1) {
    ref.table_id = parts[0];
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "Incorrect regex replacement format in topic name '", topic,
        "'. SMT replacement should either produce the <dataset>:<tableName> format or just the "
        "<tableName> format."));
  }
  if (sanitize_topics_) ref.table_id = SanitizeName(ref.table_id);
  return ref;
}

}  // namespace ferry::bigquery
