#include "convert/cloudevents_converter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

using ::testing::HasSubstr;

using RawHeaders = std::vector<std::pair<std::string, std::optional<std::string>>>;

RawHeaders BinaryHeaders() {
  return {{"ce_specversion", "1.0"},
          {"ce_id", "007"},
          {"ce_source", "https://member.example.com/api"},
          {"ce_type", "com.example.member.login"},
          {"ce_subject", "serverlog.member.LOGIN"},
          {"ce_time", "2024-05-01T21:34:56.789+09:00"},
          {"content-type", "application/json"}};
}

constexpr int64_t kTimeMicros = 1'714'566'896'789'000;  // 2024-05-01T12:34:56.789Z

class CloudEventsConverterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(converter_.Configure({}, /*is_key=*/false).ok()); }

  absl::StatusOr<SchemaAndValue> Convert(const RawHeaders& headers,
                                         std::optional<std::string> value) {
    return converter_.ToConnectData("events", RawKafkaHeaders(headers), value);
  }
  Value Event(const RawHeaders& headers, std::optional<std::string> value) {
    absl::StatusOr<SchemaAndValue> v = Convert(headers, std::move(value));
    EXPECT_TRUE(v.ok()) << v.status();
    if (!v.ok()) return Value();
    EXPECT_EQ(v->schema, CloudEventsConverter::EventSchema());
    EXPECT_EQ(ValidateValue(*v->schema, v->value), "");
    return v->value;
  }
  std::string Error(const RawHeaders& headers, std::optional<std::string> value) {
    absl::StatusOr<SchemaAndValue> v = Convert(headers, std::move(value));
    EXPECT_FALSE(v.ok()) << v->value.DebugString();
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(v.status().message());
  }
  static RawHeaders Structured(std::string content_type = "application/cloudevents+json") {
    return {{"content-type", std::move(content_type)}};
  }
  static const Value& F(const Value& event, std::string_view field) {
    static const Value kMissing;
    const Value* v = event.StructField(field);
    return v ? *v : kMissing;
  }

  CloudEventsConverter converter_;
};

TEST(CloudEventsSchemaTest, MatchesTheTargetTable) {
  const SchemaPtr& s = CloudEventsConverter::EventSchema();
  EXPECT_EQ(s, CloudEventsConverter::EventSchema());  // built once, shared.
  ASSERT_EQ(s->fields().size(), 9u);
  struct Expect {
    std::string_view name;
    bool optional;
    std::string_view logical;
  };
  const Expect expected[] = {{"ce_id", false, ""},
                             {"ce_source", false, ""},
                             {"ce_specversion", true, ""},
                             {"ce_type", false, ""},
                             {"ce_subject", true, ""},
                             {"ce_time", true, logical::kTimestamp},
                             {"ce_datacontenttype", true, ""},
                             {"ce_extensions", true, logical::kJson},
                             {"data", true, logical::kJson}};
  for (size_t i = 0; i < 9; ++i) {
    const Field& f = s->fields()[i];
    EXPECT_EQ(f.name, expected[i].name);
    EXPECT_EQ(f.schema->optional(), expected[i].optional) << f.name;
    EXPECT_EQ(f.schema->name(), expected[i].logical) << f.name;
    EXPECT_EQ(f.schema->type(), f.name == "ce_time" ? Type::kInt64 : Type::kString) << f.name;
  }
}

TEST_F(CloudEventsConverterTest, RefusesTheKeySide) {
  CloudEventsConverter c;
  absl::Status s = c.Configure({}, /*is_key=*/true);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("values only"));
  EXPECT_THAT(s.message(), HasSubstr("StringConverter"));
}

TEST_F(CloudEventsConverterTest, BinaryModeMapsEveryAttribute) {
  RawHeaders h = BinaryHeaders();
  h.push_back({"ce_traceparent", "00-abc-01"});
  h.push_back({"ce_partitionkey", "m-1"});
  h.push_back({"unrelated", "ignored"});
  Value e = Event(h, R"( { "memberId" : 123, "name": "a b", "amount": 12.30 } )");
  EXPECT_EQ(F(e, "ce_id"), Value("007"));
  EXPECT_EQ(F(e, "ce_source"), Value("https://member.example.com/api"));
  EXPECT_EQ(F(e, "ce_specversion"), Value("1.0"));
  EXPECT_EQ(F(e, "ce_type"), Value("com.example.member.login"));
  EXPECT_EQ(F(e, "ce_subject"), Value("serverlog.member.LOGIN"));
  EXPECT_EQ(F(e, "ce_time"), Value(Timestamp{kTimeMicros}));
  EXPECT_EQ(F(e, "ce_datacontenttype"), Value("application/json"));
  EXPECT_EQ(F(e, "ce_extensions"), Value(R"({"traceparent":"00-abc-01","partitionkey":"m-1"})"));
  // Compact, with numbers exactly as sent.
  EXPECT_EQ(F(e, "data"), Value(R"({"memberId":123,"name":"a b","amount":12.30})"));
}

