#include "config/config_def.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace ferry {
namespace {

constexpr char kHidden[] = "[hidden]";

// java.lang.String.trim(): strips every char <= ' ', which is what Kafka's
// ConfigDef.parseType applies to every value before parsing it.
std::string_view JavaTrim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
  while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
  return s.substr(b, e - b);
}

// Integer.parseInt / Long.parseLong: optional sign, decimal digits only.
bool ParseJavaInteger(std::string_view s, int64_t min, int64_t max, int64_t* out) {
  if (s.empty()) return false;
  size_t pos = 0;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    pos = 1;
  }
  if (pos == s.size()) return false;
  // Accumulate negatively so that INT64_MIN parses.
  int64_t value = 0;
  for (; pos < s.size(); ++pos) {
    char c = s[pos];
    if (c < '0' || c > '9') return false;
    int digit = c - '0';
    if (value < (std::numeric_limits<int64_t>::min() + digit) / 10) return false;
    value = value * 10 - digit;
  }
  if (!negative) {
    if (value == std::numeric_limits<int64_t>::min()) return false;
    value = -value;
  }
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

// Double.parseDouble: decimal or hex floating literal with an optional f/F/d/D
// suffix, or the exact words NaN / Infinity (signed).
bool ParseJavaDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  std::string_view unsigned_part = s;
  if (unsigned_part[0] == '+' || unsigned_part[0] == '-') unsigned_part.remove_prefix(1);
  if (unsigned_part == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (unsigned_part == "Infinity") {
    *out = s[0] == '-' ? -std::numeric_limits<double>::infinity()
                       : std::numeric_limits<double>::infinity();
    return true;
  }
  // strtod also takes "inf", "nan(...)", which Java rejects: require a digit
  // or '.' to start the number.
  if (unsigned_part.empty() ||
      !(absl::ascii_isdigit(static_cast<unsigned char>(unsigned_part[0])) ||
        unsigned_part[0] == '.')) {
    return false;
  }
  std::string text(s);
  char last = text.back();
  if (last == 'f' || last == 'F' || last == 'd' || last == 'D') {
    // A hex literal needs its binary exponent ('p'), so a trailing 'd'/'f' on
    // one without it is a hex digit, and Java rejects the literal anyway.
    text.pop_back();
  }
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return false;
  // Java returns +-Infinity or 0 on overflow/underflow instead of failing.
  *out = value;
  return true;
}

bool IsJavaIdentifierStart(unsigned char c) {
  return absl::ascii_isalpha(c) || c == '_' || c == '$' || c >= 0x80;
}
bool IsJavaIdentifierPart(unsigned char c) {
  return IsJavaIdentifierStart(c) || absl::ascii_isdigit(c);
}

// A loose check of a (binary) Java class name: dot-separated identifiers.
// ferry cannot load Java classes, so the component that uses a CLASS key maps
// the name to its own implementation and reports unknown names itself.
bool LooksLikeClassName(std::string_view s) {
  if (s.empty()) return false;
  bool at_start = true;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (at_start) return false;
      at_start = true;
      continue;
    }
    if (at_start ? !IsJavaIdentifierStart(c) : !IsJavaIdentifierPart(c)) return false;
    at_start = false;
  }
  return !at_start;
}

std::string FormatDouble(double d) {
  std::string s = absl::StrCat(d);
  return s;
}

// Kafka's ConfigException(name, value, message) text.
std::string InvalidValue(const ConfigKey& key, std::string_view raw, std::string_view message) {
  std::string shown = key.type == ConfigType::kPassword ? std::string(kHidden) : std::string(raw);
  std::string out = absl::StrCat("Invalid value ", shown, " for configuration ", key.name);
  if (!message.empty()) absl::StrAppend(&out, ": ", std::string(message));
  return out;
}

