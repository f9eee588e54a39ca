#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::ApplyOk;
using testing::Configured;
using testing::ConfigureError;
using testing::MakeRecord;

constexpr char kInsert[] = "org.apache.kafka.connect.transforms.InsertHeader";
constexpr char kDrop[] = "org.apache.kafka.connect.transforms.DropHeaders";

SinkRecord WithHeaders() {
  SinkRecord r = MakeRecord(Schema::String(), Value("v"));
  r.headers.Add("dummy", Schema::String(), Value("dummy value"));
  r.headers.Add("existing", Schema::String(), Value("existing value"));
  r.headers.Add("dummy", Schema::String(), Value("again"));
  return r;
}

std::string HeaderList(const SinkRecord& r) {
  std::string out;
  for (const Header& h : r.headers.all()) {
    absl::StrAppend(&out, out.empty() ? "" : ",", h.key, "=", h.value.DebugString(), ":",
                    h.schema ? h.schema->DebugString() : "null");
  }
  return out;
}

TEST(InsertHeaderTest, AddsTheLiteralEvenWhenTheNameExists) {
  auto t = Configured(kInsert, {{"header", "existing"}, {"value.literal", "inserted-value"}});
  SinkRecord in = WithHeaders();
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(
      HeaderList(out),
      "dummy=\"dummy value\":STRING,existing=\"existing value\":STRING,dummy=\"again\":STRING,"
      "existing=\"inserted-value\":STRING");
  EXPECT_EQ(out.headers.LastWithName("existing")->value, Value("inserted-value"));
  EXPECT_EQ(out.value, in.value);
  EXPECT_EQ(out.topic, in.topic);
}

TEST(InsertHeaderTest, LiteralIsParsedAsValuesParseString) {
  auto header = [](std::string_view literal) {
    auto t = Configured("InsertHeader", {{"header", "h"}, {"value.literal", std::string(literal)}});
    SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, Value()));
    return HeaderList(out);
  };
  EXPECT_EQ(header("42"), "h=42:INT8");
  EXPECT_EQ(header("40000"), "h=40000:INT32");
  EXPECT_EQ(header("true"), "h=true:BOOLEAN");
  EXPECT_EQ(header("1.5"), "h=1.5:FLOAT32");
  EXPECT_EQ(header("null"), "h=null:null");
  EXPECT_EQ(header(""), "h=\"\":STRING");
  EXPECT_EQ(header("2024-05-01"),
            "h=" + Value(Date{19844}).DebugString() + ":" + Schema::Date()->DebugString());
  EXPECT_EQ(header("hello world"), "h=\"hello world\":STRING");
}

TEST(InsertHeaderTest, ArrayAndMapLiteralsBecomeArrayAndMapHeaders) {
  auto header = [](std::string_view literal) {
    auto t = Configured(kInsert, {{"header", "h"}, {"value.literal", std::string(literal)}});
    SinkRecord out = ApplyOk(*t, MakeRecord(nullptr, Value()));
    return HeaderList(out);
  };
  EXPECT_EQ(header("[1,2,300]"), "h=[1,2,300]:ARRAY[INT16]");
  EXPECT_EQ(header("[\"a\", \"b\"]"), "h=[\"a\",\"b\"]:ARRAY[STRING]");
  EXPECT_EQ(header("[1, \"b\"]"), "h=[1,\"b\"]:ARRAY[null]");
  EXPECT_EQ(header("[]"), "h=[]:ARRAY[null]");
  EXPECT_EQ(header("{\"env\":\"prod\",\"tier\":2}"),
            "h={\"env\":\"prod\",\"tier\":2}:MAP<STRING,null>");
  EXPECT_EQ(header("{\"a\":[true]}"), "h={\"a\":[true]}:MAP<STRING,ARRAY[BOOLEAN]>");
  EXPECT_EQ(header("{}"), "h={}:MAP<null,null>");
  // Malformed literals stay text.
  EXPECT_EQ(header("[a,b]"), "h=\"[a,b]\":STRING");
  EXPECT_EQ(header("{\"a\":1"), "h=\"{\\\"a\\\":1\":STRING");
}

TEST(InsertHeaderTest, BothKeysAreRequired) {
  EXPECT_EQ(ConfigureError(kInsert, {{"header", "h"}}),
            "value.literal: Missing required configuration \"value.literal\" which has no default "
            "value.");
  EXPECT_EQ(ConfigureError(kInsert, {{"value.literal", "v"}}),
            "header: Missing required configuration \"header\" which has no default value.");
}

TEST(DropHeadersTest, DropsEveryHeaderWithAListedName) {
  auto t = Configured(kDrop, {{"headers", "dummy, absent"}});
  SinkRecord in = WithHeaders();
  SinkRecord out = ApplyOk(*t, in);
  EXPECT_EQ(HeaderList(out), "existing=\"existing value\":STRING");
  EXPECT_EQ(out.value, in.value);
  EXPECT_EQ(out.key, in.key);

  auto none = Configured("DropHeaders", {{"headers", "absent"}});
  EXPECT_EQ(HeaderList(ApplyOk(*none, in)), HeaderList(in));
}

TEST(DropHeadersTest, HeadersMustBeANonEmptyList) {
  EXPECT_EQ(ConfigureError(kDrop, {}),
            "headers: Missing required configuration \"headers\" which has no default value.");
  EXPECT_EQ(ConfigureError(kDrop, {{"headers", ""}}),
            "headers: Invalid value [] for configuration headers: Empty list");
}

}  // namespace
}  // namespace ferry
