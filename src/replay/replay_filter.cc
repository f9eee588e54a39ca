#include "replay/replay_filter.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "convert/absl_compat.h"
#include "convert/rfc3339.h"

namespace ferry::replay {
namespace {

constexpr errors::Stage kAllStages[] = {
    errors::Stage::kKeyConverter,   errors::Stage::kValueConverter, errors::Stage::kHeaderConverter,
    errors::Stage::kTransformation, errors::Stage::kTaskPut,        errors::Stage::kKafkaConsume,
    errors::Stage::kKafkaProduce,
};

std::string_view SimpleName(std::string_view java_class) {
  size_t dot = java_class.rfind('.');
  return dot == std::string_view::npos ? java_class : java_class.substr(dot + 1);
}

// The smallest whole millisecond at or after `micros`.
int64_t CeilMillis(int64_t micros) {
  int64_t millis = micros / 1000;  // truncates toward zero
  return micros % 1000 > 0 ? millis + 1 : millis;
}

// Kafka's rule for topic names (org.apache.kafka.common.internals.Topic).
bool IsLegalTopicName(std::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// The items of a repeated, comma-separated option; an empty item is an error.
std::vector<std::string> Items(const std::vector<std::string>& occurrences, std::string_view option,
                               std::vector<std::string>* problems) {
  std::vector<std::string> items;
  for (const std::string& occurrence : occurrences) {
    for (absl::string_view item : absl::StrSplit(occurrence, ',')) {
      item = absl::StripAsciiWhitespace(item);
      if (item.empty()) {
        problems->push_back(
            absl::StrCat(std::string(option), ": empty item in \"", occurrence, "\""));
        continue;
      }
      items.emplace_back(item);
    }
  }
  return items;
}

std::optional<int64_t> Time(const std::string& text, std::string_view option,
                            std::vector<std::string>* problems) {
  if (text.empty()) return std::nullopt;
  absl::StatusOr<int64_t> micros = ParseRfc3339Micros(text);
  if (!micros.ok()) {
    problems->push_back(absl::StrCat(std::string(option), ": \"", text,
                                     "\" is not an RFC 3339 date-time (",
                                     std::string(micros.status().message()), ")"));
    return std::nullopt;
  }
  return *micros;
}

template <typename Container, typename Format>
std::string Alternatives(const Container& values, Format format) {
  return absl::StrJoin(values, " or ",
                       [&](std::string* out, const auto& v) { absl::StrAppend(out, format(v)); });
}

}  // namespace

bool ReplayFilter::Matches(const DlqEntry& entry) const {
  if (!stages.empty() && (!entry.stage.has_value() || !stages.contains(*entry.stage))) {
    return false;
  }
  if (!exception_classes.empty()) {
    if (entry.exception_class.empty()) return false;
    if (!exception_classes.contains(entry.exception_class) &&
        !exception_classes.contains(std::string(SimpleName(entry.exception_class)))) {
      return false;
    }
  }
  if (!topics.empty() && !topics.contains(entry.original.topic)) return false;
  if (from_micros.has_value() || to_micros.has_value()) {
    const int64_t millis = entry.original.timestamp_ms;
    if (millis < 0) return false;
    // millis * 1000 >= from  <=>  millis >= ceil(from / 1000), without overflow.
    if (from_micros.has_value() && millis < CeilMillis(*from_micros)) return false;
    if (to_micros.has_value() && millis >= CeilMillis(*to_micros)) return false;
  }
  return true;
}

bool ReplayFilter::SelectsEverything() const {
  return stages.empty() && exception_classes.empty() && topics.empty() &&
         !from_micros.has_value() && !to_micros.has_value();
}

std::string ReplayFilter::Describe() const {
  if (SelectsEverything()) return "every record";
  std::vector<std::string> parts;
  if (!stages.empty()) {
    parts.push_back(absl::StrCat("stage ", Alternatives(stages, [](errors::Stage s) {
                                   return std::string(errors::StageName(s));
                                 })));
  }
  if (!exception_classes.empty()) {
    parts.push_back(
        absl::StrCat("exception class ",
                     Alternatives(exception_classes, [](const std::string& s) { return s; })));
  }
  if (!topics.empty()) {
    parts.push_back(absl::StrCat("original topic ",
                                 Alternatives(topics, [](const std::string& s) { return s; })));
  }
  if (from_micros.has_value() && to_micros.has_value()) {
    parts.push_back(absl::StrCat("original timestamp in [", FormatRfc3339Micros(*from_micros), ", ",
                                 FormatRfc3339Micros(*to_micros), ")"));
  } else if (from_micros.has_value()) {
    parts.push_back(
        absl::StrCat("original timestamp at or after ", FormatRfc3339Micros(*from_micros)));
  } else if (to_micros.has_value()) {
    parts.push_back(absl::StrCat("original timestamp before ", FormatRfc3339Micros(*to_micros)));
  }
  return absl::StrJoin(parts, "; ");
}

absl::StatusOr<ReplayFilter> ParseReplayFilter(const ReplayFilterFlags& flags) {
  std::vector<std::string> problems;
  ReplayFilter filter;

  for (const std::string& name : Items(flags.stages, "--stage", &problems)) {
    std::optional<errors::Stage> stage = errors::StageFromName(absl::AsciiStrToUpper(name));
    if (!stage.has_value()) {
      problems.push_back(
          absl::StrCat("--stage: unknown stage \"", name, "\" (one of ",
                       absl::StrJoin(kAllStages, ", ",
                                     [](std::string* out, errors::Stage s) {
                                       absl::StrAppend(out, internal::ToAbsl(errors::StageName(s)));
                                     }),
                       ")"));
      continue;
    }
    filter.stages.insert(*stage);
  }
  for (std::string& name : Items(flags.exception_classes, "--exception-class", &problems)) {
    filter.exception_classes.insert(std::move(name));
  }
  for (std::string& topic : Items(flags.topics, "--topic", &problems)) {
    if (!IsLegalTopicName(topic)) {
      problems.push_back(absl::StrCat(
          "--topic: \"", topic,
          "\" is not a legal Kafka topic name (ASCII letters, digits, '.', '_' and '-'; at most "
          "249 characters)"));
      continue;
    }
    filter.topics.insert(std::move(topic));
  }
  filter.from_micros = Time(flags.from, "--from", &problems);
  filter.to_micros = Time(flags.to, "--to", &problems);
  if (filter.from_micros.has_value() && filter.to_micros.has_value() &&
      *filter.from_micros >= *filter.to_micros) {
    problems.push_back(absl::StrCat("--from (", flags.from, ") must be before --to (", flags.to,
                                    "): the range is [from, to)"));
  }

  if (!problems.empty()) return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
  return filter;
}

}  // namespace ferry::replay