// Parses one value of the key's type; on failure returns Kafka's message.
std::string ParseValue(const ConfigKey& key, const std::string& raw, ConfigValue* out) {
  out->type = key.type;
  out->raw = raw;
  std::string_view trimmed = JavaTrim(raw);
  switch (key.type) {
    case ConfigType::kBoolean: {
      std::string lower = absl::AsciiStrToLower(std::string(trimmed));
      if (lower == "true") {
        out->b = true;
      } else if (lower == "false") {
        out->b = false;
      } else {
        return InvalidValue(key, raw, "Expected value to be either true or false");
      }
      return "";
    }
    case ConfigType::kString:
    case ConfigType::kPassword:
      out->s = std::string(trimmed);
      return "";
    case ConfigType::kClass:
      // An empty value means "not set", as a null class in Kafka.
      if (!trimmed.empty() && !LooksLikeClassName(trimmed)) {
        return InvalidValue(key, raw, "Not a valid class name");
      }
      out->s = std::string(trimmed);
      return "";
    case ConfigType::kInt:
      if (!ParseJavaInteger(trimmed, std::numeric_limits<int32_t>::min(),
                            std::numeric_limits<int32_t>::max(), &out->i)) {
        return InvalidValue(key, raw, "Not a number of type INT");
      }
      out->d = static_cast<double>(out->i);
      return "";
    case ConfigType::kLong:
      if (!ParseJavaInteger(trimmed, std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max(), &out->i)) {
        return InvalidValue(key, raw, "Not a number of type LONG");
      }
      out->d = static_cast<double>(out->i);
      return "";
    case ConfigType::kDouble:
      if (!ParseJavaDouble(trimmed, &out->d)) {
        return InvalidValue(key, raw, "Not a number of type DOUBLE");
      }
      return "";
    case ConfigType::kList: {
      out->list.clear();
      size_t start = 0;
      while (start <= trimmed.size()) {
        size_t comma = trimmed.find(',', start);
        if (comma == std::string_view::npos) comma = trimmed.size();
        std::string_view item = JavaTrim(trimmed.substr(start, comma - start));
        if (!item.empty()) out->list.emplace_back(item);
        start = comma + 1;
      }
      return "";
    }
  }
  return InvalidValue(key, raw, "Unknown type");
}

// Runs the validator; makes sure a PASSWORD's value never leaks through a
// validator's message.
std::string RunValidator(const ConfigKey& key, const ConfigValue& value) {
  if (!key.validator) return "";
  std::string message = key.validator(value);
  if (message.empty()) return "";
  if (key.type == ConfigType::kPassword) {
    // The trimmed value first: it is inside the raw one, so replacing the raw
    // one first would leave the surrounding blanks eaten. A very short secret
    // may garble the message; it never leaks.
    if (!value.s.empty()) message = absl::StrReplaceAll(message, {{value.s, kHidden}});
    if (value.raw.has_value() && !value.raw->empty()) {
      message = absl::StrReplaceAll(message, {{*value.raw, kHidden}});
    }
  }
  return InvalidValue(key, value.raw.value_or(""), message);
}

int ImportanceRank(Importance i) {
  switch (i) {
    case Importance::kHigh:
      return 0;
    case Importance::kMedium:
      return 1;
    case Importance::kLow:
      return 2;
  }
  return 3;
}

std::string_view ImportanceName(Importance i) {
  switch (i) {
    case Importance::kHigh:
      return "high";
    case Importance::kMedium:
      return "medium";
    case Importance::kLow:
      return "low";
  }
  return "";
}

// Markdown table cells: pipes would split the cell and newlines end the row.
std::string MarkdownCell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

bool IsNullDefault(const ConfigKey& key) {
  return key.default_value.has_value() && key.default_value->empty();
}

std::string DefaultText(const ConfigKey& key) {
  if (!key.default_value.has_value()) return "";
  if (key.type == ConfigType::kPassword && !key.default_value->empty()) {
    return std::string(kHidden);
  }
  if (key.default_value->empty()) return "\"\"";
  return absl::StrCat("`", *key.default_value, "`");
}

}  // namespace

