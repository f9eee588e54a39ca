// org.apache.kafka.connect.transforms.InsertField$Key / $Value.

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "transform/internal.h"

namespace ferry::transform_internal {
namespace {

constexpr char kPurpose[] = "field insertion";
constexpr char kOptionalityDoc[] =
    "Suffix with '!' to make this a required field, or '?' to keep it optional (the default).";

const ConfigDef& InsertFieldDef() {
  static const ConfigDef* const def = [] {
    auto* d = new ConfigDef();
    // "" is ConfigDef's null default: the key is optional and unset.
    d->Define("topic.field", ConfigType::kString, "", Importance::kMedium,
              absl::StrCat("Field name for Kafka topic. ", kOptionalityDoc));
    d->Define("partition.field", ConfigType::kString, "", Importance::kMedium,
              absl::StrCat("Field name for Kafka partition. ", kOptionalityDoc));
    d->Define("offset.field", ConfigType::kString, "", Importance::kMedium,
              absl::StrCat("Field name for Kafka offset - only applicable to sink connectors. ",
                           kOptionalityDoc));
    d->Define("timestamp.field", ConfigType::kString, "", Importance::kMedium,
              absl::StrCat("Field name for record timestamp. ", kOptionalityDoc));
    d->Define("static.field", ConfigType::kString, "", Importance::kMedium,
              absl::StrCat("Field name for static data field. ", kOptionalityDoc));
    d->Define("static.value", ConfigType::kString, "", Importance::kMedium,
              "Static field value, if field name configured.");
    return d;
  }();
  return *def;
}

struct Spec {
  std::string name;
  bool optional = true;
};

std::optional<Spec> ParseSpec(const ParsedConfig& config, std::string_view key) {
  if (!config.Has(key)) return std::nullopt;
  const std::string& s = config.GetString(key);
  if (absl::EndsWith(s, "?")) return Spec{s.substr(0, s.size() - 1), true};
  if (absl::EndsWith(s, "!")) return Spec{s.substr(0, s.size() - 1), false};
  return Spec{s, true};
}

struct Settings {
  std::optional<Spec> topic, partition, offset, timestamp, static_field;
  std::optional<std::string> static_value;
};

class InsertField final : public ConfiguredTransformation<Settings> {
 public:
  explicit InsertField(Target target) : target_(target) {}

  const ConfigDef& config_def() const override { return InsertFieldDef(); }

  absl::StatusOr<std::optional<SinkRecord>> Apply(const SinkRecord& record) override {
    const Value& value = OperatingValue(record, target_);
    // Tombstones pass through untouched (KAFKA-8523).
    if (value.is_null()) return record;
    if (OperatingSchema(record, target_) == nullptr) return ApplySchemaless(record, value);
    return ApplyWithSchema(record, value);
  }

 protected:
  std::vector<ConfigError> Load(const Props& props, Settings* out) const override {
    return LoadConfig(config_def(), props, [&](const ParsedConfig& c, std::vector<ConfigError>* e) {
      out->topic = ParseSpec(c, "topic.field");
      out->partition = ParseSpec(c, "partition.field");
      out->offset = ParseSpec(c, "offset.field");
      out->timestamp = ParseSpec(c, "timestamp.field");
      out->static_field = ParseSpec(c, "static.field");
      if (c.Has("static.value")) out->static_value = c.GetString("static.value");
      if (!out->topic && !out->partition && !out->offset && !out->timestamp && !out->static_field) {
        e->push_back({"", "No field insertion configured"});
      }
      if (out->static_field && !out->static_value) {
        e->push_back(
            {"static.value", InvalidValue("static.value", "null",
                                          absl::StrCat("No value specified for static field: ",
                                                       out->static_field->name))});
      }
    });
  }

