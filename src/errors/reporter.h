#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "errors/error_report.h"

namespace ferry::errors {

// Where a task's failed records go (Connect's ErrorReporter): the error log,
// the dead-letter queue, the BigQuery error table. Called from the task's
// thread only.
class ErrorReporter {
 public:
  ErrorReporter() = default;
  ErrorReporter(const ErrorReporter&) = delete;
  ErrorReporter& operator=(const ErrorReporter&) = delete;
  virtual ~ErrorReporter() = default;

  // Takes one failed record; delivery may complete later, in Flush().
  [[nodiscard]] virtual absl::Status Report(const ErrorReport& report) = 0;
  // Returns once every report taken is durable (the dead-letter queue's
  // broker acknowledged it); non-OK when some may not be. The task commits
  // no offset past a failed record before this returned OK.
  [[nodiscard]] virtual absl::Status Flush() = 0;
  // Errors of the reporter's own Kafka client since the last call (the
  // dead-letter queue's producer: brokers unreachable, authentication
  // failed), which it retries by itself; for the task's status.
  virtual std::vector<std::string> TakeClientErrors() { return {}; }
};

// errors.log.enable: logs each failure at error level with its stage,
// executing class and record position, and the record's key, value and
// headers when errors.log.include.messages is set (as Connect's LogReporter).
class LogReporter : public ErrorReporter {
 public:
  explicit LogReporter(bool include_messages) : include_messages_(include_messages) {}
  absl::Status Report(const ErrorReport& report) override;
  absl::Status Flush() override { return absl::OkStatus(); }

  // The log line for a report.
  static std::string Message(const ErrorReport& report, bool include_messages);

 private:
  bool include_messages_;
};

}  // namespace ferry::errors