std::string_view ConfigTypeName(ConfigType type) {
  switch (type) {
    case ConfigType::kBoolean:
      return "BOOLEAN";
    case ConfigType::kString:
      return "STRING";
    case ConfigType::kInt:
      return "INT";
    case ConfigType::kLong:
      return "LONG";
    case ConfigType::kDouble:
      return "DOUBLE";
    case ConfigType::kList:
      return "LIST";
    case ConfigType::kClass:
      return "CLASS";
    case ConfigType::kPassword:
      return "PASSWORD";
  }
  return "UNKNOWN";
}

namespace validators {

Validator AtLeast(int64_t min) {
  return [min](const ConfigValue& v) -> std::string {
    bool below = v.type == ConfigType::kDouble ? v.d < static_cast<double>(min) : v.i < min;
    if (below) return absl::StrCat("Value must be at least ", min);
    return "";
  };
}

Validator Between(int64_t min, int64_t max) {
  return [min, max](const ConfigValue& v) -> std::string {
    bool is_double = v.type == ConfigType::kDouble;
    if (is_double ? v.d < static_cast<double>(min) : v.i < min) {
      return absl::StrCat("Value must be at least ", min);
    }
    if (is_double ? v.d > static_cast<double>(max) : v.i > max) {
      return absl::StrCat("Value must be no more than ", max);
    }
    return "";
  };
}

Validator OneOf(std::vector<std::string> allowed, bool case_insensitive) {
  return [allowed = std::move(allowed), case_insensitive](const ConfigValue& v) -> std::string {
    auto ok = [&](const std::string& s) {
      for (const std::string& a : allowed) {
        if (case_insensitive ? absl::EqualsIgnoreCase(a, s) : a == s) return true;
      }
      return false;
    };
    bool valid = true;
    if (v.type == ConfigType::kList) {
      for (const std::string& item : v.list) valid = valid && ok(item);
    } else {
      valid = ok(v.s);
    }
    if (valid) return "";
    // Kafka's ValidString / CaseInsensitiveValidString wording.
    return absl::StrCat(
        case_insensitive ? "String must be one of (case insensitive): " : "String must be one of: ",
        absl::StrJoin(allowed, ", "));
  };
}

Validator NonEmptyString() {
  return [](const ConfigValue& v) -> std::string {
    if (v.s.empty()) return "String may not be empty";
    return "";
  };
}

Validator NonEmptyStringWithoutControlChars() {
  return [](const ConfigValue& v) -> std::string {
    if (v.s.empty()) return "String may not be empty";
    std::vector<std::string> found;
    for (char ch : v.s) {
      unsigned char c = static_cast<unsigned char>(ch);
      if (c < 0x20 || c == 0x7f) found.push_back(absl::StrCat(static_cast<int>(c)));
    }
    if (found.empty()) return "";
    return absl::StrCat(
        "String may not contain control sequences but had the following ASCII chars: ",
        absl::StrJoin(found, ", "));
  };
}

Validator UniqueListItems() {
  return [](const ConfigValue& v) -> std::string {
    std::vector<std::string> sorted = v.list;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      return "Duplicate alias provided.";
    }
    return "";
  };
}

Validator All(std::vector<Validator> validators) {
  return [validators = std::move(validators)](const ConfigValue& v) -> std::string {
    for (const Validator& validator : validators) {
      if (!validator) continue;
      std::string message = validator(v);
      if (!message.empty()) return message;
    }
    return "";
  };
}

}  // namespace validators

ConfigDef& ConfigDef::Define(ConfigKey key) {
  for (ConfigKey& existing : keys_) {
    if (existing.name == key.name) {
      existing = std::move(key);
      return *this;
    }
  }
  keys_.push_back(std::move(key));
  return *this;
}

