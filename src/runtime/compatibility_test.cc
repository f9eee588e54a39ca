#include "runtime/compatibility.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace ferry::runtime {
namespace {

using ::testing::HasSubstr;

// docs/compatibility.md is generated; this fails when it drifts from the
// config tables (regenerate: ferry compatibility > docs/compatibility.md).
TEST(CompatibilityTest, DocsMatchTheConfigTables) {
  std::ifstream in(FERRY_COMPATIBILITY_MD);
  ASSERT_TRUE(in.good()) << FERRY_COMPATIBILITY_MD;
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(text.str() == RenderCompatibilityMarkdown())
      << "docs/compatibility.md is out of date: run `ferry compatibility > "
         "docs/compatibility.md` and commit the result";
}

TEST(CompatibilityTest, ListsEveryKindOfKeyWithWhatFerryDoes) {
  const std::string md = RenderCompatibilityMarkdown();
  EXPECT_THAT(md, HasSubstr("| `errors.tolerance` | STRING | `none` | as in Kafka Connect |"));
  EXPECT_THAT(md, HasSubstr("| `upsertEnabled` | BOOLEAN | `false` | not supported yet |"));
  EXPECT_THAT(md, HasSubstr("| `datasets` | refused: removed in kcbq 2.0: use defaultDataset"));
  EXPECT_THAT(md, HasSubstr("### `org.apache.kafka.connect.transforms.Cast$Value`"));
  EXPECT_THAT(md, HasSubstr("### `org.apache.kafka.connect.transforms.predicates.HasHeaderKey`"));
  EXPECT_THAT(md, HasSubstr("### `org.apache.kafka.connect.json.JsonConverter`"));
  EXPECT_THAT(md, HasSubstr("| `ferry.task.restart.policy` |"));
  // The Java client key table, generated from kafka/client_keys.cc.
  EXPECT_THAT(md, HasSubstr("| `fetch.max.wait.ms` | consumer | `fetch.wait.max.ms` |"));
  EXPECT_THAT(md, HasSubstr("| `sasl.jaas.config` |"));
}

}  // namespace
}  // namespace ferry::runtime
