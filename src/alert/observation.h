#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ferry::alert {

// What the worker reports of one task, about once a second.
struct TaskObservation {
  int task_id = 0;
  // Connect's task states: "RUNNING", "PAUSED", "FAILED", "RESTARTING",
  // "UNASSIGNED", "STOPPED" (compared case-insensitively).
  std::string state;
  std::string trace;  // The failure, when FAILED; may be long (messages truncate it).
  // Cumulative since the task started (a value below the last one seen for
  // the same task id is taken as a restart from 0).
  int64_t dlq_records = 0;          // Records sent to the dead-letter queue.
  int64_t bigquery_rejections = 0;  // Rows BigQuery refused.
  // A gauge: records behind the high watermark, summed over the task's partitions.
  int64_t lag = 0;
  // How many times the task failed and was restarted, cumulative: a rise
  // since the last observation means it failed in between, even when it is
  // RUNNING again by now (a task failing and restarting quickly is seen
  // FAILED by few observations, or none).
  int64_t failures = 0;
};

// One observation of a connector: every task it has at that moment.
struct ConnectorObservation {
  std::string connector;
  std::vector<TaskObservation> tasks;
};

}  // namespace ferry::alert
