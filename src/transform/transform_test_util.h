#pragma once

// Helpers for the transform module's tests.

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "record/sink_record.h"
#include "transform/transformation.h"

namespace ferry::testing {

inline constexpr int64_t kTimestampMs = 1700000000123;  // 2023-11-14T22:13:20.123Z

inline SinkRecord MakeRecord(SchemaPtr value_schema, Value value, std::string topic = "orders") {
  SinkRecord r;
  r.topic = std::move(topic);
  r.partition = 3;
  r.offset = 42;
  r.timestamp_ms = kTimestampMs;
  r.timestamp_type = TimestampType::kCreateTime;
  r.key_schema = Schema::String();
  r.key = Value("k1");
  r.value_schema = std::move(value_schema);
  r.value = std::move(value);
  return r;
}

inline Value MapOf(std::initializer_list<std::pair<std::string, Value>> entries) {
  Map m;
  for (const auto& [k, v] : entries) m.emplace_back(Value(k), v);
  return Value(std::move(m));
}

// Everything observable about a record, to check that a transform left its
// input alone.
inline std::string Snapshot(const SinkRecord& r) {
  std::string out = absl::StrCat(r.topic, "|", r.partition, "|", r.offset, "|", r.timestamp_ms, "|",
                                 r.key.DebugString(), "|", r.value.DebugString());
  absl::StrAppend(&out, "|", r.key_schema ? r.key_schema->DebugString() : "null");
  absl::StrAppend(&out, "|", r.value_schema ? r.value_schema->DebugString() : "null");
  for (const Header& h : r.headers.all())
    absl::StrAppend(&out, "|", h.key, "=", h.value.DebugString());
  return out;
}

inline std::unique_ptr<Transformation> Configured(std::string_view class_name,
                                                  const Transformation::Props& props) {
  auto t = CreateTransformation(class_name);
  EXPECT_TRUE(t.ok()) << t.status();
  if (!t.ok()) return nullptr;
  absl::Status s = (*t)->Configure(props);
  EXPECT_TRUE(s.ok()) << s;
  return std::move(*t);
}

// Applies and expects a (non-filtered) record; checks the input is untouched.
inline SinkRecord ApplyOk(Transformation& t, const SinkRecord& in) {
  std::string before = Snapshot(in);
  absl::StatusOr<std::optional<SinkRecord>> out = t.Apply(in);
  EXPECT_EQ(Snapshot(in), before) << "input record was mutated";
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok() || !out->has_value()) {
    ADD_FAILURE() << "record was filtered";
    return in;
  }
  return **out;
}

inline std::string ApplyError(Transformation& t, const SinkRecord& in) {
  absl::StatusOr<std::optional<SinkRecord>> out = t.Apply(in);
  EXPECT_FALSE(out.ok());
  if (out.ok()) return "";
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(out.status().message());
}

inline std::string ConfigureError(std::string_view class_name, const Transformation::Props& props) {
  auto t = CreateTransformation(class_name);
  EXPECT_TRUE(t.ok()) << t.status();
  if (!t.ok()) return "";
  absl::Status s = (*t)->Configure(props);
  EXPECT_FALSE(s.ok());
  return std::string(s.message());
}

}  // namespace ferry::testing
