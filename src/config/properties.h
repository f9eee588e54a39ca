#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace ferry {

// Parses Java .properties text exactly as java.util.Properties.load (JDK 9+)
// does: separators '=', ':' or whitespace; '#'/'!' comment lines; line
// continuations with a trailing odd number of backslashes (leading whitespace
// of the next line dropped); \uXXXX, \t, \n, \r, \f escapes and '\x' = 'x'.
// Later duplicates override earlier ones (as Properties does); order of first
// appearance is kept. Fails only on a malformed \u escape (as Java does), with
// InvalidArgument "line N: ..." naming the natural line of the escape.
// The text is UTF-8 (as Properties.load(Reader)), passed through byte for
// byte; \u escapes are emitted as UTF-8, surrogate pairs joined, a lone
// surrogate as U+FFFD.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseProperties(
    std::string_view text);

// A connector (or worker) configuration file, in either form Connect accepts:
// .properties, or JSON {"name": ..., "config": {...}} / a flat JSON object of
// string values (as PUT /connectors/{name}/config takes).
struct ConfigFile {
  std::string name;  // "name" key, or the JSON "name".
  std::map<std::string, std::string> props;
};

// JSON when origin ends in ".json" or the text starts with '{' (after blanks),
// else .properties. Errors are prefixed with "origin: " when origin is set.
absl::StatusOr<ConfigFile> ParseConfigText(std::string_view text, std::string_view origin);
// Reads the file (NotFound if it does not exist) and parses it with the path
// as origin.
absl::StatusOr<ConfigFile> LoadConfigFile(const std::string& path);

}  // namespace ferry
