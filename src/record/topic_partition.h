#pragma once

#include <cstdint>
#include <string>

namespace ferry {

// A Kafka partition of a topic.
struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  std::string DebugString() const { return topic + "-" + std::to_string(partition); }
};

}  // namespace ferry
