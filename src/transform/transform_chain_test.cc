#include "transform/transform_chain.h"

#include "gtest/gtest.h"
#include "transform/transform_test_util.h"

namespace ferry {
namespace {

using testing::MakeRecord;
using testing::MapOf;
using testing::Snapshot;

std::unique_ptr<TransformChain> Chain(const TransformChain::Props& props) {
  absl::StatusOr<std::unique_ptr<TransformChain>> chain = TransformChain::Create(props);
  EXPECT_TRUE(chain.ok()) << chain.status();
  return chain.ok() ? *std::move(chain) : nullptr;
}

std::optional<SinkRecord> RunChain(const TransformChain& chain, const SinkRecord& in) {
  std::string before = Snapshot(in);
  absl::StatusOr<std::optional<SinkRecord>> out = chain.Apply(in);
  EXPECT_EQ(Snapshot(in), before) << "input record was mutated";
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::nullopt;
}

TEST(TransformChainTest, EmptyChainPassesRecordsThrough) {
  auto chain = Chain({{"name", "sink"}, {"topics", "orders"}});
  ASSERT_NE(chain, nullptr);
  EXPECT_TRUE(chain->empty());
  std::optional<SinkRecord> out = RunChain(*chain, MakeRecord(nullptr, Value("v")));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->value, Value("v"));
}

TEST(TransformChainTest, RunsTransformsInOrder) {
  auto chain =
      Chain({{"transforms", "insert, rename ,route"},
             {"transforms.insert.type", "org.apache.kafka.connect.transforms.InsertField$Value"},
             {"transforms.insert.topic.field", "src"},
             {"transforms.rename.type", "ReplaceField$Value"},
             {"transforms.rename.renames", "src:source_topic"},
             {"transforms.route.type", "RegexRouter"},
             {"transforms.route.regex", "(.*)"},
             {"transforms.route.replacement", "bq_$1"}});
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->Describe(), (std::vector<std::string>{
                                   "insert (org.apache.kafka.connect.transforms.InsertField$Value)",
                                   "rename (ReplaceField$Value)", "route (RegexRouter)"}));
  std::optional<SinkRecord> out = RunChain(*chain, MakeRecord(nullptr, MapOf({{"a", Value(1)}})));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->topic, "bq_orders");
  EXPECT_EQ(out->value, MapOf({{"a", Value(1)}, {"source_topic", Value("orders")}}));
}

TEST(TransformChainTest, FilterWithPredicateAndNegate) {
  TransformChain::Props props = {{"transforms", "dropTombstones"},
                                 {"transforms.dropTombstones.type", "Filter"},
                                 {"transforms.dropTombstones.predicate", "isTombstone"},
                                 {"predicates", "isTombstone"},
                                 {"predicates.isTombstone.type", "RecordIsTombstone"}};
  auto chain = Chain(props);
  ASSERT_NE(chain, nullptr);
  EXPECT_FALSE(RunChain(*chain, MakeRecord(nullptr, Value())).has_value());
  EXPECT_TRUE(RunChain(*chain, MakeRecord(nullptr, Value("v"))).has_value());

  props["transforms.dropTombstones.negate"] = "true";
  auto negated = Chain(props);
  ASSERT_NE(negated, nullptr);
  EXPECT_TRUE(RunChain(*negated, MakeRecord(nullptr, Value())).has_value());
  EXPECT_FALSE(RunChain(*negated, MakeRecord(nullptr, Value("v"))).has_value());
}

TEST(TransformChainTest, PredicateSelectsTopicsAndFilterStopsTheChain) {
  auto chain = Chain({{"transforms", "onlyServerlog,mark"},
                      {"transforms.onlyServerlog.type", "Filter"},
                      {"transforms.onlyServerlog.predicate", "serverlog"},
                      {"transforms.onlyServerlog.negate", "true"},
                      {"transforms.mark.type", "InsertField$Value"},
                      {"transforms.mark.static.field", "seen"},
                      {"transforms.mark.static.value", "yes"},
                      {"predicates", "serverlog"},
                      {"predicates.serverlog.type", "TopicNameMatches"},
                      {"predicates.serverlog.pattern", "serverlog\\..*"}});
  ASSERT_NE(chain, nullptr);
  EXPECT_FALSE(RunChain(*chain, MakeRecord(nullptr, MapOf({}), "other")).has_value());
  std::optional<SinkRecord> kept =
      RunChain(*chain, MakeRecord(nullptr, MapOf({}), "serverlog.member"));
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->value, MapOf({{"seen", Value("yes")}}));
}

