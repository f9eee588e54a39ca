#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace ferry::bench {

struct ConsumeResult {
  int64_t records = 0;
  int64_t bytes = 0;   // keys + values + headers.
  double seconds = 0;  // from the first record to the last.
};

// The baseline: plain librdkafka (C API, rd_kafka_consume_batch_queue),
// partitions assigned directly from the beginning (no group join), every
// record touched and then dropped, until `expected` records are read.
absl::StatusOr<ConsumeResult> RawConsume(const std::string& bootstrap_servers,
                                         const std::string& topic, int partitions,
                                         int64_t expected);

}  // namespace ferry::bench