TEST_F(CloudEventsConverterTest, BinaryModeOptionalAttributesMayBeAbsent) {
  RawHeaders h = {{"ce_specversion", "1.0"}, {"ce_id", "1"}, {"ce_source", "s"}, {"ce_type", "t"}};
  Value e = Event(h, R"({"a":1})");
  EXPECT_TRUE(F(e, "ce_subject").is_null());
  EXPECT_TRUE(F(e, "ce_time").is_null());
  EXPECT_TRUE(F(e, "ce_datacontenttype").is_null());
  EXPECT_TRUE(F(e, "ce_extensions").is_null());
  EXPECT_EQ(F(e, "data"), Value(R"({"a":1})"));  // no content type: JSON.
}

TEST_F(CloudEventsConverterTest, BinaryModeHeadersAsStringsWork) {
  Headers h;
  for (const auto& [k, v] : BinaryHeaders()) h.Add(k, Schema::String(true), Value(*v));
  absl::StatusOr<SchemaAndValue> v = converter_.ToConnectData("t", h, std::string("[1]"));
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v->value.StructField("ce_id"), Value("007"));
}

TEST_F(CloudEventsConverterTest, BinaryModeRefusesHeadersThatLostTheirText) {
  // What SimpleHeaderConverter makes of "1.0" and "007": integers.
  Headers h;
  for (const auto& [k, v] : BinaryHeaders()) {
    if (k == "ce_specversion") {
      h.Add(k, Schema::Int8(), Value(1));
    } else {
      h.Add(k, Schema::String(), Value(*v));
    }
  }
  absl::StatusOr<SchemaAndValue> v = converter_.ToConnectData("t", h, std::string("{}"));
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.status().message(), HasSubstr("header ce_specversion"));
  EXPECT_THAT(v.status().message(), HasSubstr("original text is lost"));
}

