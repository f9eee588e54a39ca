#include "config/properties.h"

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace ferry {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs MustParse(std::string_view text) {
  absl::StatusOr<Pairs> parsed = ParseProperties(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : Pairs{};
}

TEST(ParsePropertiesTest, SeparatorsAsInTheJavadoc) {
  // The three equivalent lines of the java.util.Properties.load javadoc.
  EXPECT_THAT(MustParse("Truth = Beauty\n"), ElementsAre(Pair("Truth", "Beauty")));
  EXPECT_THAT(MustParse("  Truth:Beauty\n"), ElementsAre(Pair("Truth", "Beauty")));
  EXPECT_THAT(MustParse("Truth                    :Beauty"), ElementsAre(Pair("Truth", "Beauty")));
  EXPECT_THAT(MustParse("Truth Beauty"), ElementsAre(Pair("Truth", "Beauty")));
  EXPECT_THAT(MustParse("Truth\tBeauty"), ElementsAre(Pair("Truth", "Beauty")));
  EXPECT_THAT(MustParse("Truth\fBeauty"), ElementsAre(Pair("Truth", "Beauty")));
}

TEST(ParsePropertiesTest, ContinuationFromTheJavadoc) {
  std::string text =
      "fruits                           apple, banana, pear, \\\n"
      "                                  cantaloupe, watermelon, \\\n"
      "                                  kiwi, mango\n";
  EXPECT_THAT(
      MustParse(text),
      ElementsAre(Pair("fruits", "apple, banana, pear, cantaloupe, watermelon, kiwi, mango")));
}

TEST(ParsePropertiesTest, KeyWithoutValue) {
  EXPECT_THAT(MustParse("cheeses\n"), ElementsAre(Pair("cheeses", "")));
  EXPECT_THAT(MustParse("cheeses="), ElementsAre(Pair("cheeses", "")));
  EXPECT_THAT(MustParse("cheeses   :   "), ElementsAre(Pair("cheeses", "")));
}

TEST(ParsePropertiesTest, EmptyKey) {
  EXPECT_THAT(MustParse("=value"), ElementsAre(Pair("", "value")));
  EXPECT_THAT(MustParse(":value"), ElementsAre(Pair("", "value")));
}

TEST(ParsePropertiesTest, OnlyTheFirstSeparatorCounts) {
  EXPECT_THAT(MustParse("key = = v"), ElementsAre(Pair("key", "= v")));
  EXPECT_THAT(MustParse("key:=v"), ElementsAre(Pair("key", "=v")));
  EXPECT_THAT(MustParse("key==v"), ElementsAre(Pair("key", "=v")));
  // White space ends the key; a following '=' or ':' is still the separator.
  EXPECT_THAT(MustParse("key  =v"), ElementsAre(Pair("key", "v")));
  EXPECT_THAT(MustParse("key  :  v"), ElementsAre(Pair("key", "v")));
  // ...but only one of them.
  EXPECT_THAT(MustParse("key v=x"), ElementsAre(Pair("key", "v=x")));
  EXPECT_THAT(MustParse("url=http://host:8083/a=b"),
              ElementsAre(Pair("url", "http://host:8083/a=b")));
}

TEST(ParsePropertiesTest, LeadingWhiteSpaceDroppedTrailingKept) {
  EXPECT_THAT(MustParse("   \t key=value  \t"), ElementsAre(Pair("key", "value  \t")));
}

TEST(ParsePropertiesTest, CommentsAndBlankLines) {
  std::string text =
      "# a comment\n"
      "! another comment\n"
      "   # indented comment\n"
      "\t! indented bang\n"
      "\n"
      "   \t  \n"
      "a=1\n"
      "b#c=2\n"
      "d=3 # not a comment\n";
  EXPECT_THAT(MustParse(text),
              ElementsAre(Pair("a", "1"), Pair("b#c", "2"), Pair("d", "3 # not a comment")));
}

TEST(ParsePropertiesTest, CommentLineIsNeverContinued) {
  EXPECT_THAT(MustParse("# comment \\\nkey=value\n"), ElementsAre(Pair("key", "value")));
  EXPECT_THAT(MustParse("! comment \\\n  key=value"), ElementsAre(Pair("key", "value")));
}

TEST(ParsePropertiesTest, HashOnAContinuationLineIsText) {
  EXPECT_THAT(MustParse("a=b\\\n#c\n"), ElementsAre(Pair("a", "b#c")));
  EXPECT_THAT(MustParse("a=b\\\n   !c"), ElementsAre(Pair("a", "b!c")));
}

// JDK 9+ (LineReader checks "nothing kept yet", not "first char of a natural
// line"): after a continuation that kept nothing, '#' still starts a comment.
// Verified against JDK 17's Properties.load by differential testing.
TEST(ParsePropertiesTest, HashAfterAnEmptyContinuationStartsAComment) {
  EXPECT_THAT(MustParse("\\\n#c\nk=v"), ElementsAre(Pair("k", "v")));
  EXPECT_THAT(MustParse("  \\\r\n  !c=d\nk=v"), ElementsAre(Pair("k", "v")));
}

// Quirks of a lone backslash line, as JDK 17 loads them.
TEST(ParsePropertiesTest, LoneBackslashLines) {
  // At the very end of input, or with only its line end after it, it is an
  // (empty) entry.
  EXPECT_THAT(MustParse("\\"), ElementsAre(Pair("", "")));
  EXPECT_THAT(MustParse("a=1\n\\\n"), ElementsAre(Pair("a", "1"), Pair("", "")));
  // Followed by anything, it is a continuation of nothing.
  EXPECT_THAT(MustParse("\\\n   "), IsEmpty());
  EXPECT_THAT(MustParse("\\\r\n"), IsEmpty());
  EXPECT_THAT(MustParse("\\\nk=v"), ElementsAre(Pair("k", "v")));
}

TEST(ParsePropertiesTest, ContinuationNeedsAnOddNumberOfBackslashes) {
  // Two backslashes: an escaped backslash, no continuation.
  EXPECT_THAT(MustParse("a=b\\\\\nc=d"), ElementsAre(Pair("a", "b\\"), Pair("c", "d")));
  // Three: an escaped backslash, then a continuation.
  EXPECT_THAT(MustParse("a=b\\\\\\\n   c"), ElementsAre(Pair("a", "b\\c")));
  // Four: two escaped backslashes.
  EXPECT_THAT(MustParse("a=b\\\\\\\\\nc=d"), ElementsAre(Pair("a", "b\\\\"), Pair("c", "d")));
}

TEST(ParsePropertiesTest, ContinuationIntoABlankLineEndsTheValue) {
  EXPECT_THAT(MustParse("a=b\\\n\nc=d"), ElementsAre(Pair("a", "b"), Pair("c", "d")));
  EXPECT_THAT(MustParse("a=b\\\n   \nc=d"), ElementsAre(Pair("a", "b"), Pair("c", "d")));
}

TEST(ParsePropertiesTest, ContinuationAtEndOfInput) {
  EXPECT_THAT(MustParse("a=b\\"), ElementsAre(Pair("a", "b")));
  EXPECT_THAT(MustParse("a=b\\\n"), ElementsAre(Pair("a", "b")));
  EXPECT_THAT(MustParse("a=b\\\n   "), ElementsAre(Pair("a", "b")));
}

TEST(ParsePropertiesTest, ContinuationInsideTheKey) {
  EXPECT_THAT(MustParse("long\\\n   key=v"), ElementsAre(Pair("longkey", "v")));
  // The separator may come on the continuation line.
  EXPECT_THAT(MustParse("key\\\n  =v"), ElementsAre(Pair("key", "v")));
}

TEST(ParsePropertiesTest, LineEnds) {
  EXPECT_THAT(MustParse("a=1\r\nb=2\r\n"), ElementsAre(Pair("a", "1"), Pair("b", "2")));
  EXPECT_THAT(MustParse("a=1\rb=2\r"), ElementsAre(Pair("a", "1"), Pair("b", "2")));
  EXPECT_THAT(MustParse("a=1\nb=2"), ElementsAre(Pair("a", "1"), Pair("b", "2")));
  EXPECT_THAT(MustParse("a=1\r\rb=2\n\r\nc=3"),
              ElementsAre(Pair("a", "1"), Pair("b", "2"), Pair("c", "3")));
  // Continuations across each kind of line end.
  EXPECT_THAT(MustParse("a=x\\\r\n  y\\\r  z\\\n  w"), ElementsAre(Pair("a", "xyzw")));
  // After a "\r" continuation, a "\n" that follows is part of the same end,
  // not an empty continuation line.
  EXPECT_THAT(MustParse("a=x\\\r\ny\r\nb=2"), ElementsAre(Pair("a", "xy"), Pair("b", "2")));
}

TEST(ParsePropertiesTest, Escapes) {
  EXPECT_THAT(MustParse("k=\\t\\n\\r\\f"), ElementsAre(Pair("k", "\t\n\r\f")));
  // Any other escaped char stands for itself (so \b is 'b', not backspace).
  EXPECT_THAT(MustParse("k=\\b\\a\\\"\\'\\\\\\#"), ElementsAre(Pair("k", "ba\"'\\#")));
  EXPECT_THAT(MustParse("k=\\u0041\\u0062c"), ElementsAre(Pair("k", "Abc")));
  EXPECT_THAT(MustParse("k=\\u00e9\\u00E9"), ElementsAre(Pair("k", "\xC3\xA9\xC3\xA9")));
  EXPECT_THAT(MustParse("k=\\u20AC"), ElementsAre(Pair("k", "\xE2\x82\xAC")));
  EXPECT_THAT(MustParse("k=\\u0000"), ElementsAre(Pair("k", std::string(1, '\0'))));
}

TEST(ParsePropertiesTest, SurrogatePairsBecomeOneCodePoint) {
  EXPECT_THAT(MustParse("k=\\uD83D\\uDE00"), ElementsAre(Pair("k", "\xF0\x9F\x98\x80")));
  // A lone surrogate cannot be UTF-8: it becomes U+FFFD.
  EXPECT_THAT(MustParse("k=\\uD83Dx"), ElementsAre(Pair("k", "\xEF\xBF\xBDx")));
  EXPECT_THAT(MustParse("k=\\uDE00"), ElementsAre(Pair("k", "\xEF\xBF\xBD")));
  EXPECT_THAT(MustParse("k=\\uD83D"), ElementsAre(Pair("k", "\xEF\xBF\xBD")));
}

TEST(ParsePropertiesTest, EscapesInKeys) {
  EXPECT_THAT(MustParse("a\\=b=c"), ElementsAre(Pair("a=b", "c")));
  EXPECT_THAT(MustParse("a\\:b:c"), ElementsAre(Pair("a:b", "c")));
  EXPECT_THAT(MustParse("\\:\\="), ElementsAre(Pair(":=", "")));
  EXPECT_THAT(MustParse("key\\ with\\ spaces = v"), ElementsAre(Pair("key with spaces", "v")));
  EXPECT_THAT(MustParse("\\#notcomment=v"), ElementsAre(Pair("#notcomment", "v")));
  EXPECT_THAT(MustParse("\\u006By=v"), ElementsAre(Pair("ky", "v")));
  // An escaped backslash does not escape the separator after it.
  EXPECT_THAT(MustParse("a\\\\=b"), ElementsAre(Pair("a\\", "b")));
  EXPECT_THAT(MustParse("a\\b=c"), ElementsAre(Pair("ab", "c")));
}

TEST(ParsePropertiesTest, EscapedLeadingSpaceOfValueIsKept) {
  EXPECT_THAT(MustParse("k=\\  v"), ElementsAre(Pair("k", "  v")));
}

TEST(ParsePropertiesTest, Utf8PassesThrough) {
  EXPECT_THAT(MustParse("\xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87=\xE5\x80\xA4"),
              ElementsAre(Pair("\xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87", "\xE5\x80\xA4")));
}

TEST(ParsePropertiesTest, LaterDuplicatesWinFirstPositionKept) {
  EXPECT_THAT(MustParse("a=1\nb=2\na=3\n"), ElementsAre(Pair("a", "3"), Pair("b", "2")));
}

TEST(ParsePropertiesTest, EmptyAndCommentOnlyInput) {
  EXPECT_THAT(MustParse(""), IsEmpty());
  EXPECT_THAT(MustParse("\n\n  \r\n"), IsEmpty());
  EXPECT_THAT(MustParse("# only\n! comments"), IsEmpty());
}

TEST(ParsePropertiesTest, MalformedUnicodeEscapeNamesTheLine) {
  absl::StatusOr<Pairs> parsed = ParseProperties("a=1\nb=2\n\n# c\nc=x\\u12G4\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()), StartsWith("line 5:"));
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("\\u12G4"));
}

TEST(ParsePropertiesTest, TruncatedUnicodeEscape) {
  absl::StatusOr<Pairs> parsed = ParseProperties("k=\\u12");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), StartsWith("line 1:"));
  // A key's escape may not borrow chars from the value.
  parsed = ParseProperties("k\\u12=3456");
  ASSERT_FALSE(parsed.ok());
}

