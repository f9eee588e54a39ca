#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "record/schema.h"

namespace ferry {

// Binary data (Connect BYTES), kept apart from text.
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

// Logical values. Connect keeps these as java.util.Date / BigDecimal in memory;
// ferry keeps them typed so that schemaless records can carry them too.
struct Timestamp {
  int64_t micros = 0;  // since the Unix epoch, UTC.
  bool operator==(const Timestamp&) const = default;
};
struct Date {
  int32_t days = 0;  // since the Unix epoch.
  bool operator==(const Date&) const = default;
};
struct TimeOfDay {
  int64_t micros = 0;  // since midnight.
  bool operator==(const TimeOfDay&) const = default;
};
struct Decimal {
  std::string unscaled;  // big-endian two's complement, as Connect's wire form.
  int32_t scale = 0;
  bool operator==(const Decimal&) const = default;
  std::string ToString() const;  // "-12.345"
  static std::optional<Decimal> FromString(std::string_view text);
};

class Value;
using Array = std::vector<Value>;
// Ordered; keys are usually strings (schemaless JSON objects).
using Map = std::vector<std::pair<Value, Value>>;
struct Struct {
  SchemaPtr schema;
  std::vector<Value> values;  // one per schema field, in field order.
};

// An immutable Connect value. Compound parts are shared, so copies are cheap
// and a transform that "modifies" a value builds a new one (Connect's
// contract that transforms never mutate their input).
class Value {
 public:
  enum class Kind {
    kNull,
    kBool,
    kInt,
    kFloat,
    kString,
    kBytes,
    kTimestamp,
    kDate,
    kTime,
    kDecimal,
    kArray,
    kMap,
    kStruct,
  };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int v) : v_(static_cast<int64_t>(v)) {}
  Value(int64_t v) : v_(v) {}
  Value(double v) : v_(v) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Bytes b) : v_(std::move(b)) {}
  Value(Timestamp t) : v_(t) {}
  Value(Date d) : v_(d) {}
  Value(TimeOfDay t) : v_(t) {}
  Value(Decimal d) : v_(std::make_shared<const Decimal>(std::move(d))) {}
  Value(Array a) : v_(std::make_shared<const Array>(std::move(a))) {}
  Value(Map m) : v_(std::make_shared<const Map>(std::move(m))) {}
  Value(Struct s) : v_(std::make_shared<const Struct>(std::move(s))) {}

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Bytes& as_bytes() const { return std::get<Bytes>(v_); }
  Timestamp as_timestamp() const { return std::get<Timestamp>(v_); }
  Date as_date() const { return std::get<Date>(v_); }
  TimeOfDay as_time() const { return std::get<TimeOfDay>(v_); }
  const Decimal& as_decimal() const { return *std::get<std::shared_ptr<const Decimal>>(v_); }
  const Array& as_array() const { return *std::get<std::shared_ptr<const Array>>(v_); }
  const Map& as_map() const { return *std::get<std::shared_ptr<const Map>>(v_); }
  const Struct& as_struct() const { return *std::get<std::shared_ptr<const Struct>>(v_); }

  // STRUCT field by name; nullptr if there is no such field.
  const Value* StructField(std::string_view name) const;
  // MAP entry with a string key; nullptr if absent.
  const Value* MapEntry(std::string_view key) const;

  bool operator==(const Value& other) const;
  bool operator!=(const Value& other) const { return !(*this == other); }

  // A JSON-like rendering for logs and test failures.
  std::string DebugString() const;

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, Bytes, Timestamp, Date,
               TimeOfDay, std::shared_ptr<const Decimal>, std::shared_ptr<const Array>,
               std::shared_ptr<const Map>, std::shared_ptr<const Struct>>
      v_;
};

// "BOOLEAN", "INT", "STRING", "Timestamp", "STRUCT", ... for error messages.
std::string_view ValueKindName(Value::Kind kind);

// The Java class Connect would hold for this value ("java.lang.Long",
// "java.util.Date", "[B"), so that error messages read as Kafka's do.
std::string JavaClassName(const Value& value);

// Builds a Struct value field by field, checking names against the schema.
class StructBuilder {
 public:
  explicit StructBuilder(SchemaPtr schema);
  // Starts from an existing struct's values (schema must match field names).
  StructBuilder& Put(std::string_view field, Value value);
  Value Build();  // Leaves the builder empty.

 private:
  SchemaPtr schema_;
  std::vector<Value> values_;
};

// Checks a value against a schema as Connect's ConnectSchema.validateValue does.
// Returns an empty string when valid, else a message naming the problem.
std::string ValidateValue(const Schema& schema, const Value& value);

}  // namespace ferry
