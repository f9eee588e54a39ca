#include "bigquery/schema_mapping.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ferry::bigquery {
namespace {

// Debian's abseil has its own string_view; bridge std::string_view into it.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsNameChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

TableFieldSchema Column(std::string name, FieldType type, FieldMode mode) {
  TableFieldSchema f;
  f.name = std::move(name);
  f.type = type;
  f.mode = mode;
  return f;
}

std::string Join(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", AV(name));
}

struct LogicalMapping {
  std::string_view name;
  Type encoding;
  FieldType column;
};

// kcbq's LogicalConverterRegistry (Kafka's and Debezium's converters) plus
// ferry's Json and the nanosecond Debezium types. Decimal is apart: its
// column type depends on its scale and precision.
constexpr LogicalMapping kLogicalTypes[] = {
    {logical::kTimestamp, Type::kInt64, FieldType::kTimestamp},
    {logical::kDate, Type::kInt32, FieldType::kDate},
    {logical::kTime, Type::kInt32, FieldType::kTime},
    {logical::kJson, Type::kString, FieldType::kJson},
    {debezium::kDate, Type::kInt32, FieldType::kDate},
    {debezium::kTime, Type::kInt32, FieldType::kTime},
    {debezium::kMicroTime, Type::kInt64, FieldType::kTime},
    {debezium::kNanoTime, Type::kInt64, FieldType::kTime},
    {debezium::kTimestamp, Type::kInt64, FieldType::kTimestamp},
    {debezium::kMicroTimestamp, Type::kInt64, FieldType::kTimestamp},
    {debezium::kNanoTimestamp, Type::kInt64, FieldType::kTimestamp},
    {debezium::kZonedTimestamp, Type::kString, FieldType::kTimestamp},
    {debezium::kJson, Type::kString, FieldType::kJson},
};

const LogicalMapping* FindLogical(const std::string& name) {
  if (name.empty()) return nullptr;
  for (const LogicalMapping& m : kLogicalTypes) {
    if (m.name == name) return &m;
  }
  return nullptr;
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

// NUMERIC holds 29 integer and 9 fractional digits; BIGNUMERIC 38 and 38
// (and part of a 39th integer digit).
constexpr int kNumericIntegerDigits = 29;
constexpr int kNumericScale = 9;
constexpr int kBignumericIntegerDigits = 38;
constexpr int kBignumericScale = 38;

std::optional<FieldType> DecimalColumnType(int scale, std::optional<int> integer_digits) {
  if (scale <= kNumericScale && (!integer_digits || *integer_digits <= kNumericIntegerDigits)) {
    return FieldType::kNumeric;
  }
  if (scale <= kBignumericScale &&
      (!integer_digits || *integer_digits <= kBignumericIntegerDigits)) {
    return FieldType::kBignumeric;
  }
  return std::nullopt;
}

// Aiven's RECORD layout of a decimal: the scale and the unscaled value as
// big-endian two's complement (Java's BigInteger.toByteArray()).
TableFieldSchema DecimalRecordColumn(std::string name, FieldMode mode, bool all_nullable) {
  const FieldMode sub = all_nullable ? FieldMode::kNullable : FieldMode::kRequired;
  TableFieldSchema f = Column(std::move(name), FieldType::kRecord, mode);
  f.fields = {Column("scale", FieldType::kInteger, sub), Column("value", FieldType::kBytes, sub)};
  return f;
}

absl::StatusOr<FieldType> ConnectDecimalType(const Schema& schema, const std::string& name,
                                             std::optional<DecimalHandling> handling) {
  if (schema.type() != Type::kBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("field '", name, "': logical type ", AV(logical::kDecimal),
                     " must be encoded as BYTES; instead, found ", AV(TypeName(schema.type()))));
  }
  int scale = 0;
  std::optional<int> precision;
  const auto& params = schema.parameters();
  if (auto it = params.find(std::string(logical::kDecimalScaleParam)); it != params.end()) {
    if (!absl::SimpleAtoi(it->second, &scale)) {
      return absl::InvalidArgumentError(
          absl::StrCat("field '", name, "': invalid Decimal scale '", it->second, "'"));
    }
  }
  if (auto it = params.find(std::string(kDecimalPrecisionParam)); it != params.end()) {
    int p = 0;
    if (!absl::SimpleAtoi(it->second, &p)) {
      return absl::InvalidArgumentError(
          absl::StrCat("field '", name, "': invalid Decimal precision '", it->second, "'"));
    }
    precision = p;
  }
  std::optional<int> integer_digits;
  if (precision) integer_digits = *precision - scale;
  if (handling == DecimalHandling::kRecord) return FieldType::kRecord;
  if (handling == DecimalHandling::kFloat) return FieldType::kFloat;
  std::optional<FieldType> type = DecimalColumnType(scale, integer_digits);
  if (handling == DecimalHandling::kNumeric && type != FieldType::kNumeric) {
    return absl::InvalidArgumentError(absl::StrCat(
        "field '", name, "': Decimal with scale ", scale,
        precision ? absl::StrCat(" and precision ", *precision) : std::string(),
        " exceeds NUMERIC (9 digits after the point, 29 before); decimalHandlingMode=NUMERIC "
        "asks for NUMERIC: set it to BIGNUMERIC, or leave it unset"));
  }
  if (handling == DecimalHandling::kBignumeric && type) return FieldType::kBignumeric;
  if (type) return *type;
  return absl::InvalidArgumentError(
      absl::StrCat("field '", name, "': Decimal with scale ", scale,
                   precision ? absl::StrCat(" and precision ", *precision) : std::string(),
                   " exceeds BIGNUMERIC (38 digits after the point, 38 before)"));
}

std::optional<std::string> DuplicateName(const std::vector<TableFieldSchema>& fields) {
  std::set<std::string> seen;
  for (const TableFieldSchema& f : fields) {
    if (!seen.insert(absl::AsciiStrToLower(f.name)).second) return f.name;
  }
  return std::nullopt;
}

absl::Status CheckUnique(const std::vector<TableFieldSchema>& fields, const std::string& where) {
  if (auto name = DuplicateName(fields)) {
    return absl::InvalidArgumentError(
        absl::StrCat("duplicate column name '", *name, "'", where,
                     " (BigQuery column names are case-insensitive)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<TableFieldSchema>> ConvertField(
    const Schema& schema, std::string name, const SchemaMappingOptions& options,
    const std::map<std::string, std::string>* record_params);

absl::StatusOr<std::vector<TableFieldSchema>> StructColumns(const Schema& schema,
                                                            const SchemaMappingOptions& options) {
  std::vector<TableFieldSchema> columns;
  for (const Field& field : schema.fields()) {
    auto column = ConvertField(*field.schema, field.name, options, &schema.parameters());
    if (!column.ok()) return column.status();
    if (column->has_value()) columns.push_back(**std::move(column));
  }
  return columns;
}

absl::StatusOr<std::optional<TableFieldSchema>> ConvertField(
    const Schema& schema, std::string name, const SchemaMappingOptions& options,
    const std::map<std::string, std::string>* record_params) {
  std::string description = schema.doc();
  if (description.empty() && record_params != nullptr) {
    // Confluent's Avro converter keeps field docs on the enclosing record.
    if (auto it = record_params->find(absl::StrCat(AV(kAvroFieldDocPrefix), name));
        it != record_params->end()) {
      description = it->second;
    }
  }
  if (options.sanitize_field_names) name = SanitizeName(name);
  const FieldMode mode = (options.all_fields_nullable || schema.optional()) ? FieldMode::kNullable
                                                                            : FieldMode::kRequired;
  std::optional<TableFieldSchema> result;
  const bool variable_scale_decimal =
      schema.name() == debezium::kVariableScaleDecimal &&
      options.variable_scale_decimal_handling != DecimalHandling::kRecord;
  if (variable_scale_decimal) {
    if (schema.type() != Type::kStruct) {
      return absl::InvalidArgumentError(
          absl::StrCat("field '", name, "': logical type ", AV(debezium::kVariableScaleDecimal),
                       " must be encoded as STRUCT; instead, found ", AV(TypeName(schema.type()))));
    }
    const FieldType type =
        options.variable_scale_decimal_handling == DecimalHandling::kFloat ? FieldType::kFloat
        : options.variable_scale_decimal_handling == DecimalHandling::kBignumeric
            ? FieldType::kBignumeric
            : FieldType::kNumeric;
    result = Column(name, type, mode);
  } else if (schema.name() == debezium::kTimestamp && options.debezium_timestamp_as_integer) {
    if (schema.type() != Type::kInt64) {
      return absl::InvalidArgumentError(
          absl::StrCat("field '", name, "': logical type ", AV(debezium::kTimestamp),
                       " must be encoded as INT64; instead, found ", AV(TypeName(schema.type()))));
    }
    result = Column(name, FieldType::kInteger, mode);
  } else if (const LogicalMapping* logical = FindLogical(schema.name())) {
    if (schema.type() != logical->encoding) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field '", name, "': logical type ", AV(logical->name), " must be encoded as ",
          AV(TypeName(logical->encoding)), "; instead, found ", AV(TypeName(schema.type()))));
    }
    result = Column(name, logical->column, mode);
  } else if (schema.IsLogical(logical::kDecimal)) {
    auto type = ConnectDecimalType(schema, name, options.decimal_handling);
    if (!type.ok()) return type.status();
    result = *type == FieldType::kRecord
                 ? DecimalRecordColumn(name, mode, options.all_fields_nullable)
                 : Column(name, *type, mode);
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
    auto element = ConvertField(*schema.value_schema(), name, options, nullptr);
    if (!element.ok()) return element.status();
    if (!element->has_value()) return std::optional<TableFieldSchema>();
    if ((*element)->mode == FieldMode::kRepeated) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field '", name, "' is an ARRAY of ARRAY or MAP, which BigQuery cannot store"));
    }
    // The name is already sanitized; the element's doc is kcbq's fallback.
    (*element)->name = name;
    (*element)->mode = FieldMode::kRepeated;
    if (!description.empty()) (*element)->description = description;
    return element;
  } else if (schema.type() == Type::kMap) {
    if (!schema.key_schema() || !schema.value_schema()) {
      return absl::InvalidArgumentError(
          absl::StrCat("MAP field '", name, "' has no key/value schema"));
    }
    // The key/value columns keep their names even when sanitizing (they are valid already).
    auto key = ConvertField(*schema.key_schema(), "key", options, nullptr);
    if (!key.ok()) return key.status();
    auto value = ConvertField(*schema.value_schema(), "value", options, nullptr);
    if (!value.ok()) return value.status();
    if (!key->has_value() || !value->has_value()) return std::optional<TableFieldSchema>();
    result = Column(name, FieldType::kRecord, FieldMode::kRepeated);
    result->fields = {**std::move(key), **std::move(value)};
  } else {
    return absl::InvalidArgumentError(absl::StrCat("field '", name, "' has unsupported type ",
                                                   std::string(TypeName(schema.type()))));
  }
  if (!description.empty()) result->description = description;
  return result;
}

