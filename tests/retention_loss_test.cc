// Data lost to retention: on a broker with Debian's stock mock limits (5 MiB
// or 100,000 message sets per partition, oldest dropped silently), a task
// whose committed offset was deleted while it was away reports exactly the
// range the broker dropped, and by default stops instead of skipping it.
#include <gtest/gtest.h>

#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "runtime/discard_writer.h"
#include "tests/component_env.h"

namespace ferry::testing {
namespace {

constexpr char kTopic[] = "events";

absl::Status ProduceBytes(const std::string& bootstrap, int count, size_t value_size) {
  auto producer = kafka::Producer::Create({{"bootstrap.servers", bootstrap}, {"linger.ms", "5"}});
  if (!producer.ok()) return producer.status();
  std::string value(value_size, 'v');
  for (int i = 0; i < count; ++i) {
    kafka::ProducerRecord r;
    r.topic = kTopic;
    r.partition = 0;
    r.value = value;
    if (absl::Status s = (*producer)->Send(r); !s.ok()) return s;
  }
  return (*producer)->Flush(60000);
}

std::map<std::string, std::string> Connector(ComponentEnv& env, bool skip) {
  return {{"name", "retention"},
          {"ferry.bigquery.rest.endpoint", env.bigquery().rest_endpoint()},
          {"ferry.bigquery.storage.endpoint", env.bigquery().grpc_endpoint()},
          {"connector.class", "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector"},
          {"topics", kTopic},
          {"key.converter", "org.apache.kafka.connect.converters.ByteArrayConverter"},
          {"value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter"},
          {"project", "p"},
          {"defaultDataset", "d"},
          {"ferry.kafka.retention.loss.skip", skip ? "true" : "false"}};
}

runtime::WorkerOptions Discarding(bool drain) {
  runtime::WorkerOptions o;
  o.stop_when_drained = drain;
  o.writer_factory = [](const std::map<std::string, std::string>&, int) {
    return absl::StatusOr<std::unique_ptr<SinkWriter>>(std::make_unique<runtime::DiscardWriter>());
  };
  return o;
}

std::vector<kafka::LostRange> LostRanges(WorkerThread& w) {
  std::vector<kafka::LostRange> out;
  for (const auto& c : w.worker().Status()) {
    for (const auto& t : c.tasks) out.insert(out.end(), t.lost_ranges.begin(), t.lost_ranges.end());
  }
  return out;
}

TEST(RetentionLossTest, CommittedOffsetDeletedByTheBrokerIsReportedAndStopsTheTask) {
  auto env = ComponentEnv::Start({.topics = {"events:1"}, .stock_limits = true});
  ASSERT_TRUE(env.ok()) << env.status();
  const std::string bootstrap = (*env)->bootstrap();

  // 1. ferry consumes and commits the first 1,000 records.
  ASSERT_TRUE(ProduceBytes(bootstrap, 1000, 100).ok());
  {
    auto w =
        WorkerThread::Start((*env)->WorkerProps(), {Connector(**env, false)}, Discarding(true));
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE((*w)->Wait().ok());
    ASSERT_EQ((*w)->Written(), 1000);
  }

  // 2. While ferry is away, 8 MiB more arrive: past the broker's 5 MiB per
  //    partition, so it drops the oldest batches, including offset 1000.
  ASSERT_TRUE(ProduceBytes(bootstrap, 8 * 1024, 1024).ok());
  int64_t low = -1, high = -1;
  {
    kafka::ConsumerOptions o;
    o.properties = {{"bootstrap.servers", bootstrap}, {"group.id", "probe"}};
    o.topics = {kTopic};
    auto probe = kafka::Consumer::Create(o);
    ASSERT_TRUE(probe.ok());
    ASSERT_TRUE((*probe)->QueryWatermarks({kTopic, 0}, &low, &high, 10000).ok());
  }
  ASSERT_GT(low, 1000) << "the broker did not drop anything; the test proves nothing";
  ASSERT_EQ(high, 1000 + 8 * 1024);

  // 3. Restarted with defaults, the task stops and names the lost range.
  {
    auto w =
        WorkerThread::Start((*env)->WorkerProps(), {Connector(**env, false)}, Discarding(false));
    ASSERT_TRUE(w.ok()) << w.status();
    absl::Status s = (*w)->Wait();
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("data lost to retention"), std::string::npos) << s;
    std::vector<kafka::LostRange> lost = LostRanges(**w);
    ASSERT_EQ(lost.size(), 1u);
    EXPECT_EQ(lost[0].tp.partition, 0);
    EXPECT_EQ(lost[0].from, 1000);
    EXPECT_EQ(lost[0].to, low);
    EXPECT_EQ((*w)->Written(), 0);
  }

  // 4. The stop did not move the committed offset: a second restart sees the
  //    same range. Opting in to skipping continues from the log start.
  {
    auto w = WorkerThread::Start((*env)->WorkerProps(), {Connector(**env, true)}, Discarding(true));
    ASSERT_TRUE(w.ok()) << w.status();
    ASSERT_TRUE((*w)->Wait().ok());
    std::vector<kafka::LostRange> lost = LostRanges(**w);
    ASSERT_EQ(lost.size(), 1u);
    EXPECT_EQ(lost[0].from, 1000);
    EXPECT_EQ(lost[0].to, low);
    EXPECT_EQ((*w)->Written(), high - low);
    int64_t counted = 0;
    for (const auto& c : (*w)->worker().Status()) {
      for (const auto& t : c.tasks) counted += t.offsets_lost_to_retention;
    }
    EXPECT_EQ(counted, low - 1000);
  }
}

}  // namespace
}  // namespace ferry::testing
