#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config/config_def.h"
#include "record/sink_record.h"

namespace ferry {

// A Kafka Connect single message transform (org.apache.kafka.connect.transforms
// .Transformation). Lifecycle: create (CreateTransformation), Configure once,
// then Apply any number of times.
//
// Threading: thread-compatible. An instance may keep a small schema cache, so
// one instance must not be used from two threads at once; ferry builds one
// TransformChain per task.
//
// Apply never mutates its input (Connect's contract). It returns the new
// record, or std::nullopt when the record is filtered out. A record the
// transform cannot handle (Connect's DataException) is an InvalidArgument
// status: record-fatal, it goes to the DLQ under errors.tolerance=all.
class Transformation {
 public:
  using Props = std::map<std::string, std::string>;

  Transformation() = default;
  Transformation(const Transformation&) = delete;
  Transformation& operator=(const Transformation&) = delete;
  virtual ~Transformation() = default;

  virtual const ConfigDef& config_def() const = 0;
  // Every problem with `props`, keys relative to the transform (e.g. "field").
  // A problem that concerns no single key has an empty key. The default
  // checks config_def() only; transforms with cross-key rules add theirs.
  [[nodiscard]] virtual std::vector<ConfigError> Validate(const Props& props) const {
    return config_def().Validate(props);
  }
  // Validates (as Validate) and keeps the typed settings. On failure the
  // message lists every problem as "key: message" lines.
  [[nodiscard]] virtual absl::Status Configure(const Props& props) = 0;
  [[nodiscard]] virtual absl::StatusOr<std::optional<SinkRecord>> Apply(
      const SinkRecord& record) = 0;
};

// A Connect predicate (org.apache.kafka.connect.transforms.predicates.Predicate),
// used to apply a transform conditionally. Same lifecycle and threading as
// Transformation; Test is const and keeps no state.
class Predicate {
 public:
  using Props = std::map<std::string, std::string>;

  Predicate() = default;
  Predicate(const Predicate&) = delete;
  Predicate& operator=(const Predicate&) = delete;
  virtual ~Predicate() = default;

  virtual const ConfigDef& config_def() const = 0;
  [[nodiscard]] virtual std::vector<ConfigError> Validate(const Props& props) const {
    return config_def().Validate(props);
  }
  [[nodiscard]] virtual absl::Status Configure(const Props& props) = 0;
  virtual bool Test(const SinkRecord& record) const = 0;
};

// Registry, by the class name users write: fully qualified
// ("org.apache.kafka.connect.transforms.InsertField$Value",
// "org.apache.kafka.connect.transforms.predicates.TopicNameMatches") or the
// short alias ("InsertField$Value", "TopicNameMatches"). An unknown name is
// NotFound naming it. The returned instance is not configured yet.
absl::StatusOr<std::unique_ptr<Transformation>> CreateTransformation(std::string_view class_name);
absl::StatusOr<std::unique_ptr<Predicate>> CreatePredicate(std::string_view class_name);

// The fully qualified names ferry implements, for docs and error messages.
std::vector<std::string> TransformationClassNames();
std::vector<std::string> PredicateClassNames();

}  // namespace ferry