bool IsRepeated(const TableFieldSchema& f) { return f.mode == FieldMode::kRepeated; }

// Merges `other` into `into` (one column seen twice); see MergeColumns.
std::optional<RowError> MergeField(const TableFieldSchema& other, TableFieldSchema* into,
                                   const std::string& path);

std::optional<RowError> MergeFieldLists(const std::vector<TableFieldSchema>& other,
                                        std::vector<TableFieldSchema>* into,
                                        const std::string& prefix) {
  std::vector<bool> matched(into->size(), false);
  const size_t original = into->size();
  for (const TableFieldSchema& o : other) {
    size_t i = 0;
    const std::string lower = absl::AsciiStrToLower(o.name);
    for (; i < into->size(); ++i) {
      if (absl::AsciiStrToLower((*into)[i].name) == lower) break;
    }
    if (i == into->size()) {
      TableFieldSchema added = o;
      if (!IsRepeated(added)) added.mode = FieldMode::kNullable;
      into->push_back(std::move(added));
      continue;
    }
    if (i < original) matched[i] = true;
    if (auto error = MergeField(o, &(*into)[i], Join(prefix, (*into)[i].name))) return error;
  }
  for (size_t i = 0; i < original; ++i) {
    if (!matched[i] && !IsRepeated((*into)[i])) (*into)[i].mode = FieldMode::kNullable;
  }
  return std::nullopt;
}

