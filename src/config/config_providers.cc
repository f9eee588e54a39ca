#include "config/config_providers.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "config/connector_config.h"
#include "config/properties.h"

namespace ferry {
namespace {

using Kind = ConfigProviders::Kind;
using Props = std::map<std::string, std::string>;

constexpr char kHidden[] = "[hidden]";
constexpr char kPrefix[] = "config.providers.";
constexpr char kAllowedPaths[] = "allowed.paths";
constexpr char kAllowlistPattern[] = "allowlist.pattern";

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The names a provider class may be given by: Kafka's class name, and
// (case-insensitively) Connect's plugin aliases (simple class name, and the
// name without "ConfigProvider") plus ferry's short name.
struct KindNames {
  Kind kind;
  std::string_view java_class;
  std::string_view simple_name;
  std::vector<std::string_view> aliases;
};

const std::vector<KindNames>& AllKinds() {
  static const auto* kinds = new std::vector<KindNames>{
      {Kind::kFile,
       "org.apache.kafka.common.config.provider.FileConfigProvider",
       "FileConfigProvider",
       {"File"}},
      {Kind::kDirectory,
       "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
       "DirectoryConfigProvider",
       {"Directory", "dir"}},
      {Kind::kEnv,
       "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
       "EnvVarConfigProvider",
       {"EnvVar", "env"}},
  };
  return *kinds;
}

std::optional<Kind> KindOf(std::string_view class_name) {
  for (const KindNames& k : AllKinds()) {
    if (class_name == k.java_class) return k.kind;
    if (absl::EqualsIgnoreCase(Absl(class_name), Absl(k.simple_name))) return k.kind;
    for (std::string_view alias : k.aliases) {
      if (absl::EqualsIgnoreCase(Absl(class_name), Absl(alias))) return k.kind;
    }
  }
  return std::nullopt;
}

std::string SimpleName(Kind kind) {
  for (const KindNames& k : AllKinds()) {
    if (k.kind == kind) return std::string(k.simple_name);
  }
  return "";
}

// Java's Path.normalize of a Unix path, as text: "." and empty names dropped,
// ".." removes the name before it (at the root of an absolute path it is
// dropped; a relative path keeps leading ".."). No symbolic link is followed.
std::string NormalizePath(std::string_view path) {
  bool absolute = !path.empty() && path[0] == '/';
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(Absl(path), '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.emplace_back("..");
      }
      continue;
    }
    parts.emplace_back(part);
  }
  return absl::StrCat(absolute ? "/" : "", absl::StrJoin(parts, "/"));
}

// Java's Path.startsWith on normalised paths: whole names only.
bool IsUnder(const std::string& path, const std::string& dir) {
  if (dir == "/") return !path.empty() && path[0] == '/';
  return path == dir || (absl::StartsWith(path, dir) && path[dir.size()] == '/');
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "cannot read ", path, ": ", std::error_code(errno, std::generic_category()).message()));
  }
  std::string out;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int error = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (error != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot read ", path, ": ", std::error_code(error, std::generic_category()).message()));
  }
  return out;
}

// The .properties files read during one Resolve, by the path read.
using FileCache = std::map<std::string, absl::StatusOr<Props>>;

const absl::StatusOr<Props>& LoadProperties(const std::string& path, FileCache* cache) {
  auto it = cache->find(path);
  if (it != cache->end()) return it->second;
  absl::StatusOr<Props> loaded = [&]() -> absl::StatusOr<Props> {
    // Only regular files (or links to them): a device such as /dev/zero would
    // never end.
    std::error_code ec;
    std::filesystem::file_status status = std::filesystem::status(path, ec);
    if (ec) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", ec.message()));
    if (!std::filesystem::is_regular_file(status)) {
      return absl::NotFoundError(absl::StrCat(path, " is not a regular file"));
    }
    absl::StatusOr<std::string> text = ReadWholeFile(path);
    if (!text.ok()) return text.status();
    auto parsed = ParseProperties(*text);
    if (!parsed.ok()) {
      // The parser's message quotes the malformed escape, which may be part of
      // a secret: keep only its "line N".
      std::string message(parsed.status().message());
      message = message.substr(0, message.find(':'));
      return absl::InvalidArgumentError(
          absl::StrCat(path, " is not a valid .properties file (", message, ")"));
    }
    return Props(parsed->begin(), parsed->end());
  }();
  return cache->emplace(path, std::move(loaded)).first->second;
}

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

}  // namespace

