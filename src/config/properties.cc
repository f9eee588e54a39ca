#include "config/properties.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace ferry {
namespace {

bool IsPropertiesSpace(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// One logical line as java.util.Properties.LineReader returns it: natural
// lines joined at continuations, with where each natural line starts inside
// the joined text so errors can name the natural line.
struct LogicalLine {
  std::string text;
  // (offset in text, 1-based natural line number), ascending by offset.
  std::vector<std::pair<size_t, int>> starts;

  int LineAt(size_t offset) const {
    int line = starts.empty() ? 0 : starts.front().second;
    for (const auto& [start, number] : starts) {
      if (start <= offset) line = number;
    }
    return line;
  }
};

// A port of java.util.Properties.LineReader.readLine as of JDK 9 (checked
// against JDK 17 by differential testing): skips blank and comment lines,
// joins continuations (odd number of trailing backslashes) dropping the
// leading white space of each continuation line. '#'/'!' start a comment when
// nothing of the logical line has been kept yet (normally: first non-blank
// char of a natural line); a comment line is never continued.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  // False at the end of input. A true return may carry an empty line (a lone
  // backslash, or one that ends the input right after its line end), which
  // Java too loads as the empty key with an empty value.
  bool Next(LogicalLine* out) {
    out->text.clear();
    out->starts.clear();
    bool skip_white_space = true;
    bool appended_line_begin = false;
    bool preceding_backslash = false;
    bool skip_lf = false;
    while (true) {
      if (pos_ >= text_.size()) {
        if (out->text.empty()) return false;
        if (preceding_backslash) out->text.pop_back();
        return true;
      }
      char c = text_[pos_++];
      if (skip_lf) {
        skip_lf = false;
        if (c == '\n') continue;
      }
      if (skip_white_space) {
        if (IsPropertiesSpace(c)) continue;
        if (!appended_line_begin && (c == '\r' || c == '\n')) {
          CountLineEnd(c);
          continue;
        }
        skip_white_space = false;
        appended_line_begin = false;
      }
      if (out->text.empty() && (c == '#' || c == '!')) {
        // A comment: drop the rest of the natural line.
        while (pos_ < text_.size() && text_[pos_] != '\r' && text_[pos_] != '\n') ++pos_;
        if (pos_ >= text_.size()) return false;
        skip_white_space = true;
        continue;
      }
      if (c != '\n' && c != '\r') {
        if (out->starts.empty() || out->starts.back().second != line_) {
          out->starts.emplace_back(out->text.size(), line_);
        }
        out->text.push_back(c);
        preceding_backslash = c == '\\' ? !preceding_backslash : false;
        continue;
      }
      // A line end.
      CountLineEnd(c);
      if (out->text.empty()) {
        skip_white_space = true;
        continue;
      }
      if (pos_ >= text_.size()) {
        if (preceding_backslash) out->text.pop_back();
        return true;
      }
      if (!preceding_backslash) return true;
      out->text.pop_back();
      skip_white_space = true;
      appended_line_begin = true;
      preceding_backslash = false;
      if (c == '\r') skip_lf = true;
    }
  }

 private:
  // "\r\n" is one line end: the '\r' counts it, the '\n' right after is
  // skipped (by skip_lf, or here when skipping blank lines).
  void CountLineEnd(char c) {
    if (c == '\n' && last_end_was_cr_at_ == pos_ - 1) return;
    ++line_;
    if (c == '\r') last_end_was_cr_at_ = pos_;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t last_end_was_cr_at_ = static_cast<size_t>(-1);
};

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Properties.loadConvert: resolves escapes in [begin, end) of the line.
// \uXXXX yields a UTF-16 code unit, so a surrogate pair written as two escapes
// becomes one code point; a lone surrogate, which UTF-8 cannot hold, becomes
// U+FFFD.
absl::StatusOr<std::string> LoadConvert(const LogicalLine& line, size_t begin, size_t end) {
  const std::string& in = line.text;
  std::string out;
  out.reserve(end - begin);
  int pending_high = -1;  // a high surrogate waiting for its low half.
  auto flush_high = [&] {
    if (pending_high >= 0) AppendUtf8(0xFFFD, &out);
    pending_high = -1;
  };
  size_t off = begin;
  while (off < end) {
    char c = in[off++];
    // A range never ends in an unpaired backslash (the reader drops a
    // continuation's, separators are found honouring escapes), so the bounds
    // check only guards against reading past the range.
    if (c != '\\' || off >= end) {
      flush_high();
      out.push_back(c);
      continue;
    }
    c = in[off++];
    if (c == 'u') {
      size_t escape_at = off - 2;
      if (off + 4 > end) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line.LineAt(escape_at), ": malformed \\uxxxx encoding \"",
                         in.substr(escape_at, end - escape_at), "\""));
      }
      uint32_t unit = 0;
      for (int i = 0; i < 4; ++i) {
        int h = HexValue(in[off + i]);
        if (h < 0) {
          return absl::InvalidArgumentError(absl::StrCat("line ", line.LineAt(escape_at),
                                                         ": malformed \\uxxxx encoding \"",
                                                         in.substr(escape_at, 6), "\""));
        }
        unit = (unit << 4) | static_cast<uint32_t>(h);
      }
      off += 4;
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        flush_high();
        pending_high = static_cast<int>(unit);
      } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
        if (pending_high >= 0) {
          uint32_t cp =
              0x10000 + ((static_cast<uint32_t>(pending_high) - 0xD800) << 10) + (unit - 0xDC00);
          pending_high = -1;
          AppendUtf8(cp, &out);
        } else {
          AppendUtf8(0xFFFD, &out);
        }
      } else {
        flush_high();
        AppendUtf8(unit, &out);
      }
      continue;
    }
    flush_high();
    switch (c) {
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'f':
        out.push_back('\f');
        break;
      default:
        out.push_back(c);
    }
  }
  flush_high();
  return out;
}