ConfigDef& ConfigDef::Define(std::string name, ConfigType type,
                             std::optional<std::string> default_value, Importance importance,
                             std::string doc, Validator validator) {
  ConfigKey key;
  key.name = std::move(name);
  key.type = type;
  key.default_value = std::move(default_value);
  key.importance = importance;
  key.doc = std::move(doc);
  key.validator = std::move(validator);
  return Define(std::move(key));
}

ConfigDef& ConfigDef::Merge(const ConfigDef& other) {
  for (const ConfigKey& key : other.keys_) Define(key);
  for (const CrossKeyCheck& check : other.checks_) checks_.push_back(check);
  return *this;
}

ConfigDef& ConfigDef::Check(CrossKeyCheck check) {
  checks_.push_back(std::move(check));
  return *this;
}

const ConfigKey* ConfigDef::Find(std::string_view name) const {
  for (const ConfigKey& key : keys_) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

std::vector<ConfigError> ConfigDef::ParseInto(const std::map<std::string, std::string>& props,
                                              std::map<std::string, ConfigValue>* values) const {
  std::vector<ConfigError> errors;
  for (const ConfigKey& key : keys_) {
    ConfigValue value;
    value.type = key.type;
    auto it = props.find(key.name);
    std::string message;
    if (it != props.end()) {
      message = ParseValue(key, it->second, &value);
    } else if (!key.default_value.has_value()) {
      message = absl::StrCat("Missing required configuration \"", key.name,
                             "\" which has no default value.");
    } else if (IsNullDefault(key)) {
      // Kafka's null default: optional, absent, so nothing to validate.
      value.raw.reset();
    } else {
      message = ParseValue(key, *key.default_value, &value);
    }
    if (message.empty() && value.raw.has_value()) message = RunValidator(key, value);
    if (!message.empty()) {
      errors.push_back({key.name, std::move(message)});
    } else if (values != nullptr) {
      (*values)[key.name] = std::move(value);
    }
  }
  for (const CrossKeyCheck& check : checks_) {
    std::vector<ConfigError> more = check(props);
    for (ConfigError& e : more) errors.push_back(std::move(e));
  }
  return errors;
}

std::vector<ConfigError> ConfigDef::Validate(
    const std::map<std::string, std::string>& props) const {
  return ParseInto(props, nullptr);
}

absl::StatusOr<ParsedConfig> ConfigDef::Parse(
    const std::map<std::string, std::string>& props) const {
  std::map<std::string, ConfigValue> values;
  std::vector<ConfigError> errors = ParseInto(props, &values);
  if (!errors.empty()) return absl::InvalidArgumentError(FormatConfigErrors(errors));
  return ParsedConfig(std::move(values), props);
}

std::string ConfigDef::ToMarkdown() const {
  // Kafka's documentation order: required keys first, then by importance,
  // then by name; grouped when the keys declare groups.
  std::vector<const ConfigKey*> sorted;
  for (const ConfigKey& key : keys_) sorted.push_back(&key);
  std::stable_sort(sorted.begin(), sorted.end(), [](const ConfigKey* a, const ConfigKey* b) {
    bool a_required = !a->default_value.has_value();
    bool b_required = !b->default_value.has_value();
    if (a_required != b_required) return a_required;
    if (a->importance != b->importance) {
      return ImportanceRank(a->importance) < ImportanceRank(b->importance);
    }
    return a->name < b->name;
  });
  std::vector<std::string> groups;
  for (const ConfigKey& key : keys_) {
    if (std::find(groups.begin(), groups.end(), key.group) == groups.end()) {
      groups.push_back(key.group);
    }
  }
  std::string out;
  for (const std::string& group : groups) {
    if (!group.empty() || groups.size() > 1) {
      if (!out.empty()) out += "\n";
      absl::StrAppend(&out, "### ", group.empty() ? "Other" : group, "\n\n");
    }
    out +=
        "| Name | Type | Default | Valid values | Importance | Description |\n"
        "|---|---|---|---|---|---|\n";
    for (const ConfigKey* key : sorted) {
      if (key->group != group) continue;
      std::string default_text =
          key->default_value.has_value() ? DefaultText(*key) : std::string("(required)");
      absl::StrAppend(
          &out, "| `", MarkdownCell(key->name), "` | ", std::string(ConfigTypeName(key->type)),
          " | ", MarkdownCell(default_text), " | ", MarkdownCell(key->valid_values), " | ",
          std::string(ImportanceName(key->importance)), " | ", MarkdownCell(key->doc), " |\n");
    }
  }
  return out;
}

const ConfigValue& ParsedConfig::Get(std::string_view key) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) {
    // Asking for a key the table does not define is a programming error.
    std::fprintf(stderr, "ferry: ParsedConfig has no key \"%s\"\n", std::string(key).c_str());
    std::abort();
  }
  return it->second;
}

