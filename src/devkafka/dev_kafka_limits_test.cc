// Proves that ferry's patch is what keeps the data: the same workload loses
// its oldest batches under --stock-limits (Debian's 5 MiB / 100000 batches
// per partition) and keeps every record under the default (unlimited), and
// the two limits are honoured when set explicitly.
//
// The 100000-batch stock limit is not driven here: reaching it needs
// >100000 produce round trips (tens of seconds); the batch-count limit is
// the same code path and is exercised with --max-partition-batches.

#include <gtest/gtest.h>

#include <string>

#include "devkafka/dev_kafka_process.h"
#include "devkafka/dev_kafka_test_util.h"

namespace ferry::devkafka {
namespace {

using ::ferry::devkafka::testing::ConsumeFromBeginning;
using ::ferry::devkafka::testing::Produce;
using ::ferry::devkafka::testing::QueryWatermarks;

constexpr int64_t kMessages = 12'000;  // 12 x 1 KiB: about 12 MiB > 5 MiB.

std::string Kib(int64_t i) {
  std::string value = std::to_string(i);
  value.resize(1024, 'x');
  return value;
}

struct Outcome {
  int64_t low = -1;
  int64_t high = -1;
  int64_t consumed = 0;
  int64_t first_offset = -1;
};

// Produces `count` messages to partition 0 of a one-partition topic and
// reads back the watermarks and everything still in the log.
Outcome ProduceAndReadBack(const DevKafkaOptions& options, int64_t count,
                           const testing::ConfMap& producer_conf,
                           const std::function<std::string(int64_t)>& payload) {
  Outcome out;
  auto kafka = DevKafkaProcess::Start(options);
  EXPECT_TRUE(kafka.ok()) << kafka.status();
  if (!kafka.ok()) return out;
  const std::string bootstrap = (*kafka)->bootstrap_servers();
  auto produced = Produce(
      bootstrap, "t", count, [](int64_t) { return 0; }, payload, producer_conf, absl::Seconds(60));
  EXPECT_TRUE(produced.ok()) << produced.status();
  if (!produced.ok()) return out;
  EXPECT_EQ(produced->delivered, count);

  auto marks = QueryWatermarks(bootstrap, "t", 0, absl::Seconds(10));
  EXPECT_TRUE(marks.ok()) << marks.status();
  if (!marks.ok()) return out;
  out.low = marks->first;
  out.high = marks->second;
  absl::Status status = ConsumeFromBeginning(
      bootstrap, "t", {out.high - out.low},
      [&](const rd_kafka_message_t& msg) {
        if (out.consumed++ == 0) out.first_offset = msg.offset;
      },
      absl::Seconds(30));
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

const testing::ConfMap kManySmallBatches = {{"linger.ms", "5"}, {"batch.size", "65536"}};

TEST(DevKafkaLimitsTest, StockLimitsDropTheOldestBatches) {
  DevKafkaOptions options;
  options.topics = {"t:1"};
  options.stock_limits = true;
  Outcome out = ProduceAndReadBack(options, kMessages, kManySmallBatches, Kib);
  EXPECT_EQ(out.high, kMessages);
  EXPECT_GT(out.low, 0) << "Debian's mock should have deleted batches beyond 5 MiB";
  // What is left is at most 5 MiB plus the batch that overshot it.
  EXPECT_LE(out.high - out.low, 5 * 1024 + 64);
  EXPECT_EQ(out.first_offset, out.low);
  EXPECT_EQ(out.consumed, out.high - out.low);
}

TEST(DevKafkaLimitsTest, DefaultKeepsEveryRecord) {
  DevKafkaOptions options;
  options.topics = {"t:1"};
  Outcome out = ProduceAndReadBack(options, kMessages, kManySmallBatches, Kib);
  EXPECT_EQ(out.low, 0);
  EXPECT_EQ(out.high, kMessages);
  EXPECT_EQ(out.first_offset, 0);
  EXPECT_EQ(out.consumed, kMessages);
}

TEST(DevKafkaLimitsTest, MaxPartitionBatchesKeepsTheNewestBatches) {
  DevKafkaOptions options;
  options.topics = {"t:1"};
  options.max_partition_batches = 10;
  // One message per batch, so batches and messages coincide.
  Outcome out = ProduceAndReadBack(options, 100, {{"batch.num.messages", "1"}, {"linger.ms", "0"}},
                                   [](int64_t i) { return std::to_string(i); });
  EXPECT_EQ(out.high, 100);
  EXPECT_EQ(out.low, 90);
  EXPECT_EQ(out.consumed, 10);
  EXPECT_EQ(out.first_offset, 90);
}

TEST(DevKafkaLimitsTest, MaxPartitionBytesKeepsTheNewestBytes) {
  DevKafkaOptions options;
  options.topics = {"t:1"};
  options.max_partition_bytes = 100 * 1024;
  Outcome out =
      ProduceAndReadBack(options, 1000, {{"batch.num.messages", "10"}, {"linger.ms", "5"}}, Kib);
  EXPECT_EQ(out.high, 1000);
  EXPECT_GT(out.low, 0);
  // 100 KiB of 1 KiB records, plus at most one 10-record batch of overshoot.
  EXPECT_LE(out.high - out.low, 100 + 10);
  EXPECT_EQ(out.consumed, out.high - out.low);
}

}  // namespace
}  // namespace ferry::devkafka
