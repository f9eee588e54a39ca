#include "record/sink_record.h"

#include <algorithm>

namespace ferry {

const Header* Headers::LastWithName(std::string_view key) const {
  for (auto it = headers_.rbegin(); it != headers_.rend(); ++it) {
    if (it->key == key) return &*it;
  }
  return nullptr;
}

void Headers::Remove(std::string_view key) {
  headers_.erase(std::remove_if(headers_.begin(), headers_.end(),
                                [&](const Header& h) { return h.key == key; }),
                 headers_.end());
}

SinkRecord SinkRecord::NewRecord(std::string new_topic, int32_t new_partition,
                                 SchemaPtr new_key_schema, Value new_key,
                                 SchemaPtr new_value_schema, Value new_value,
                                 int64_t new_timestamp_ms) const {
  SinkRecord r;
  r.topic = std::move(new_topic);
  r.partition = new_partition;
  r.offset = offset;
  r.timestamp_ms = new_timestamp_ms;
  r.timestamp_type = timestamp_type;
  r.key_schema = std::move(new_key_schema);
  r.key = std::move(new_key);
  r.value_schema = std::move(new_value_schema);
  r.value = std::move(new_value);
  r.headers = headers;
  r.raw = raw;
  return r;
}

}  // namespace ferry
