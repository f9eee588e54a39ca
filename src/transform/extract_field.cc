// org.apache.kafka.connect.transforms.ExtractField$Key / $Value (Kafka 3.9):
// `field`, KIP-821's `field.syntax.version` (V2: nested paths) and KIP-1040's
// `replace.null.with.default`.

#include "absl/strings/str_cat.h"
#include "transform/field_path.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

constexpr char kPurpose[] = "field extraction";

const ConfigDef& ExtractFieldDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    d->Define("field", ConfigType::kString, std::nullopt, Importance::kMedium,
              "Field name to extract.");
    AppendReplaceNullWithDefaultConfig(d);
    AppendFieldSyntaxVersionConfig(d);
    return d;
  }();
  return *def;
}

struct Settings {
  std::string original_path;
  std::optional<SingleFieldPath> path;
  bool replace_null_with_default = true;
};

class ExtractField final : public ConfiguredTransformation<Settings> {
 public:
  explicit ExtractField(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return ExtractFieldDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const SingleFieldPath& path = *settings_.path;
    const SchemaPtr& schema = OperatingSchema(record, target_);
    const Value& value = OperatingValue(record, target_);
    if (schema == nullptr) {
      if (value.is_null()) return WithOperating(record, target_, nullptr, Value());
      if (absl::Status s = RequireMap(value, kPurpose); !s.ok()) return s;
      absl::StatusOr<Value> extracted = path.ValueFrom(value.as_map());
      if (!extracted.ok()) return extracted.status();
      return WithOperating(record, target_, nullptr, *std::move(extracted));
    }
    if (!value.is_null()) {
      if (absl::Status s = RequireStruct(value, kPurpose); !s.ok()) return s;
    }
    absl::StatusOr<const Field*> field = path.FieldFrom(schema);
    if (!field.ok()) return field.status();
    if (*field == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("Unknown field: ", settings_.original_path));
    }
    if (value.is_null()) return WithOperating(record, target_, (*field)->schema, Value());
    absl::StatusOr<Value> extracted =
        path.ValueFrom(value.as_struct(), settings_.replace_null_with_default);
    if (!extracted.ok()) return extracted.status();
    return WithOperating(record, target_, (*field)->schema, *std::move(extracted));
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(
        config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>* errors) {
          out->original_path = c.GetString("field");
          out->replace_null_with_default = c.GetBool(kReplaceNullWithDefault);
          absl::StatusOr<SingleFieldPath> path =
              SingleFieldPath::Parse(out->original_path, FieldSyntaxVersionFromConfig(c));
          if (!path.ok()) {
            errors->push_back({"field", std::string(path.status().message())});
          } else if (path->steps().empty()) {
            // Kafka accepts this and then fails on every record.
            errors->push_back(
                {"field", InvalidValue("field", out->original_path, "Field path has no steps")});
          } else {
            out->path = *std::move(path);
          }
        });
  }

 private:
  const Target target_;
};

}  // namespace

std::unique_ptr<Transformation> NewExtractField(Target target) {
  return std::make_unique<ExtractField>(target);
}

}  // namespace ferry::transform_internal
