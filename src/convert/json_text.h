#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "simdjson.h"

// Small, allocation-conscious helpers for reading and writing JSON text on the
// conversion hot path. Internal to src/convert.
namespace ferry::json {

// Appends `s` as a JSON string literal (quotes included). Escapes '"', '\\'
// and control characters; other bytes (UTF-8) pass through unchanged.
void AppendString(std::string_view s, std::string* out);

// Appends a double as a JSON number that reads back as a double: shortest
// round-trip digits, with ".0" added to integral values (as Java does) so that
// schemaless readers keep it FLOAT64. NaN and infinities, which JSON cannot
// express, are written as the strings "NaN", "Infinity", "-Infinity" (as
// Jackson does by default).
void AppendDouble(double d, std::string* out);
// As AppendDouble, with float's shortest digits (FLOAT32 fields).
void AppendFloat(float f, std::string* out);

// Appends `valid_json` without insignificant whitespace. The text must already
// be valid JSON (e.g. checked by DomParser): string contents are copied
// verbatim, escapes included.
void AppendMinified(std::string_view valid_json, std::string* out);

// One member of a JSON object as it is written in the text.
struct RawMember {
  std::string_view key;    // between the quotes, escapes not decoded.
  std::string_view value;  // the value's exact text.
};

// Splits the text of a valid JSON object into its members, in order,
// duplicates included. The members line up one to one with simdjson's DOM
// iteration of the same object, which lets callers take decoded scalars from
// the DOM and exact text (numbers as written) from here.
void SplitObject(std::string_view valid_object, std::vector<RawMember>* members);

// Splits the text of a valid JSON array into its items' exact text, in order
// (one to one with simdjson's DOM iteration of the same array).
void SplitArray(std::string_view valid_array, std::vector<std::string_view>* items);

// The Jackson JsonNodeType name of an element ("OBJECT", "NUMBER", ...), used
// in Connect's error texts.
std::string_view NodeTypeName(const simdjson::dom::element& e);

// A DOM parser that reuses one padded buffer, so parsing a record does not
// allocate once the buffers have grown to the largest record seen.
// Thread-compatible; the returned element is valid until the next Parse.
class DomParser {
 public:
  simdjson::error_code Parse(std::string_view text, simdjson::dom::element* out);

 private:
  simdjson::dom::parser parser_;
  std::string buffer_;
};

bool IsValidUtf8(std::string_view s);

}  // namespace ferry::json