TEST(ParsePropertiesTest, MalformedEscapeOnAContinuationLineNamesThatLine) {
  absl::StatusOr<Pairs> parsed = ParseProperties("a=1\r\nb=x\\\r\n   \\uZZZZ\r\n");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), StartsWith("line 3:"));
  parsed = ParseProperties("a=1\rb=x\\\r\r\\uZZZZ");
  ASSERT_FALSE(parsed.ok());
  // The continuation ends at the blank line 3, so the bad escape is line 4.
  EXPECT_THAT(std::string(parsed.status().message()), StartsWith("line 4:"));
}

TEST(ParseConfigTextTest, PropertiesForm) {
  absl::StatusOr<ConfigFile> file = ParseConfigText(
      "name=bq-sink\nconnector.class=BigQuerySinkConnector\ntasks.max=2\n", "sink.properties");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->name, "bq-sink");
  EXPECT_THAT(file->props, ElementsAre(Pair("connector.class", "BigQuerySinkConnector"),
                                       Pair("name", "bq-sink"), Pair("tasks.max", "2")));
}

TEST(ParseConfigTextTest, PropertiesErrorNamesOrigin) {
  absl::StatusOr<ConfigFile> file = ParseConfigText("a=1\nb=\\uXYZW\n", "conf/sink.properties");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()), StartsWith("conf/sink.properties: line 2:"));
}

