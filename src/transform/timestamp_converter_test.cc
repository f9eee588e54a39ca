#include "gtest/gtest.h"
#include "transform/date_format.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::ApplyError;
using testing::ApplyOk;
using testing::Configured;
using testing::MakeRecord;
using testing::MapOf;

constexpr char kValue[] = "org.apache.kafka.connect.transforms.TimestampConverter$Value";
constexpr int64_t kMs = 1700000000123;  // 2023-11-14T22:13:20.123Z
constexpr int64_t kMicros = kMs * 1000;

TEST(TimestampConverterTest, SchemalessWholeValue) {
  auto to_ts =
      Configured(kValue, {{"target.type", "Timestamp"}, {"format", "yyyy-MM-dd HH:mm:ss.SSS"}});
  EXPECT_EQ(ApplyOk(*to_ts, MakeRecord(nullptr, Value("2023-11-14 22:13:20.123"))).value,
            Value(Timestamp{kMicros}));
  EXPECT_EQ(ApplyOk(*to_ts, MakeRecord(nullptr, Value(kMs))).value, Value(Timestamp{kMicros}));

  auto to_string =
      Configured(kValue, {{"target.type", "string"}, {"format", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"}});
  SinkRecord out = ApplyOk(*to_string, MakeRecord(nullptr, Value(kMs)));
  EXPECT_EQ(out.value, Value("2023-11-14T22:13:20.123Z"));
  EXPECT_EQ(out.value_schema, nullptr);

  auto to_unix = Configured(kValue, {{"target.type", "unix"}});
  EXPECT_EQ(ApplyOk(*to_unix, MakeRecord(nullptr, Value(Timestamp{kMicros}))).value, Value(kMs));
  // Null stays null.
  EXPECT_TRUE(ApplyOk(*to_unix, MakeRecord(nullptr, Value())).value.is_null());
}

TEST(TimestampConverterTest, UnixPrecision) {
  auto from_seconds =
      Configured(kValue, {{"target.type", "Timestamp"}, {"unix.precision", "seconds"}});
  EXPECT_EQ(ApplyOk(*from_seconds, MakeRecord(nullptr, Value(int64_t{1700000000}))).value,
            Value(Timestamp{int64_t{1700000000} * 1000000}));
  auto from_micros =
      Configured(kValue, {{"target.type", "Timestamp"}, {"unix.precision", "microseconds"}});
  EXPECT_EQ(ApplyOk(*from_micros, MakeRecord(nullptr, Value(kMicros + 456))).value,
            Value(Timestamp{kMicros + 456}));
  auto to_nanos = Configured(kValue, {{"target.type", "unix"}, {"unix.precision", "nanoseconds"}});
  EXPECT_EQ(ApplyOk(*to_nanos, MakeRecord(nullptr, Value(Timestamp{kMicros + 456}))).value,
            Value((kMicros + 456) * 1000));
  auto to_seconds = Configured(kValue, {{"target.type", "unix"}, {"unix.precision", "seconds"}});
  EXPECT_EQ(ApplyOk(*to_seconds, MakeRecord(nullptr, Value(Timestamp{kMicros}))).value,
            Value(int64_t{1700000000}));
  auto from_nanos =
      Configured(kValue, {{"target.type", "unix"}, {"unix.precision", "nanoseconds"}});
  // nanoseconds -> nanoseconds round trip keeps microseconds (Kafka would keep milliseconds).
  EXPECT_EQ(ApplyOk(*from_nanos, MakeRecord(nullptr, Value(int64_t{1700000000123456789}))).value,
            Value(int64_t{1700000000123456000}));
}

TEST(TimestampConverterTest, DateAndTime) {
  auto to_date = Configured(kValue, {{"target.type", "Date"}});
  SinkRecord out = ApplyOk(*to_date, MakeRecord(Schema::Timestamp(), Value(Timestamp{kMicros})));
  EXPECT_EQ(out.value, Value(Date{static_cast<int32_t>(DaysFromCivil(2023, 11, 14))}));
  EXPECT_TRUE(out.value_schema->Equals(*Schema::Date()));
  // Before the epoch the day is floored, not truncated.
  EXPECT_EQ(ApplyOk(*to_date, MakeRecord(Schema::Timestamp(), Value(Timestamp{-1}))).value,
            Value(Date{-1}));

  auto to_time = Configured(kValue, {{"target.type", "Time"}});
  EXPECT_EQ(ApplyOk(*to_time, MakeRecord(Schema::Timestamp(), Value(Timestamp{kMicros}))).value,
            Value(TimeOfDay{(int64_t{22} * 3600 + 13 * 60 + 20) * 1000000 + 123000}));

  auto date_to_string = Configured(kValue, {{"target.type", "string"}, {"format", "yyyy-MM-dd"}});
  EXPECT_EQ(ApplyOk(*date_to_string, MakeRecord(Schema::Date(), Value(Date{19675}))).value,
            Value("2023-11-14"));
}

TEST(TimestampConverterTest, WholeValueWithSchemaKeepsOptionality) {
  auto t = Configured(kValue, {{"target.type", "unix"}});
  SinkRecord out = ApplyOk(*t, MakeRecord(Schema::Timestamp(true), Value(Timestamp{kMicros})));
  EXPECT_TRUE(out.value_schema->Equals(*Schema::Int64(true)));
  EXPECT_EQ(out.value, Value(kMs));
  out = ApplyOk(*t, MakeRecord(Schema::Timestamp(true), Value()));
  EXPECT_TRUE(out.value.is_null());
  EXPECT_TRUE(out.value_schema->Equals(*Schema::Int64(true)));
}

TEST(TimestampConverterTest, StructField) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .Name("event")
                         .AddField("id", Schema::String())
                         .AddField("ts", Schema::Int64(true))
                         .Build();
  auto t = Configured(kValue, {{"field", "ts"}, {"target.type", "Timestamp"}});
  SinkRecord out = ApplyOk(
      *t, MakeRecord(schema,
                     StructBuilder(schema).Put("id", Value("a")).Put("ts", Value(kMs)).Build()));
  EXPECT_EQ(out.value_schema->DebugString(),
            "STRUCT(event){id:STRING,ts:INT64(org.apache.kafka.connect.data.Timestamp)?}");
  EXPECT_EQ(*out.value.StructField("ts"), Value(Timestamp{kMicros}));
  EXPECT_EQ(*out.value.StructField("id"), Value("a"));
  EXPECT_EQ(ValidateValue(*out.value_schema, out.value), "");

  SinkRecord null_field =
      ApplyOk(*t, MakeRecord(schema, StructBuilder(schema).Put("id", Value("a")).Build()));
  EXPECT_TRUE(null_field.value.StructField("ts")->is_null());

  SinkRecord tombstone = ApplyOk(*t, MakeRecord(schema, Value()));
  EXPECT_TRUE(tombstone.value.is_null());
  EXPECT_EQ(tombstone.value_schema->DebugString(), out.value_schema->DebugString());
}

TEST(TimestampConverterTest, SchemalessField) {
  auto t =
      Configured(kValue, {{"field", "ts"}, {"target.type", "string"}, {"format", "yyyy-MM-dd"}});
  EXPECT_EQ(ApplyOk(*t, MakeRecord(nullptr, MapOf({{"id", Value(1)}, {"ts", Value(kMs)}}))).value,
            MapOf({{"id", Value(1)}, {"ts", Value("2023-11-14")}}));
  // As Kafka, an absent field is put as null.
  EXPECT_EQ(ApplyOk(*t, MakeRecord(nullptr, MapOf({{"id", Value(1)}}))).value,
            MapOf({{"id", Value(1)}, {"ts", Value()}}));
  EXPECT_TRUE(ApplyOk(*t, MakeRecord(nullptr, Value())).value.is_null());
}

TEST(TimestampConverterTest, DataErrors) {
  auto t = Configured(kValue, {{"target.type", "Timestamp"}, {"format", "yyyy-MM-dd"}});
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value("14/11/2023"))),
            "Could not parse timestamp: value (14/11/2023) does not match pattern (yyyy-MM-dd)");
  EXPECT_EQ(ApplyError(*t, MakeRecord(nullptr, Value(true))),
            "TimestampConverter does not support class java.lang.Boolean objects as timestamps");
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::String(), Value(int64_t{5}))),
            "Expected string timestamp to be a String, but found class java.lang.Long");
  EXPECT_EQ(ApplyError(*t, MakeRecord(Schema::Boolean(), Value(true))),
            "Schema BOOLEAN does not correspond to a known timestamp type format");
}

