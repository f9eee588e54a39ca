#include "convert/avro_schema.h"

#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "convert/absl_compat.h"

namespace ferry::internal {

using json = nlohmann::ordered_json;

std::string_view AvroKindName(AvroKind kind) {
  switch (kind) {
    case AvroKind::kNull:
      return "null";
    case AvroKind::kBoolean:
      return "boolean";
    case AvroKind::kInt:
      return "int";
    case AvroKind::kLong:
      return "long";
    case AvroKind::kFloat:
      return "float";
    case AvroKind::kDouble:
      return "double";
    case AvroKind::kBytes:
      return "bytes";
    case AvroKind::kString:
      return "string";
    case AvroKind::kRecord:
      return "record";
    case AvroKind::kEnum:
      return "enum";
    case AvroKind::kArray:
      return "array";
    case AvroKind::kMap:
      return "map";
    case AvroKind::kUnion:
      return "union";
    case AvroKind::kFixed:
      return "fixed";
  }
  return "";
}

std::string_view AvroNode::SimpleName() const {
  std::string_view n = full_name;
  const size_t dot = n.rfind('.');
  return dot == std::string_view::npos ? n : n.substr(dot + 1);
}

std::string_view AvroNode::Namespace() const {
  std::string_view n = full_name;
  const size_t dot = n.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : n.substr(0, dot);
}

std::optional<std::string> AvroNode::StringProp(std::string_view name) const {
  const json* p = Prop(name);
  if (p == nullptr || !p->is_string()) return std::nullopt;
  return p->get<std::string>();
}

const json* AvroNode::Prop(std::string_view name) const {
  auto it = props.find(std::string(name));
  return it == props.end() ? nullptr : &*it;
}

bool IsAvroName(std::string_view name) {
  if (name.empty()) return false;
  auto letter = [](unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
  };
  if (!letter(static_cast<unsigned char>(name[0]))) return false;
  for (unsigned char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

namespace {

std::optional<AvroKind> PrimitiveKind(std::string_view name) {
  if (name == "null") return AvroKind::kNull;
  if (name == "boolean") return AvroKind::kBoolean;
  if (name == "int") return AvroKind::kInt;
  if (name == "long") return AvroKind::kLong;
  if (name == "float") return AvroKind::kFloat;
  if (name == "double") return AvroKind::kDouble;
  if (name == "bytes") return AvroKind::kBytes;
  if (name == "string") return AvroKind::kString;
  return std::nullopt;
}

bool Reserved(const std::string& key) {
  static const std::set<std::string> kReserved = {"type",  "name",    "namespace", "fields",
                                                  "items", "size",    "symbols",   "values",
                                                  "doc",   "aliases", "default"};
  return kReserved.count(key) > 0;
}

bool ReservedForField(const std::string& key) {
  static const std::set<std::string> kReserved = {"name",    "type",  "doc",
                                                  "default", "order", "aliases"};
  return kReserved.count(key) > 0;
}

absl::Status ParseError(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

absl::StatusOr<std::vector<std::string>> Aliases(const json& j) {
  std::vector<std::string> out;
  auto it = j.find("aliases");
  if (it == j.end()) return out;
  if (!it->is_array()) return ParseError(Cat("aliases not an array: ", j.dump()));
  for (const json& a : *it) {
    if (!a.is_string()) return ParseError(Cat("alias not a string: ", a.dump()));
    out.push_back(a.get<std::string>());
  }
  return out;
}

}  // namespace

class AvroSchemaParser {
 public:
  explicit AvroSchemaParser(AvroSchema* out) : out_(out) {}

  absl::StatusOr<const AvroNode*> Parse(const json& j, const std::string& ns) {
    if (j.is_string()) return Reference(j.get<std::string>(), ns);
    if (j.is_array()) return Union(j, ns);
    if (!j.is_object()) return ParseError(Cat("Schema not yet supported: ", j.dump()));
    auto type_it = j.find("type");
    if (type_it == j.end()) return ParseError(Cat("No type: ", j.dump()));
    if (!type_it->is_string()) return Parse(*type_it, ns);  // {"type": {...}} or {"type": [...]}
    const std::string type = type_it->get<std::string>();
    if (std::optional<AvroKind> kind = PrimitiveKind(type)) {
      AvroNode* node = out_->NewNode(*kind);
      CopyProps(j, node);
      return node;
    }
    if (type == "record" || type == "error") return Record(j, ns);
    if (type == "enum") return Enum(j, ns);
    if (type == "fixed") return Fixed(j, ns);
    if (type == "array" || type == "map") {
      const char* member = type == "array" ? "items" : "values";
      auto it = j.find(member);
      if (it == j.end()) {
        return ParseError(Cat(
            type == "array" ? "Array has no items type: " : "Map has no values type: ", j.dump()));
      }
      AvroNode* node = out_->NewNode(type == "array" ? AvroKind::kArray : AvroKind::kMap);
      absl::StatusOr<const AvroNode*> items = Parse(*it, ns);
      if (!items.ok()) return items.status();
      node->items = *items;
      CopyProps(j, node);
      return node;
    }
    // {"type": "com.example.Named"}: a reference, as Java's parser allows.
    return Reference(type, ns);
  }

 private:
  void CopyProps(const json& j, AvroNode* node) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!Reserved(it.key())) node->props[it.key()] = it.value();
    }
  }

  absl::StatusOr<const AvroNode*> Reference(const std::string& name, const std::string& ns) {
    if (std::optional<AvroKind> kind = PrimitiveKind(name)) return out_->NewNode(*kind);
    std::string full =
        name.find('.') == std::string::npos && !ns.empty() ? Cat(ns, ".", name) : name;
    if (const AvroNode* n = out_->FindNamed(full)) return n;
    if (const AvroNode* n = out_->FindNamed(name)) return n;  // Java tries the null namespace.
    return ParseError(Cat("\"", name, "\" is not a defined name. The type of the \"", field_,
                          "\" field must be a defined name or a {\"type\": ...} "
                          "expression."));
  }

  // The full name and namespace of a named type's definition.
  absl::StatusOr<std::pair<std::string, std::string>> Name(const json& j, const std::string& ns) {
    auto it = j.find("name");
    if (it == j.end() || !it->is_string()) {
      return ParseError(Cat("No name in schema: ", j.dump()));
    }
    const std::string name = it->get<std::string>();
    std::string space = ns;
    if (auto s = j.find("namespace"); s != j.end() && s->is_string()) {
      space = s->get<std::string>();
    }
    std::string full;
    if (name.find('.') != std::string::npos) {
      full = name;
      space = name.substr(0, name.rfind('.'));
    } else {
      full = space.empty() ? name : Cat(space, ".", name);
    }
    for (const std::string& part : std::vector<std::string>(absl::StrSplit(full, '.'))) {
      if (!IsAvroName(part)) {
        return ParseError(part.empty() ? Cat("Empty name in: ", full)
                                       : Cat("Illegal character in: ", full));
      }
    }
    if (out_->FindNamed(full) != nullptr) return ParseError(Cat("Can't redefine: ", full));
    return std::pair{full, space};
  }

  absl::Status Doc(const json& j, std::optional<std::string>* doc) {
    if (auto it = j.find("doc"); it != j.end()) {
      if (it->is_string()) *doc = it->get<std::string>();
    }
    return absl::OkStatus();
  }

  absl::StatusOr<const AvroNode*> Record(const json& j, const std::string& ns) {
    absl::StatusOr<std::pair<std::string, std::string>> name = Name(j, ns);
    if (!name.ok()) return name.status();
    AvroNode* node = out_->NewNode(AvroKind::kRecord);
    node->full_name = name->first;
    out_->named_[node->full_name] = node;  // Before the fields: they may refer to it.
    (void)Doc(j, &node->doc);
    absl::StatusOr<std::vector<std::string>> aliases = Aliases(j);
    if (!aliases.ok()) return aliases.status();
    node->aliases = std::move(*aliases);
    auto fields = j.find("fields");
    if (fields == j.end() || !fields->is_array()) {
      return ParseError(Cat("Record has no fields: ", j.dump()));
    }
    std::set<std::string> seen;
    for (const json& f : *fields) {
      if (!f.is_object()) return ParseError(Cat("Field not an object: ", f.dump()));
      auto fname = f.find("name");
      if (fname == f.end() || !fname->is_string()) {
        return ParseError(Cat("No field name: ", f.dump()));
      }
      AvroField field;
      field.name = fname->get<std::string>();
      if (!IsAvroName(field.name)) {
        return ParseError(Cat("Illegal character in: ", field.name));
      }
      if (!seen.insert(field.name).second) {
        return ParseError(Cat("Duplicate field ", field.name, " in record ", node->full_name));
      }
      auto ftype = f.find("type");
      if (ftype == f.end()) return ParseError(Cat("No field type: ", f.dump()));
      const std::string outer_field = field_;
      field_ = field.name;
      absl::StatusOr<const AvroNode*> type = Parse(*ftype, name->second);
      field_ = outer_field;
      if (!type.ok()) return type.status();
      field.type = *type;
      (void)Doc(f, &field.doc);
      if (auto d = f.find("default"); d != f.end()) field.default_value = *d;
      for (auto it = f.begin(); it != f.end(); ++it) {
        if (!ReservedForField(it.key())) field.props[it.key()] = it.value();
      }
      absl::StatusOr<std::vector<std::string>> field_aliases = Aliases(f);
      if (!field_aliases.ok()) return field_aliases.status();
      field.aliases = std::move(*field_aliases);
      node->fields.push_back(std::move(field));
    }
    CopyProps(j, node);
    return node;
  }

  absl::StatusOr<const AvroNode*> Enum(const json& j, const std::string& ns) {
    absl::StatusOr<std::pair<std::string, std::string>> name = Name(j, ns);
    if (!name.ok()) return name.status();
    AvroNode* node = out_->NewNode(AvroKind::kEnum);
    node->full_name = name->first;
    (void)Doc(j, &node->doc);
    auto symbols = j.find("symbols");
    if (symbols == j.end() || !symbols->is_array()) {
      return ParseError(Cat("Enum has no symbols: ", j.dump()));
    }
    std::set<std::string> seen;
    for (const json& s : *symbols) {
      if (!s.is_string() || !IsAvroName(s.get<std::string>())) {
        return ParseError(Cat("Illegal character in: ", s.dump()));
      }
      if (!seen.insert(s.get<std::string>()).second) {
        return ParseError(Cat("Duplicate enum symbol: ", s.get<std::string>()));
      }
      node->symbols.push_back(s.get<std::string>());
    }
    if (auto d = j.find("default"); d != j.end()) {
      if (!d->is_string() || !seen.count(d->get<std::string>())) {
        return ParseError(Cat("The Enum Default: ", d->dump(), " is not in the enum symbol set: [",
                              absl::StrJoin(node->symbols, ", "), "]"));
      }
      node->enum_default = d->get<std::string>();
    }
    absl::StatusOr<std::vector<std::string>> aliases = Aliases(j);
    if (!aliases.ok()) return aliases.status();
    node->aliases = std::move(*aliases);
    CopyProps(j, node);
    out_->named_[node->full_name] = node;
    return node;
  }

  absl::StatusOr<const AvroNode*> Fixed(const json& j, const std::string& ns) {
    absl::StatusOr<std::pair<std::string, std::string>> name = Name(j, ns);
    if (!name.ok()) return name.status();
    auto size = j.find("size");
    if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0 ||
        size->get<int64_t>() > INT32_MAX) {
      return ParseError(Cat("Invalid or no size: ", j.dump()));
    }
    AvroNode* node = out_->NewNode(AvroKind::kFixed);
    node->full_name = name->first;
    node->size = size->get<int64_t>();
    (void)Doc(j, &node->doc);
    absl::StatusOr<std::vector<std::string>> aliases = Aliases(j);
    if (!aliases.ok()) return aliases.status();
    node->aliases = std::move(*aliases);
    CopyProps(j, node);
    out_->named_[node->full_name] = node;
    return node;
  }

