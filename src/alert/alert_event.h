#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace ferry::alert {

enum class Condition {
  kTaskFailed,      // Per task: the task is FAILED.
  kDlqRecords,      // Records sent to the dead-letter queue within the window.
  kBigQueryErrors,  // Rows BigQuery refused within the window.
  kConsumerLag,     // The connector's summed consumer lag.
};

// "task_failed", "dlq_records", "bigquery_errors", "consumer_lag".
const char* ConditionName(Condition condition);

enum class AlertState { kFiring, kResolved };

// "firing", "resolved".
const char* AlertStateName(AlertState state);

// One message to send: a condition started (or is still) firing, or cleared.
struct AlertEvent {
  std::string connector;
  std::optional<int> task;  // Task conditions only.
  Condition condition = Condition::kTaskFailed;
  AlertState state = AlertState::kFiring;
  // A firing message for a condition already announced in this episode, sent
  // because it is still firing a whole window after the last one.
  bool repeat = false;
  // Task conditions: 1 while FAILED, else 0. Counter conditions: the sum
  // over the window. Lag: the connector's lag now.
  int64_t value = 0;
  int64_t threshold = 0;
  absl::Duration window;
  std::string task_state;  // Task conditions: the task's state as observed.
  std::string trace;       // Task failures: the whole trace (payloads truncate).
  std::string message;     // One plain-text sentence.
  absl::Time time;         // The observation that produced it.
  absl::Time since;        // When this firing episode began.
};

}  // namespace ferry::alert