 private:
  absl::StatusOr<std::optional<SinkRecord>> ApplySchemaless(const SinkRecord& record,
                                                            const Value& value) {
    if (absl::Status s = RequireMap(value, kPurpose); !s.ok()) return s;
    Map updated = value.as_map();
    const Settings& st = settings_;
    if (st.topic) MapPut(&updated, st.topic->name, Value(record.topic));
    if (st.partition) MapPut(&updated, st.partition->name, Value(record.partition));
    if (st.offset) MapPut(&updated, st.offset->name, Value(record.offset));
    std::optional<int64_t> ts = RecordTimestampMs(record);
    // Schemaless maps get the plain long, as Kafka puts record.timestamp().
    if (st.timestamp && ts) MapPut(&updated, st.timestamp->name, Value(*ts));
    if (st.static_field && st.static_value) {
      MapPut(&updated, st.static_field->name, Value(*st.static_value));
    }
    return WithOperating(record, target_, nullptr, Value(std::move(updated)));
  }

  absl::StatusOr<std::optional<SinkRecord>> ApplyWithSchema(const SinkRecord& record,
                                                            const Value& value) {
    if (absl::Status s = RequireStruct(value, kPurpose); !s.ok()) return s;
    const Struct& input = value.as_struct();
    SchemaPtr schema = cache_.Get(input.schema);
    if (schema == nullptr) {
      absl::StatusOr<SchemaPtr> made = MakeUpdatedSchema(*input.schema);
      if (!made.ok()) return made.status();
      schema = *made;
      cache_.Put(input.schema, schema);
    }
    StructBuilder out(schema);
    for (const Field& f : input.schema->fields()) out.Put(f.name, input.values[f.index]);
    const Settings& st = settings_;
    if (st.topic) out.Put(st.topic->name, Value(record.topic));
    if (st.partition) out.Put(st.partition->name, Value(record.partition));
    if (st.offset) out.Put(st.offset->name, Value(record.offset));
    std::optional<int64_t> ts = RecordTimestampMs(record);
    if (st.timestamp && ts) out.Put(st.timestamp->name, Value(Timestamp{*ts * kMicrosPerMs}));
    if (st.static_field && st.static_value) out.Put(st.static_field->name, Value(*st.static_value));
    // Struct.validate: a required ('!') timestamp field cannot stay null.
    if (st.timestamp && !st.timestamp->optional && !ts) {
      return absl::InvalidArgumentError(
          absl::StrCat("Invalid value: null used for required field: \"", st.timestamp->name,
                       "\", schema type: INT64"));
    }
    Value result = out.Build();
    return WithOperating(record, target_, schema, std::move(result));
  }

  absl::StatusOr<SchemaPtr> MakeUpdatedSchema(const Schema& schema) const {
    SchemaBuilder builder = CopySchemaBasics(schema);
    std::vector<std::string> names;
    for (const Field& f : schema.fields()) {
      builder.AddField(f.name, f.schema);
      names.push_back(f.name);
    }
    absl::Status status = absl::OkStatus();
    auto add = [&](const std::optional<Spec>& spec, SchemaPtr field_schema) {
      if (!spec || !status.ok()) return;
      if (std::find(names.begin(), names.end(), spec->name) != names.end()) {
        status = absl::InvalidArgumentError(
            absl::StrCat("Cannot create field because of field name duplication ", spec->name));
        return;
      }
      names.push_back(spec->name);
      builder.AddField(spec->name, std::move(field_schema));
    };
    const Settings& st = settings_;
    add(st.topic, Schema::String(st.topic && st.topic->optional));
    add(st.partition, Schema::Int32(st.partition && st.partition->optional));
    add(st.offset, Schema::Int64(st.offset && st.offset->optional));
    add(st.timestamp, Schema::Timestamp(st.timestamp && st.timestamp->optional));
    add(st.static_field, Schema::String(st.static_field && st.static_field->optional));
    if (!status.ok()) return status;
    return builder.Build();
  }

  static constexpr int64_t kMicrosPerMs = 1000;
  const Target target_;
  SchemaCache cache_;
};

}  // namespace

std::unique_ptr<Transformation> NewInsertField(Target target) {
  return std::make_unique<InsertField>(target);
}

}  // namespace ferry::transform_internal
