// org.apache.kafka.connect.transforms.InsertHeader and
// org.apache.kafka.connect.transforms.DropHeaders.

#include <set>

#include "absl/strings/str_cat.h"
#include "convert/values.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

const ConfigDef& InsertHeaderDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    d->Define("header", ConfigType::kString, std::nullopt, Importance::kHigh,
              "The name of the header.");
    d->Define("value.literal", ConfigType::kString, std::nullopt, Importance::kHigh,
              "The literal value that is to be set as the header value on all records.");
    return d;
  }();
  return *def;
}

struct InsertSettings {
  std::string header;
  SchemaAndValue literal;
};

// Adds `header` with the literal parsed once, at configuration time, as
// Connect's Values.parseString (ferry's SimpleHeaderConverter parser), even
// when a header of that name is already there.
class InsertHeader final : public ConfiguredTransformation<InsertSettings> {
 public:
  const ConfigDef& config_def() const override { return InsertHeaderDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    SinkRecord out = record;
    out.headers.Add(settings_.header, settings_.literal.schema, settings_.literal.value);
    return out;
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, InsertSettings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>*) {
      out->header = c.GetString("header");
      out->literal = ParseValueString(c.GetString("value.literal"));
    });
  }
};

const ConfigDef& DropHeadersDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    d->Define("headers", ConfigType::kList, std::nullopt, Importance::kHigh,
              "The name of the headers to be removed.");
    return d;
  }();
  return *def;
}

struct DropSettings {
  std::set<std::string> headers;
};

class DropHeaders final : public ConfiguredTransformation<DropSettings> {
 public:
  const ConfigDef& config_def() const override { return DropHeadersDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    SinkRecord out = record;
    out.headers = Headers();
    for (const Header& h : record.headers.all()) {
      if (!settings_.headers.contains(h.key)) out.headers.Add(h);
    }
    return out;
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, DropSettings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>* e) {
      const std::vector<std::string>& names = c.GetList("headers");
      // NonEmptyListValidator, which Kafka reports with the parsed list.
      if (names.empty()) {
        e->push_back({"headers", InvalidValue("headers", "[]", "Empty list")});
      }
      out->headers = {names.begin(), names.end()};
    });
  }
};

}  // namespace

std::unique_ptr<Transformation> NewInsertHeader() { return std::make_unique<InsertHeader>(); }
std::unique_ptr<Transformation> NewDropHeaders() { return std::make_unique<DropHeaders>(); }

}  // namespace ferry::transform_internal
