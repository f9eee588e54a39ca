#include "record/value.h"

#include <gtest/gtest.h>

#include "record/sink_record.h"

namespace ferry {
namespace {

TEST(DecimalTest, RoundTripsThroughText) {
  for (const char* text : {"0", "1", "-1", "12.345", "-0.001", "99999999999999999999.999999999",
                           "-128", "127", "128", "-129"}) {
    std::optional<Decimal> d = Decimal::FromString(text);
    ASSERT_TRUE(d.has_value()) << text;
    EXPECT_EQ(d->ToString(), text);
  }
  EXPECT_EQ(Decimal::FromString("12.345")->scale, 3);
  EXPECT_EQ(Decimal::FromString("127")->unscaled, std::string("\x7f", 1));
  EXPECT_EQ(Decimal::FromString("128")->unscaled, std::string("\x00\x80", 2));
  EXPECT_EQ(Decimal::FromString("-1")->unscaled, std::string("\xff", 1));
  EXPECT_FALSE(Decimal::FromString("1.2.3").has_value());
  EXPECT_FALSE(Decimal::FromString("abc").has_value());
  EXPECT_FALSE(Decimal::FromString("").has_value());
}

TEST(DecimalTest, ValuesWiderThan128BitsPrintInFull) {
  // BIGNUMERIC's 77 digits: 2^255 - 1, -2^255, and a 40-digit value at scale 12.
  EXPECT_EQ((Decimal{"\x7f" + std::string(31, '\xff'), 38}.ToString()),
            "578960446186580977117854925043439539266.34992332820282019728792003956564819967");
  EXPECT_EQ((Decimal{"\x80" + std::string(31, '\0'), 0}.ToString()),
            "-57896044618658097711785492504343953926634992332820282019728792003956564819968");
  // 1234567890123456789012345678000000000001, 17 bytes.
  EXPECT_EQ((Decimal{std::string("\x03\xa0\xc9\x20\x75\xc0\xdb\xf3\xb8\xac\xbc\x5e\xc4\xf8"
                                 "\x7a\xe0\x01",
                                 17),
                     12}
                 .ToString()),
            "1234567890123456789012345678.000000000001");
  EXPECT_EQ((Decimal{std::string(17, '\xff'), 2}.ToString()), "-0.01");
  EXPECT_EQ((Decimal{std::string(20, '\0'), 1}.ToString()), "0.0");
}

TEST(ValueTest, StructFieldsAndEquality) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("id", Schema::String())
                         .AddField("n", Schema::Int64(true))
                         .Build();
  Value a = StructBuilder(schema).Put("id", "x").Put("n", int64_t{3}).Build();
  Value b = StructBuilder(schema).Put("id", "x").Put("n", int64_t{3}).Build();
  Value c = StructBuilder(schema).Put("id", "y").Build();
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  ASSERT_NE(a.StructField("n"), nullptr);
  EXPECT_EQ(a.StructField("n")->as_int(), 3);
  EXPECT_EQ(a.StructField("missing"), nullptr);
  EXPECT_TRUE(c.StructField("n")->is_null());
}

TEST(ValueTest, ValidateValueAsConnect) {
  SchemaPtr schema = SchemaBuilder::Struct()
                         .AddField("id", Schema::String())
                         .AddField("at", Schema::Timestamp(true))
                         .Build();
  EXPECT_EQ(ValidateValue(*schema, StructBuilder(schema).Put("id", "x").Build()), "");
  EXPECT_NE(ValidateValue(*schema, StructBuilder(schema).Build()), "");
  EXPECT_NE(
      ValidateValue(*schema, StructBuilder(schema).Put("id", "x").Put("at", int64_t{5}).Build()),
      "");
  EXPECT_EQ(
      ValidateValue(*schema, StructBuilder(schema).Put("id", "x").Put("at", Timestamp{5}).Build()),
      "");
  EXPECT_NE(ValidateValue(*Schema::Int32(), Value("text")), "");
}

TEST(ValueTest, CopiesShareAndDoNotMutate) {
  Map m{{Value("a"), Value(int64_t{1})}};
  Value original(m);
  Value copy = original;
  Map changed = copy.as_map();
  changed.emplace_back(Value("b"), Value(int64_t{2}));
  Value updated(changed);
  EXPECT_EQ(original.as_map().size(), 1u);
  EXPECT_EQ(updated.as_map().size(), 2u);
  EXPECT_EQ(updated.MapEntry("b")->as_int(), 2);
  EXPECT_EQ(original.MapEntry("b"), nullptr);
}

TEST(HeadersTest, LastWithNameAndRemove) {
  Headers h;
  h.Add("a", Schema::String(), Value("1"));
  h.Add("b", Schema::String(), Value("2"));
  h.Add("a", Schema::String(), Value("3"));
  EXPECT_EQ(h.LastWithName("a")->value.as_string(), "3");
  h.Remove("a");
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.LastWithName("a"), nullptr);
}

}  // namespace
}  // namespace ferry