absl::Status WithOrigin(const absl::Status& status, std::string_view origin) {
  if (origin.empty()) return status;
  return absl::Status(status.code(), absl::StrCat(std::string(origin), ": ", status.message()));
}

bool LooksLikeJson(std::string_view text, std::string_view origin) {
  std::string lower = absl::AsciiStrToLower(std::string(origin));
  if (absl::EndsWith(lower, ".json")) return true;
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) continue;
    return c == '{';
  }
  return false;
}

// One config value from JSON: Connect takes strings only; numbers and booleans
// are accepted in their JSON text form for convenience.
absl::StatusOr<std::optional<std::string>> JsonConfigValue(const std::string& key,
                                                           const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::string:
      return std::optional<std::string>(v.get<std::string>());
    case nlohmann::json::value_t::boolean:
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return std::optional<std::string>(v.dump());
    case nlohmann::json::value_t::null:
      // Connect reads a null config value as "not set".
      return std::optional<std::string>();
    case nlohmann::json::value_t::object:
      return absl::InvalidArgumentError(absl::StrCat(
          "config key \"", key, "\" has an object value; Connect config values must be strings"));
    case nlohmann::json::value_t::array:
      return absl::InvalidArgumentError(
          absl::StrCat("config key \"", key,
                       "\" has an array value; Connect config values must be strings (write a "
                       "list as one comma-separated string)"));
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("config key \"", key, "\" has an unsupported value"));
  }
}

absl::StatusOr<std::map<std::string, std::string>> JsonConfigObject(const nlohmann::json& obj) {
  std::map<std::string, std::string> props;
  for (const auto& [key, value] : obj.items()) {
    absl::StatusOr<std::optional<std::string>> s = JsonConfigValue(key, value);
    if (!s.ok()) return s.status();
    if (s->has_value()) props[key] = **s;
  }
  return props;
}

