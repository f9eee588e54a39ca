#include "convert/avro_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace ferry::internal {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<const AvroSchema> Parse(const std::string& text) {
  absl::StatusOr<std::shared_ptr<const AvroSchema>> s = AvroSchema::Parse(text);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : nullptr;
}

std::string Error(const std::string& text) {
  absl::StatusOr<std::shared_ptr<const AvroSchema>> s = AvroSchema::Parse(text);
  EXPECT_FALSE(s.ok()) << text;
  return std::string(s.status().message());
}

TEST(AvroSchemaTest, NamesAndNamespacesResolveAsJavasParser) {
  auto s = Parse(R"({"type":"record","name":"R","namespace":"a.b","fields":[
      {"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}},
      {"name":"e2","type":"E"},
      {"name":"f","type":{"type":"fixed","name":"c.F","size":2}},
      {"name":"f2","type":"c.F"},
      {"name":"g","type":{"type":"fixed","name":"G","namespace":"","size":1}},
      {"name":"g2","type":"G"}]})");
  ASSERT_NE(s, nullptr);
  const AvroNode& r = s->root();
  EXPECT_EQ(r.full_name, "a.b.R");
  EXPECT_EQ(r.fields[0].type->full_name, "a.b.E");
  EXPECT_EQ(r.fields[1].type, r.fields[0].type);
  EXPECT_EQ(r.fields[2].type->full_name, "c.F");
  EXPECT_EQ(r.fields[3].type, r.fields[2].type);
  EXPECT_EQ(r.fields[4].type->full_name, "G");
  EXPECT_EQ(r.fields[5].type, r.fields[4].type);  // the null namespace, as Java falls back.
  // Java's order, each named type defined once; libavro's copy renamed.
  EXPECT_EQ(
      s->ToJson(),
      R"({"type":"record","name":"R","namespace":"a.b","fields":[)"
      R"({"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}},{"name":"e2","type":"E"},)"
      R"({"name":"f","type":{"type":"fixed","name":"F","namespace":"c","size":2}},)"
      R"({"name":"f2","type":"c.F"},{"name":"g","type":{"type":"fixed","name":"G","namespace":"","size":1}},)"
      R"({"name":"g2","type":"G"}]})");
  EXPECT_EQ(
      s->ToLibavroJson(),
      R"({"type":"record","name":"n0","fields":[)"
      R"({"name":"f0","type":{"type":"enum","name":"n1","symbols":["s0"]}},{"name":"f1","type":"n1"},)"
      R"({"name":"f2","type":{"type":"fixed","name":"n2","size":2}},{"name":"f3","type":"n2"},)"
      R"({"name":"f4","type":{"type":"fixed","name":"n3","size":1}},{"name":"f5","type":"n3"}]})");
}

TEST(AvroSchemaTest, AttributesDocsDefaultsAndAliasesAreKept) {
  auto s = Parse(R"({"type":"record","name":"R","doc":"d","connect.name":"x.R","fields":[
      {"name":"a","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2},
       "doc":"fd","default":"\u0000","aliases":["old"],"custom":1}]})");
  ASSERT_NE(s, nullptr);
  const AvroNode& r = s->root();
  EXPECT_EQ(r.doc, "d");
  EXPECT_EQ(r.StringProp("connect.name"), "x.R");
  const AvroField& a = r.fields[0];
  EXPECT_EQ(a.doc, "fd");
  ASSERT_TRUE(a.default_value.has_value());
  EXPECT_EQ(*a.default_value, std::string("\0", 1));
  EXPECT_EQ(a.aliases, std::vector<std::string>{"old"});
  EXPECT_EQ(a.props["custom"], 1);
  EXPECT_EQ(a.type->StringProp("logicalType"), "decimal");
  EXPECT_EQ(*a.type->Prop("scale"), 2);
  EXPECT_EQ(
      s->ToJson(),
      R"({"type":"record","name":"R","doc":"d","fields":[{"name":"a","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2},"doc":"fd","default":"\u0000","custom":1,"aliases":["old"]}],"connect.name":"x.R"})");
}

