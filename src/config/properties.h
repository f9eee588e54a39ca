#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace ferry {

// Parses Java .properties text exactly as java.util.Properties.load does:
// separators '=', ':' or whitespace; '#'/'!' comment lines; line
// continuations with a trailing odd number of backslashes (leading whitespace
// of the next line dropped); \uXXXX, \t, \n, \r, \f escapes and '\x' = 'x'.
// Later duplicates override earlier ones (as Properties does); order of first
// appearance is kept. Fails only on a malformed \u escape (as Java does).
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseProperties(
    std::string_view text);

// A connector (or worker) configuration file, in either form Connect accepts:
// .properties, or JSON {"name": ..., "config": {...}} / a flat JSON object of
// string values (as PUT /connectors/{name}/config takes).
struct ConfigFile {
  std::string name;  // "name" key, or the JSON "name".
  std::map<std::string, std::string> props;
};

absl::StatusOr<ConfigFile> ParseConfigText(std::string_view text, std::string_view origin);
absl::StatusOr<ConfigFile> LoadConfigFile(const std::string& path);

}  // namespace ferry
