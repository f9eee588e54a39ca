#include "errors/reporter.h"

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace ferry::errors {
namespace {

const char* TimestampTypeName(TimestampType type) {
  switch (type) {
    case TimestampType::kCreateTime:
      return "CreateTime";
    case TimestampType::kLogAppendTime:
      return "LogAppendTime";
    default:
      return "NoTimestampType";
  }
}

}  // namespace

std::string LogReporter::Message(const ErrorReport& report, bool include_messages) {
  // Connect's LogReporter: "Error encountered in task <id>. " and
  // ProcessingContext.toString(includeMessage).
  std::string out = absl::StrCat("Error encountered in task ", report.connector_name, "-",
                                 report.task_id, ". Executing stage '", StageName(report.stage),
                                 "' with class '", report.executing_class, "'");
  if (include_messages && report.raw != nullptr) {
    const RawRecord& r = *report.raw;
    absl::StrAppend(&out, ", where consumed record is {topic='", r.topic,
                    "', partition=", r.partition, ", offset=", r.offset);
    if (r.timestamp_type == TimestampType::kCreateTime ||
        r.timestamp_type == TimestampType::kLogAppendTime) {
      absl::StrAppend(&out, ", timestamp=", r.timestamp_ms,
                      ", timestampType=", TimestampTypeName(r.timestamp_type));
    }
    absl::StrAppend(&out, "}");
  }
  absl::StrAppend(&out, ". ", report.exception_class, ": ", report.message);
  return out;
}

absl::Status LogReporter::Report(const ErrorReport& report) {
  spdlog::error("{}", Message(report, include_messages_));
  return absl::OkStatus();
}

}  // namespace ferry::errors
