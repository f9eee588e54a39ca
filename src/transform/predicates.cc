// org.apache.kafka.connect.transforms.predicates.{TopicNameMatches,
// HasHeaderKey, RecordIsTombstone}.

#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

struct TopicSettings {
  std::shared_ptr<const std::regex> pattern;
};

class TopicNameMatches final : public ConfiguredPredicate<TopicSettings> {
 public:
  const ConfigDef& config_def() const override {
    static const ConfigDef* const def = [] {
      auto* d = new ConfigDef();
      d->Define("pattern", ConfigType::kString, std::nullopt, Importance::kMedium,
                "A Java regular expression for matching against the name of a record's topic.",
                [](const ConfigValue& v) {
                  std::string e = NonEmptyStringValidator()(v);
                  return e.empty() ? RegexValidator()(v) : e;
                });
      return d;
    }();
    return *def;
  }

  bool Test(const SinkRecord& record) const override {
    return settings_.pattern != nullptr && std::regex_match(record.topic, *settings_.pattern);
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, TopicSettings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>*) {
      absl::StatusOr<std::shared_ptr<const std::regex>> re = CompileRegex(c.GetString("pattern"));
      if (re.ok()) out->pattern = *re;
    });
  }
};

struct HeaderSettings {
  std::string name;
};

class HasHeaderKey final : public ConfiguredPredicate<HeaderSettings> {
 public:
  const ConfigDef& config_def() const override {
    static const ConfigDef* const def = [] {
      auto* d = new ConfigDef();
      d->Define("name", ConfigType::kString, std::nullopt, Importance::kMedium, "The header name.",
                NonEmptyStringValidator());
      return d;
    }();
    return *def;
  }

  bool Test(const SinkRecord& record) const override {
    return record.headers.LastWithName(settings_.name) != nullptr;
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, HeaderSettings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>*) {
      out->name = c.GetString("name");
    });
  }
};

class RecordIsTombstone final : public Predicate {
 public:
  const ConfigDef& config_def() const override {
    static const ConfigDef* const def = new ConfigDef();
    return *def;
  }
  absl::Status Configure(const Props& props) override {
    return ErrorsToStatus(config_def().Validate(props));
  }
  bool Test(const SinkRecord& record) const override { return record.value.is_null(); }
};

}  // namespace

std::unique_ptr<Predicate> NewTopicNameMatches() { return std::make_unique<TopicNameMatches>(); }
std::unique_ptr<Predicate> NewHasHeaderKey() { return std::make_unique<HasHeaderKey>(); }
std::unique_ptr<Predicate> NewRecordIsTombstone() { return std::make_unique<RecordIsTombstone>(); }

}  // namespace ferry::transform_internal