TEST(ParseConfigTextTest, PostConnectorsBody) {
  absl::StatusOr<ConfigFile> file = ParseConfigText(
      R"({"name": "bq", "config": {"connector.class": "BigQuerySinkConnector", "topics": "a,b"}})",
      "sink.json");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->name, "bq");
  EXPECT_THAT(file->props, ElementsAre(Pair("connector.class", "BigQuerySinkConnector"),
                                       Pair("name", "bq"), Pair("topics", "a,b")));
}

TEST(ParseConfigTextTest, PostBodyNameMustMatchConfigName) {
  absl::StatusOr<ConfigFile> file =
      ParseConfigText(R"({"name": "bq", "config": {"name": "other"}})", "x.json");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("(other)"));
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("(bq)"));
  file = ParseConfigText(R"({"name": "bq", "config": {"name": "bq"}})", "x.json");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->name, "bq");
}

TEST(ParseConfigTextTest, PostBodyRejectsUnknownTopLevelFields) {
  absl::StatusOr<ConfigFile> file =
      ParseConfigText(R"({"name": "bq", "config": {}, "tasks": []})", "x.json");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("\"tasks\""));
  // Connect's initial_state is part of the request body.
  file = ParseConfigText(R"({"name": "bq", "config": {}, "initial_state": "PAUSED"})", "x.json");
  EXPECT_TRUE(file.ok()) << file.status();
}