  absl::StatusOr<const AvroNode*> Union(const json& j, const std::string& ns) {
    AvroNode* node = out_->NewNode(AvroKind::kUnion);
    std::set<std::string> seen;
    for (const json& b : j) {
      absl::StatusOr<const AvroNode*> branch = Parse(b, ns);
      if (!branch.ok()) return branch.status();
      if ((*branch)->kind == AvroKind::kUnion) {
        return ParseError(Cat("Nested union: ", j.dump()));
      }
      const std::string key =
          (*branch)->named() ? (*branch)->full_name : std::string(AvroKindName((*branch)->kind));
      if (!seen.insert(key).second) return ParseError(Cat("Duplicate in union:", key));
      node->branches.push_back(*branch);
    }
    return node;
  }

  AvroSchema* out_;
  std::string field_;  // The field being parsed, for messages.
};

absl::StatusOr<std::shared_ptr<const AvroSchema>> AvroSchema::Parse(
    std::string_view text, std::vector<std::shared_ptr<const AvroSchema>> references) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return absl::InvalidArgumentError("the Avro schema is not valid JSON");
  }
  auto schema = std::make_shared<AvroSchema>();
  schema->references_ = std::move(references);
  AvroSchemaParser parser(schema.get());
  absl::StatusOr<const AvroNode*> root = parser.Parse(j, "");
  if (!root.ok()) return root.status();
  schema->root_ = *root;
  return schema;
}