TEST_F(CloudEventsConverterTest, BinaryModeContentTypes) {
  RawHeaders h = BinaryHeaders();
  auto with_type = [&](std::string ct) {
    RawHeaders out = h;
    out.back().second = std::move(ct);
    return out;
  };
  EXPECT_EQ(F(Event(with_type("application/json; charset=utf-8"), "[1, 2]"), "data"),
            Value("[1,2]"));
  EXPECT_EQ(F(Event(with_type("application/vnd.member.v1+json"), "\"s\""), "data"), Value("\"s\""));
  Value text = Event(with_type("text/plain"), "he said \"hi\"\n");
  EXPECT_EQ(F(text, "data"), Value(R"("he said \"hi\"\n")"));
  EXPECT_EQ(F(text, "ce_datacontenttype"), Value("text/plain"));
  EXPECT_EQ(F(Event(with_type("application/octet-stream"), std::string("\x00\xff", 2)), "data"),
            Value("\"AP8=\""));
  EXPECT_THAT(Error(with_type("text/plain"), "bad \xff"), HasSubstr("not valid UTF-8"));
}

TEST_F(CloudEventsConverterTest, BinaryModeJsonDataMustBeValid) {
  std::string msg = Error(BinaryHeaders(), R"({"a":1,})");
  EXPECT_THAT(msg, HasSubstr("Invalid CloudEvent (binary mode)"));
  EXPECT_THAT(msg, HasSubstr("data is not valid JSON (application/json)"));
  RawHeaders no_type = BinaryHeaders();
  no_type.pop_back();
  EXPECT_THAT(Error(no_type, "not json"), HasSubstr("no content type, so JSON"));
}

TEST_F(CloudEventsConverterTest, BinaryModeNullOrEmptyValueIsNullData) {
  Value e = Event(BinaryHeaders(), std::nullopt);
  EXPECT_TRUE(F(e, "data").is_null());
  EXPECT_EQ(F(e, "ce_id"), Value("007"));
  EXPECT_TRUE(F(Event(BinaryHeaders(), ""), "data").is_null());
}

TEST_F(CloudEventsConverterTest, TombstoneWithoutAttributesIsNull) {
  for (const RawHeaders& h : {RawHeaders{}, Structured()}) {
    absl::StatusOr<SchemaAndValue> v = Convert(h, std::nullopt);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_EQ(v->schema, nullptr);
    EXPECT_TRUE(v->value.is_null());
  }
}

TEST_F(CloudEventsConverterTest, BinaryModeValidation) {
  auto without = [](std::string_view key) {
    RawHeaders h;
    for (auto& kv : BinaryHeaders()) {
      if (kv.first != key) h.push_back(kv);
    }
    return h;
  };
  auto replaced = [](std::string_view key, std::string value) {
    RawHeaders h = BinaryHeaders();
    for (auto& kv : h) {
      if (kv.first == key) kv.second = value;
    }
    return h;
  };
  EXPECT_THAT(Error(without("ce_id"), "{}"),
              HasSubstr("required attribute 'id' (header ce_id) is missing"));
  EXPECT_THAT(Error(without("ce_source"), "{}"), HasSubstr("'source' (header ce_source)"));
  EXPECT_THAT(Error(without("ce_type"), "{}"), HasSubstr("'type' (header ce_type) is missing"));
  EXPECT_THAT(Error(without("ce_specversion"), "{}"),
              HasSubstr("'specversion' (header ce_specversion) is missing"));
  EXPECT_THAT(Error(replaced("ce_source", ""), "{}"),
              HasSubstr("'source' (header ce_source) is empty"));
  EXPECT_THAT(Error(replaced("ce_specversion", "0.3"), "{}"),
              HasSubstr("'specversion' (header ce_specversion) is '0.3'; only CloudEvents 1.0"));
  EXPECT_THAT(Error(replaced("ce_time", "2024-05-01 12:00:00Z"), "{}"),
              HasSubstr("attribute 'time' (header ce_time): '2024-05-01 12:00:00Z' is not an RFC "
                        "3339 timestamp"));
  EXPECT_THAT(Error(replaced("ce_time", "2023-02-29T00:00:00Z"), "{}"),
              HasSubstr("does not exist"));
  EXPECT_THAT(Error(replaced("ce_id", "a\xff"), "{}"),
              HasSubstr("'id' (header ce_id) is not valid UTF-8"));
  RawHeaders bad_ext = BinaryHeaders();
  bad_ext.push_back({"ce_traceParent", "x"});
  EXPECT_THAT(Error(bad_ext, "{}"),
              HasSubstr("extension attribute name 'traceParent' (header ce_traceParent)"));
  bad_ext.back().first = "ce_trace_id";
  EXPECT_THAT(Error(bad_ext, "{}"), HasSubstr("'trace_id'"));
}

TEST_F(CloudEventsConverterTest, RepeatedHeadersLastOneWins) {
  RawHeaders h = BinaryHeaders();
  h.push_back({"ce_id", "second"});
  h.push_back({"ce_ext", "1"});
  h.push_back({"ce_ext", "2"});
  Value e = Event(h, "{}");
  EXPECT_EQ(F(e, "ce_id"), Value("second"));
  EXPECT_EQ(F(e, "ce_extensions"), Value(R"({"ext":"2"})"));
}

constexpr char kStructuredEvent[] = R"({
  "specversion": "1.0",
  "id": "e-1",
  "source": "/member",
  "type": "com.example.member.login",
  "subject": "serverlog.member.LOGIN",
  "time": "2024-05-01T12:34:56.789Z",
  "datacontenttype": "application/json",
  "dataschema": "https://example.com/schema/login.json",
  "sequence": 42,
  "sampled": true,
  "traceparent": "00-\u0061bc-01",
  "data": { "memberId": 123, "tags": [ "a", "b c" ], "price": 1.50 }
})";

