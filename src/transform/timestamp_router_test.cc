#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::ApplyError;
using testing::ApplyOk;
using testing::Configured;
using testing::ConfigureError;
using testing::MakeRecord;
using testing::MapOf;

constexpr char kRouter[] = "org.apache.kafka.connect.transforms.TimestampRouter";

TEST(TimestampRouterTest, DefaultConfiguration) {
  auto t = Configured(kRouter, {});
  SinkRecord in = MakeRecord(nullptr, Value("v"), "test");
  in.timestamp_ms = 1483425001864;
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(out.topic, "test-20170103");
  EXPECT_EQ(out.partition, in.partition);
  EXPECT_EQ(out.timestamp_ms, in.timestamp_ms);
  EXPECT_EQ(out.key, in.key);
  EXPECT_EQ(out.value, in.value);
}

TEST(TimestampRouterTest, CustomFormatsReplaceEveryPlaceholder) {
  auto t = Configured("TimestampRouter", {{"topic.format", "${timestamp}.${topic}_${timestamp}"},
                                          {"timestamp.format", "yyyy-MM-dd'T'HH"}});
  SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, Value("v")));
  EXPECT_EQ(out.topic, "2023-11-14T22.orders_2023-11-14T22");

  auto literal = Configured(kRouter, {{"topic.format", "archive"}});
  EXPECT_EQ(ApplyOk(*literal, MakeRecord(nullptr, Value("v"))).topic, "archive");
}

TEST(TimestampRouterTest, FormatsInUtc) {
  auto t = Configured(kRouter, {{"timestamp.format", "yyyyMMddHHmmss"}});
  SinkRecord in = MakeRecord(nullptr, Value("v"), "t");
  in.timestamp_ms = -1000;  // 1969-12-31T23:59:59Z, a real CreateTime.
  EXPECT_EQ(ApplyOk(*t, in).topic, "t-19691231235959");
}

TEST(TimestampRouterTest, RecordWithoutTimestampIsADataError) {
  auto t = Configured(kRouter, {});
  SinkRecord in = MakeRecord(nullptr, MapOf({{"a", Value(1)}}));
  in.timestamp_ms = -1;
  in.timestamp_type = TimestampType::kNoTimestamp;
  in.headers.Add("h", Schema::String(), Value("x"));
  EXPECT_EQ(ApplyError(*t, in),
            "Timestamp missing on record: SinkRecord{kafkaOffset=42, "
            "timestampType=NoTimestampType, originalTopic=orders, originalKafkaPartition=3, "
            "originalKafkaOffset=42} ConnectRecord{topic='orders', kafkaPartition=3, key=k1, "
            "keySchema=Schema{STRING}, value={a=1}, valueSchema=null, timestamp=null, "
            "headers=ConnectHeaders(headers=[ConnectHeader(key=h, value=x, "
            "schema=Schema{STRING})])}");
}

TEST(TimestampRouterTest, BadTimestampFormat) {
  EXPECT_EQ(ConfigureError(kRouter, {{"timestamp.format", "yyyy-qq"}}),
            "timestamp.format: Invalid value yyyy-qq for configuration timestamp.format: Illegal "
            "pattern character 'q'");
}

}  // namespace
}  // namespace ferry
