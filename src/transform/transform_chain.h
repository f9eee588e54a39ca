#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config_def.h"
#include "record/sink_record.h"
#include "transform/transformation.h"

namespace ferry {

// The transforms of one connector, built from its configuration exactly as
// Kafka Connect reads it:
//
//   transforms=a,b                      aliases, applied in this order
//   transforms.a.type=<class>           full class name or short alias
//   transforms.a.<key>=...              the transform's own keys
//   transforms.a.predicate=p            apply only when predicate p holds
//   transforms.a.negate=true            ... or only when it does not
//   predicates=p
//   predicates.p.type=<class>
//   predicates.p.<key>=...
//
// Keys of the connector config outside `transforms*` / `predicates*` are not
// looked at. Inside them, every key must mean something: a key the transform
// does not define, or configuration of an alias that is not listed, is an
// error rather than silently ignored.
//
// Lifetime and threading: immutable after Create except for the transforms'
// schema caches, so Apply is thread-compatible: one chain per task, used from
// that task's thread.
class TransformChain {
 public:
  using Props = std::map<std::string, std::string>;

  TransformChain(const TransformChain&) = delete;
  TransformChain& operator=(const TransformChain&) = delete;

  // Validates (see Validate) and builds the chain; on any problem,
  // InvalidArgument listing every one as "key: message" lines.
  static absl::StatusOr<std::unique_ptr<TransformChain>> Create(const Props& connector_props);
  // Every problem with the transforms/predicates configuration, by full key
  // (e.g. "transforms.a.field"). Empty when the chain can be built.
  static std::vector<ConfigError> Validate(const Props& connector_props);

  // Runs every transform in order, each only when its predicate (if any)
  // says so. std::nullopt = the record was filtered out (later transforms do
  // not run). An error names the failing transform's alias and class and
  // keeps the transform's status code (InvalidArgument for a record the
  // transform cannot handle); `failed_class`, when given, is then set to the
  // failing transform's class as configured. The input record is never
  // modified.
  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record,
                                                  std::string* failed_class = nullptr) const;

  bool empty() const { return stages_.empty(); }
  size_t size() const { return stages_.size(); }
  // "alias (class)" of each stage, in order; for logs and status pages.
  std::vector<std::string> Describe() const;

 private:
  struct Stage {
    std::string alias;
    std::string class_name;
    std::unique_ptr<Transformation> transformation;
    std::shared_ptr<const Predicate> predicate;  // null = always apply.
    bool negate = false;
  };
  TransformChain() = default;

  std::vector<Stage> stages_;
};

}  // namespace ferry
