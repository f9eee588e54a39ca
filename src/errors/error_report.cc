#include "errors/error_report.h"

namespace ferry::errors {

const char* StageName(Stage stage) {
  switch (stage) {
    case Stage::kKeyConverter:
      return "KEY_CONVERTER";
    case Stage::kValueConverter:
      return "VALUE_CONVERTER";
    case Stage::kHeaderConverter:
      return "HEADER_CONVERTER";
    case Stage::kTransformation:
      return "TRANSFORMATION";
    case Stage::kTaskPut:
      return "TASK_PUT";
    case Stage::kKafkaConsume:
      return "KAFKA_CONSUME";
    case Stage::kKafkaProduce:
      return "KAFKA_PRODUCE";
  }
  return "UNKNOWN";
}

std::optional<Stage> StageFromName(std::string_view name) {
  for (Stage s :
       {Stage::kKeyConverter, Stage::kValueConverter, Stage::kHeaderConverter,
        Stage::kTransformation, Stage::kTaskPut, Stage::kKafkaConsume, Stage::kKafkaProduce}) {
    if (StageName(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace ferry::errors