std::optional<RowError> MergeField(const TableFieldSchema& other, TableFieldSchema* into,
                                   const std::string& path) {
  if (IsRepeated(other) != IsRepeated(*into)) {
    return RowError{path, absl::StrCat("field '", path,
                                       "' is a list in one record and a single value in another; "
                                       "a BigQuery column is either REPEATED or not")};
  }
  if (other.type != into->type) {
    auto is = [&](FieldType a, FieldType b) {
      return (other.type == a && into->type == b) || (other.type == b && into->type == a);
    };
    if (is(FieldType::kInteger, FieldType::kFloat)) {
      into->type = FieldType::kFloat;
    } else if (is(FieldType::kNumeric, FieldType::kBignumeric)) {
      into->type = FieldType::kBignumeric;
    } else {
      return RowError{path, absl::StrCat("field '", path, "' is ", AV(FieldTypeName(other.type)),
                                         " here but ", AV(FieldTypeName(into->type)),
                                         " elsewhere; a BigQuery column has one type")};
    }
  } else if (into->type == FieldType::kRecord) {
    if (auto error = MergeFieldLists(other.fields, &into->fields, path)) return error;
  }
  if (!IsRepeated(*into) &&
      !(into->mode == FieldMode::kRequired && other.mode == FieldMode::kRequired)) {
    into->mode = FieldMode::kNullable;
  }
  if (into->description.empty()) into->description = other.description;
  return std::nullopt;
}

