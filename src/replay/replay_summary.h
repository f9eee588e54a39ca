#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "replay/dlq_entry.h"

namespace ferry::replay {

// What became of one DLQ record in a replay (or would, in a dry run).
enum class ReplayOutcome {
  kLoaded,              // written to BigQuery.
  kFailedAgain,         // failed again; sent to the replay's dead-letter queue.
  kDroppedByTransform,  // a transform or predicate filtered it out.
  kNotSelected,         // the ReplayFilter did not select it.
  kUnreadable,          // not a DLQ record ParseDlqRecord accepts.
};

inline constexpr ReplayOutcome kAllReplayOutcomes[] = {
    ReplayOutcome::kLoaded,      ReplayOutcome::kFailedAgain, ReplayOutcome::kDroppedByTransform,
    ReplayOutcome::kNotSelected, ReplayOutcome::kUnreadable,
};

// The row label of an outcome: "loaded", "failed again", "dropped by
// transform", "not selected", "unreadable"; in a dry run "would load", "would
// fail again", "would be dropped by transform" for the first three.
std::string_view ReplayOutcomeLabel(ReplayOutcome outcome, bool dry_run = false);

struct SummaryTableOptions {
  enum class Columns { kByStage, kByTopic };
  // One column per stage of the latest failure (in pipeline order: Connect's
  // stages as errors::Stage lists them, then unknown names alphabetically),
  // or per original topic (alphabetically); then "total".
  Columns columns = Columns::kByStage;
  bool dry_run = false;
};

// Counts a replay's outcomes by the stage of each record's latest failure and
// by its original topic. A value type; not thread-safe (count per thread and
// Merge, or guard it).
class ReplaySummary {
 public:
  // Counts `entry` under its stage and original topic. kUnreadable is counted
  // as AddUnreadable() does.
  void Add(const DlqEntry& entry, ReplayOutcome outcome);
  // A record ParseDlqRecord rejected: it has no stage or topic.
  void AddUnreadable();
  void Merge(const ReplaySummary& other);

  int64_t Count(ReplayOutcome outcome) const;
  int64_t CountForStage(ReplayOutcome outcome, std::string_view stage_name) const;
  int64_t CountForTopic(ReplayOutcome outcome, std::string_view topic) const;
  int64_t Total() const;

  // An aligned plain-text table, one row per outcome (every outcome, zeros
  // included) and a total row, one column per stage or topic and a total
  // column; "-" where an outcome has no stage or topic (unreadable). Counts
  // have thousands separators; lines end in '\n' without trailing blanks.
  //
  //   by stage              VALUE_CONVERTER  TASK_PUT  total
  //   loaded                            120     5,000  5,120
  //   failed again                        3        12     15
  //   dropped by transform                0         0      0
  //   not selected                       10         0     10
  //   unreadable                          -         -      2
  //   total                             133     5,012  5,147
  std::string RenderTable(const SummaryTableOptions& options = {}) const;

 private:
  // Outcomes other than kUnreadable, indexed by ReplayOutcome.
  using Counts = std::array<int64_t, 4>;
  // (stage name, original topic) → counts.
  std::map<std::pair<std::string, std::string>, Counts, std::less<>> counts_;
  int64_t unreadable_ = 0;
};

}  // namespace ferry::replay
