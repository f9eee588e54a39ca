#pragma once

#include <memory>

#include "sink/sink_writer.h"

namespace ferry::runtime {

// Accepts every record and writes it nowhere: the pipeline's cost without a
// destination (benchmarks).
class DiscardWriter : public SinkWriter {
 public:
  absl::StatusOr<std::vector<RecordResult>> Write(
      absl::Span<const SinkRecord* const> records) override {
    return std::vector<RecordResult>(records.size(), RecordResult{WriteStatus::kDelivered, {}, {}});
  }
};

}  // namespace ferry::runtime