// Schema inference for schemaless values (see InferField).
class Inferrer {
 public:
  explicit Inferrer(const SchemaMappingOptions& options) : options_(options) {}

  // `raw_path` is the field's path as written in the record (for json_fields),
  // `path` its column path; `depth` the column's nesting level (top = 1).
  std::optional<RowError> One(const Value& value, const std::string& name,
                              const std::string& raw_path, const std::string& path, int depth,
                              std::optional<TableFieldSchema>* out) const {
    out->reset();
    if (value.is_null()) return std::nullopt;
    if (IsJsonField(raw_path, path)) {
      *out = Column(name, FieldType::kJson, FieldMode::kNullable);
      return std::nullopt;
    }
    if (value.kind() == Value::Kind::kArray) return List(value, name, raw_path, path, depth, out);
    return Single(value, name, raw_path, path, depth, out);
  }

  std::optional<RowError> Columns(const Value& value, const std::string& raw_prefix,
                                  const std::string& prefix, int depth,
                                  std::vector<TableFieldSchema>* out) const {
    out->clear();
    if (value.kind() == Value::Kind::kStruct) {
      const Struct& s = value.as_struct();
      auto columns = StructColumns(*s.schema, options_);
      if (!columns.ok()) return RowError{prefix, std::string(columns.status().message())};
      *out = *std::move(columns);
      return std::nullopt;
    }
    if (value.kind() != Value::Kind::kMap) {
      return RowError{prefix, absl::StrCat("needs a map with string keys, got ",
                                           AV(ValueKindName(value.kind())))};
    }
    std::map<std::string, std::string> seen;  // lower-case column name -> field name.
    for (const auto& [k, v] : value.as_map()) {
      if (k.kind() != Value::Kind::kString) {
        return RowError{prefix, absl::StrCat("a map key is ", AV(ValueKindName(k.kind())),
                                             ": a BigQuery RECORD needs string keys")};
      }
      const std::string& raw = k.as_string();
      std::string name = options_.sanitize_field_names ? SanitizeName(raw) : raw;
      const std::string path = Join(prefix, name);
      if (!IsValidFieldName(name)) {
        return RowError{path,
                        absl::StrCat("field name '", raw,
                                     "' is not a valid BigQuery column name (letters, digits and "
                                     "underscores, not starting with a digit, at most ",
                                     kMaxFieldNameLength, " characters)",
                                     options_.sanitize_field_names
                                         ? std::string()
                                         : "; set sanitizeFieldNames=true to have it renamed")};
      }
      auto [it, inserted] = seen.emplace(absl::AsciiStrToLower(name), raw);
      if (!inserted) {
        return RowError{path, absl::StrCat("fields '", it->second, "' and '", raw,
                                           "' are one BigQuery column '", name,
                                           "' (names are case-insensitive)")};
      }
      std::optional<TableFieldSchema> column;
      if (auto error = One(v, name, Join(raw_prefix, raw), path, depth, &column)) return error;
      if (column) out->push_back(*std::move(column));
    }
    return std::nullopt;
  }