TEST(ParseConfigTextTest, FlatPutConfigBody) {
  absl::StatusOr<ConfigFile> file =
      ParseConfigText("  \n {\"name\": \"bq\", \"topics\": \"t\"}", "from-stdin");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->name, "bq");
  EXPECT_THAT(file->props, ElementsAre(Pair("name", "bq"), Pair("topics", "t")));
}

TEST(ParseConfigTextTest, FlatBodyWithoutNameHasEmptyName) {
  absl::StatusOr<ConfigFile> file = ParseConfigText(R"({"topics": "t"})", "");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->name, "");
}

TEST(ParseConfigTextTest, NumbersAndBooleansBecomeStrings) {
  absl::StatusOr<ConfigFile> file = ParseConfigText(
      R"({"tasks.max": 4, "errors.log.enable": true, "ratio": 1.5, "neg": -3, "off": false})",
      "x.json");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->props,
              ElementsAre(Pair("errors.log.enable", "true"), Pair("neg", "-3"),
                          Pair("off", "false"), Pair("ratio", "1.5"), Pair("tasks.max", "4")));
}

TEST(ParseConfigTextTest, NullMeansNotSet) {
  absl::StatusOr<ConfigFile> file = ParseConfigText(R"({"a": null, "b": "x"})", "x.json");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_THAT(file->props, ElementsAre(Pair("b", "x")));
}

