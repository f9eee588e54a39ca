#include "replay/dlq_entry.h"

#include <charconv>
#include <map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "errors/dead_letter_queue.h"

namespace ferry::replay {
namespace {

// One failure's context headers: key → value (nullopt for a null header).
using ContextSet = std::map<std::string, std::optional<std::string>, std::less<>>;

const std::optional<std::string>* Find(const ContextSet& set, std::string_view key) {
  auto it = set.find(key);
  return it == set.end() ? nullptr : &it->second;
}

std::string Text(const ContextSet& set, std::string_view key) {
  const std::optional<std::string>* value = Find(set, key);
  return value != nullptr && value->has_value() ? **value : std::string();
}

absl::Status Invalid(const DlqPosition& position, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("DLQ record ", DescribeDlqPosition(position), ": ", std::string(what)));
}

// The value of a header that must be present, non-null and non-empty.
absl::StatusOr<std::string> Required(const ContextSet& set, std::string_view key,
                                     const DlqPosition& position) {
  const std::optional<std::string>* value = Find(set, key);
  if (value == nullptr) {
    return Invalid(position, absl::StrCat("header ", std::string(key), " is missing"));
  }
  if (!value->has_value()) {
    return Invalid(position, absl::StrCat("header ", std::string(key), " is null"));
  }
  if ((*value)->empty()) {
    return Invalid(position, absl::StrCat("header ", std::string(key), " is empty"));
  }
  return **value;
}

// A non-negative decimal number as Java's String.valueOf writes it: digits
// only, no sign, no blanks.
template <typename Int>
absl::StatusOr<Int> NonNegative(const std::string& text, std::string_view key,
                                const DlqPosition& position) {
  const bool negative = !text.empty() && text[0] == '-';
  Int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc() && ptr == end && !negative) return value;
  const char* why = ec == std::errc::result_out_of_range ? "is out of range"
                    : ec == std::errc() && ptr == end    ? "is negative"
                                                         : "is not a decimal number";
  return Invalid(position, absl::StrFormat("header %s is \"%s\", which %s", std::string(key),
                                           absl::CHexEscape(text), why));
}

}  // namespace

bool IsErrorContextHeader(std::string_view key) {
  return key.starts_with(errors::kHeaderPrefix) || key.starts_with(errors::kFerryHeaderPrefix);
}

std::string DescribeDlqPosition(const DlqPosition& position) {
  return absl::StrCat(position.topic, "/", position.partition, "@", position.offset);
}

absl::StatusOr<DlqEntry> ParseDlqRecord(const RawRecord& dlq) {
  DlqEntry entry;
  entry.dlq = DlqPosition{dlq.topic, dlq.partition, dlq.offset};

  // Context sets in order; a set ends where one of its keys repeats.
  ContextSet latest;
  int sets = 0;
  bool any_connect_header = false;
  for (const auto& [key, value] : dlq.headers) {
    if (!IsErrorContextHeader(key)) {
      entry.original.headers.emplace_back(key, value);
      continue;
    }
    if (key.starts_with(errors::kHeaderPrefix)) any_connect_header = true;
    if (sets == 0 || latest.contains(key)) {
      latest.clear();
      ++sets;
    }
    latest.emplace(key, value);
  }
  if (!any_connect_header) {
    return absl::FailedPreconditionError(absl::StrCat(
        "DLQ record ", DescribeDlqPosition(entry.dlq),
        " has no __connect.errors.* headers, so its original topic, partition and offset are "
        "unknown: the connector that wrote it must run with "
        "errors.deadletterqueue.context.headers.enable=true"));
  }

  absl::StatusOr<std::string> topic = Required(latest, errors::kHeaderTopic, entry.dlq);
  if (!topic.ok()) return topic.status();
  absl::StatusOr<std::string> partition_text =
      Required(latest, errors::kHeaderPartition, entry.dlq);
  if (!partition_text.ok()) return partition_text.status();
  absl::StatusOr<int32_t> partition =
      NonNegative<int32_t>(*partition_text, errors::kHeaderPartition, entry.dlq);
  if (!partition.ok()) return partition.status();
  absl::StatusOr<std::string> offset_text = Required(latest, errors::kHeaderOffset, entry.dlq);
  if (!offset_text.ok()) return offset_text.status();
  absl::StatusOr<int64_t> offset =
      NonNegative<int64_t>(*offset_text, errors::kHeaderOffset, entry.dlq);
  if (!offset.ok()) return offset.status();
  absl::StatusOr<std::string> stage = Required(latest, errors::kHeaderStage, entry.dlq);
  if (!stage.ok()) return stage.status();
  if (Find(latest, errors::kHeaderTaskId) != nullptr) {
    absl::StatusOr<std::string> task_text = Required(latest, errors::kHeaderTaskId, entry.dlq);
    if (!task_text.ok()) return task_text.status();
    absl::StatusOr<int32_t> task_id =
        NonNegative<int32_t>(*task_text, errors::kHeaderTaskId, entry.dlq);
    if (!task_id.ok()) return task_id.status();
    entry.task_id = *task_id;
  }

  entry.original.topic = *std::move(topic);
  entry.original.partition = *partition;
  entry.original.offset = *offset;
  entry.original.timestamp_ms = dlq.timestamp_ms;
  entry.original.timestamp_type = dlq.timestamp_type;
  entry.original.key = dlq.key;
  entry.original.value = dlq.value;

  entry.connector_name = Text(latest, errors::kHeaderConnectorName);
  entry.stage_name = *std::move(stage);
  entry.stage = errors::StageFromName(entry.stage_name);
  entry.executing_class = Text(latest, errors::kHeaderExecutingClass);
  entry.exception_class = Text(latest, errors::kHeaderExceptionClass);
  entry.message = Text(latest, errors::kHeaderExceptionMessage);
  entry.stacktrace = Text(latest, errors::kHeaderExceptionStacktrace);
  entry.bigquery_reason = Text(latest, errors::kHeaderBigQueryReason);
  entry.bigquery_location = Text(latest, errors::kHeaderBigQueryLocation);
  entry.bigquery_table = Text(latest, errors::kHeaderBigQueryTable);
  entry.failure_count = sets;
  return entry;
}

}  // namespace ferry::replay