 private:
  bool IsJsonField(const std::string& raw_path, const std::string& path) const {
    for (const std::string& f : options_.json_fields) {
      if (f == raw_path || f == path) return true;
    }
    return false;
  }

  std::optional<RowError> Unstorable(const std::string& name, const std::string& path,
                                     std::string message,
                                     std::optional<TableFieldSchema>* out) const {
    if (options_.unstorable_as_json) {
      *out = Column(name, FieldType::kJson, FieldMode::kNullable);
      return std::nullopt;
    }
    return RowError{path, std::move(message)};
  }

  std::optional<RowError> Single(const Value& value, const std::string& name,
                                 const std::string& raw_path, const std::string& path, int depth,
                                 std::optional<TableFieldSchema>* out) const {
    auto scalar = [&](FieldType type) {
      *out = Column(name, type, FieldMode::kNullable);
      return std::nullopt;
    };
    switch (value.kind()) {
      case Value::Kind::kNull:
        return std::nullopt;
      case Value::Kind::kBool:
        return scalar(FieldType::kBoolean);
      case Value::Kind::kInt:
        return scalar(FieldType::kInteger);
      case Value::Kind::kFloat:
        return scalar(FieldType::kFloat);
      case Value::Kind::kString:
        return scalar(FieldType::kString);
      case Value::Kind::kBytes:
        return scalar(FieldType::kBytes);
      case Value::Kind::kTimestamp:
        return scalar(FieldType::kTimestamp);
      case Value::Kind::kDate:
        return scalar(FieldType::kDate);
      case Value::Kind::kTime:
        return scalar(FieldType::kTime);
      case Value::Kind::kDecimal: {
        if (options_.decimal_handling == DecimalHandling::kRecord) {
          *out = DecimalRecordColumn(name, FieldMode::kNullable, options_.all_fields_nullable);
          return std::nullopt;
        }
        if (options_.decimal_handling == DecimalHandling::kFloat) return scalar(FieldType::kFloat);
        const Decimal& d = value.as_decimal();
        std::string text = d.ToString();
        if (!text.empty() && text[0] == '-') text.erase(0, 1);
        const size_t dot = text.find('.');
        std::string_view integer = std::string_view(text).substr(0, dot);
        while (integer.size() > 1 && integer[0] == '0') integer.remove_prefix(1);
        const int integer_digits = integer == "0" ? 0 : static_cast<int>(integer.size());
        std::optional<FieldType> type = DecimalColumnType(std::max(d.scale, 0), integer_digits);
        if (options_.decimal_handling == DecimalHandling::kNumeric && type != FieldType::kNumeric) {
          return RowError{path, absl::StrCat("field '", path, "': decimal ", d.ToString(),
                                             " exceeds NUMERIC (decimalHandlingMode=NUMERIC)")};
        }
        if (type && options_.decimal_handling == DecimalHandling::kBignumeric) {
          type = FieldType::kBignumeric;
        }
        if (type) return scalar(*type);
        return Unstorable(name, path,
                          absl::StrCat("field '", path, "': decimal ", d.ToString(),
                                       " exceeds BIGNUMERIC (38 digits after the point, 38 "
                                       "before)"),
                          out);
      }
      case Value::Kind::kArray:
        return List(value, name, raw_path, path, depth, out);
      case Value::Kind::kMap:
      case Value::Kind::kStruct: {
        if (depth > kMaxRecordNestingDepth) {
          return Unstorable(name, path,
                            absl::StrCat("field '", path, "' nests RECORDs deeper than ",
                                         kMaxRecordNestingDepth, " levels, BigQuery's limit"),
                            out);
        }
        if (value.kind() == Value::Kind::kStruct) {
          auto column = ConvertField(*value.as_struct().schema, name, options_, nullptr);
          if (!column.ok()) return RowError{path, std::string(column.status().message())};
          if (column->has_value() && (*column)->mode != FieldMode::kRepeated) {
            (*column)->mode = FieldMode::kNullable;
          }
          if (column->has_value()) *out = **std::move(column);
          return std::nullopt;
        }
        std::vector<TableFieldSchema> fields;
        if (auto error = Columns(value, raw_path, path, depth + 1, &fields)) return error;
        if (fields.empty()) return std::nullopt;  // only nulls so far: no column yet.
        *out = Column(name, FieldType::kRecord, FieldMode::kNullable);
        (*out)->fields = std::move(fields);
        return std::nullopt;
      }
    }
    return RowError{path, "unknown value kind"};
  }

