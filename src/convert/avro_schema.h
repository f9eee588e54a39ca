#pragma once

// Avro schemas as a tree that keeps what libavro drops: docs, defaults,
// aliases and every other attribute ("logicalType", "connect.name", …),
// which Confluent's AvroData reads. Internal to convert/ (AvroConverter).

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ferry::internal {

enum class AvroKind {
  kNull,
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBytes,
  kString,
  kRecord,
  kEnum,
  kArray,
  kMap,
  kUnion,
  kFixed,
};

// "null", "boolean", …, "record", "union", as Avro's Schema.Type.getName().
std::string_view AvroKindName(AvroKind kind);

struct AvroNode;

struct AvroField {
  std::string name;
  std::optional<std::string> doc;
  const AvroNode* type = nullptr;
  std::optional<nlohmann::ordered_json> default_value;              // As written.
  nlohmann::ordered_json props = nlohmann::ordered_json::object();  // Other attributes.
  std::vector<std::string> aliases;
};

struct AvroNode {
  AvroKind kind = AvroKind::kNull;
  std::string full_name;  // Named types (record, enum, fixed): "ns.Name" or "Name".
  std::optional<std::string> doc;
  // Attributes other than Avro's own: "logicalType", "precision", "scale",
  // "connect.name", …, in the order written.
  nlohmann::ordered_json props = nlohmann::ordered_json::object();
  std::vector<std::string> aliases;
  std::vector<AvroField> fields;            // kRecord.
  std::vector<std::string> symbols;         // kEnum.
  std::optional<std::string> enum_default;  // kEnum.
  const AvroNode* items = nullptr;          // kArray items, kMap values.
  std::vector<const AvroNode*> branches;    // kUnion.
  int64_t size = 0;                         // kFixed.

  bool named() const {
    return kind == AvroKind::kRecord || kind == AvroKind::kEnum || kind == AvroKind::kFixed;
  }
  std::string_view SimpleName() const;
  std::string_view Namespace() const;  // "" when none.
  // A string attribute, nullopt when absent or not a string.
  std::optional<std::string> StringProp(std::string_view name) const;
  const nlohmann::ordered_json* Prop(std::string_view name) const;
};

// An immutable parsed (or built) schema. Nodes live as long as the schema;
// named types of referenced schemas (Confluent schema references) are shared
// by pointer, their schemas kept alive by this one.
class AvroSchema {
 public:
  // Parses Avro's JSON form as Java's Schema.Parser does (names validated,
  // namespaces inherited, named types defined once). `references`: schemas
  // whose named types this one may use by name.
  static absl::StatusOr<std::shared_ptr<const AvroSchema>> Parse(
      std::string_view text, std::vector<std::shared_ptr<const AvroSchema>> references = {});

  // For building a schema (AvroData.fromConnectSchema): nodes are made here
  // and linked by the caller; SetRoot last.
  AvroNode* NewNode(AvroKind kind);
  void SetRoot(const AvroNode* root) { root_ = root; }

  const AvroNode& root() const { return *root_; }
  // The named type `full_name`, here or in a reference; nullptr if none.
  const AvroNode* FindNamed(const std::string& full_name) const;

  // The JSON form in the order Java's Schema.toString writes it; each named
  // type is defined at its first use and referred to by name afterwards.
  std::string ToJson() const;
  // The same structure for libavro: named types, fields and symbols renamed
  // to n0…/f0…/s0… (libavro cannot write a type without namespace inside a
  // namespaced one, and checks names its own way), nothing but structure.
  // Encoding depends on structure only, so values read or written with it
  // are those of this schema, position by position.
  std::string ToLibavroJson() const;

  // Checks that `payload` starts with a complete encoding of a datum of this
  // schema: every length and count fits in what is left, union branches and
  // enum indexes exist, nesting is at most kMaxDepth deep and zero-byte items
  // (nulls, empty records) number at most kMaxEmptyItems. libavro trusts
  // lengths (it allocates what a corrupt length says) and recursion, so
  // payloads are checked before it reads them. Returns the bytes consumed;
  // InvalidArgument naming the offset otherwise.
  absl::StatusOr<size_t> CheckPayload(std::string_view payload) const;

  static constexpr int kMaxDepth = 512;
  static constexpr int64_t kMaxEmptyItems = 1 << 20;

  // Whether a named type contains itself (recursive records).
  bool IsRecursive() const;
  // Whether an array or map has items that encode to no bytes (null, empty
  // records): libavro cannot hold them (it fails to grow a zero-size array).
  bool HasItemsWithoutBytes() const;

 private:
  std::deque<AvroNode> nodes_;
  const AvroNode* root_ = nullptr;
  std::map<std::string, const AvroNode*> named_;
  std::vector<std::shared_ptr<const AvroSchema>> references_;

  friend class AvroSchemaParser;
};

// Whether `name` is a valid Avro name (letters, digits, '_', not starting
// with a digit).
bool IsAvroName(std::string_view name);

}  // namespace ferry::internal
