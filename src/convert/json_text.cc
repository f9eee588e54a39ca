#include "convert/json_text.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace ferry::json {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool NeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Index just past the string literal that starts at `i` (text[i] == '"').
size_t SkipString(std::string_view text, size_t i) {
  ++i;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\\') {
      i += 2;
    } else if (c == '"') {
      return i + 1;
    } else {
      ++i;
    }
  }
  return i;
}

// Index just past the value that starts at `i` (valid JSON assumed).
size_t SkipValue(std::string_view text, size_t i) {
  char c = text[i];
  if (c == '"') return SkipString(text, i);
  if (c == '{' || c == '[') {
    int depth = 0;
    while (i < text.size()) {
      c = text[i];
      if (c == '"') {
        i = SkipString(text, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < text.size()) {
    c = text[i];
    if (c == ',' || c == '}' || c == ']' || IsJsonWhitespace(c)) break;
    ++i;
  }
  return i;
}

size_t SkipWhitespace(std::string_view text, size_t i) {
  while (i < text.size() && IsJsonWhitespace(text[i])) ++i;
  return i;
}

void AppendNonFinite(double d, std::string* out) {
  if (std::isnan(d)) {
    out->append("\"NaN\"");
  } else {
    out->append(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  }
}

void EnsureFractionMarker(const char* begin, const char* end, std::string* out) {
  for (const char* p = begin; p != end; ++p) {
    if (*p == '.' || *p == 'e' || *p == 'E') return;
  }
  out->append(".0");
}

}  // namespace

void AppendString(std::string_view s, std::string* out) {
  out->reserve(out->size() + s.size() + 2);
  out->push_back('"');
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!NeedsEscape(c)) continue;
    out->append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out->append(esc, sizeof(esc));
      }
    }
  }
  out->append(s.data() + start, s.size() - start);
  out->push_back('"');
}

void AppendDouble(double d, std::string* out) {
  if (!std::isfinite(d)) return AppendNonFinite(d, out);
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  out->append(buf, end);
  EnsureFractionMarker(buf, end, out);
}

void AppendFloat(float f, std::string* out) {
  if (!std::isfinite(f)) return AppendNonFinite(f, out);
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), f);
  out->append(buf, end);
  EnsureFractionMarker(buf, end, out);
}

void AppendMinified(std::string_view text, std::string* out) {
  // Fast path: most producers already write compact JSON, and a text with no
  // whitespace byte at all cannot contain insignificant whitespace.
  bool has_space = false;
  for (char c : text) has_space |= IsJsonWhitespace(c);
  if (!has_space) {
    out->append(text);
    return;
  }
  out->reserve(out->size() + text.size());
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '"') {
      size_t end = SkipString(text, i);
      out->append(text.data() + i, end - i);
      i = end;
    } else {
      if (!IsJsonWhitespace(c)) out->push_back(c);
      ++i;
    }
  }
}

void SplitObject(std::string_view text, std::vector<RawMember>* members) {
  members->clear();
  size_t i = SkipWhitespace(text, 0);
  if (i >= text.size() || text[i] != '{') return;
  i = SkipWhitespace(text, i + 1);
  while (i < text.size() && text[i] == '"') {
    size_t key_end = SkipString(text, i);
    std::string_view key = text.substr(i + 1, key_end - i - 2);
    i = SkipWhitespace(text, key_end);
    i = SkipWhitespace(text, i + 1);  // ':'
    size_t value_end = SkipValue(text, i);
    members->push_back(RawMember{key, text.substr(i, value_end - i)});
    i = SkipWhitespace(text, value_end);
    if (i < text.size() && text[i] == ',') i = SkipWhitespace(text, i + 1);
  }
}

void SplitArray(std::string_view text, std::vector<std::string_view>* items) {
  items->clear();
  size_t i = SkipWhitespace(text, 0);
  if (i >= text.size() || text[i] != '[') return;
  i = SkipWhitespace(text, i + 1);
  while (i < text.size() && text[i] != ']') {
    size_t end = SkipValue(text, i);
    items->push_back(text.substr(i, end - i));
    i = SkipWhitespace(text, end);
    if (i < text.size() && text[i] == ',') i = SkipWhitespace(text, i + 1);
  }
}

std::string_view NodeTypeName(const simdjson::dom::element& e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY:
      return "ARRAY";
    case simdjson::dom::element_type::OBJECT:
      return "OBJECT";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      return "NUMBER";
    case simdjson::dom::element_type::STRING:
      return "STRING";
    case simdjson::dom::element_type::BOOL:
      return "BOOLEAN";
    case simdjson::dom::element_type::NULL_VALUE:
      return "NULL";
  }
  return "MISSING";
}

simdjson::error_code DomParser::Parse(std::string_view text, simdjson::dom::element* out) {
  const size_t padded = text.size() + simdjson::SIMDJSON_PADDING;
  if (buffer_.size() < padded) buffer_.resize(padded);
  std::memcpy(buffer_.data(), text.data(), text.size());
  return parser_.parse(buffer_.data(), text.size(), /*realloc_if_needed=*/false).get(*out);
}

bool IsValidUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

}  // namespace ferry::json
