#include "cli/event_generator.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

namespace ferry::cli {
namespace {

std::string Header(const kafka::ProducerRecord& r, const std::string& key) {
  for (const auto& [k, v] : r.headers) {
    if (k == key) return v.value_or("");
  }
  return "";
}

TEST(EventGeneratorTest, ProducesBothModesAllTypesAndDaysAtAboutFiveHundredBytes) {
  GeneratorOptions o;
  o.count = 5000;
  EventGenerator gen(o);
  std::set<std::string> subjects, days;
  int structured = 0, binary = 0;
  size_t bytes = 0;
  for (int i = 0; i < 5000; ++i) {
    kafka::ProducerRecord r = gen.Next();
    ASSERT_TRUE(r.value.has_value());
    size_t size = r.value->size() + (r.key ? r.key->size() : 0);
    for (const auto& [k, v] : r.headers) size += k.size() + (v ? v->size() : 0);
    bytes += size;
    std::string time;
    if (Header(r, "content-type").rfind("application/cloudevents+json", 0) == 0) {
      ++structured;
      nlohmann::json j = nlohmann::json::parse(*r.value);
      EXPECT_EQ(j["specversion"], "1.0");
      EXPECT_TRUE(j["data"].is_object());
      subjects.insert(j["subject"].get<std::string>());
      time = j["time"].get<std::string>();
    } else {
      ++binary;
      EXPECT_EQ(Header(r, "ce_specversion"), "1.0");
      EXPECT_FALSE(Header(r, "ce_id").empty());
      EXPECT_TRUE(nlohmann::json::parse(*r.value).is_object());
      subjects.insert(Header(r, "ce_subject"));
      time = Header(r, "ce_time");
    }
    days.insert(time.substr(0, 10));
  }
  EXPECT_GT(structured, 1000);
  EXPECT_GT(binary, 2500);
  EXPECT_GE(subjects.size(), 6u);
  EXPECT_EQ(days, (std::set<std::string>{"2026-11-01", "2026-11-02", "2026-11-03"}));
  double avg = static_cast<double>(bytes) / 5000;
  EXPECT_GT(avg, 420);
  EXPECT_LT(avg, 620);
}

TEST(EventGeneratorTest, IsDeterministicForASeed) {
  GeneratorOptions o;
  EventGenerator a(o), b(o);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Next().value, b.Next().value);
  o.seed = 7;
  EventGenerator c(o);
  EXPECT_NE(EventGenerator(GeneratorOptions{}).Next().value, c.Next().value);
}

}  // namespace
}  // namespace ferry::cli