TEST(AvroSchemaTest, InvalidSchemasAreRefusedWithAvrosMessages) {
  EXPECT_THAT(Error("{"), HasSubstr("not valid JSON"));
  EXPECT_THAT(Error(R"({"type":"record","name":"R","fields":[{"name":"a","type":"Nope"}]})"),
              HasSubstr("\"Nope\" is not a defined name. The type of the \"a\" field"));
  EXPECT_THAT(Error(R"({"type":"record","name":"R","fields":[{"name":"a","type":"R"},)"
                    R"({"name":"b","type":{"type":"record","name":"R","fields":[]}}]})"),
              HasSubstr("Can't redefine: R"));
  EXPECT_THAT(Error(R"({"type":"record","name":"R","fields":[{"name":"a-b","type":"int"}]})"),
              HasSubstr("Illegal character in: a-b"));
  EXPECT_THAT(Error(R"({"type":"record","name":"R"})"), HasSubstr("Record has no fields"));
  EXPECT_THAT(Error(R"({"type":"enum","name":"E","symbols":["A","A"]})"),
              HasSubstr("Duplicate enum symbol: A"));
  EXPECT_THAT(Error(R"({"type":"enum","name":"E","symbols":["A"],"default":"B"})"),
              HasSubstr("The Enum Default: \"B\" is not in the enum symbol set: [A]"));
  EXPECT_THAT(Error(R"({"type":"fixed","name":"F"})"), HasSubstr("Invalid or no size"));
  EXPECT_THAT(Error(R"(["int","int"])"), HasSubstr("Duplicate in union:int"));
  EXPECT_THAT(Error(R"(["int",["string"]])"), HasSubstr("Nested union"));
  EXPECT_THAT(Error(R"({"type":"array"})"), HasSubstr("Array has no items type"));
  EXPECT_THAT(Error(R"({"name":"x"})"), HasSubstr("No type"));
}

TEST(AvroSchemaTest, PayloadsAreCheckedBeforeLibavroReadsThem) {
  auto s = Parse(R"({"type":"record","name":"R","fields":[
      {"name":"s","type":"string"},{"name":"a","type":{"type":"array","items":"long"}},
      {"name":"u","type":["null","double"]}]})");
  ASSERT_NE(s, nullptr);
  // "ab", [1, 2] in a block with a byte size, then the double branch.
  const std::string good("\x04\x61\x62\x03\x04\x02\x04\x00\x02\0\0\0\0\0\0\xf0\x3f", 17);
  absl::StatusOr<size_t> n = s->CheckPayload(good);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, good.size());
  EXPECT_THAT(s->CheckPayload(good.substr(0, good.size() - 1)).status().message(),
              HasSubstr("truncated: double needs 8 bytes, 7 left"));
  EXPECT_THAT(s->CheckPayload("\x7f").status().message(), HasSubstr("negative length -64"));
  EXPECT_THAT(s->CheckPayload(std::string("\x00\x00\x04", 3)).status().message(),
              HasSubstr("union index 2 out of range (2 branches)"));
  EXPECT_THAT(s->CheckPayload(std::string("\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12))
                  .status()
                  .message(),
              HasSubstr("invalid block count encoding"));

  // Nesting deeper than kMaxDepth.
  auto nested = Parse(R"({"type":"array","items":{"type":"array","items":"null"}})");
  ASSERT_NE(nested, nullptr);
  EXPECT_TRUE(nested->CheckPayload(std::string("\x02\x02\x00\x00", 4)).ok());
  auto deep = Parse(R"({"type":"record","name":"N","fields":[{"name":"n","type":["null","N"]}]})");
  ASSERT_NE(deep, nullptr);
  EXPECT_TRUE(deep->IsRecursive());
  EXPECT_FALSE(nested->IsRecursive());
  // A block of 2^62 items of no bytes each is refused, not looped over.
  EXPECT_THAT(nested->CheckPayload("\x02\xfe\xff\xff\xff\xff\xff\xff\xff\x7f").status().message(),
              HasSubstr("items without bytes"));
  std::string chain(2000, '\x02');
  chain.push_back('\0');
  EXPECT_THAT(deep->CheckPayload(chain).status().message(), HasSubstr("nested deeper than 512"));
}

}  // namespace
}  // namespace ferry::internal
