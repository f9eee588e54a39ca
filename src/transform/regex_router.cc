// org.apache.kafka.connect.transforms.RegexRouter and
// org.apache.kafka.connect.transforms.Filter.

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

const ConfigDef& RegexRouterDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    d->Define("regex", ConfigType::kString, std::nullopt, Importance::kHigh,
              "Regular expression to use for matching.", RegexValidator());
    d->Define("replacement", ConfigType::kString, std::nullopt, Importance::kHigh,
              "Replacement string.");
    return d;
  }();
  return *def;
}

// Java's Matcher.appendReplacement syntax, checked once at configure time:
// `$n` group references (greedy over digits while the number stays a valid
// group, as Java), `\x` for a literal x. Pieces are literal text (group < 0)
// or a group reference.
struct Piece {
  int group = -1;
  std::string text;
};

absl::StatusOr<std::vector<Piece>> CompileReplacement(std::string_view r, int group_count) {
  std::vector<Piece> pieces;
  auto literal = [&](char c) {
    if (pieces.empty() || pieces.back().group >= 0) pieces.push_back(Piece{});
    pieces.back().text.push_back(c);
  };
  for (size_t i = 0; i < r.size(); ++i) {
    char c = r[i];
    if (c == '\\') {
      if (++i >= r.size()) {
        return absl::InvalidArgumentError("character to be escaped is missing");
      }
      literal(r[i]);
    } else if (c == '$') {
      if (++i >= r.size()) {
        return absl::InvalidArgumentError("Illegal group reference: group index is missing");
      }
      if (r[i] == '{') {
        return absl::InvalidArgumentError(
            "named-capturing group references (${name}) are not supported by ferry");
      }
      if (!absl::ascii_isdigit(static_cast<unsigned char>(r[i]))) {
        return absl::InvalidArgumentError("Illegal group reference");
      }
      int ref = r[i] - '0';
      if (ref > group_count) return absl::InvalidArgumentError(absl::StrCat("No group ", ref));
      while (i + 1 < r.size() && absl::ascii_isdigit(static_cast<unsigned char>(r[i + 1]))) {
        int next = ref * 10 + (r[i + 1] - '0');
        if (next > group_count) break;
        ref = next;
        ++i;
      }
      pieces.push_back(Piece{ref, ""});
    } else {
      literal(c);
    }
  }
  return pieces;
}

struct RouterSettings {
  std::shared_ptr<const std::regex> regex;
  std::vector<Piece> replacement;
};

class RegexRouter final : public ConfiguredTransformation<RouterSettings> {
 public:
  const ConfigDef& config_def() const override { return RegexRouterDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    // Java's matches(): the whole topic must match; then replaceFirst, which
    // rewrites the first match found from the start.
    if (!std::regex_match(record.topic, *settings_.regex)) return record;
    std::smatch m;
    if (!std::regex_search(record.topic, m, *settings_.regex)) return record;
    std::string topic = m.prefix().str();
    for (const Piece& p : settings_.replacement) {
      if (p.group < 0) {
        topic += p.text;
      } else if (m[p.group].matched) {
        topic += m[p.group].str();
      }
    }
    topic += m.suffix().str();
    SinkRecord out =
        record.NewRecord(std::move(topic), record.partition, record.key_schema, record.key,
                         record.value_schema, record.value, record.timestamp_ms);
    return out;
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, RouterSettings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>* e) {
      absl::StatusOr<std::shared_ptr<const std::regex>> re = CompileRegex(c.GetString("regex"));
      if (!re.ok()) return;  // Reported by the validator.
      out->regex = *re;
      absl::StatusOr<std::vector<Piece>> pieces =
          CompileReplacement(c.GetString("replacement"), static_cast<int>((*re)->mark_count()));
      if (!pieces.ok()) {
        e->push_back({"replacement", InvalidValue("replacement", c.GetString("replacement"),
                                                  std::string(pieces.status().message()))});
        return;
      }
      out->replacement = *std::move(pieces);
    });
  }
};

class Filter final : public Transformation {
 public:
  const ConfigDef& config_def() const override {
    static const ConfigDef* const def = new ConfigDef();
    return *def;
  }
  absl::Status Configure(const Props& props) override {
    return ErrorsToStatus(config_def().Validate(props));
  }
  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord&) override {
    return std::optional<SinkRecord>();
  }
};

}  // namespace

std::unique_ptr<Transformation> NewRegexRouter() { return std::make_unique<RegexRouter>(); }
std::unique_ptr<Transformation> NewFilter() { return std::make_unique<Filter>(); }

}  // namespace ferry::transform_internal