  std::optional<RowError> List(const Value& value, const std::string& name,
                               const std::string& raw_path, const std::string& path, int depth,
                               std::optional<TableFieldSchema>* out) const {
    std::optional<TableFieldSchema> merged;
    for (const Value& item : value.as_array()) {
      if (item.is_null()) continue;  // BigQuery refuses NULL elements; the encoder says so.
      if (item.kind() == Value::Kind::kArray) {
        return Unstorable(name, path,
                          absl::StrCat("field '", path,
                                       "' is a list of lists, which BigQuery cannot store "
                                       "(no ARRAY of ARRAY)"),
                          out);
      }
      std::optional<TableFieldSchema> element;
      if (auto error = Single(item, name, raw_path, path, depth, &element)) return error;
      if (!element) continue;
      if (element->type == FieldType::kJson) {  // an unstorable element: the whole list is JSON.
        *out = std::move(element);
        return std::nullopt;
      }
      if (!merged) {
        merged = std::move(element);
        continue;
      }
      if (auto error = MergeField(*element, &*merged, path)) {
        return Unstorable(name, path,
                          absl::StrCat("list '", path,
                                       "' mixes elements BigQuery cannot put in "
                                       "one column: ",
                                       error->message),
                          out);
      }
    }
    if (merged) {
      merged->mode = FieldMode::kRepeated;
      *out = std::move(merged);
    }
    return std::nullopt;
  }

  const SchemaMappingOptions& options_;
};

}  // namespace

std::string_view TimeUnitName(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::kDays:
      return "days";
    case TimeUnit::kSeconds:
      return "seconds";
    case TimeUnit::kMillis:
      return "milliseconds";
    case TimeUnit::kMicros:
      return "microseconds";
    case TimeUnit::kNanos:
      return "nanoseconds";
  }
  return "milliseconds";
}

std::optional<TimeUnit> IntegerTimeUnit(const Schema* schema, FieldType column_type) {
  const std::string empty;
  const std::string& name = schema ? schema->name() : empty;
  switch (column_type) {
    case FieldType::kTimestamp:
    case FieldType::kDatetime:
      if (name == debezium::kMicroTimestamp) return TimeUnit::kMicros;
      if (name == debezium::kNanoTimestamp) return TimeUnit::kNanos;
      return TimeUnit::kMillis;  // Connect's Timestamp and Debezium's Timestamp.
    case FieldType::kTime:
      if (name == debezium::kMicroTime) return TimeUnit::kMicros;
      if (name == debezium::kNanoTime) return TimeUnit::kNanos;
      return TimeUnit::kMillis;  // Connect's Time and Debezium's Time.
    case FieldType::kDate:
      return TimeUnit::kDays;
    default:
      return std::nullopt;
  }
}

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

std::string_view DecimalHandlingName(DecimalHandling mode) {
  switch (mode) {
    case DecimalHandling::kRecord:
      return "RECORD";
    case DecimalHandling::kFloat:
      return "FLOAT";
    case DecimalHandling::kNumeric:
      return "NUMERIC";
    case DecimalHandling::kBignumeric:
      return "BIGNUMERIC";
  }
  return "NUMERIC";
}

TableFieldSchema KafkaDataField(const std::string& name, bool put_attempt_id) {
  TableFieldSchema f = Column(name, FieldType::kRecord, FieldMode::kNullable);
  f.fields = {
      Column("topic", FieldType::kString, FieldMode::kRequired),
      Column("partition", FieldType::kInteger, FieldMode::kRequired),
      Column("offset", FieldType::kInteger, FieldMode::kRequired),
      Column("timestamp", FieldType::kTimestamp, FieldMode::kNullable),
      Column("key", FieldType::kString, FieldMode::kNullable),
  };
  if (put_attempt_id) {
    f.fields.push_back(Column(kPutAttemptIdField, FieldType::kString, FieldMode::kNullable));
  }
  return f;
}

