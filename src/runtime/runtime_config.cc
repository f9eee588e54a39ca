#include "runtime/runtime_config.h"

namespace ferry::runtime {

const ConfigDef& RuntimeConfigDef() {
  static const ConfigDef* def = [] {
    auto* d = new ConfigDef();
    d->Define("ferry.task.max.poll.records", ConfigType::kInt, "5000", Importance::kLow,
              "Most records a task takes from Kafka per poll; one poll is one write batch.",
              validators::Between(1, 1000000));
    d->Define("ferry.kafka.retention.loss.skip", ConfigType::kBoolean, "false", Importance::kMedium,
              "When the broker has deleted offsets a task had not written yet (data lost to "
              "retention), continue from the oldest offset still available instead of stopping "
              "the task. The lost range is logged and counted either way.");
    return d;
  }();
  return *def;
}

}  // namespace ferry::runtime
