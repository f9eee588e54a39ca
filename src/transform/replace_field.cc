// org.apache.kafka.connect.transforms.ReplaceField$Key / $Value, including the
// `whitelist` / `blacklist` aliases Kafka 2.x-3.x accept for include/exclude.

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

constexpr char kPurpose[] = "field replacement";

const ConfigDef& ReplaceFieldDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    d->Define("exclude", ConfigType::kList, "", Importance::kMedium,
              "Fields to exclude. This takes precedence over the fields to include.");
    d->Define("blacklist", ConfigType::kList, "", Importance::kLow,
              "Deprecated. Use exclude instead.");
    d->Define("include", ConfigType::kList, "", Importance::kMedium,
              "Fields to include. If specified, only these fields will be used.");
    d->Define("whitelist", ConfigType::kList, "", Importance::kLow,
              "Deprecated. Use include instead.");
    ConfigKey renames;
    renames.name = "renames";
    renames.type = ConfigType::kList;
    renames.default_value = "";
    renames.importance = Importance::kMedium;
    renames.doc = "Field rename mappings.";
    renames.valid_values = "list of colon-delimited pairs, e.g. foo:bar,abc:xyz";
    renames.validator = [](const ConfigValue& v) -> std::string {
      for (const std::string& mapping : v.list) {
        if (JavaSplit(mapping, ':').size() != 2) {
          return absl::StrCat("Invalid rename mapping: ", mapping);
        }
      }
      return "";
    };
    d->Define(std::move(renames));
    AppendReplaceNullWithDefaultConfig(d);
    return d;
  }();
  return *def;
}

struct Settings {
  std::set<std::string> exclude;
  std::set<std::string> include;
  std::map<std::string, std::string> renames;
  std::map<std::string, std::string> reverse_renames;
  bool replace_null_with_default = true;
};

class ReplaceField final : public ConfiguredTransformation<Settings> {
 public:
  explicit ReplaceField(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return ReplaceFieldDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const Value& value = OperatingValue(record, target_);
    if (value.is_null()) return record;
    if (OperatingSchema(record, target_) == nullptr) return ApplySchemaless(record, value);
    return ApplyWithSchema(record, value);
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>*) {
      // ConfigUtils.translateDeprecatedConfigs: the current name wins when
      // both are given.
      const auto& exclude =
          c.Has("exclude") || !c.Has("blacklist") ? c.GetList("exclude") : c.GetList("blacklist");
      const auto& include =
          c.Has("include") || !c.Has("whitelist") ? c.GetList("include") : c.GetList("whitelist");
      out->exclude = {exclude.begin(), exclude.end()};
      out->include = {include.begin(), include.end()};
      for (const std::string& mapping : c.GetList("renames")) {
        std::vector<std::string> parts = JavaSplit(mapping, ':');
        out->renames[parts[0]] = parts[1];
      }
      for (const auto& [from, to] : out->renames) out->reverse_renames[to] = from;
      out->replace_null_with_default = c.GetBool(kReplaceNullWithDefault);
    });
  }

 private:
  bool Keep(const std::string& name) const {
    return !settings_.exclude.contains(name) &&
           (settings_.include.empty() || settings_.include.contains(name));
  }
  const std::string& Renamed(const std::string& name) const {
    auto it = settings_.renames.find(name);
    return it == settings_.renames.end() ? name : it->second;
  }
  const std::string& ReverseRenamed(const std::string& name) const {
    auto it = settings_.reverse_renames.find(name);
    return it == settings_.reverse_renames.end() ? name : it->second;
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplySchemaless(const SinkRecord& record,
                                                            const Value& value) {
    if (absl::Status s = RequireMap(value, kPurpose); !s.ok()) return s;
    Map updated;
    for (const auto& [k, v] : value.as_map()) {
      if (k.kind() != Value::Kind::kString) {
        updated.emplace_back(k, v);  // Not a field name; nothing to filter or rename.
        continue;
      }
      if (Keep(k.as_string())) MapPut(&updated, Renamed(k.as_string()), v);
    }
    return WithOperating(record, target_, nullptr, Value(std::move(updated)));
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplyWithSchema(const SinkRecord& record,
                                                            const Value& value) {
    if (absl::Status s = RequireStruct(value, kPurpose); !s.ok()) return s;
    const Struct& input = value.as_struct();
    SchemaPtr schema = cache_.Get(input.schema);
    if (schema == nullptr) {
      SchemaBuilder builder = CopySchemaBasics(*input.schema);
      std::vector<std::string> names;
      for (const Field& f : input.schema->fields()) {
        if (!Keep(f.name)) continue;
        const std::string& name = Renamed(f.name);
        if (std::find(names.begin(), names.end(), name) != names.end()) {
          return absl::InvalidArgumentError(
              absl::StrCat("Cannot create field because of field name duplication ", name));
        }
        names.push_back(name);
        builder.AddField(name, f.schema);
      }
      schema = builder.Build();
      cache_.Put(input.schema, schema);
    }
    std::vector<Value> values;
    values.reserve(schema->fields().size());
    for (const Field& f : schema->fields()) {
      const Field* source = input.schema->FindField(ReverseRenamed(f.name));
      Value v = source ? input.values[source->index] : Value();
      if (v.is_null() && settings_.replace_null_with_default && source &&
          source->schema->default_value()) {
        v = *source->schema->default_value();
      }
      values.push_back(std::move(v));
    }
    return WithOperating(record, target_, schema, Value(Struct{schema, std::move(values)}));
  }

  const Target target_;
  SchemaCache cache_;
};

}  // namespace

std::unique_ptr<Transformation> NewReplaceField(Target target) {
  return std::make_unique<ReplaceField>(target);
}

}  // namespace ferry::transform_internal
