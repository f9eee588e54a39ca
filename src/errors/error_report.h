#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "record/sink_record.h"

namespace ferry::errors {

// Where in the task a record failed, as Connect's ErrorReporter stages.
enum class Stage {
  kKeyConverter,
  kValueConverter,
  kHeaderConverter,
  kTransformation,
  kTaskPut,
  kKafkaConsume,
  kKafkaProduce,
};

// "KEY_CONVERTER", "VALUE_CONVERTER", ... as Connect names them.
const char* StageName(Stage stage);
// The stage of a name StageName() gives; nullopt for any other text.
std::optional<Stage> StageFromName(std::string_view name);

// One record that failed at one stage: what goes to the dead-letter queue,
// the error log, the error table and the task's recent errors.
struct ErrorReport {
  std::string connector_name;
  int task_id = 0;
  Stage stage = Stage::kTaskPut;
  // The class that was executing (Connect's __connect.errors.class.name):
  // the converter's or transformation's class, or the sink task's.
  std::string executing_class;
  // The failure as Connect would name it (__connect.errors.exception.*).
  std::string exception_class;
  std::string message;
  // BigQuery's rejection of the row (stage TASK_PUT): its reason, the
  // field or column at fault, and the table ("project.dataset.table").
  std::string bigquery_reason;
  std::string bigquery_location;
  std::string bigquery_table;
  absl::Time time;  // when the failure happened.
  // The record as consumed: raw key, value, headers and timestamp.
  std::shared_ptr<const RawRecord> raw;
};

}  // namespace ferry::errors