TEST(TransformChainTest, ErrorsNameTheTransform) {
  auto chain = Chain({{"transforms", "ts"},
                      {"transforms.ts.type", "TimestampConverter$Value"},
                      {"transforms.ts.target.type", "Timestamp"},
                      {"transforms.ts.format", "yyyy-MM-dd"}});
  ASSERT_NE(chain, nullptr);
  absl::StatusOr<std::optional<SinkRecord>> out = chain->Apply(MakeRecord(nullptr, Value("nope")));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(),
            "transform 'ts' (TimestampConverter$Value) failed: Could not parse timestamp: value "
            "(nope) does not match pattern (yyyy-MM-dd)");
}

TEST(TransformChainTest, ValidationReportsEveryProblemByFullKey) {
  TransformChain::Props props = {
      {"name", "sink"},
      {"transforms", "a,b,c,d,e,a"},
      {"transforms.a.type", "InsertField$Value"},
      {"transforms.a.topic.feild", "t"},  // typo: unknown key, and no insertion left.
      {"transforms.b.type", "com.example.Missing"},
      {"transforms.c.type", "TimestampConverter$Value"},
      {"transforms.c.target.type", "date"},
      {"transforms.c.negate", "true"},
      {"transforms.d.type", "Filter"},
      {"transforms.d.predicate", "nope"},
      // e has no type.
      {"transforms.old.type", "Filter"},
      {"predicates", "p"},
      {"predicates.p.type", "TopicNameMatches"},
  };
  std::vector<ConfigError> errors = TransformChain::Validate(props);
  EXPECT_EQ(
      errors,
      (std::vector<ConfigError>{
          {"transforms",
           "Invalid value a,b,c,d,e,a for configuration transforms: Duplicate alias provided."},
          {"transforms.a", "No field insertion configured"},
          {"transforms.a.topic.feild",
           "Unknown configuration 'transforms.a.topic.feild' for InsertField$Value (its keys: "
           "topic.field, partition.field, offset.field, timestamp.field, static.field, "
           "static.value)",
           /*ignorable=*/true},
          {"transforms.b.type",
           "Invalid value com.example.Missing for configuration transforms.b.type: Class "
           "com.example.Missing could not be found."},
          {"transforms.c.negate",
           "Config 'transforms.c.negate' was provided but there is no config "
           "'transforms.c.predicate' defining a predicate to be negated."},
          {"transforms.c.target.type",
           "Invalid value date for configuration transforms.c.target.type: String must be one "
           "of: string, unix, Date, Time, Timestamp"},
          {"transforms.d.predicate",
           "Invalid value nope for configuration transforms.d.predicate: predicate 'nope' is "
           "not listed in 'predicates'"},
          {"transforms.e.type",
           "Missing required configuration \"transforms.e.type\" which has no default value."},
          {"predicates.p.pattern",
           "Missing required configuration \"predicates.p.pattern\" which has no default "
           "value."},
          {"transforms.old.type",
           "Configuration 'transforms.old.type' belongs to no alias listed in 'transforms'",
           /*ignorable=*/true},
      }));

  absl::StatusOr<std::unique_ptr<TransformChain>> chain = TransformChain::Create(props);
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(chain.status().message().find("transforms.e.type: Missing required configuration"),
            absl::string_view::npos);
}

TEST(TransformChainTest, ValidConfigHasNoErrors) {
  EXPECT_TRUE(TransformChain::Validate({{"transforms", "h"},
                                        {"transforms.h.type", "HeaderToField$Value"},
                                        {"transforms.h.header.mappings", "ce_type:STRING:type"},
                                        {"transforms.h.predicate", "has"},
                                        {"predicates", "has"},
                                        {"predicates.has.type", "HasHeaderKey"},
                                        {"predicates.has.name", "ce_type"}})
                  .empty());
}

}  // namespace
}  // namespace ferry