absl::StatusOr<ConfigFile> ParseJsonConfig(std::string_view text) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    // nlohmann reports the byte offset of the problem; kept in the message.
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", e.what()));
  }
  if (!doc.is_object()) {
    return absl::InvalidArgumentError("a JSON connector config must be an object");
  }
  ConfigFile file;
  auto config_it = doc.find("config");
  if (config_it != doc.end() && config_it->is_object()) {
    // POST /connectors body: {"name": ..., "config": {...}}.
    for (const auto& [key, value] : doc.items()) {
      if (key != "name" && key != "config" && key != "initial_state") {
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected top-level field \"", key,
                         "\" in a {\"name\", \"config\"} connector request"));
      }
    }
    absl::StatusOr<std::map<std::string, std::string>> props = JsonConfigObject(*config_it);
    if (!props.ok()) return props.status();
    file.props = *std::move(props);
    auto name_it = doc.find("name");
    if (name_it != doc.end() && !name_it->is_null()) {
      if (!name_it->is_string()) {
        return absl::InvalidArgumentError("\"name\" must be a string");
      }
      std::string name = name_it->get<std::string>();
      auto in_config = file.props.find("name");
      // As Connect's ConnectorsResource: the config's own name must agree.
      if (in_config != file.props.end() && in_config->second != name) {
        return absl::InvalidArgumentError(
            absl::StrCat("Connector name configuration (", in_config->second,
                         ") doesn't match connector name in the request (", name, ")"));
      }
      file.props["name"] = name;
    }
  } else {
    // PUT /connectors/{name}/config body: a flat object.
    absl::StatusOr<std::map<std::string, std::string>> props = JsonConfigObject(doc);
    if (!props.ok()) return props.status();
    file.props = *std::move(props);
  }
  auto name = file.props.find("name");
  if (name != file.props.end()) file.name = name->second;
  return file;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseProperties(
    std::string_view text) {
  std::vector<std::pair<std::string, std::string>> result;
  std::unordered_map<std::string, size_t> index;
  LineReader reader(text);
  LogicalLine line;
  while (reader.Next(&line)) {
    const std::string& buf = line.text;
    const size_t limit = buf.size();
    size_t key_len = 0;
    size_t value_start = limit;
    bool has_sep = false;
    bool preceding_backslash = false;
    while (key_len < limit) {
      char c = buf[key_len];
      if ((c == '=' || c == ':') && !preceding_backslash) {
        value_start = key_len + 1;
        has_sep = true;
        break;
      }
      if (IsPropertiesSpace(c) && !preceding_backslash) {
        value_start = key_len + 1;
        break;
      }
      preceding_backslash = c == '\\' ? !preceding_backslash : false;
      ++key_len;
    }
    while (value_start < limit) {
      char c = buf[value_start];
      if (!IsPropertiesSpace(c)) {
        if (!has_sep && (c == '=' || c == ':')) {
          has_sep = true;
        } else {
          break;
        }
      }
      ++value_start;
    }
    absl::StatusOr<std::string> key = LoadConvert(line, 0, key_len);
    if (!key.ok()) return key.status();
    absl::StatusOr<std::string> value = LoadConvert(line, value_start, limit);
    if (!value.ok()) return value.status();
    auto [it, inserted] = index.emplace(*key, result.size());
    if (inserted) {
      result.emplace_back(*std::move(key), *std::move(value));
    } else {
      result[it->second].second = *std::move(value);
    }
  }
  return result;
}

absl::StatusOr<ConfigFile> ParseConfigText(std::string_view text, std::string_view origin) {
  if (LooksLikeJson(text, origin)) {
    absl::StatusOr<ConfigFile> file = ParseJsonConfig(text);
    if (!file.ok()) return WithOrigin(file.status(), origin);
    return file;
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> pairs = ParseProperties(text);
  if (!pairs.ok()) return WithOrigin(pairs.status(), origin);
  ConfigFile file;
  for (auto& [k, v] : *pairs) file.props[k] = std::move(v);
  auto name = file.props.find("name");
  if (name != file.props.end()) file.name = name->second;
  return file;
}

absl::StatusOr<ConfigFile> LoadConfigFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": is a directory, not a config file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string reason = err != 0 ? std::strerror(err) : "cannot open";
    if (err == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": ", reason));
    return absl::FailedPreconditionError(absl::StrCat(path, ": ", reason));
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read failed"));
  return ParseConfigText(buf.str(), path);
}

}  // namespace ferry