namespace {

// The kafka data column of a table ferry creates. With allBQFieldsNullable no
// sub-field is REQUIRED either (kcbq's KafkaDataBuilder makes none REQUIRED).
TableFieldSchema KafkaDataColumn(const SchemaMappingOptions& options) {
  TableFieldSchema f =
      KafkaDataField(options.sanitize_field_names ? SanitizeName(options.kafka_data_field)
                                                  : options.kafka_data_field,
                     options.track_put_attempts);
  if (options.all_fields_nullable) {
    for (TableFieldSchema& sub : f.fields) sub.mode = FieldMode::kNullable;
  }
  return f;
}

}  // namespace

absl::StatusOr<std::optional<TableFieldSchema>> ConnectFieldToBigQuery(
    const Schema& schema, std::string name, const SchemaMappingOptions& options) {
  return ConvertField(schema, std::move(name), options, nullptr);
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
  // kcbq's order: the value's columns, the kafka data column, the kafka key column.
  if (!options.kafka_data_field.empty()) {
    table.fields.push_back(KafkaDataColumn(options));
  }
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
  if (table.fields.empty()) {
    return absl::InvalidArgumentError("the record schema has no fields BigQuery can store");
  }
  if (auto s = CheckUnique(table.fields, ""); !s.ok()) return s;
  return table;
}

std::optional<RowError> InferField(const Value& value, const std::string& name,
                                   const SchemaMappingOptions& options,
                                   std::optional<TableFieldSchema>* out) {
  std::string column = options.sanitize_field_names ? SanitizeName(name) : name;
  return Inferrer(options).One(value, column, name, column, 1, out);
}

std::optional<RowError> InferColumns(const Value& value, const SchemaMappingOptions& options,
                                     std::vector<TableFieldSchema>* out) {
  return Inferrer(options).Columns(value, "", "", 1, out);
}

std::optional<RowError> MergeColumns(const std::vector<TableFieldSchema>& other,
                                     std::vector<TableFieldSchema>* into) {
  return MergeFieldLists(other, into, "");
}

std::optional<RowError> RecordTableSchema(const SinkRecord& record,
                                          const SchemaMappingOptions& options, TableSchema* out) {
  out->fields.clear();
  const Value& value = record.value;
  if (value.is_null()) {
    return RowError{"", "the record value is null (a tombstone), so it has no columns"};
  }
  const Schema* struct_schema = nullptr;
  if (record.value_schema && record.value_schema->type() == Type::kStruct) {
    struct_schema = record.value_schema.get();
  } else if (value.kind() == Value::Kind::kStruct) {
    struct_schema = value.as_struct().schema.get();
  }
  if (struct_schema != nullptr) {
    auto columns = StructColumns(*struct_schema, options);
    if (!columns.ok()) return RowError{"", std::string(columns.status().message())};
    out->fields = *std::move(columns);
  } else if (value.kind() == Value::Kind::kMap) {
    if (auto error = InferColumns(value, options, &out->fields)) return error;
  } else {
    return RowError{"", absl::StrCat("Top-level Kafka Connect schema must be of type 'struct'; "
                                     "the record value is ",
                                     AV(ValueKindName(value.kind())))};
  }
  if (!options.kafka_data_field.empty()) {
    out->fields.push_back(KafkaDataColumn(options));
  }
  if (!options.kafka_key_field.empty()) {
    std::optional<TableFieldSchema> key;
    if (record.key_schema) {
      auto converted = ConnectFieldToBigQuery(*record.key_schema, options.kafka_key_field, options);
      if (!converted.ok()) {
        return RowError{options.kafka_key_field,
                        absl::StrCat("the record key: ", converted.status().message())};
      }
      key = *std::move(converted);
    } else if (auto error = InferField(record.key, options.kafka_key_field, options, &key)) {
      error->message = absl::StrCat("the record key: ", error->message);
      return error;
    }
    if (key) {
      if (key->mode != FieldMode::kRepeated) key->mode = FieldMode::kNullable;
      out->fields.push_back(*std::move(key));
    }
  }
  if (auto name = DuplicateName(out->fields)) {
    return RowError{*name, absl::StrCat("two fields are one BigQuery column '", *name,
                                        "' (names are case-insensitive)")};
  }
  if (absl::Status s = ValidateTableSchema(*out); !s.ok()) {
    return RowError{"", std::string(s.message())};
  }
  return std::nullopt;
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