TEST(TimestampConverterTest, BadConfig) {
  auto t = CreateTransformation("TimestampConverter$Value");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)->Validate({}),
            (std::vector<ConfigError>{{"target.type",
                                       "Missing required configuration \"target.type\" which has "
                                       "no default value."}}));
  EXPECT_EQ((*t)->Validate({{"target.type", "date"}, {"unix.precision", "ms"}}),
            (std::vector<ConfigError>{
                {"target.type",
                 "Invalid value date for configuration target.type: String must be one of: "
                 "string, unix, Date, Time, Timestamp"},
                {"unix.precision",
                 "Invalid value ms for configuration unix.precision: String must be one of: "
                 "nanoseconds, microseconds, milliseconds, seconds"}}));
  EXPECT_EQ((*t)->Validate({{"target.type", "string"}}),
            (std::vector<ConfigError>{{"format",
                                       "TimestampConverter requires format option to be specified "
                                       "when using string timestamps"}}));
  EXPECT_EQ((*t)->Validate({{"target.type", "unix"}, {"format", "yyyy-qq"}}),
            (std::vector<ConfigError>{{"format",
                                       "TimestampConverter requires a SimpleDateFormat-compatible "
                                       "pattern for string timestamps: yyyy-qq (Illegal pattern "
                                       "character 'q')"}}));
}

}  // namespace
}  // namespace ferry