namespace internal {

std::vector<ConfigVariable> FindConfigVariables(std::string_view value) {
  std::vector<ConfigVariable> vars;
  size_t at = 0;
  while ((at = value.find("${", at)) != std::string_view::npos) {
    // No group of the pattern can hold '}', so a match starting here ends at
    // the first '}' and exists when the text before it holds a ':'.
    size_t close = value.find('}', at + 2);
    if (close == std::string_view::npos) break;
    std::string_view body = value.substr(at + 2, close - at - 2);
    size_t colon = body.find(':');
    if (colon == std::string_view::npos) {
      ++at;
      continue;
    }
    ConfigVariable var;
    var.begin = at;
    var.end = close + 1;
    var.provider = body.substr(0, colon);
    std::string_view rest = body.substr(colon + 1);
    // The optional "(path:)" group is greedy, its content lazy: the path is
    // what lies before the second ':', the key all the rest.
    size_t second = rest.find(':');
    if (second == std::string_view::npos) {
      var.key = rest;
    } else {
      var.path = rest.substr(0, second);
      var.key = rest.substr(second + 1);
    }
    vars.push_back(var);
    at = close + 1;
  }
  return vars;
}

}  // namespace internal

bool IsConfigProvidersKey(std::string_view key) {
  return key == kConfigProvidersKey || absl::StartsWith(Absl(key), kPrefix);
}

