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
    d->Define("ferry.task.restart.policy", ConfigType::kString, "on-failure", Importance::kMedium,
              "What happens to a task that failed: on-failure restarts it with fresh converters, "
              "transforms, writer and consumer after a backoff (its status keeps the failure and "
              "counts the restart); never leaves it FAILED, as Kafka Connect does. Failures a "
              "restart cannot fix are never restarted: a record that stops the task under "
              "errors.tolerance=none, and data lost to retention.",
              validators::OneOf({"on-failure", "never"}));
    d->Define("ferry.task.restart.backoff.initial.ms", ConfigType::kLong, "1000", Importance::kLow,
              "Wait before the first restart of a failed task; it doubles "
              "with every restart in a row.",
              validators::Between(0, 86400000));
    d->Define("ferry.task.restart.backoff.max.ms", ConfigType::kLong, "60000", Importance::kLow,
              "Longest wait between restarts. A task that ran this long before failing again "
              "starts over with the initial backoff and a fresh count of attempts.",
              validators::Between(0, 86400000));
    d->Define("ferry.task.restart.max.attempts", ConfigType::kInt, "-1", Importance::kLow,
              "Restarts in a row after which a failing task is left FAILED; -1 = no limit.",
              validators::AtLeast(-1));
    d->Define("ferry.task.errors.recent.max", ConfigType::kInt, "20", Importance::kLow,
              "How many of its most recent errors each task keeps in its status, with their time, "
              "stage and record.",
              validators::Between(1, 10000));
    return d;
  }();
  return *def;
}

}  // namespace ferry::runtime