TEST_F(CloudEventsConverterTest, StructuredModeMapsEveryAttribute) {
  Value e = Event(Structured("Application/CloudEvents+JSON; charset=UTF-8"), kStructuredEvent);
  EXPECT_EQ(F(e, "ce_id"), Value("e-1"));
  EXPECT_EQ(F(e, "ce_source"), Value("/member"));
  EXPECT_EQ(F(e, "ce_specversion"), Value("1.0"));
  EXPECT_EQ(F(e, "ce_type"), Value("com.example.member.login"));
  EXPECT_EQ(F(e, "ce_subject"), Value("serverlog.member.LOGIN"));
  EXPECT_EQ(F(e, "ce_time"), Value(Timestamp{kTimeMicros}));
  EXPECT_EQ(F(e, "ce_datacontenttype"), Value("application/json"));
  EXPECT_EQ(F(e, "ce_extensions"),
            Value(R"({"dataschema":"https://example.com/schema/login.json","sequence":42,)"
                  R"("sampled":true,"traceparent":"00-\u0061bc-01"})"));
  EXPECT_EQ(F(e, "data"), Value(R"({"memberId":123,"tags":["a","b c"],"price":1.50})"));
}

TEST_F(CloudEventsConverterTest, StructuredModeIgnoresCeHeaders) {
  RawHeaders h = Structured();
  h.push_back({"ce_id", "from-header"});
  EXPECT_EQ(F(Event(h, kStructuredEvent), "ce_id"), Value("e-1"));
}

TEST_F(CloudEventsConverterTest, StructuredModeIsDetectedWithoutHeaders) {
  Value e = Event({}, kStructuredEvent);
  EXPECT_EQ(F(e, "ce_id"), Value("e-1"));
  std::string msg = Error({}, R"({"id":"1"})");
  EXPECT_THAT(msg, HasSubstr("structured mode, detected"));
  EXPECT_THAT(msg, HasSubstr("required attribute 'source' (member \"source\") is missing"));
}

TEST_F(CloudEventsConverterTest, StructuredModeDataAndDataBase64) {
  auto event = [](std::string extra) {
    return R"({"specversion":"1.0","id":"1","source":"s","type":"t")" + extra + "}";
  };
  // Binary data stays base64 text; its content type says so.
  Value png =
      Event(Structured(), event(R"(,"datacontenttype":"image/png","data_base64":"iVBORw0=")"));
  EXPECT_EQ(F(png, "data"), Value("\"iVBORw0=\""));
  EXPECT_EQ(F(png, "ce_datacontenttype"), Value("image/png"));
  Value unknown = Event(Structured(), event(R"(,"data_base64":"AP8=")"));
  EXPECT_EQ(F(unknown, "data"), Value("\"AP8=\""));
  EXPECT_EQ(F(unknown, "ce_datacontenttype"), Value("application/octet-stream"));
  // JSON or text carried as base64 is stored as JSON / text, like binary mode.
  Value json = Event(
      Structured(), event(R"(,"datacontenttype":"application/json","data_base64":"eyJhIjogMX0=")"));
  EXPECT_EQ(F(json, "data"), Value(R"({"a":1})"));
  Value text =
      Event(Structured(), event(R"(,"datacontenttype":"text/plain","data_base64":"aGk=")"));
  EXPECT_EQ(F(text, "data"), Value("\"hi\""));
  // No data at all, or null data.
  EXPECT_TRUE(F(Event(Structured(), event("")), "data").is_null());
  EXPECT_TRUE(F(Event(Structured(), event(R"(,"data":null)")), "data").is_null());
  // Any JSON value is data.
  EXPECT_EQ(F(Event(Structured(), event(R"(,"data":"plain text")")), "data"),
            Value("\"plain text\""));
  EXPECT_EQ(F(Event(Structured(), event(R"(,"data":[1, 2])")), "data"), Value("[1,2]"));

  EXPECT_THAT(Error(Structured(), event(R"(,"data":{},"data_base64":"AA==")")),
              HasSubstr("\"data\" or \"data_base64\", not both"));
  EXPECT_THAT(Error(Structured(), event(R"(,"data_base64":"!!")")), HasSubstr("not valid base64"));
  EXPECT_THAT(Error(Structured(), event(R"(,"data_base64":12)")),
              HasSubstr("\"data_base64\" must be a JSON string, found NUMBER"));
  EXPECT_THAT(
      Error(Structured(), event(R"(,"datacontenttype":"application/json","data_base64":"e30s")")),
      HasSubstr("data is not valid JSON"));
}