AvroNode* AvroSchema::NewNode(AvroKind kind) {
  nodes_.emplace_back();
  nodes_.back().kind = kind;
  return &nodes_.back();
}

const AvroNode* AvroSchema::FindNamed(const std::string& full_name) const {
  if (auto it = named_.find(full_name); it != named_.end()) return it->second;
  for (const auto& ref : references_) {
    if (const AvroNode* n = ref->FindNamed(full_name)) return n;
  }
  return nullptr;
}

namespace {

class JsonWriter {
 public:
  explicit JsonWriter(bool for_libavro) : libavro_(for_libavro) {}

  json Write(const AvroNode& n, std::string_view ns) {
    switch (n.kind) {
      case AvroKind::kUnion: {
        json out = json::array();
        for (const AvroNode* b : n.branches) out.push_back(Write(*b, ns));
        return out;
      }
      case AvroKind::kRecord:
      case AvroKind::kEnum:
      case AvroKind::kFixed:
        return Named(n, ns);
      case AvroKind::kArray:
      case AvroKind::kMap: {
        json out = json::object();
        out["type"] = AvroKindName(n.kind);
        out[n.kind == AvroKind::kArray ? "items" : "values"] = Write(*n.items, ns);
        Props(n.props, &out);
        return out;
      }
      default:
        if (libavro_ || n.props.empty()) return std::string(AvroKindName(n.kind));
        json out = json::object();
        out["type"] = AvroKindName(n.kind);
        Props(n.props, &out);
        return out;
    }
  }

