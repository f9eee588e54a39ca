#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "alert/alert_config.h"
#include "alert/alert_event.h"
#include "alert/observation.h"

namespace ferry::alert {

// Turns a connector's observations into alert events; pure (no I/O, no
// clock of its own: time is the `now` of each observation), so its
// semantics are tested without HTTP.
//
// - task_failed (per task): fires while the task is FAILED; resolves when it
//   is RUNNING ("recovered"), STOPPED, or no longer in the observation.
//   RESTARTING, UNASSIGNED and PAUSED leave it as it was.
// - dlq_records / bigquery_errors (per connector): the increments of the
//   tasks' cumulative counters within the last `window` (sliding: an
//   increment counts while it is younger than the window); fire at
//   >= threshold, resolve below it.
// - consumer_lag (per connector): the tasks' lag summed; fires at
//   >= threshold, resolves below it.
//
// At most one firing message per condition per window: a condition that
// fires again, or stays firing, within `window` of its last firing message
// is suppressed (counted) and re-announced once the window has passed if it
// is still firing. A "resolved" message follows every announced episode.
//
// Not thread-safe: one caller at a time.
class ConditionTracker {
 public:
  ConditionTracker(std::string connector, AlertRules rules);

  std::vector<AlertEvent> Observe(const ConnectorObservation& observation, absl::Time now);

  // Observations that brought news (a new firing, a changed trace, new
  // counter increments) for a condition not re-announced because of the window.
  uint64_t suppressed() const { return suppressed_; }

 private:
  struct State {
    bool firing = false;
    bool announced = false;  // This episode's firing message was sent.
    bool ever_sent = false;
    absl::Time last_sent;  // The last firing message.
    absl::Time since;
  };
  struct Counter {
    std::map<int, int64_t> last;                            // Per task id.
    std::deque<std::pair<absl::Time, int64_t>> increments;  // Oldest first.
    int64_t sum = 0;
  };

  struct Transition {
    AlertState state;
    bool repeat;
    absl::Time since;
  };

  // Updates `state` with whether the condition fires now (`news`: this
  // observation brought new evidence of it) and says which message to send.
  std::optional<Transition> Step(State& state, bool firing, bool news, absl::Time now);
  // Adds this observation's increments, drops those out of the window;
  // returns whether anything was added.
  bool Count(Counter& counter, const ConnectorObservation& observation,
             int64_t TaskObservation::*field, absl::Time now);
  void EvaluateTasks(const ConnectorObservation& observation, absl::Time now,
                     std::vector<AlertEvent>& out);

  const std::string connector_;
  const AlertRules rules_;
  std::map<int, State> tasks_;
  std::map<int, std::string> traces_;  // Last trace of each FAILED task.
  std::map<int, int64_t> failures_;    // Last TaskObservation::failures of each task.
  State dlq_;
  State bigquery_;
  State lag_;
  Counter dlq_counter_;
  Counter bigquery_counter_;
  uint64_t suppressed_ = 0;
};

}  // namespace ferry::alert
