#include "record/value.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ferry {
namespace {

// Decimals up to 16 bytes of unscaled value (38 digits, BigQuery's NUMERIC
// and more) are handled exactly with int128.
std::optional<absl::int128> UnscaledToInt128(const std::string& bytes) {
  if (bytes.empty() || bytes.size() > 16) return std::nullopt;
  absl::uint128 u = (static_cast<unsigned char>(bytes[0]) & 0x80) ? ~absl::uint128(0) : 0;
  for (unsigned char c : bytes) u = (u << 8) | c;
  return static_cast<absl::int128>(u);
}

std::string Int128ToUnscaled(absl::int128 v) {
  std::string out(16, '\0');
  absl::uint128 u = static_cast<absl::uint128>(v);
  for (int i = 15; i >= 0; --i) {
    out[i] = static_cast<char>(static_cast<uint8_t>(u & 0xff));
    u >>= 8;
  }
  // Minimal two's complement: drop redundant sign bytes.
  size_t start = 0;
  while (start < 15) {
    unsigned char b = out[start], next = out[start + 1];
    if ((b == 0x00 && !(next & 0x80)) || (b == 0xff && (next & 0x80))) {
      ++start;
    } else {
      break;
    }
  }
  return out.substr(start);
}

void AppendDebug(const Value& v, std::string* out);

void AppendQuoted(std::string_view s, std::string* out) {
  absl::StrAppend(out, "\"", absl::CHexEscape(std::string(s)), "\"");
}

void AppendDebug(const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      absl::StrAppend(out, "null");
      return;
    case Value::Kind::kBool:
      absl::StrAppend(out, v.as_bool() ? "true" : "false");
      return;
    case Value::Kind::kInt:
      absl::StrAppend(out, v.as_int());
      return;
    case Value::Kind::kFloat:
      absl::StrAppend(out, v.as_float());
      return;
    case Value::Kind::kString:
      AppendQuoted(v.as_string(), out);
      return;
    case Value::Kind::kBytes:
      absl::StrAppend(out, "b64'", absl::Base64Escape(v.as_bytes().data), "'");
      return;
    case Value::Kind::kTimestamp:
      absl::StrAppend(out, "ts(", v.as_timestamp().micros, ")");
      return;
    case Value::Kind::kDate:
      absl::StrAppend(out, "date(", v.as_date().days, ")");
      return;
    case Value::Kind::kTime:
      absl::StrAppend(out, "time(", v.as_time().micros, ")");
      return;
    case Value::Kind::kDecimal:
      absl::StrAppend(out, "dec(", v.as_decimal().ToString(), ")");
      return;
    case Value::Kind::kArray: {
      absl::StrAppend(out, "[");
      bool first = true;
      for (const Value& e : v.as_array()) {
        if (!first) absl::StrAppend(out, ",");
        first = false;
        AppendDebug(e, out);
      }
      absl::StrAppend(out, "]");
      return;
    }
    case Value::Kind::kMap: {
      absl::StrAppend(out, "{");
      bool first = true;
      for (const auto& [k, e] : v.as_map()) {
        if (!first) absl::StrAppend(out, ",");
        first = false;
        AppendDebug(k, out);
        absl::StrAppend(out, ":");
        AppendDebug(e, out);
      }
      absl::StrAppend(out, "}");
      return;
    }
    case Value::Kind::kStruct: {
      const Struct& s = v.as_struct();
      absl::StrAppend(out, "Struct{");
      for (size_t i = 0; i < s.values.size(); ++i) {
        if (i) absl::StrAppend(out, ",");
        absl::StrAppend(out, s.schema->fields()[i].name, "=");
        AppendDebug(s.values[i], out);
      }
      absl::StrAppend(out, "}");
      return;
    }
  }
}

}  // namespace

std::string_view ValueKindName(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return "BOOLEAN";
    case Value::Kind::kInt:
      return "INT";
    case Value::Kind::kFloat:
      return "FLOAT";
    case Value::Kind::kString:
      return "STRING";
    case Value::Kind::kBytes:
      return "BYTES";
    case Value::Kind::kTimestamp:
      return "Timestamp";
    case Value::Kind::kDate:
      return "Date";
    case Value::Kind::kTime:
      return "Time";
    case Value::Kind::kDecimal:
      return "Decimal";
    case Value::Kind::kArray:
      return "ARRAY";
    case Value::Kind::kMap:
      return "MAP";
    case Value::Kind::kStruct:
      return "STRUCT";
  }
  return "?";
}