 private:
  void Props(const json& props, json* out) {
    if (libavro_) return;
    for (auto it = props.begin(); it != props.end(); ++it) (*out)[it.key()] = it.value();
  }

  std::string LibavroName(const AvroNode& n) {
    auto [it, fresh] = names_.emplace(&n, Cat("n", names_.size()));
    return it->second;
  }

  json Named(const AvroNode& n, std::string_view ns) {
    if (!defined_.insert(&n).second) {
      if (libavro_) return LibavroName(n);
      return n.Namespace() == ns ? std::string(n.SimpleName()) : n.full_name;
    }
    json out = json::object();
    out["type"] = AvroKindName(n.kind);
    if (libavro_) {
      out["name"] = LibavroName(n);
    } else {
      out["name"] = std::string(n.SimpleName());
      if (n.Namespace() != ns) out["namespace"] = std::string(n.Namespace());
      if (n.doc) out["doc"] = *n.doc;
    }
    const std::string_view inner = n.Namespace();
    switch (n.kind) {
      case AvroKind::kRecord: {
        json fields = json::array();
        int i = 0;
        for (const AvroField& f : n.fields) {
          json field = json::object();
          field["name"] = libavro_ ? Cat("f", i++) : f.name;
          field["type"] = Write(*f.type, inner);
          if (!libavro_) {
            if (f.doc) field["doc"] = *f.doc;
            if (f.default_value) field["default"] = *f.default_value;
            Props(f.props, &field);
            if (!f.aliases.empty()) field["aliases"] = f.aliases;
          }
          fields.push_back(std::move(field));
        }
        out["fields"] = std::move(fields);
        break;
      }
      case AvroKind::kEnum: {
        json symbols = json::array();
        for (size_t i = 0; i < n.symbols.size(); ++i) {
          symbols.push_back(libavro_ ? Cat("s", i) : n.symbols[i]);
        }
        out["symbols"] = std::move(symbols);
        if (!libavro_ && n.enum_default) out["default"] = *n.enum_default;
        break;
      }
      case AvroKind::kFixed:
        out["size"] = n.size;
        break;
      default:
        break;
    }
    Props(n.props, &out);
    if (!libavro_ && !n.aliases.empty()) out["aliases"] = n.aliases;
    return out;
  }