TEST_F(CloudEventsConverterTest, StructuredModeValidation) {
  EXPECT_THAT(Error(Structured(), R"({"specversion":"1.0","id":"1",)"),
              HasSubstr("Invalid CloudEvent (structured mode): the value is not valid JSON"));
  RawHeaders with_ce = Structured();
  with_ce.push_back({"ce_id", "1"});
  EXPECT_THAT(Error(with_ce, std::nullopt), HasSubstr("the record value is null"));
  EXPECT_THAT(Error(Structured(), "[1]"), HasSubstr("must be a JSON object, found ARRAY"));
  EXPECT_THAT(Error(Structured(), R"({"specversion":"1.0","id":"1","source":"s"})"),
              HasSubstr("required attribute 'type' (member \"type\") is missing"));
  EXPECT_THAT(Error(Structured(), R"({"specversion":"1.0","id":"","source":"s","type":"t"})"),
              HasSubstr("'id' (member \"id\") is empty"));
  EXPECT_THAT(Error(Structured(), R"({"specversion":"1.0","id":7,"source":"s","type":"t"})"),
              HasSubstr("attribute 'id' must be a JSON string, found NUMBER"));
  EXPECT_THAT(Error(Structured(), R"({"specversion":"0.3","id":"1","source":"s","type":"t"})"),
              HasSubstr("is '0.3'; only CloudEvents 1.0"));
  EXPECT_THAT(Error(Structured(),
                    R"({"specversion":"1.0","id":"1","source":"s","type":"t","time":"yesterday"})"),
              HasSubstr("attribute 'time' (member \"time\")"));
  EXPECT_THAT(
      Error(Structured(), R"({"specversion":"1.0","id":"1","source":"s","type":"t","Bad-Name":1})"),
      HasSubstr("extension attribute name 'Bad-Name'"));
  EXPECT_THAT(
      Error(Structured(),
            R"({"specversion":"1.0","id":"1","source":"s","type":"t","ext":{"a":1}})"),
      HasSubstr("extension attribute 'ext' must be a string, number or boolean, found OBJECT"));
  EXPECT_THAT(Error(Structured("application/cloudevents-batch+json"), "[]"),
              HasSubstr("'application/cloudevents-batch+json' is not supported"));
}

TEST_F(CloudEventsConverterTest, WritesStructuredModeThatReadsBack) {
  RawHeaders h = BinaryHeaders();
  h.push_back({"ce_traceparent", "00-abc-01"});
  for (const auto& [content_type, data] : std::vector<std::pair<std::string, std::string>>{
           {"application/json", R"({"a":[1,2.50]})"},
           {"text/plain", "hello"},
           {"application/octet-stream", std::string("\x01\x02\xff", 3)}}) {
    h[6].second = content_type;
    absl::StatusOr<SchemaAndValue> in = Convert(h, data);
    ASSERT_TRUE(in.ok()) << in.status();
    absl::StatusOr<std::optional<std::string>> bytes =
        converter_.FromConnectData("t", in->schema, in->value);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    ASSERT_TRUE(bytes->has_value());
    absl::StatusOr<SchemaAndValue> back = Convert(Structured(), **bytes);
    ASSERT_TRUE(back.ok()) << **bytes << ": " << back.status();
    EXPECT_EQ(back->value, in->value) << **bytes;
  }
  EXPECT_EQ(*converter_.FromConnectData("t", nullptr, Value()), std::nullopt);
}

TEST_F(CloudEventsConverterTest, WritesTheExpectedStructuredText) {
  absl::StatusOr<SchemaAndValue> in = Convert(BinaryHeaders(), R"({"a":1})");
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(**converter_.FromConnectData("t", in->schema, in->value),
            R"({"specversion":"1.0","id":"007","source":"https://member.example.com/api",)"
            R"("type":"com.example.member.login","subject":"serverlog.member.LOGIN",)"
            R"("time":"2024-05-01T12:34:56.789Z","datacontenttype":"application/json",)"
            R"("data":{"a":1}})");
}

TEST_F(CloudEventsConverterTest, ReusesBuffersAcrossRecordsOfDifferentSizes) {
  std::string big = "{\"k\":\"" + std::string(100'000, 'x') + "\"}";
  EXPECT_EQ(F(Event(BinaryHeaders(), big), "data"), Value(big));
  EXPECT_EQ(F(Event(BinaryHeaders(), "{}"), "data"), Value("{}"));
  EXPECT_EQ(F(Event(BinaryHeaders(), big), "data"), Value(big));
}

}  // namespace
}  // namespace ferry