bool ParsedConfig::GetBool(std::string_view key) const { return Get(key).b; }
int32_t ParsedConfig::GetInt(std::string_view key) const {
  return static_cast<int32_t>(Get(key).i);
}
int64_t ParsedConfig::GetLong(std::string_view key) const { return Get(key).i; }
double ParsedConfig::GetDouble(std::string_view key) const { return Get(key).d; }
const std::string& ParsedConfig::GetString(std::string_view key) const { return Get(key).s; }
const std::vector<std::string>& ParsedConfig::GetList(std::string_view key) const {
  return Get(key).list;
}

bool ParsedConfig::Has(std::string_view key) const {
  auto it = values_.find(std::string(key));
  return it != values_.end() && it->second.raw.has_value();
}

std::map<std::string, std::string> ParsedConfig::OriginalsWithPrefix(
    std::string_view prefix) const {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : originals_) {
    if (k.size() > prefix.size() && std::string_view(k).substr(0, prefix.size()) == prefix) {
      out.emplace(k.substr(prefix.size()), v);
    }
  }
  return out;
}

std::string ParsedConfig::DebugString() const {
  std::string out;
  for (const auto& [name, value] : values_) {
    std::string shown;
    if (!value.raw.has_value()) {
      shown = "null";
    } else if (value.type == ConfigType::kPassword) {
      shown = std::string(kHidden);
    } else {
      switch (value.type) {
        case ConfigType::kBoolean:
          shown = value.b ? "true" : "false";
          break;
        case ConfigType::kInt:
        case ConfigType::kLong:
          shown = absl::StrCat(value.i);
          break;
        case ConfigType::kDouble:
          shown = FormatDouble(value.d);
          break;
        case ConfigType::kList:
          shown = absl::StrCat("[", absl::StrJoin(value.list, ", "), "]");
          break;
        default:
          shown = value.s;
      }
    }
    absl::StrAppend(&out, name, " = ", shown, "\n");
  }
  return out;
}

void PrintTo(const ConfigError& e, std::ostream* os) {
  *os << "{" << e.key << ", \"" << e.message << "\"" << (e.ignorable ? ", ignorable}" : "}");
}

std::vector<ConfigError> BlockingErrors(const std::vector<ConfigError>& errors) {
  std::vector<ConfigError> out;
  for (const ConfigError& e : errors) {
    if (!e.ignorable) out.push_back(e);
  }
  return out;
}

std::vector<ConfigError> IgnorableErrors(const std::vector<ConfigError>& errors) {
  std::vector<ConfigError> out;
  for (const ConfigError& e : errors) {
    if (e.ignorable) out.push_back(e);
  }
  return out;
}

std::string FormatConfigErrors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const ConfigError& e : errors) {
    if (!out.empty()) out += "\n";
    absl::StrAppend(&out, e.key, ": ", e.message);
  }
  return out;
}

}  // namespace ferry
