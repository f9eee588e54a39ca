#pragma once

// Observations of connector "serverlog" for the alert module's tests.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "alert/observation.h"

namespace ferry::alert::testing {

inline TaskObservation Task(int id, std::string state, int64_t dlq = 0, int64_t rejected = 0,
                            int64_t lag = 0, std::string trace = "") {
  TaskObservation t;
  t.task_id = id;
  t.state = std::move(state);
  t.dlq_records = dlq;
  t.bigquery_rejections = rejected;
  t.lag = lag;
  t.trace = std::move(trace);
  return t;
}

inline ConnectorObservation Obs(std::vector<TaskObservation> tasks) {
  return ConnectorObservation{"serverlog", std::move(tasks)};
}

}  // namespace ferry::alert::testing