  const bool libavro_;
  std::set<const AvroNode*> defined_;
  std::map<const AvroNode*, std::string> names_;
};

// Reads Avro's zig-zag varints and checks lengths against what is left.
class PayloadChecker {
 public:
  explicit PayloadChecker(std::string_view data) : data_(data) {}

  absl::Status Check(const AvroNode& n, int depth) {
    if (depth > AvroSchema::kMaxDepth) {
      return Fail(Cat("values nested deeper than ", AvroSchema::kMaxDepth, " levels"));
    }
    switch (n.kind) {
      case AvroKind::kNull:
        return absl::OkStatus();
      case AvroKind::kBoolean:
        return Skip(1, "boolean");
      case AvroKind::kInt: {
        int64_t v;
        return Varint(&v, 5, "int");
      }
      case AvroKind::kLong: {
        int64_t v;
        return Varint(&v, 10, "long");
      }
      case AvroKind::kFloat:
        return Skip(4, "float");
      case AvroKind::kDouble:
        return Skip(8, "double");
      case AvroKind::kBytes:
      case AvroKind::kString: {
        int64_t len;
        if (absl::Status s = Varint(&len, 10, "length"); !s.ok()) return s;
        if (len < 0) return Fail(Cat("negative length ", len));
        return Skip(len, n.kind == AvroKind::kBytes ? "bytes" : "string");
      }
      case AvroKind::kFixed:
        return Skip(n.size, "fixed");
      case AvroKind::kEnum: {
        int64_t index;
        if (absl::Status s = Varint(&index, 5, "enum index"); !s.ok()) return s;
        if (index < 0 || index >= static_cast<int64_t>(n.symbols.size())) {
          return Fail(Cat("enum index ", index, " out of range for ", n.full_name, " (",
                          n.symbols.size(), " symbols)"));
        }
        return absl::OkStatus();
      }
      case AvroKind::kUnion: {
        int64_t index;
        if (absl::Status s = Varint(&index, 10, "union index"); !s.ok()) return s;
        if (index < 0 || index >= static_cast<int64_t>(n.branches.size())) {
          return Fail(
              Cat("union index ", index, " out of range (", n.branches.size(), " branches)"));
        }
        return Check(*n.branches[index], depth + 1);
      }
      case AvroKind::kRecord:
        for (const AvroField& f : n.fields) {
          if (absl::Status s = Check(*f.type, depth + 1); !s.ok()) return s;
        }
        return absl::OkStatus();
      case AvroKind::kArray:
      case AvroKind::kMap:
        for (;;) {
          int64_t count;
          if (absl::Status s = Varint(&count, 10, "block count"); !s.ok()) return s;
          if (count == 0) return absl::OkStatus();
          if (count < 0) {
            if (count == INT64_MIN) return Fail("invalid block count");
            count = -count;
            int64_t block_size;
            if (absl::Status s = Varint(&block_size, 10, "block size"); !s.ok()) return s;
          }
          for (int64_t i = 0; i < count; ++i) {
            const size_t before = pos_;
            if (n.kind == AvroKind::kMap) {
              int64_t len;
              if (absl::Status s = Varint(&len, 10, "map key length"); !s.ok()) return s;
              if (len < 0) return Fail(Cat("negative length ", len));
              if (absl::Status s = Skip(len, "map key"); !s.ok()) return s;
            }
            if (absl::Status s = Check(*n.items, depth + 1); !s.ok()) return s;
            if (pos_ == before && ++empty_items_ > AvroSchema::kMaxEmptyItems) {
              return Fail(Cat("more than ", AvroSchema::kMaxEmptyItems, " items without bytes"));
            }
          }
        }
    }
    return absl::OkStatus();
  }

