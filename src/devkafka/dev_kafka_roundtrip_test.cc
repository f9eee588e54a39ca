// One million ~500 B events through ferry-dev-kafka and back, checking that
// every partition returns exactly what was produced, in order. Debian's stock
// mock broker keeps only 5 MiB per partition, so this is the test that the
// patched broker keeps everything (about 83 MB per partition here).
//
// One broker: the mock cluster serves all of its brokers from a single
// thread, so on 2 cores more brokers add client threads and connections but
// no broker capacity; the log code path under test is per partition and the
// same for any broker count. Multi-broker behaviour is covered by
// devkafka_control_test.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "devkafka/dev_kafka_process.h"
#include "devkafka/dev_kafka_test_util.h"

namespace ferry::devkafka {
namespace {

using ::ferry::devkafka::testing::ConsumeFromBeginning;
using ::ferry::devkafka::testing::OrderedChecksum;
using ::ferry::devkafka::testing::Produce;
using ::ferry::devkafka::testing::QueryWatermarks;

constexpr int64_t kEvents = 1'000'000;
constexpr int kPartitions = 6;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A CloudEvents-shaped JSON document of about 500 bytes, unique per index,
// with pseudo-random content so that no two payloads share a checksum.
std::string Event(int64_t i) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string data;
  data.reserve(380);
  uint64_t state = static_cast<uint64_t>(i);
  for (int k = 0; k < 380; ++k) {
    if (k % 8 == 0) state = SplitMix64(state);
    data.push_back(kAlphabet[(state >> ((k % 8) * 8)) % (sizeof(kAlphabet) - 1)]);
  }
  return "{\"specversion\":\"1.0\",\"type\":\"dev.ferry.test\",\"source\":\"/"
         "roundtrip\",\"id\":\"" +
         std::to_string(i) + "\",\"time\":\"2024-01-01T00:00:00Z\",\"data\":{\"payload\":\"" +
         data + "\"}}";
}

TEST(DevKafkaRoundtripTest, OneMillionEventsComeBackCompleteAndInOrder) {
  DevKafkaOptions options;
  options.topics = {"events:" + std::to_string(kPartitions)};
  auto kafka = DevKafkaProcess::Start(options);
  ASSERT_TRUE(kafka.ok()) << kafka.status();
  const std::string bootstrap = (*kafka)->bootstrap_servers();

  std::vector<OrderedChecksum> produced(kPartitions);
  auto partition_of = [](int64_t i) { return static_cast<int32_t>(i % kPartitions); };
  auto payload = [&](int64_t i) {
    std::string event = Event(i);
    produced[partition_of(i)].Add(event.data(), event.size());
    return event;
  };
  absl::Time start = absl::Now();
  // Idempotence makes the per-partition order in the log the enqueue order,
  // even if a request is retried.
  auto result = Produce(bootstrap, "events", kEvents, partition_of, payload,
                        {{"enable.idempotence", "true"},
                         {"linger.ms", "20"},
                         {"batch.size", "1000000"},
                         {"queue.buffering.max.messages", "500000"}},
                        absl::Seconds(120));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->delivered, kEvents);
  EXPECT_EQ(result->failed, 0);
  absl::Duration produce_time = absl::Now() - start;

  std::vector<int64_t> expected(kPartitions);
  for (int p = 0; p < kPartitions; ++p) {
    expected[p] = produced[p].count;
    auto marks = QueryWatermarks(bootstrap, "events", p, absl::Seconds(10));
    ASSERT_TRUE(marks.ok()) << marks.status();
    EXPECT_EQ(marks->first, 0) << "partition " << p << " lost its oldest batches";
    EXPECT_EQ(marks->second, produced[p].count) << "partition " << p;
  }

  start = absl::Now();
  std::vector<OrderedChecksum> consumed(kPartitions);
  std::vector<int64_t> next_offset(kPartitions, 0);
  int64_t offset_gaps = 0;
  absl::Status status = ConsumeFromBeginning(
      bootstrap, "events", expected,
      [&](const rd_kafka_message_t& msg) {
        consumed[msg.partition].Add(msg.payload, msg.len);
        if (msg.offset != next_offset[msg.partition]) ++offset_gaps;
        next_offset[msg.partition] = msg.offset + 1;
      },
      absl::Seconds(120),
      // Keep the pre-fetch queue large enough that it never pauses (see
      // shared/EMBEDDED-KAFKA.md, "Pre-fetch pauses").
      {{"queued.min.messages", "1000000"}, {"queued.max.messages.kbytes", "1048576"}});
  ASSERT_TRUE(status.ok()) << status;
  absl::Duration consume_time = absl::Now() - start;

  EXPECT_EQ(offset_gaps, 0);
  for (int p = 0; p < kPartitions; ++p) {
    EXPECT_EQ(consumed[p].count, produced[p].count) << "partition " << p;
    EXPECT_EQ(consumed[p].value, produced[p].value) << "partition " << p;
  }
  std::printf("produced %lld events in %s, consumed in %s\n", static_cast<long long>(kEvents),
              absl::FormatDuration(produce_time).c_str(),
              absl::FormatDuration(consume_time).c_str());
}

// The broker stores record batches as the client sent them, so compressed
// batches must come back intact for every codec a client may use.
class DevKafkaCompressionTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DevKafkaCompressionTest, CompressedBatchesComeBackIntact) {
  constexpr int64_t kCount = 20'000;
  DevKafkaOptions options;
  options.topics = {"c:2"};
  auto kafka = DevKafkaProcess::Start(options);
  ASSERT_TRUE(kafka.ok()) << kafka.status();
  const std::string bootstrap = (*kafka)->bootstrap_servers();

  std::vector<OrderedChecksum> produced(2);
  auto partition_of = [](int64_t i) { return static_cast<int32_t>(i % 2); };
  auto result = Produce(
      bootstrap, "c", kCount, partition_of,
      [&](int64_t i) {
        std::string event = Event(i);
        produced[partition_of(i)].Add(event.data(), event.size());
        return event;
      },
      {{"enable.idempotence", "true"}, {"compression.codec", GetParam()}}, absl::Seconds(60));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->delivered, kCount);

  std::vector<OrderedChecksum> consumed(2);
  absl::Status status = ConsumeFromBeginning(
      bootstrap, "c", {produced[0].count, produced[1].count},
      [&](const rd_kafka_message_t& msg) { consumed[msg.partition].Add(msg.payload, msg.len); },
      absl::Seconds(60));
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(consumed[0], produced[0]);
  EXPECT_EQ(consumed[1], produced[1]);
}

INSTANTIATE_TEST_SUITE_P(Codecs, DevKafkaCompressionTest,
                         ::testing::Values("gzip", "snappy", "lz4", "zstd"));

}  // namespace
}  // namespace ferry::devkafka
