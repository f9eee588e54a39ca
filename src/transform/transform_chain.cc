#include "transform/transform_chain.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "transform/internal.h"

namespace ferry {
namespace {

using transform_internal::InvalidValue;
using Props = TransformChain::Props;

constexpr char kTransforms[] = "transforms";
constexpr char kPredicates[] = "predicates";

std::string Trim(std::string_view s) {
  return std::string(absl::StripAsciiWhitespace(absl::string_view(s.data(), s.size())));
}

// A LIST value as Kafka parses it (comma separated, trimmed).
std::vector<std::string> ParseList(const Props& props, std::string_view key) {
  std::vector<std::string> out;
  auto it = props.find(std::string(key));
  if (it == props.end()) return out;
  for (absl::string_view item : absl::StrSplit(it->second, ',')) {
    std::string trimmed(absl::StripAsciiWhitespace(item));
    if (!trimmed.empty()) out.push_back(std::move(trimmed));
  }
  return out;
}

std::optional<std::string> Get(const Props& props, const std::string& key) {
  auto it = props.find(key);
  if (it == props.end()) return std::nullopt;
  return it->second;
}

// The aliases of `list_key`, reporting duplicates.
std::vector<std::string> Aliases(const Props& props, std::string_view list_key,
                                 std::vector<ConfigError>* errors) {
  std::vector<std::string> aliases = ParseList(props, list_key);
  std::vector<std::string> unique;
  bool duplicate = false;
  for (const std::string& a : aliases) {
    if (std::find(unique.begin(), unique.end(), a) != unique.end()) {
      duplicate = true;
    } else {
      unique.push_back(a);
    }
  }
  if (duplicate) {
    errors->push_back(
        {std::string(list_key),
         InvalidValue(list_key, props.at(std::string(list_key)), "Duplicate alias provided.")});
  }
  return unique;
}

// The keys under "<kind>.<alias>." with the prefix stripped.
Props SubProps(const Props& props, const std::string& prefix) {
  Props out;
  for (auto it = props.lower_bound(prefix); it != props.end(); ++it) {
    if (!absl::StartsWith(it->first, prefix)) break;
    out.emplace(it->first.substr(prefix.size()), it->second);
  }
  return out;
}

void AddPrefixed(const std::vector<ConfigError>& errors, const std::string& prefix,
                 std::vector<ConfigError>* out) {
  for (const ConfigError& e : errors) {
    // A problem with no single key belongs to the alias as a whole.
    std::string key = e.key.empty() ? prefix.substr(0, prefix.size() - 1) : prefix + e.key;
    // Kafka's messages name the key relative to the transform; show the full
    // key the user wrote instead.
    std::string message = e.message;
    std::string relative = absl::StrCat(" for configuration ", e.key);
    if (!e.key.empty()) {
      message = absl::StrReplaceAll(message, {{relative, absl::StrCat(" for configuration ", key)},
                                              {absl::StrCat("configuration \"", e.key, "\""),
                                               absl::StrCat("configuration \"", key, "\"")}});
    }
    out->push_back({std::move(key), std::move(message), e.ignorable});
  }
}

// Keys the component does not define (besides the chain's own keys).
void CheckUnknownKeys(const Props& sub, const ConfigDef& def, const std::set<std::string>& own,
                      const std::string& prefix, const std::string& class_name,
                      std::vector<ConfigError>* errors) {
  for (const auto& [key, value] : sub) {
    if (own.contains(key) || def.Find(key) != nullptr) continue;
    std::vector<std::string> known;
    for (const ConfigKey& k : def.keys()) known.push_back(k.name);
    errors->push_back(
        {prefix + key,
         absl::StrCat("Unknown configuration '", prefix, key, "' for ", class_name,
                      known.empty()
                          ? std::string(", which takes no configuration")
                          : absl::StrCat(" (its keys: ", absl::StrJoin(known, ", "), ")")),
         /*ignorable=*/true});
  }
}

// Keys under "<kind>." that belong to no listed alias.
void CheckUnlistedAliases(const Props& props, std::string_view kind,
                          const std::vector<std::string>& aliases,
                          std::vector<ConfigError>* errors) {
  std::string kind_prefix = absl::StrCat(std::string(kind), ".");
  for (auto it = props.lower_bound(kind_prefix); it != props.end(); ++it) {
    if (!absl::StartsWith(it->first, kind_prefix)) break;
    bool listed = std::any_of(aliases.begin(), aliases.end(), [&](const std::string& a) {
      return absl::StartsWith(it->first, absl::StrCat(kind_prefix, a, "."));
    });
    if (!listed) {
      errors->push_back({it->first,
                         absl::StrCat("Configuration '", it->first,
                                      "' belongs to no alias listed in '", std::string(kind), "'"),
                         /*ignorable=*/true});
    }
  }
}

std::optional<std::string> TypeOf(const Props& props, const std::string& prefix,
                                  std::vector<ConfigError>* errors) {
  std::string key = prefix + "type";
  std::optional<std::string> type = Get(props, key);
  if (!type || Trim(*type).empty()) {
    errors->push_back({key, absl::StrCat("Missing required configuration \"", key,
                                         "\" which has no default value.")});
    return std::nullopt;
  }
  return Trim(*type);
}

}  // namespace

std::vector<ConfigError> TransformChain::Validate(const Props& props) {
  std::vector<ConfigError> errors;
  std::vector<std::string> transforms = Aliases(props, kTransforms, &errors);
  std::vector<std::string> predicates = Aliases(props, kPredicates, &errors);

  for (const std::string& alias : transforms) {
    std::string prefix = absl::StrCat(kTransforms, ".", alias, ".");
    std::optional<std::string> predicate = Get(props, prefix + "predicate");
    std::optional<std::string> negate = Get(props, prefix + "negate");
    if (negate) {
      std::string lower = absl::AsciiStrToLower(Trim(*negate));
      if (lower != "true" && lower != "false") {
        errors.push_back(
            {prefix + "negate", InvalidValue(prefix + "negate", *negate,
                                             "Expected value to be either true or false")});
      }
      if (!predicate) {
        errors.push_back(
            {prefix + "negate",
             absl::StrCat("Config '", prefix, "negate' was provided but there is no config '",
                          prefix, "predicate' defining a predicate to be negated.")});
      }
    }
    if (predicate &&
        std::find(predicates.begin(), predicates.end(), Trim(*predicate)) == predicates.end()) {
      errors.push_back(
          {prefix + "predicate", InvalidValue(prefix + "predicate", *predicate,
                                              absl::StrCat("predicate '", Trim(*predicate),
                                                           "' is not listed in 'predicates'"))});
    }
    std::optional<std::string> type = TypeOf(props, prefix, &errors);
    if (!type) continue;
    absl::StatusOr<std::unique_ptr<Transformation>> t = CreateTransformation(*type);
    if (!t.ok()) {
      errors.push_back(
          {prefix + "type", InvalidValue(prefix + "type", *type, t.status().message())});
      continue;
    }
    Props sub = SubProps(props, prefix);
    sub.erase("type");
    sub.erase("predicate");
    sub.erase("negate");
    AddPrefixed((*t)->Validate(sub), prefix, &errors);
    CheckUnknownKeys(sub, (*t)->config_def(), {}, prefix, *type, &errors);
  }

  for (const std::string& alias : predicates) {
    std::string prefix = absl::StrCat(kPredicates, ".", alias, ".");
    std::optional<std::string> type = TypeOf(props, prefix, &errors);
    if (!type) continue;
    absl::StatusOr<std::unique_ptr<Predicate>> p = CreatePredicate(*type);
    if (!p.ok()) {
      errors.push_back(
          {prefix + "type", InvalidValue(prefix + "type", *type, p.status().message())});
      continue;
    }
    Props sub = SubProps(props, prefix);
    sub.erase("type");
    AddPrefixed((*p)->Validate(sub), prefix, &errors);
    CheckUnknownKeys(sub, (*p)->config_def(), {}, prefix, *type, &errors);
  }

  CheckUnlistedAliases(props, kTransforms, transforms, &errors);
  CheckUnlistedAliases(props, kPredicates, predicates, &errors);
  return errors;
}

absl::StatusOr<std::unique_ptr<TransformChain>> TransformChain::Create(const Props& props) {
  std::vector<ConfigError> errors = BlockingErrors(Validate(props));
  if (!errors.empty()) return absl::InvalidArgumentError(FormatConfigErrors(errors));

  std::map<std::string, std::shared_ptr<const Predicate>> predicates;
  for (const std::string& alias : ParseList(props, kPredicates)) {
    std::string prefix = absl::StrCat(kPredicates, ".", alias, ".");
    Props sub = SubProps(props, prefix);
    absl::StatusOr<std::unique_ptr<Predicate>> p = CreatePredicate(Trim(sub["type"]));
    if (!p.ok()) return p.status();
    sub.erase("type");
    if (absl::Status s = (*p)->Configure(sub); !s.ok()) return s;
    predicates[alias] = std::shared_ptr<const Predicate>(std::move(*p));
  }

  auto chain = std::unique_ptr<TransformChain>(new TransformChain());
  for (const std::string& alias : ParseList(props, kTransforms)) {
    std::string prefix = absl::StrCat(kTransforms, ".", alias, ".");
    Props sub = SubProps(props, prefix);
    Stage stage;
    stage.alias = alias;
    stage.class_name = Trim(sub["type"]);
    absl::StatusOr<std::unique_ptr<Transformation>> t = CreateTransformation(stage.class_name);
    if (!t.ok()) return t.status();
    stage.transformation = *std::move(t);
    if (auto it = sub.find("predicate"); it != sub.end()) {
      stage.predicate = predicates.at(Trim(it->second));
    }
    if (auto it = sub.find("negate"); it != sub.end()) {
      stage.negate = absl::AsciiStrToLower(Trim(it->second)) == "true";
    }
    sub.erase("type");
    sub.erase("predicate");
    sub.erase("negate");
    if (absl::Status s = stage.transformation->Configure(sub); !s.ok()) return s;
    chain->stages_.push_back(std::move(stage));
  }
  return chain;
}

absl::StatusOr<std::optional<SinkRecord>> TransformChain::Apply(const SinkRecord& record,
                                                                std::string* failed_class) const {
  std::optional<SinkRecord> current = record;
  for (const Stage& stage : stages_) {
    // TransformationStage.apply: predicate == null || negate ^ predicate.test.
    if (stage.predicate != nullptr && stage.predicate->Test(*current) == stage.negate) continue;
    absl::StatusOr<std::optional<SinkRecord>> next = stage.transformation->Apply(*current);
    if (!next.ok()) {
      if (failed_class != nullptr) *failed_class = stage.class_name;
      return absl::Status(next.status().code(),
                          absl::StrCat("transform '", stage.alias, "' (", stage.class_name,
                                       ") failed: ", std::string(next.status().message())));
    }
    if (!next->has_value()) return std::optional<SinkRecord>();
    current = *std::move(next);
  }
  return current;
}

std::vector<std::string> TransformChain::Describe() const {
  std::vector<std::string> out;
  for (const Stage& s : stages_) out.push_back(absl::StrCat(s.alias, " (", s.class_name, ")"));
  return out;
}

}  // namespace ferry
