#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "errors/error_report.h"
#include "replay/dlq_entry.h"

namespace ferry::replay {

// Which DLQ records a replay loads. Each dimension that is set must match
// (AND); within one dimension any of its values may match (OR). A default
// ReplayFilter selects every record.
struct ReplayFilter {
  // The stage of the latest failure. An entry whose stage ferry does not know
  // (DlqEntry::stage is nullopt) never matches a stage filter.
  std::set<errors::Stage> stages;
  // The exception class of the latest failure: a value matches the full
  // Java-style name ("org.apache.kafka.connect.errors.DataException") or its
  // simple name, the part after the last '.' ("DataException"). An entry
  // without an exception class never matches.
  std::set<std::string> exception_classes;
  // The original record's topic.
  std::set<std::string> topics;
  // The original record's timestamp lies in [from, to), in microseconds since
  // the epoch. With either bound set, a record without a timestamp
  // (timestamp_ms < 0) never matches.
  std::optional<int64_t> from_micros;
  std::optional<int64_t> to_micros;

  bool Matches(const DlqEntry& entry) const;
  // True when no dimension is set.
  bool SelectsEverything() const;
  // For the replay's header line: "stage TASK_PUT; exception class
  // DataException or JsonParseException; original timestamp in
  // [2026-11-01T00:00:00Z, 2026-11-02T00:00:00Z)", or "every record".
  std::string Describe() const;
};

// The replay filter as the `ferry replay` command line gives it. Each option
// may be repeated, and each occurrence may hold a comma-separated list;
// blanks around the items are ignored.
struct ReplayFilterFlags {
  std::vector<std::string> stages;             // --stage TASK_PUT,VALUE_CONVERTER
  std::vector<std::string> exception_classes;  // --exception-class DataException
  std::vector<std::string> topics;             // --topic a,b
  std::string from;                            // --from 2026-11-01T00:00:00Z (empty: none)
  std::string to;                              // --to, exclusive (empty: none)
};

// Builds the filter, or InvalidArgument listing every problem with its option
// ("--stage: unknown stage \"TASK_PUTT\" (one of KEY_CONVERTER, ...); --from:
// ..."). Stage names are Connect's, matched regardless of case; topics must be
// legal Kafka topic names; --from and --to are RFC 3339 date-times and --from
// must be before --to.
absl::StatusOr<ReplayFilter> ParseReplayFilter(const ReplayFilterFlags& flags);

}  // namespace ferry::replay
