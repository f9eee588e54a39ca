#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace ferry::cli {

// The brief's parity query, generalised: per day (UTC, from the CloudEvents
// time) × event type (lower(split(subject, '.')[2])), how many events there
// are on each side.
using ParityKey = std::pair<std::string, std::string>;  // day, event type
using ParityCounts = std::map<ParityKey, int64_t>;

// The event type of a subject as the parity query derives it; "(null)" when
// the subject has fewer than three parts.
std::string EventTypeOfSubject(std::string_view subject);
// "YYYY-MM-DD" of a UTC timestamp in microseconds; "(null)" for no time.
std::string DayOf(std::optional<int64_t> micros);

// Reads a topic from the beginning to its current end (a throwaway consumer
// group) and counts its CloudEvents. Events that are not valid CloudEvents
// are counted under ("(invalid)", "(invalid)").
absl::StatusOr<ParityCounts> CountKafka(const std::string& bootstrap_servers,
                                        const std::string& topic);

// Reads a table through tabledata.list (ce_subject, ce_time) and counts rows.
absl::StatusOr<ParityCounts> CountBigQueryTable(const std::string& rest_endpoint,
                                                const std::string& project,
                                                const std::string& dataset,
                                                const std::string& table);

// Prints the parity table; returns the number of rows that differ.
int PrintParity(const ParityCounts& kafka, const ParityCounts& bigquery, std::string_view left,
                std::string_view right, std::FILE* out);

}  // namespace ferry::cli
