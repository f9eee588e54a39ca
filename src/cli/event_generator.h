#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kafka/producer.h"

namespace ferry::cli {

// Member-domain CloudEvents for quickstart, tests and benchmarks, in both
// modes of the Kafka protocol binding. Deterministic for a seed.
struct GeneratorOptions {
  std::string topic = "serverlog.member";
  int64_t count = 100000;
  int days = 3;
  // First day, as Unix seconds at 00:00 UTC (default 2026-11-01).
  int64_t start_day_epoch_s = 1793491200;
  double structured_ratio = 0.3;  // share of events in structured mode.
  uint64_t seed = 42;
  int value_bytes = 360;  // approximate size of the data JSON.
};

// The event types generated: the third part of the subject.
const std::vector<std::string>& EventTypes();

class EventGenerator {
 public:
  explicit EventGenerator(GeneratorOptions options);
  // The i-th event as a Kafka record (partition chosen by key).
  kafka::ProducerRecord Next();
  int64_t produced() const { return index_; }

 private:
  GeneratorOptions options_;
  std::mt19937_64 rng_;
  int64_t index_ = 0;
  std::string padding_;
};

// Produces options.count generated events through an idempotent producer
// (properties: librdkafka's, bootstrap.servers included) and waits for every
// acknowledgement. Returns how many were acknowledged.
absl::StatusOr<int64_t> ProduceEvents(std::map<std::string, std::string> producer_properties,
                                      const GeneratorOptions& options,
                                      std::chrono::milliseconds flush_timeout);

}  // namespace ferry::cli
