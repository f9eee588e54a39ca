#include "alert/conditions.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace ferry::alert {

const char* ConditionName(Condition condition) {
  switch (condition) {
    case Condition::kTaskFailed:
      return "task_failed";
    case Condition::kDlqRecords:
      return "dlq_records";
    case Condition::kBigQueryErrors:
      return "bigquery_errors";
    case Condition::kConsumerLag:
      return "consumer_lag";
  }
  return "unknown";
}

const char* AlertStateName(AlertState state) {
  return state == AlertState::kFiring ? "firing" : "resolved";
}

ConditionTracker::ConditionTracker(std::string connector, AlertRules rules)
    : connector_(std::move(connector)), rules_(rules) {}

std::optional<ConditionTracker::Transition> ConditionTracker::Step(State& state, bool firing,
                                                                   bool news, absl::Time now) {
  if (firing) {
    if (!state.firing) {
      state.firing = true;
      state.announced = false;
      state.since = now;
      news = true;
    }
    if (!state.ever_sent || now - state.last_sent >= rules_.window) {
      Transition t{AlertState::kFiring, state.announced, state.since};
      state.announced = true;
      state.ever_sent = true;
      state.last_sent = now;
      return t;
    }
    if (news) ++suppressed_;
    return std::nullopt;
  }
  if (!state.firing) return std::nullopt;
  const bool announced = state.announced;
  const Transition t{AlertState::kResolved, false, state.since};
  state.firing = false;
  state.announced = false;
  // An episode that was never announced (it came and went within the window
  // of the last firing message) has nothing to resolve.
  if (!announced) return std::nullopt;
  return t;
}

bool ConditionTracker::Count(Counter& counter, const ConnectorObservation& observation,
                             int64_t TaskObservation::*field, absl::Time now) {
  int64_t added = 0;
  for (const TaskObservation& task : observation.tasks) {
    const int64_t value = std::max<int64_t>(task.*field, 0);
    auto [it, inserted] = counter.last.emplace(task.task_id, 0);
    // A task seen for the first time, or whose counter went down (it
    // restarted), counts its whole value as new.
    const int64_t increment = !inserted && value >= it->second ? value - it->second : value;
    it->second = value;
    added += increment;
  }
  if (added > 0) {
    counter.increments.emplace_back(now, added);
    counter.sum += added;
  }
  while (!counter.increments.empty() && counter.increments.front().first <= now - rules_.window) {
    counter.sum -= counter.increments.front().second;
    counter.increments.pop_front();
  }
  return added > 0;
}

void ConditionTracker::EvaluateTasks(const ConnectorObservation& observation, absl::Time now,
                                     std::vector<AlertEvent>& out) {
  std::set<int> seen;
  auto event_for = [&](int task_id, const std::string& task_state, const Transition& t) {
    AlertEvent e;
    e.connector = connector_;
    e.task = task_id;
    e.condition = Condition::kTaskFailed;
    e.state = t.state;
    e.repeat = t.repeat;
    e.value = t.state == AlertState::kFiring ? 1 : 0;
    e.threshold = 1;
    e.window = rules_.window;
    e.task_state = task_state;
    e.time = now;
    e.since = t.since;
    return e;
  };
  for (const TaskObservation& task : observation.tasks) {
    seen.insert(task.task_id);
    const std::string task_state = absl::AsciiStrToUpper(task.state);
    // Failed since the last observation, whatever its state now (a task seen
    // for the first time counts all its failures).
    auto [last, first_seen] = failures_.emplace(task.task_id, 0);
    const bool failed_between = task.failures > (first_seen ? 0 : last->second);
    last->second = task.failures;
    bool firing;
    if (task_state == "FAILED" || failed_between) {
      firing = true;
    } else if (task_state == "RUNNING" || task_state == "STOPPED") {
      firing = false;
    } else {
      continue;  // On its way somewhere (RESTARTING, UNASSIGNED, PAUSED): no change.
    }
    State& state = tasks_[task.task_id];
    bool news = false;
    if (firing) {
      auto [it, inserted] = traces_.emplace(task.task_id, task.trace);
      news = !inserted && it->second != task.trace;
      it->second = task.trace;
    } else {
      traces_.erase(task.task_id);
    }
    const std::optional<Transition> t = Step(state, firing, news, now);
    if (!t) continue;
    AlertEvent e = event_for(task.task_id, task_state, *t);
    if (t->state == AlertState::kFiring) {
      e.trace = task.trace;
      e.message =
          t->repeat
              ? absl::StrCat("Task ", task.task_id, " of connector ", connector_,
                             " is still failed.")
              : absl::StrCat("Task ", task.task_id, " of connector ", connector_, " failed",
                             task_state == "FAILED"
                                 ? "."
                                 : absl::StrCat(" and was restarted; it is ", task_state, " now."));
    } else if (task_state == "RUNNING") {
      e.message = absl::StrCat("Task ", task.task_id, " of connector ", connector_,
                               " recovered: it is RUNNING again.");
    } else {
      e.message = absl::StrCat("Task ", task.task_id, " of connector ", connector_,
                               " is no longer failed: it is ", task_state, ".");
    }
    out.push_back(std::move(e));
  }
  for (auto& [task_id, state] : tasks_) {
    if (seen.count(task_id) > 0) continue;
    traces_.erase(task_id);
    const std::optional<Transition> t = Step(state, false, false, now);
    if (!t) continue;
    AlertEvent e = event_for(task_id, "", *t);
    e.message = absl::StrCat("Task ", task_id, " of connector ", connector_,
                             " is no longer failed: the connector no longer has it.");
    out.push_back(std::move(e));
  }
}

