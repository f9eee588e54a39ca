// org.apache.kafka.connect.transforms.TimestampRouter: rewrites the topic from
// `topic.format`, replacing every literal ${topic} and ${timestamp} with the
// record's topic and its timestamp formatted by `timestamp.format` (a
// SimpleDateFormat pattern, UTC).

#include <cstdio>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "convert/values.h"
#include "transform/date_format.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

const ConfigDef& TimestampRouterDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    d->Define("topic.format", ConfigType::kString, "${topic}-${timestamp}", Importance::kHigh,
              "Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> "
              "as placeholders for the topic and timestamp, respectively.");
    d->Define("timestamp.format", ConfigType::kString, "yyyyMMdd", Importance::kHigh,
              "Format string for the timestamp that is compatible with "
              "<code>java.text.SimpleDateFormat</code>.");
    return d;
  }();
  return *def;
}

// Java's toString of what Connect would hold, for the "Timestamp missing on
// record" message. Byte arrays print as Java's "[B@" plus a content hash (Java
// prints an identity hash); dates print in UTC (Java uses the JVM's zone).
std::string JavaToString(const SchemaPtr& schema, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
    case Value::Kind::kInt:
    case Value::Kind::kFloat:
    case Value::Kind::kString:
      return ValueToString(schema, v);
    case Value::Kind::kBytes: {
      char hash[16];
      std::snprintf(hash, sizeof(hash), "%x",
                    static_cast<unsigned>(std::hash<std::string>{}(v.as_bytes().data)));
      return absl::StrCat("[B@", hash);
    }
    case Value::Kind::kTimestamp:
    case Value::Kind::kDate:
    case Value::Kind::kTime: {
      static const DateFormat* const kDateToString =
          new DateFormat(*DateFormat::Compile("EEE MMM dd HH:mm:ss zzz yyyy"));
      int64_t micros = v.kind() == Value::Kind::kTimestamp ? v.as_timestamp().micros
                       : v.kind() == Value::Kind::kDate    ? v.as_date().days * kMicrosPerDay
                                                           : v.as_time().micros;
      return kDateToString->Format(micros);
    }
    case Value::Kind::kDecimal:
      return v.as_decimal().ToString();
    case Value::Kind::kArray: {
      SchemaPtr element =
          schema && schema->type() == Type::kArray ? schema->value_schema() : nullptr;
      std::vector<std::string> parts;
      for (const Value& e : v.as_array()) parts.push_back(JavaToString(element, e));
      return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
    }
    case Value::Kind::kMap: {
      const bool typed = schema && schema->type() == Type::kMap;
      std::vector<std::string> parts;
      for (const auto& [k, e] : v.as_map()) {
        parts.push_back(absl::StrCat(JavaToString(typed ? schema->key_schema() : nullptr, k), "=",
                                     JavaToString(typed ? schema->value_schema() : nullptr, e)));
      }
      return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
    }
    case Value::Kind::kStruct: {
      // Struct.toString lists the non-null fields only.
      const Struct& s = v.as_struct();
      std::vector<std::string> parts;
      for (const Field& f : s.schema->fields()) {
        if (static_cast<size_t>(f.index) >= s.values.size() || s.values[f.index].is_null())
          continue;
        parts.push_back(absl::StrCat(f.name, "=", JavaToString(f.schema, s.values[f.index])));
      }
      return absl::StrCat("Struct{", absl::StrJoin(parts, ","), "}");
    }
  }
  return "";
}

std::string SchemaToString(const SchemaPtr& schema) {
  if (schema == nullptr) return "null";
  if (schema->name().empty())
    return absl::StrCat("Schema{", std::string(TypeName(schema->type())), "}");
  return absl::StrCat("Schema{", schema->name(), ":", std::string(TypeName(schema->type())), "}");
}

std::string TimestampTypeName(TimestampType type) {
  switch (type) {
    case TimestampType::kNoTimestamp:
      return "NoTimestampType";
    case TimestampType::kCreateTime:
      return "CreateTime";
    case TimestampType::kLogAppendTime:
      return "LogAppendTime";
  }
  return "";
}

// SinkRecord.toString (Kafka 3.6+), as the DataException quotes it.
std::string SinkRecordToString(const SinkRecord& r) {
  const std::string& original_topic = r.raw ? r.raw->topic : r.topic;
  const int32_t original_partition = r.raw ? r.raw->partition : r.partition;
  const int64_t original_offset = r.raw ? r.raw->offset : r.offset;
  std::string headers;
  if (!r.headers.empty()) {
    std::vector<std::string> parts;
    for (const Header& h : r.headers.all()) {
      parts.push_back(absl::StrCat("ConnectHeader(key=", h.key,
                                   ", value=", JavaToString(h.schema, h.value),
                                   ", schema=", SchemaToString(h.schema), ")"));
    }
    headers = absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
  }
  std::optional<int64_t> ts = RecordTimestampMs(r);
  return absl::StrCat(
      "SinkRecord{kafkaOffset=", r.offset, ", timestampType=", TimestampTypeName(r.timestamp_type),
      ", originalTopic=", original_topic, ", originalKafkaPartition=", original_partition,
      ", originalKafkaOffset=", original_offset, "} ConnectRecord{topic='", r.topic,
      "', kafkaPartition=", r.partition, ", key=", JavaToString(r.key_schema, r.key),
      ", keySchema=", SchemaToString(r.key_schema),
      ", value=", JavaToString(r.value_schema, r.value),
      ", valueSchema=", SchemaToString(r.value_schema),
      ", timestamp=", ts ? absl::StrCat(*ts) : "null", ", headers=ConnectHeaders(headers=", headers,
      ")}");
}

struct Settings {
  std::string topic_format;
  std::optional<DateFormat> timestamp_format;
};

class TimestampRouter final : public ConfiguredTransformation<Settings> {
 public:
  const ConfigDef& config_def() const override { return TimestampRouterDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    std::optional<int64_t> ts = RecordTimestampMs(record);
    if (!ts) {
      return absl::InvalidArgumentError(
          absl::StrCat("Timestamp missing on record: ", SinkRecordToString(record)));
    }
    const std::string formatted = settings_.timestamp_format->Format(*ts * kMicrosPerMilli);
    // ${topic} first, then ${timestamp} over the result, as Kafka's two
    // literal replaceAll passes.
    std::string topic = absl::StrReplaceAll(settings_.topic_format, {{"${topic}", record.topic}});
    topic = absl::StrReplaceAll(topic, {{"${timestamp}", formatted}});
    SinkRecord out =
        record.NewRecord(std::move(topic), record.partition, record.key_schema, record.key,
                         record.value_schema, record.value, record.timestamp_ms);
    return out;
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>* e) {
      out->topic_format = c.GetString("topic.format");
      const std::string& pattern = c.GetString("timestamp.format");
      absl::StatusOr<DateFormat> format = DateFormat::Compile(pattern);
      if (!format.ok()) {
        // Kafka builds the SimpleDateFormat lazily and fails on the first
        // record; ferry reports the pattern at configuration time.
        e->push_back({"timestamp.format", InvalidValue("timestamp.format", pattern,
                                                       std::string(format.status().message()))});
        return;
      }
      out->timestamp_format = *std::move(format);
    });
  }
};

}  // namespace

std::unique_ptr<Transformation> NewTimestampRouter() { return std::make_unique<TimestampRouter>(); }

}  // namespace ferry::transform_internal
