#pragma once

// Test helpers that drive ferry-dev-kafka with Debian's librdkafka, as a
// real client would: over TCP, from this separate process.

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ferry::devkafka::testing {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;

using ConfMap = std::map<std::string, std::string>;

// Creates a client of `type` for `bootstrap` with `conf` applied. `opaque`
// becomes the handle's opaque (for delivery report callbacks).
absl::StatusOr<RdKafkaPtr> MakeClient(rd_kafka_type_t type, const std::string& bootstrap,
                                      const ConfMap& conf,
                                      void (*dr_msg_cb)(rd_kafka_t*, const rd_kafka_message_t*,
                                                        void*) = nullptr,
                                      void* opaque = nullptr);

// Result of producing a run of messages with per-message delivery reports.
struct ProduceResult {
  int64_t delivered = 0;
  int64_t failed = 0;
  std::map<rd_kafka_resp_err_t, int64_t> errors;  // Delivery report errors by code.
};

// Produces `count` messages whose payload is `payload(i)` to
// topic/partition(i), waits for every delivery report (up to `timeout`).
absl::StatusOr<ProduceResult> Produce(const std::string& bootstrap, const std::string& topic,
                                      int64_t count,
                                      const std::function<int32_t(int64_t)>& partition,
                                      const std::function<std::string(int64_t)>& payload,
                                      const ConfMap& conf, absl::Duration timeout);

// Low and high watermark of one partition, asked of the broker.
absl::StatusOr<std::pair<int64_t, int64_t>> QueryWatermarks(const std::string& bootstrap,
                                                            const std::string& topic,
                                                            int32_t partition,
                                                            absl::Duration timeout);

struct PartitionInfo {
  int32_t id;
  int32_t leader;
};
struct TopicMetadata {
  std::vector<PartitionInfo> partitions;
  std::map<int32_t, std::pair<std::string, int>> brokers;  // id -> host, port
};
absl::StatusOr<TopicMetadata> FetchMetadata(const std::string& bootstrap, const std::string& topic,
                                            absl::Duration timeout);

// Consumes `topic` partitions [0, expected.size()) from the beginning until
// partition p has delivered expected[p] messages or `timeout` passes; calls
// `on_message` for each (on this thread). Uses assign(), so no group join.
absl::Status ConsumeFromBeginning(const std::string& bootstrap, const std::string& topic,
                                  const std::vector<int64_t>& expected,
                                  const std::function<void(const rd_kafka_message_t&)>& on_message,
                                  absl::Duration timeout, const ConfMap& conf = {});

// 64-bit FNV-1a of `data`.
uint64_t Fnv1a(const void* data, size_t len);

// Order-sensitive running checksum of a partition's payloads.
struct OrderedChecksum {
  uint64_t value = 14695981039346656037ULL;
  int64_t count = 0;
  void Add(const void* data, size_t len) {
    value = (value ^ Fnv1a(data, len)) * 1099511628211ULL;
    ++count;
  }
  bool operator==(const OrderedChecksum&) const = default;
};

}  // namespace ferry::devkafka::testing