std::string JavaClassName(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return "java.lang.Boolean";
    case Value::Kind::kInt:
      return "java.lang.Long";
    case Value::Kind::kFloat:
      return "java.lang.Double";
    case Value::Kind::kString:
      return "java.lang.String";
    case Value::Kind::kBytes:
      return "[B";
    case Value::Kind::kTimestamp:
    case Value::Kind::kDate:
    case Value::Kind::kTime:
      return "java.util.Date";
    case Value::Kind::kDecimal:
      return "java.math.BigDecimal";
    case Value::Kind::kArray:
      return "java.util.ArrayList";
    case Value::Kind::kMap:
      return "java.util.HashMap";
    case Value::Kind::kStruct:
      return "org.apache.kafka.connect.data.Struct";
  }
  return "java.lang.Object";
}

std::string Decimal::ToString() const {
  std::optional<absl::int128> v = UnscaledToInt128(unscaled);
  bool negative = false;
  std::string digits;
  if (v) {
    negative = *v < 0;
    absl::uint128 mag = negative ? absl::uint128(-(*v + 1)) + 1 : absl::uint128(*v);
    do {
      digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(mag % 10)));
      mag /= 10;
    } while (mag != 0);
  } else {
    // Wider than 128 bits (BIGNUMERIC has 77 digits): the magnitude's base-256
    // digits divided by 10 until nothing is left.
    std::vector<uint8_t> mag(unscaled.begin(), unscaled.end());
    negative = !mag.empty() && (mag[0] & 0x80) != 0;
    if (negative) {
      for (uint8_t& b : mag) b = static_cast<uint8_t>(~b);
      for (size_t i = mag.size(); i-- > 0;) {
        if (++mag[i] != 0) break;
      }
    }
    size_t start = 0;
    while (start < mag.size() && mag[start] == 0) ++start;
    while (start < mag.size()) {
      unsigned rem = 0;
      for (size_t i = start; i < mag.size(); ++i) {
        const unsigned cur = rem * 256 + mag[i];
        mag[i] = static_cast<uint8_t>(cur / 10);
        rem = cur % 10;
      }
      digits.push_back(static_cast<char>('0' + rem));
      while (start < mag.size() && mag[start] == 0) ++start;
    }
    if (digits.empty()) digits = "0";
    std::reverse(digits.begin(), digits.end());
  }
  if (scale > 0) {
    if (digits.size() <= static_cast<size_t>(scale)) {
      digits.insert(0, static_cast<size_t>(scale) - digits.size() + 1, '0');
    }
    digits.insert(digits.size() - scale, ".");
  } else if (scale < 0) {
    digits.append(static_cast<size_t>(-scale), '0');
  }
  return negative ? "-" + digits : digits;
}