std::vector<AlertEvent> ConditionTracker::Observe(const ConnectorObservation& observation,
                                                  absl::Time now) {
  std::vector<AlertEvent> out;
  if (rules_.task_failed) EvaluateTasks(observation, now, out);
  const std::string window = absl::FormatDuration(rules_.window);
  auto connector_event = [&](Condition condition, int64_t value, int64_t threshold,
                             const Transition& t) {
    AlertEvent e;
    e.connector = connector_;
    e.condition = condition;
    e.state = t.state;
    e.repeat = t.repeat;
    e.value = value;
    e.threshold = threshold;
    e.window = rules_.window;
    e.time = now;
    e.since = t.since;
    return e;
  };
  if (rules_.dlq_threshold > 0) {
    const bool news = Count(dlq_counter_, observation, &TaskObservation::dlq_records, now);
    const int64_t sum = dlq_counter_.sum;
    if (auto t = Step(dlq_, sum >= rules_.dlq_threshold, news, now)) {
      AlertEvent e = connector_event(Condition::kDlqRecords, sum, rules_.dlq_threshold, *t);
      e.message =
          t->state == AlertState::kFiring
              ? absl::StrCat("Connector ", connector_, ": ", t->repeat ? "still " : "", sum,
                             " records sent to the dead-letter queue in the last ", window,
                             " (threshold ", rules_.dlq_threshold, ").")
              : absl::StrCat("Connector ", connector_,
                             ": dead-letter queue records are back under the threshold: ", sum,
                             " in the last ", window, " (threshold ", rules_.dlq_threshold, ").");
      out.push_back(std::move(e));
    }
  }
  if (rules_.bigquery_errors_threshold > 0) {
    const bool news =
        Count(bigquery_counter_, observation, &TaskObservation::bigquery_rejections, now);
    const int64_t sum = bigquery_counter_.sum;
    if (auto t = Step(bigquery_, sum >= rules_.bigquery_errors_threshold, news, now)) {
      AlertEvent e =
          connector_event(Condition::kBigQueryErrors, sum, rules_.bigquery_errors_threshold, *t);
      e.message = t->state == AlertState::kFiring
                      ? absl::StrCat("Connector ", connector_, ": ", t->repeat ? "still " : "", sum,
                                     " rows refused by BigQuery in the last ", window,
                                     " (threshold ", rules_.bigquery_errors_threshold, ").")
                      : absl::StrCat("Connector ", connector_,
                                     ": BigQuery row errors are back under the threshold: ", sum,
                                     " in the last ", window, " (threshold ",
                                     rules_.bigquery_errors_threshold, ").");
      out.push_back(std::move(e));
    }
  }
  if (rules_.lag_threshold > 0) {
    int64_t lag = 0;
    for (const TaskObservation& task : observation.tasks) lag += std::max<int64_t>(task.lag, 0);
    if (auto t = Step(lag_, lag >= rules_.lag_threshold, false, now)) {
      AlertEvent e = connector_event(Condition::kConsumerLag, lag, rules_.lag_threshold, *t);
      e.message = t->state == AlertState::kFiring
                      ? absl::StrCat("Connector ", connector_, ": consumer lag is ",
                                     t->repeat ? "still " : "", lag, " records (threshold ",
                                     rules_.lag_threshold, ").")
                      : absl::StrCat("Connector ", connector_,
                                     ": consumer lag is back under the threshold: ", lag,
                                     " records (threshold ", rules_.lag_threshold, ").");
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace ferry::alert
