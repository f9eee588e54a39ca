#include "alert/payload.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"

namespace ferry::alert {
namespace internal {
namespace {

// The length of the UTF-8 sequence that starts with `lead` (1 for bytes that
// cannot start one, so invalid input still advances).
size_t SequenceLength(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  if (lead >= 0xE0) return lead <= 0xEF ? 3 : 1;
  if (lead >= 0xC2) return 2;
  return 1;
}

}  // namespace

std::string SlackEscape(absl::string_view text, size_t max_bytes, bool* truncated) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = std::min(SequenceLength(static_cast<unsigned char>(text[i])), text.size() - i);
    absl::string_view piece = text.substr(i, n);
    if (piece == "&") piece = "&amp;";
    if (piece == "<") piece = "&lt;";
    if (piece == ">") piece = "&gt;";
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece.data(), piece.size());
    i += n;
  }
  if (truncated != nullptr) *truncated = i < text.size();
  return out;
}

std::string TruncateUtf8(absl::string_view text, size_t max_bytes, bool* truncated) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = std::min(SequenceLength(static_cast<unsigned char>(text[i])), text.size() - i);
    if (i + n > max_bytes) break;
    i += n;
  }
  if (truncated != nullptr) *truncated = i < text.size();
  return std::string(text.substr(0, i));
}

}  // namespace internal

namespace {

using nlohmann::json;

constexpr size_t kSlackTextMaxBytes = 2900;   // Section text: 3000 characters.
constexpr size_t kSlackFieldMaxBytes = 1900;  // Section field: 2000 characters.
constexpr size_t kSlackHeaderMaxBytes = 140;  // Header: 150 characters.
constexpr size_t kSlackFallbackMaxBytes = 3000;

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

// Slack renders <!date^...> in the reader's time zone; the fallback is UTC.
std::string SlackDate(absl::Time t) {
  return absl::StrCat("<!date^", absl::ToUnixSeconds(t), "^{date_short_pretty} {time_secs}|",
                      absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone()), ">");
}

std::string Title(const AlertEvent& e) {
  const bool firing = e.state == AlertState::kFiring;
  switch (e.condition) {
    case Condition::kTaskFailed: {
      const std::string task = absl::StrCat("Task ", e.task.value_or(-1));
      if (firing) return absl::StrCat(task, e.repeat ? " is still failed" : " failed");
      return absl::StrCat(task, e.task_state == "RUNNING" ? " recovered" : " is no longer failed");
    }
    case Condition::kDlqRecords:
      return firing ? "Records sent to the dead-letter queue" : "Dead-letter queue: resolved";
    case Condition::kBigQueryErrors:
      return firing ? "Rows refused by BigQuery" : "BigQuery row errors: resolved";
    case Condition::kConsumerLag:
      return firing ? "Consumer lag over threshold" : "Consumer lag: resolved";
  }
  return "ferry alert";
}

json MrkdwnText(std::string text) { return json{{"type", "mrkdwn"}, {"text", std::move(text)}}; }

std::string Field(absl::string_view name, absl::string_view value) {
  return absl::StrCat("*", name, "*\n", internal::SlackEscape(value, kSlackFieldMaxBytes));
}

// A trace inside a ``` block: a ``` of its own would end the block early, so
// a zero-width space is put inside any.
std::string CodeBlock(absl::string_view trace) {
  bool truncated = false;
  std::string escaped = internal::SlackEscape(absl::StrReplaceAll(trace, {{"```", "``\u200b`"}}),
                                              kSlackTraceMaxBytes, &truncated);
  if (escaped.empty()) escaped = " ";
  return absl::StrCat("```", escaped, truncated ? "\n… (truncated)" : "", "```");
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string SlackPayload(const AlertEvent& e) {
  const bool firing = e.state == AlertState::kFiring;
  const std::string label = firing ? "FIRING" : "RESOLVED";
  const std::string emoji = firing ? ":rotating_light:" : ":white_check_mark:";

  json fields = json::array();
  fields.push_back(MrkdwnText(Field("Connector", e.connector)));
  fields.push_back(MrkdwnText(Field("Condition", ConditionName(e.condition))));
  if (e.task.has_value()) {
    fields.push_back(MrkdwnText(Field("Task", std::to_string(*e.task))));
    if (!e.task_state.empty()) fields.push_back(MrkdwnText(Field("State", e.task_state)));
  } else {
    fields.push_back(MrkdwnText(Field("Value", std::to_string(e.value))));
    fields.push_back(MrkdwnText(Field("Threshold", std::to_string(e.threshold))));
    if (e.condition != Condition::kConsumerLag) {
      fields.push_back(MrkdwnText(Field("Window", absl::FormatDuration(e.window))));
    }
  }

  json blocks = json::array();
  blocks.push_back(
      {{"type", "header"},
       {"text",
        {{"type", "plain_text"},
         {"text", internal::TruncateUtf8(absl::StrCat(emoji, " ", Title(e)), kSlackHeaderMaxBytes)},
         {"emoji", true}}}});
  blocks.push_back({{"type", "section"},
                    {"text", MrkdwnText(internal::SlackEscape(e.message, kSlackTextMaxBytes))},
                    {"fields", std::move(fields)}});
  if (firing && e.condition == Condition::kTaskFailed) {
    blocks.push_back({{"type", "section"},
                      {"text", MrkdwnText(e.trace.empty() ? "_The task reported no trace._"
                                                          : CodeBlock(e.trace))}});
  }
  std::string context = absl::StrCat("ferry · ", label);
  if (firing) {
    absl::StrAppend(&context, " since ", SlackDate(e.since));
  } else {
    absl::StrAppend(&context, " at ", SlackDate(e.time), " (firing since ", SlackDate(e.since),
                    ")");
  }
  blocks.push_back({{"type", "context"}, {"elements", json::array({MrkdwnText(context)})}});

  json payload;
  payload["text"] =
      internal::SlackEscape(absl::StrCat("[", label, "] ", e.message), kSlackFallbackMaxBytes);
  payload["blocks"] = std::move(blocks);
  return Dump(payload);
}

std::string GenericPayload(const AlertEvent& e) {
  json payload;
  payload["source"] = "ferry";
  payload["connector"] = e.connector;
  payload["task"] = e.task.has_value() ? json(*e.task) : json(nullptr);
  payload["condition"] = ConditionName(e.condition);
  payload["state"] = AlertStateName(e.state);
  payload["repeat"] = e.repeat;
  payload["value"] = e.value;
  payload["threshold"] = e.threshold;
  payload["window_ms"] = absl::ToInt64Milliseconds(e.window);
  payload["message"] = e.message;
  payload["time"] = Rfc3339(e.time);
  payload["since"] = Rfc3339(e.since);
  if (e.task.has_value()) payload["task_state"] = e.task_state;
  if (e.state == AlertState::kFiring && e.condition == Condition::kTaskFailed) {
    bool truncated = false;
    payload["trace"] = internal::TruncateUtf8(e.trace, kGenericTraceMaxBytes, &truncated);
    payload["trace_truncated"] = truncated;
  }
  return Dump(payload);
}

}  // namespace ferry::alert
