#include "kafka/producer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace ferry::kafka {
namespace {

using ::testing::HasSubstr;

// The dead-letter queue's producer reports a broker it cannot reach (the
// task puts these in its status) instead of only logging and retrying.
TEST(ProducerTest, AnUnreachableBrokerIsReportedNamingTheAddress) {
  auto producer = Producer::Create({{"bootstrap.servers", "127.0.0.1:1"},  // nothing listens.
                                    {"message.timeout.ms", "3000"}});
  ASSERT_TRUE(producer.ok()) << producer.status();
  ASSERT_TRUE((*producer)->Send({.topic = "dlq", .value = "record"}).ok());
  std::vector<std::string> errors;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (errors.empty() && std::chrono::steady_clock::now() < deadline) {
    std::vector<std::string> more = (*producer)->TakeClientErrors();
    errors.insert(errors.end(), more.begin(), more.end());
    if (errors.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling.
  }
  ASSERT_FALSE(errors.empty()) << "no client error within 10 s";
  EXPECT_THAT(errors.front(), HasSubstr("127.0.0.1:1"));
  EXPECT_TRUE((*producer)->TakeClientErrors().size() < 100u);
}

// A producer librdkafka refuses to build is an error naming the property.
TEST(ProducerTest, ABadPropertyIsNamed) {
  auto producer = Producer::Create({{"bootstrap.servers", "127.0.0.1:1"}, {"acks", "some"}});
  ASSERT_FALSE(producer.ok());
  EXPECT_THAT(std::string(producer.status().message()), HasSubstr("acks"));
}

}  // namespace
}  // namespace ferry::kafka