std::optional<Decimal> Decimal::FromString(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  absl::uint128 mag = 0;
  int32_t scale = 0;
  bool seen_point = false, seen_digit = false;
  const absl::uint128 limit = absl::uint128(absl::Int128Max()) / 10;
  for (char c : text) {
    if (c == '.') {
      if (seen_point) return std::nullopt;
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (mag > limit) return std::nullopt;
    mag = mag * 10 + static_cast<unsigned>(c - '0');
    seen_digit = true;
    if (seen_point) ++scale;
  }
  if (!seen_digit) return std::nullopt;
  absl::int128 v = static_cast<absl::int128>(mag);
  if (negative) v = -v;
  return Decimal{Int128ToUnscaled(v), scale};
}

const Value* Value::StructField(std::string_view name) const {
  if (kind() != Kind::kStruct) return nullptr;
  const Struct& s = as_struct();
  const Field* f = s.schema->FindField(name);
  return f ? &s.values[f->index] : nullptr;
}

const Value* Value::MapEntry(std::string_view key) const {
  if (kind() != Kind::kMap) return nullptr;
  for (const auto& [k, v] : as_map()) {
    if (k.kind() == Kind::kString && k.as_string() == key) return &v;
  }
  return nullptr;
}

bool Value::operator==(const Value& o) const {
  if (kind() != o.kind()) return false;
  switch (kind()) {
    case Kind::kNull:
      return true;
    case Kind::kBool:
      return as_bool() == o.as_bool();
    case Kind::kInt:
      return as_int() == o.as_int();
    case Kind::kFloat:
      return as_float() == o.as_float() || (std::isnan(as_float()) && std::isnan(o.as_float()));
    case Kind::kString:
      return as_string() == o.as_string();
    case Kind::kBytes:
      return as_bytes() == o.as_bytes();
    case Kind::kTimestamp:
      return as_timestamp() == o.as_timestamp();
    case Kind::kDate:
      return as_date() == o.as_date();
    case Kind::kTime:
      return as_time() == o.as_time();
    case Kind::kDecimal:
      return as_decimal() == o.as_decimal();
    case Kind::kArray:
      return as_array() == o.as_array();
    case Kind::kMap:
      return as_map() == o.as_map();
    case Kind::kStruct: {
      const Struct& a = as_struct();
      const Struct& b = o.as_struct();
      if (a.values != b.values) return false;
      return a.schema == b.schema || (a.schema && b.schema && a.schema->Equals(*b.schema));
    }
  }
  return false;
}

std::string Value::DebugString() const {
  std::string out;
  AppendDebug(*this, &out);
  return out;
}

StructBuilder::StructBuilder(SchemaPtr schema)
    : schema_(std::move(schema)), values_(schema_->fields().size()) {}

StructBuilder& StructBuilder::Put(std::string_view field, Value value) {
  const Field* f = schema_->FindField(field);
  if (f != nullptr) values_[f->index] = std::move(value);
  return *this;
}

Value StructBuilder::Build() { return Value(Struct{std::move(schema_), std::move(values_)}); }

std::string ValidateValue(const Schema& schema, const Value& value) {
  if (value.is_null()) {
    if (schema.optional() || schema.default_value()) return "";
    return "Invalid value: null used for required field";
  }
  auto mismatch = [&](std::string_view got) {
    return absl::StrCat("Invalid Java object for schema with type ",
                        std::string(TypeName(schema.type())), ": ", std::string(got));
  };
  const std::string& name = schema.name();
  switch (schema.type()) {
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
      if (name == logical::kDate) {
        return value.kind() == Value::Kind::kDate ? "" : mismatch("expected a Date");
      }
      if (name == logical::kTime) {
        return value.kind() == Value::Kind::kTime ? "" : mismatch("expected a Time");
      }
      return value.kind() == Value::Kind::kInt ? "" : mismatch(value.DebugString());
    case Type::kInt64:
      if (name == logical::kTimestamp) {
        return value.kind() == Value::Kind::kTimestamp ? "" : mismatch("expected a Timestamp");
      }
      return value.kind() == Value::Kind::kInt ? "" : mismatch(value.DebugString());
    case Type::kFloat32:
    case Type::kFloat64:
      return value.kind() == Value::Kind::kFloat ? "" : mismatch(value.DebugString());
    case Type::kBoolean:
      return value.kind() == Value::Kind::kBool ? "" : mismatch(value.DebugString());
    case Type::kString:
      return value.kind() == Value::Kind::kString ? "" : mismatch(value.DebugString());
    case Type::kBytes:
      if (name == logical::kDecimal) {
        return value.kind() == Value::Kind::kDecimal ? "" : mismatch("expected a Decimal");
      }
      return value.kind() == Value::Kind::kBytes ? "" : mismatch(value.DebugString());
    case Type::kArray: {
      if (value.kind() != Value::Kind::kArray) return mismatch(value.DebugString());
      // An ARRAY or MAP without element schemas (Values.parseString's
      // SchemaBuilder.arrayOfNull / mapOfNull) holds elements of any type.
      if (!schema.value_schema()) return "";
      for (const Value& e : value.as_array()) {
        std::string err = ValidateValue(*schema.value_schema(), e);
        if (!err.empty()) return err;
      }
      return "";
    }
    case Type::kMap: {
      if (value.kind() != Value::Kind::kMap) return mismatch(value.DebugString());
      for (const auto& [k, v] : value.as_map()) {
        std::string err = schema.key_schema() ? ValidateValue(*schema.key_schema(), k) : "";
        if (err.empty() && schema.value_schema()) err = ValidateValue(*schema.value_schema(), v);
        if (!err.empty()) return err;
      }
      return "";
    }
    case Type::kStruct: {
      if (value.kind() != Value::Kind::kStruct) return mismatch(value.DebugString());
      const Struct& s = value.as_struct();
      if (s.schema.get() != &schema && !s.schema->Equals(schema)) {
        return "Struct schemas do not match.";
      }
      for (const Field& f : schema.fields()) {
        std::string err = ValidateValue(*f.schema, s.values[f.index]);
        if (!err.empty()) return absl::StrCat(err, " (field ", f.name, ")");
      }
      return "";
    }
  }
  return "";
}

}  // namespace ferry