absl::StatusOr<ConfigProviders> ConfigProviders::FromWorkerConfig(
    const Props& worker_props, std::vector<ConfigError>* errors) {
  std::vector<ConfigError> found;
  ConfigProviders out;
  std::map<std::string, std::string> provider_keys = WithPrefix(worker_props, kPrefix);

  auto declared = worker_props.find(kConfigProvidersKey);
  if (declared == worker_props.end()) {
    out.defaults_ = true;
    for (const auto& [name, kind] :
         std::vector<std::pair<std::string, Kind>>{{"env", Kind::kEnv},
                                                   {"file", Kind::kFile},
                                                   {"dir", Kind::kDirectory},
                                                   {"directory", Kind::kDirectory}}) {
      out.providers_.push_back(Provider{.name = name, .kind = kind});
    }
    // Keys that configure providers without declaring them would silently do
    // nothing (an allowed.paths restriction that is not applied, say).
    for (const auto& [rest, value] : provider_keys) {
      found.push_back({absl::StrCat(kPrefix, rest),
                       "config.providers is not set, so this key has no effect: list the "
                       "providers in config.providers (without it, ferry's default providers "
                       "env, file, dir and directory apply, unrestricted)"});
    }
  } else {
    std::vector<std::string> names;
    for (absl::string_view item : absl::StrSplit(declared->second, ',')) {
      std::string name(absl::StripAsciiWhitespace(item));
      if (name.empty() || std::find(names.begin(), names.end(), name) != names.end()) continue;
      if (name.find_first_of(":}") != std::string::npos) {
        found.push_back(
            {kConfigProvidersKey,
             absl::StrCat("Invalid value ", declared->second, " for configuration ",
                          kConfigProvidersKey, ": provider name \"", name,
                          "\" cannot hold ':' or '}', as ${", name, ":key} could not name it")});
        continue;
      }
      names.push_back(std::move(name));
    }

    for (const std::string& name : names) {
      Provider provider{.name = name};
      std::string class_key = absl::StrCat(kPrefix, name, ".class");
      auto cls = worker_props.find(class_key);
      std::string class_name =
          cls == worker_props.end() ? "" : std::string(absl::StripAsciiWhitespace(cls->second));
      if (class_name.empty()) {
        found.push_back({class_key, absl::StrCat("Missing required configuration \"", class_key,
                                                 "\" which has no default value. (provider \"",
                                                 name, "\" is listed in config.providers)")});
        continue;
      }
      std::optional<Kind> kind = KindOf(class_name);
      if (!kind) {
        found.push_back(
            {class_key,
             absl::StrCat("Invalid value ", class_name, " for configuration ", class_key,
                          ": ferry has no such config provider (ferry loads no Java classes). "
                          "It has org.apache.kafka.common.config.provider.FileConfigProvider, "
                          "DirectoryConfigProvider and EnvVarConfigProvider, also named "
                          "file, dir and env")});
        continue;
      }
      provider.kind = *kind;

      std::string param_prefix = absl::StrCat(kPrefix, name, ".param.");
      std::string known_param = *kind == Kind::kEnv ? kAllowlistPattern : kAllowedPaths;
      bool param_ok = true;
      for (const auto& [param, value] : WithPrefix(worker_props, param_prefix)) {
        std::string key = absl::StrCat(param_prefix, param);
        if (param == known_param) continue;
        std::string message = absl::StrCat("Unknown configuration: ", SimpleName(*kind),
                                           " takes only the parameter ", known_param);
        if (!ClosestKey(param, {known_param}).empty()) {
          absl::StrAppend(&message, " (did you mean \"", param_prefix, known_param, "\"?)");
        }
        found.push_back({key, std::move(message)});
        param_ok = false;
      }

      auto param = worker_props.find(param_prefix + known_param);
      if (param != worker_props.end() && *kind == Kind::kEnv) {
        provider.allowlist_key = param->first;
        try {
          provider.allowlist =
              std::make_shared<const std::regex>(param->second, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          found.push_back(
              {param->first, absl::StrCat("Invalid value ", param->second, " for configuration ",
                                          param->first, ": not a regular expression: ", e.what())});
          param_ok = false;
        }
      } else if (param != worker_props.end()) {
        provider.allowed_paths_key = param->first;
        // As Kafka's AllowedPaths: a comma separated list of absolute paths
        // that exist; an empty value means no restriction. Items are trimmed.
        for (absl::string_view item : absl::StrSplit(param->second, ',')) {
          std::string path(absl::StripAsciiWhitespace(item));
          if (path.empty()) continue;
          std::string normal = NormalizePath(path);
          std::error_code ec;
          if (normal.empty() || normal[0] != '/' || !std::filesystem::exists(normal, ec)) {
            found.push_back(
                {param->first, absl::StrCat("Invalid value ", param->second, " for configuration ",
                                            param->first, ": Path ", normal.empty() ? path : normal,
                                            " is not valid. The path should be "
                                            "absolute and exist")});
            param_ok = false;
            continue;
          }
          provider.allowed_paths.push_back(std::move(normal));
        }
      }
      if (param_ok) out.providers_.push_back(std::move(provider));
    }

    // Every other config.providers.* key must belong to a listed provider:
    // "<name>.class" or "<name>.param.*".
    for (const auto& [rest, value] : provider_keys) {
      bool owned = false;
      for (const std::string& name : names) {
        if (rest == absl::StrCat(name, ".class") ||
            absl::StartsWith(rest, absl::StrCat(name, ".param."))) {
          owned = true;
          break;
        }
      }
      if (owned) continue;
      std::string key = absl::StrCat(kPrefix, rest);
      std::string message =
          names.empty() ? std::string("Unknown configuration: config.providers lists no provider")
                        : absl::StrCat(
                              "Unknown configuration: not the class or a param of a provider "
                              "listed in config.providers (",
                              absl::StrJoin(names, ","), ")");
      std::vector<std::string> known;
      for (const std::string& name : names) known.push_back(absl::StrCat(kPrefix, name, ".class"));
      std::string hint = ClosestKey(key, known);
      if (!hint.empty()) absl::StrAppend(&message, " (did you mean \"", hint, "\"?)");
      found.push_back({key, std::move(message)});
    }
  }

  if (errors != nullptr) errors->insert(errors->end(), found.begin(), found.end());
  if (!found.empty()) return absl::InvalidArgumentError(FormatConfigErrors(found));
  return out;
}

std::vector<std::string> ConfigProviders::Names() const {
  std::vector<std::string> names;
  for (const Provider& p : providers_) names.push_back(p.name);
  return names;
}

const ConfigProviders::Provider* ConfigProviders::Find(std::string_view name) const {
  for (const Provider& p : providers_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

namespace {

// The path a file or directory provider may read for `path`, or why not.
absl::StatusOr<std::string> PathToRead(std::string_view provider_name, Kind kind,
                                       const std::vector<std::string>& allowed_paths,
                                       const std::string& allowed_paths_key,
                                       std::string_view path) {
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", Absl(provider_name), " provider needs a path: ${", Absl(provider_name),
        kind == Kind::kFile ? ":/path/to/file.properties:key}" : ":/path/to/directory:file}"));
  }
  if (HasNul(path)) return absl::InvalidArgumentError("the path holds a NUL character");
  if (allowed_paths.empty()) return std::string(path);
  // As Kafka: the normalised path is checked, and read.
  std::string normal = NormalizePath(path);
  for (const std::string& dir : allowed_paths) {
    if (IsUnder(normal, dir)) return normal;
  }
  return absl::PermissionDeniedError(absl::StrCat(Absl(path), " is not under ", allowed_paths_key,
                                                  " (", absl::StrJoin(allowed_paths, ","), ")"));
}

}  // namespace

ResolvedConfig ConfigProviders::ResolveImpl(const Props& props, bool skip_provider_keys,
                                            std::vector<ConfigError>* errors) const {
  ResolvedConfig out;
  out.props = props;
  FileCache files;

  auto lookup = [&](const Provider& p, std::string_view path,
                    std::string_view key) -> absl::StatusOr<std::string> {
    if (HasNul(key)) return absl::InvalidArgumentError("the key holds a NUL character");
    switch (p.kind) {
      case Kind::kEnv: {
        if (!path.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "the ", p.name, " provider takes no path (write ${", p.name, ":VARIABLE})"));
        }
        std::string name(key);
        if (p.allowlist != nullptr && !std::regex_match(name, *p.allowlist)) {
          return absl::PermissionDeniedError(
              absl::StrCat("environment variable ", name, " does not match ", p.allowlist_key));
        }
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) {
          return absl::NotFoundError(absl::StrCat("environment variable ", name, " is not set"));
        }
        return std::string(value);
      }
      case Kind::kFile: {
        absl::StatusOr<std::string> file =
            PathToRead(p.name, p.kind, p.allowed_paths, p.allowed_paths_key, path);
        if (!file.ok()) return file.status();
        const absl::StatusOr<Props>& loaded = LoadProperties(*file, &files);
        if (!loaded.ok()) return loaded.status();
        auto it = loaded->find(std::string(key));
        if (it == loaded->end()) {
          return absl::NotFoundError(absl::StrCat("no property \"", Absl(key), "\" in ", *file));
        }
        return it->second;
      }
      case Kind::kDirectory: {
        absl::StatusOr<std::string> dir =
            PathToRead(p.name, p.kind, p.allowed_paths, p.allowed_paths_key, path);
        if (!dir.ok()) return dir.status();
        std::error_code ec;
        if (!std::filesystem::is_directory(*dir, ec)) {
          return absl::NotFoundError(absl::StrCat(*dir, " is not a directory"));
        }
        // As Kafka, which lists the directory: the key is a file name in it,
        // and only regular files (or links to them) count.
        std::filesystem::path file = std::filesystem::path(*dir) / std::string(key);
        if (key.empty() || key == "." || key == ".." || key.find('/') != std::string_view::npos ||
            !std::filesystem::is_regular_file(file, ec)) {
          return absl::NotFoundError(
              absl::StrCat("no regular file named \"", Absl(key), "\" in directory ", *dir));
        }
        return ReadWholeFile(file.string());
      }
    }
    return absl::InternalError("unknown provider kind");
  };

  for (const auto& [key, value] : props) {
    if (skip_provider_keys && IsConfigProvidersKey(key)) continue;
    std::vector<internal::ConfigVariable> vars = internal::FindConfigVariables(value);
    if (vars.empty()) continue;
    std::string resolved;
    size_t copied = 0;
    bool replaced = false;
    bool failed = false;
    for (const internal::ConfigVariable& var : vars) {
      std::string_view text = std::string_view(value).substr(var.begin, var.end - var.begin);
      const Provider* provider = Find(var.provider);
      if (provider == nullptr) {
        out.unresolved.push_back(
            {key, absl::StrCat(Absl(text), ": left as written, as no config provider named \"",
                               Absl(var.provider), "\" is declared",
                               defaults_ ? " (config.providers is not set: the defaults are env, "
                                           "file, dir and directory)"
                                         : absl::StrCat(" (config.providers=",
                                                        absl::StrJoin(Names(), ","), ")"))});
        continue;
      }
      absl::StatusOr<std::string> got = lookup(*provider, var.path, var.key);
      if (!got.ok()) {
        // The message names the variable and the path read, never a value.
        if (errors != nullptr)
          errors->push_back({key, absl::StrCat(Absl(text), ": ", got.status().message())});
        failed = true;
        continue;
      }
      resolved.append(value, copied, var.begin - copied);
      resolved += *got;
      copied = var.end;
      replaced = true;
    }
    if (failed || !replaced) continue;
    resolved.append(value, copied);
    out.props[key] = std::move(resolved);
    out.secret_keys.insert(key);
  }
  return out;
}