TEST(ParseConfigTextTest, NestedValuesAreRejectedNamingTheKey) {
  absl::StatusOr<ConfigFile> file =
      ParseConfigText(R"({"name": "bq", "config": {"transforms": {"a": "b"}}})", "x.json");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("\"transforms\""));
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("object"));
  file = ParseConfigText(R"({"topics": ["a", "b"]})", "x.json");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("\"topics\""));
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("array"));
}

TEST(ParseConfigTextTest, InvalidJson) {
  absl::StatusOr<ConfigFile> file = ParseConfigText(R"({"a": )", "bad.json");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()), StartsWith("bad.json: invalid JSON"));
  file = ParseConfigText(R"(["a"])", "list.json");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("must be an object"));
}

TEST(ParseConfigTextTest, NameMustBeAString) {
  absl::StatusOr<ConfigFile> file = ParseConfigText(R"({"name": 3, "config": {}})", "x.json");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("\"name\""));
}

TEST(LoadConfigFileTest, LoadsPropertiesAndJsonFiles) {
  std::string dir = ::testing::TempDir();
  std::string props_path = dir + "/config_test_sink.properties";
  {
    std::ofstream out(props_path, std::ios::binary);
    out << "# sink\r\nname = bq\r\ntopics = a, b\r\n";
  }
  absl::StatusOr<ConfigFile> file = LoadConfigFile(props_path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->name, "bq");
  EXPECT_THAT(file->props, ElementsAre(Pair("name", "bq"), Pair("topics", "a, b")));

  std::string json_path = dir + "/config_test_sink.json";
  {
    std::ofstream out(json_path, std::ios::binary);
    out << R"({"name": "j", "config": {"topics": "t"}})";
  }
  file = LoadConfigFile(json_path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->name, "j");
}

TEST(LoadConfigFileTest, MissingFileIsNotFound) {
  absl::StatusOr<ConfigFile> file = LoadConfigFile(::testing::TempDir() + "/no/such/file.json");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(file.status().message()), HasSubstr("no/such/file.json"));
}

TEST(LoadConfigFileTest, ADirectoryIsNotAConfigFile) {
  absl::StatusOr<ConfigFile> file = LoadConfigFile(::testing::TempDir());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(file.status().message(), ::testing::TempDir() + ": is a directory, not a config file");
}

}  // namespace
}  // namespace ferry