  size_t pos() const { return pos_; }

 private:
  absl::Status Fail(std::string what) {
    return absl::InvalidArgumentError(
        Cat(what, " at byte ", pos_, " of the Avro payload (", data_.size(), " bytes)"));
  }

  absl::Status Skip(int64_t n, std::string_view what) {
    if (n > static_cast<int64_t>(data_.size() - pos_)) {
      return Fail(Cat("truncated: ", std::string(what), " needs ", n, " bytes, ",
                      data_.size() - pos_, " left"));
    }
    pos_ += static_cast<size_t>(n);
    return absl::OkStatus();
  }

  absl::Status Varint(int64_t* out, int max_bytes, std::string_view what) {
    uint64_t v = 0;
    for (int i = 0;; ++i) {
      if (pos_ >= data_.size()) {
        return Fail(Cat("truncated: ", std::string(what), " ends early"));
      }
      if (i >= max_bytes) return Fail(Cat("invalid ", std::string(what), " encoding"));
      const auto b = static_cast<unsigned char>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) break;
    }
    *out = static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
    return absl::OkStatus();
  }

  std::string_view data_;
  size_t pos_ = 0;
  int64_t empty_items_ = 0;
};

bool Reaches(const AvroNode* from, const AvroNode* target, std::set<const AvroNode*>* seen) {
  if (!seen->insert(from).second) return false;
  auto step = [&](const AvroNode* next) { return next == target || Reaches(next, target, seen); };
  switch (from->kind) {
    case AvroKind::kRecord:
      for (const AvroField& f : from->fields) {
        if (step(f.type)) return true;
      }
      return false;
    case AvroKind::kArray:
    case AvroKind::kMap:
      return step(from->items);
    case AvroKind::kUnion:
      for (const AvroNode* b : from->branches) {
        if (step(b)) return true;
      }
      return false;
    default:
      return false;
  }
}

// Whether a datum of `n` may encode to no bytes.
bool MayBeEmpty(const AvroNode* n, std::set<const AvroNode*>* open) {
  switch (n->kind) {
    case AvroKind::kNull:
      return true;
    case AvroKind::kFixed:
      return n->size == 0;
    case AvroKind::kRecord:
      if (!open->insert(n).second) return false;  // A recursion holds a union byte.
      for (const AvroField& f : n->fields) {
        if (!MayBeEmpty(f.type, open)) return false;
      }
      return true;
    default:
      return false;
  }
}

}  // namespace

bool AvroSchema::HasItemsWithoutBytes() const {
  auto check = [](const AvroNode& n) {
    if (n.kind != AvroKind::kArray && n.kind != AvroKind::kMap) return false;
    std::set<const AvroNode*> open;
    return MayBeEmpty(n.items, &open);
  };
  for (const AvroNode& n : nodes_) {
    if (check(n)) return true;
  }
  for (const auto& ref : references_) {
    if (ref->HasItemsWithoutBytes()) return true;
  }
  return false;
}

std::string AvroSchema::ToJson() const {
  JsonWriter w(/*for_libavro=*/false);
  return w.Write(*root_, "").dump();
}

std::string AvroSchema::ToLibavroJson() const {
  JsonWriter w(/*for_libavro=*/true);
  return w.Write(*root_, "").dump();
}

absl::StatusOr<size_t> AvroSchema::CheckPayload(std::string_view payload) const {
  PayloadChecker c(payload);
  if (absl::Status s = c.Check(*root_, 0); !s.ok()) return s;
  return c.pos();
}

bool AvroSchema::IsRecursive() const {
  for (const AvroNode& n : nodes_) {
    if (n.kind != AvroKind::kRecord) continue;
    std::set<const AvroNode*> seen;
    if (Reaches(&n, &n, &seen)) return true;
  }
  return false;
}

}  // namespace ferry::internal
