#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::MakeRecord;

std::unique_ptr<Predicate> ConfiguredPredicate(std::string_view name,
                                               const Predicate::Props& props) {
  auto p = CreatePredicate(name);
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return nullptr;
  absl::Status s = (*p)->Configure(props);
  EXPECT_TRUE(s.ok()) << s;
  return std::move(*p);
}

TEST(PredicatesTest, TopicNameMatchesWholeTopic) {
  auto p = ConfiguredPredicate("org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                               {{"pattern", "serverlog\\..*"}});
  EXPECT_TRUE(p->Test(MakeRecord(nullptr, Value(), "serverlog.member")));
  EXPECT_FALSE(p->Test(MakeRecord(nullptr, Value(), "x.serverlog.member")));
  EXPECT_FALSE(p->Test(MakeRecord(nullptr, Value(), "serverlog")));
}

TEST(PredicatesTest, TopicNameMatchesConfigErrors) {
  auto p = CreatePredicate("TopicNameMatches");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->Validate({}),
            (std::vector<ConfigError>{{"pattern",
                                       "Missing required configuration \"pattern\" which has no "
                                       "default value."}}));
  EXPECT_EQ((*p)->Validate({{"pattern", ""}}),
            (std::vector<ConfigError>{{"pattern",
                                       "Invalid value  for configuration pattern: String must be "
                                       "non-empty"}}));
  std::vector<ConfigError> bad = (*p)->Validate({{"pattern", "[a-"}});
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_TRUE(
      bad[0].message.starts_with("Invalid value [a- for configuration pattern: Invalid regex: "))
      << bad[0].message;
  EXPECT_FALSE((*p)->Configure({{"pattern", "[a-"}}).ok());
}

TEST(PredicatesTest, HasHeaderKey) {
  auto p = ConfiguredPredicate("HasHeaderKey", {{"name", "ce_type"}});
  SinkRecord r = MakeRecord(nullptr, Value("v"));
  EXPECT_FALSE(p->Test(r));
  r.headers.Add("ce_type", nullptr, Value());  // A null-valued header still counts.
  EXPECT_TRUE(p->Test(r));

  auto bad = CreatePredicate("HasHeaderKey");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ((*bad)->Validate({{"name", ""}}),
            (std::vector<ConfigError>{
                {"name", "Invalid value  for configuration name: String must be non-empty"}}));
}

TEST(PredicatesTest, RecordIsTombstone) {
  auto p =
      ConfiguredPredicate("org.apache.kafka.connect.transforms.predicates.RecordIsTombstone", {});
  EXPECT_TRUE(p->Test(MakeRecord(Schema::String(true), Value())));
  EXPECT_FALSE(p->Test(MakeRecord(nullptr, Value(""))));
}

TEST(RegistryTest, FullAndShortNames) {
  for (const std::string& name : TransformationClassNames()) {
    EXPECT_TRUE(CreateTransformation(name).ok()) << name;
    EXPECT_TRUE(CreateTransformation(name.substr(name.rfind('.') + 1)).ok()) << name;
  }
  for (const std::string& name : PredicateClassNames()) {
    EXPECT_TRUE(CreatePredicate(name).ok()) << name;
  }
  absl::StatusOr<std::unique_ptr<Transformation>> unknown =
      CreateTransformation("com.example.Nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message(), "Class com.example.Nope could not be found.");
  EXPECT_EQ(CreatePredicate("InsertField$Value").status().code(), absl::StatusCode::kNotFound);
  // "InsertField" without $Key/$Value is abstract in Kafka.
  EXPECT_FALSE(CreateTransformation("InsertField").ok());
}

}  // namespace
}  // namespace ferry