ResolvedConfig ConfigProviders::ResolveAll(const Props& props,
                                           std::vector<ConfigError>* errors) const {
  return ResolveImpl(props, /*skip_provider_keys=*/false, errors);
}

absl::StatusOr<ResolvedConfig> ConfigProviders::Resolve(const Props& props) const {
  std::vector<ConfigError> errors;
  ResolvedConfig out = ResolveImpl(props, /*skip_provider_keys=*/false, &errors);
  if (!errors.empty()) return absl::InvalidArgumentError(FormatConfigErrors(errors));
  return out;
}

absl::StatusOr<ResolvedConfig> ConfigProviders::ResolveWorkerConfig(
    const Props& worker_props) const {
  std::vector<ConfigError> errors;
  ResolvedConfig out = ResolveImpl(worker_props, /*skip_provider_keys=*/true, &errors);
  if (!errors.empty()) return absl::InvalidArgumentError(FormatConfigErrors(errors));
  return out;
}

std::map<std::string, std::string> Redacted(const ResolvedConfig& config,
                                            const std::vector<const ConfigDef*>& defs) {
  std::map<std::string, std::string> out = config.props;
  for (auto& [key, value] : out) {
    bool hide = config.secret_keys.count(key) > 0;
    for (const ConfigDef* def : defs) {
      if (hide) break;
      const ConfigKey* k = def->Find(key);
      hide = k != nullptr && k->type == ConfigType::kPassword;
    }
    if (hide) value = kHidden;
  }
  return out;
}

std::string RedactSecrets(std::string text, const ResolvedConfig& config) {
  std::vector<std::string> secrets;
  for (const std::string& key : config.secret_keys) {
    auto it = config.props.find(key);
    if (it != config.props.end() && !it->second.empty()) secrets.push_back(it->second);
  }
  std::sort(secrets.begin(), secrets.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  secrets.erase(std::unique(secrets.begin(), secrets.end()), secrets.end());
  for (const std::string& secret : secrets) {
    std::string out;
    size_t at = 0;
    size_t found;
    // A short value inside a longer word is a coincidence, not the secret
    // ("p" in "splits"): such values are hidden only where they stand alone.
    auto is_word = [](char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); };
    const bool whole_words_only = secret.size() < 8;
    size_t from = 0;
    while ((found = text.find(secret, from)) != std::string::npos) {
      const size_t end = found + secret.size();
      if (whole_words_only &&
          ((found > 0 && is_word(text[found - 1])) || (end < text.size() && is_word(text[end])))) {
        from = found + 1;
        continue;
      }
      out.append(text, at, found - at);
      out += kHidden;
      at = from = end;
    }
    out.append(text, at);
    text = std::move(out);
  }
  return text;
}

std::vector<ConfigError> RedactSecrets(std::vector<ConfigError> errors,
                                       const ResolvedConfig& config) {
  for (ConfigError& e : errors) e.message = RedactSecrets(std::move(e.message), config);
  return errors;
}

}  // namespace ferry
