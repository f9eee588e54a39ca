#include "convert/protobuf_converter.h"

#include <google/protobuf/stubs/logging.h>

#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "convert/absl_compat.h"
#include "convert/registry_converter.h"

namespace ferry {
namespace {

namespace pb = ::google::protobuf;
using internal::Cat;
using schemaregistry::RegisteredSchema;

std::string S(std::string_view s) { return std::string(s); }

// Confluent's texts for this format (registry_converter::RegistryFailure).
constexpr registry_converter::FailureTexts kFailureTexts{
    .serializing = "serializing Protobuf data",
    .access_serializing = "Failed to access Protobuf data from topic ",
    .access_deserializing = "Failed to access Protobuf data from topic ",
    .access_separator = ": ",
    .invalid_serializing = "Failed to serialize Protobuf data from topic ",
    .invalid_deserializing = "Failed to deserialize data for topic ",
    .invalid_deserializing_suffix = " to Protobuf",
    .schema_noun = "Protobuf schema: "};

absl::Status RegistryFailure(const absl::Status& s, std::string_view topic, bool serializing,
                             const std::string& what) {
  return registry_converter::RegistryFailure(kFailureTexts, s, topic, serializing, what);
}

absl::Status DeserializeError(std::string_view topic, absl::string_view cause) {
  return registry_converter::RecordError(kFailureTexts, false, topic, std::string(cause));
}

absl::Status SerializeError(std::string_view topic, absl::string_view cause) {
  return registry_converter::RecordError(kFailureTexts, true, topic, std::string(cause));
}

// The name the registry's root schema text is parsed under (imports use the
// names of their references).
std::string RootFileName(int id) { return Cat("ferry-registry-schema-", id, ".proto"); }

// libprotobuf reports some parse failures (invalid UTF-8 in a proto3 string)
// only in its log. While a converter parses on this thread, those messages go
// into the record's error instead of stderr; other messages go where they
// went before.
thread_local std::string* captured_log = nullptr;
pb::LogHandler* previous_log_handler = nullptr;

void CapturingLogHandler(pb::LogLevel level, const char* filename, int line,
                         const std::string& message) {
  if (captured_log != nullptr) {
    if (!captured_log->empty()) captured_log->append("; ");
    captured_log->append(message);
    return;
  }
  if (previous_log_handler != nullptr) previous_log_handler(level, filename, line, message);
}

class ScopedLogCapture {
 public:
  explicit ScopedLogCapture(std::string* out) {
    static std::once_flag once;
    std::call_once(once, [] { previous_log_handler = pb::SetLogHandler(&CapturingLogHandler); });
    captured_log = out;
  }
  ~ScopedLogCapture() { captured_log = nullptr; }
};

}  // namespace

ProtobufConverter::ProtobufConverter() = default;
ProtobufConverter::~ProtobufConverter() = default;

const ConfigDef& ProtobufConverter::Definition() {
  static const ConfigDef* def = [] {
    const std::string group = "Protobuf";
    ConfigDef* d = registry_converter::NewDefinition(group);
    auto flag = [&](std::string name, bool value, Importance importance, std::string doc) {
      registry_converter::DefineFlag(*d, group, std::move(name), value, importance, std::move(doc));
    };
    flag("enhanced.protobuf.schema.support", false, Importance::kMedium,
         "Toggle for enabling/disabling enhanced protobuf schema support: package name "
         "preservation (message, enum, oneof and map schemas named by their full names)");
    flag("scrub.invalid.names", false, Importance::kMedium,
         "Whether to scrub invalid names by replacing invalid characters with valid ones (when "
         "writing .proto schemas from Connect schemas)");
    flag("int.for.enums", false, Importance::kMedium, "Whether to represent enums as integers");
    flag("optional.for.nullables", false, Importance::kMedium,
         "Whether nullable fields should be specified with an optional label");
    flag("optional.for.proto2", true, Importance::kMedium,
         "Whether proto2 optionals are supported");
    flag("wrapper.for.nullables", false, Importance::kMedium,
         "Whether nullable fields should use primitive wrapper messages");
    flag("wrapper.for.raw.primitives", true, Importance::kMedium,
         "Whether a wrapper message should be interpreted as a raw primitive at the root level");
    flag("generate.struct.for.nulls", false, Importance::kMedium,
         "Whether to generate a default struct for null messages");
    flag("generate.index.for.unions", true, Importance::kLow,
         "Whether to suffix union names with an underscore followed by an index");
    flag("flatten.unions", false, Importance::kLow, "Whether to flatten unions (oneofs)");
    flag("generalized.sum.type.support", false, Importance::kMedium,
         "Toggle for enabling/disabling generalized sum type support: interoperability of "
         "enum/union with other schema formats");
    flag("ignore.default.for.nullables", false, Importance::kMedium,
         "Whether to ignore the default for nullable fields when the value is null");
    return d;
  }();
  return *def;
}

absl::Status ProtobufConverter::Configure(const std::map<std::string, std::string>& props,
                                          bool is_key) {
  absl::StatusOr<registry_converter::Configured> configured =
      registry_converter::Configure(Definition(), props, is_key);
  if (!configured.ok()) return configured.status();
  const ParsedConfig* parsed = &configured->parsed;
  registry_ = std::move(configured->registry);
  cache_size_ = configured->cache_size;
  is_key_ = is_key;
  options_.enhanced_schema_support = parsed->GetBool("enhanced.protobuf.schema.support");
  options_.scrub_invalid_names = parsed->GetBool("scrub.invalid.names");
  options_.int_for_enums = parsed->GetBool("int.for.enums");
  options_.optional_for_nullables = parsed->GetBool("optional.for.nullables");
  options_.optional_for_proto2 = parsed->GetBool("optional.for.proto2");
  options_.wrapper_for_nullables = parsed->GetBool("wrapper.for.nullables");
  options_.wrapper_for_raw_primitives = parsed->GetBool("wrapper.for.raw.primitives");
  options_.generate_struct_for_nulls = parsed->GetBool("generate.struct.for.nulls");
  options_.generate_index_for_unions = parsed->GetBool("generate.index.for.unions");
  options_.flatten_unions = parsed->GetBool("flatten.unions");
  options_.generalized_sum_type_support = parsed->GetBool("generalized.sum.type.support");
  options_.ignore_default_for_nullables = parsed->GetBool("ignore.default.for.nullables");
  parsed_.clear();
  parsed_order_.clear();
  readers_.clear();
  reader_order_.clear();
  references_.clear();
  writers_.clear();
  configured_ = true;
  return absl::OkStatus();
}

schemaregistry::SubjectNameStrategy ProtobufConverter::strategy() const {
  return registry_converter::Strategy(*registry_, is_key_);
}

absl::Status ProtobufConverter::CollectReferences(
    const std::vector<schemaregistry::SchemaReference>& refs,
    std::map<std::string, pb::FileDescriptorProto>* out, int depth) {
  if (depth > registry_converter::kMaxReferenceDepth) {
    return absl::InvalidArgumentError("schema references nest too deep (a cycle?)");
  }
  for (const schemaregistry::SchemaReference& r : refs) {
    if (out->count(r.name) > 0) continue;
    auto key = std::pair{r.subject, r.version};
    auto it = references_.find(key);
    if (it == references_.end()) {
      absl::StatusOr<schemaregistry::SubjectVersion> ref =
          registry_->GetSchemaBySubjectVersion(r.subject, r.version);
      if (!ref.ok()) {
        return absl::Status(ref.status().code(),
                            Cat("reference ", r.name, " (subject ", r.subject, ", version ",
                                r.version, "): ", std::string(ref.status().message())));
      }
      if (ref->schema.schema_type != schemaregistry::kProtobuf) {
        return absl::InvalidArgumentError(Cat("reference ", r.name, " (subject ", r.subject,
                                              ") is ", ref->schema.schema_type, ", not PROTOBUF"));
      }
      absl::StatusOr<pb::FileDescriptorProto> file =
          internal::ParseProtoText(r.name, ref->schema.schema);
      if (!file.ok()) {
        return absl::InvalidArgumentError(
            Cat("reference ", r.name, ": ", std::string(file.status().message())));
      }
      it = references_.emplace(key, Reference{std::move(*file), ref->schema.references}).first;
    }
    (*out)[r.name] = it->second.file;
    (*out)[r.name].set_name(r.name);
    if (absl::Status s = CollectReferences(it->second.references, out, depth + 1); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const ProtobufConverter::Parsed>> ProtobufConverter::Parse(
    const RegisteredSchema& schema, std::string_view root_name) {
  if (schema.schema_type != schemaregistry::kProtobuf) {
    return absl::InvalidArgumentError(Cat("the schema is ", schema.schema_type,
                                          ", not PROTOBUF; ProtobufConverter reads Protobuf only"));
  }
  absl::StatusOr<pb::FileDescriptorProto> root = internal::ParseProtoText(root_name, schema.schema);
  if (!root.ok()) return root.status();
  std::map<std::string, pb::FileDescriptorProto> refs;
  if (absl::Status s = CollectReferences(schema.references, &refs, 0); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<internal::ProtobufFiles>> files = internal::ProtobufFiles::Build(
      *root, [&refs](const std::string& name) -> absl::StatusOr<pb::FileDescriptorProto> {
        auto it = refs.find(name);
        if (it == refs.end()) return absl::NotFoundError(name);
        return it->second;
      });
  if (!files.ok()) return files.status();
  auto parsed = std::make_shared<Parsed>();
  parsed->registered = schema;
  parsed->files = std::move(*files);
  parsed->factory = std::make_unique<pb::DynamicMessageFactory>(&parsed->files->pool());
  return parsed;
}

absl::StatusOr<std::shared_ptr<const ProtobufConverter::Parsed>> ProtobufConverter::ParsedById(
    int id) {
  if (auto it = parsed_.find(id); it != parsed_.end()) return it->second;
  absl::StatusOr<RegisteredSchema> registered = registry_->GetSchemaById(id);
  if (!registered.ok()) return registered.status();
  absl::StatusOr<std::shared_ptr<const Parsed>> parsed = Parse(*registered, RootFileName(id));
  if (!parsed.ok()) return parsed.status();
  while (parsed_.size() >= cache_size_ && !parsed_order_.empty()) {
    parsed_.erase(parsed_order_.front());
    parsed_order_.pop_front();
  }
  parsed_order_.push_back(id);
  parsed_[id] = *parsed;
  return *parsed;
}

absl::StatusOr<ProtobufConverter::Reader*> ProtobufConverter::ReaderFor(
    std::string_view topic, int id, const std::vector<int>& indexes) {
  ReaderKey key{id, indexes, S(topic)};
  if (auto it = readers_.find(key); it != readers_.end()) return it->second.get();
  const std::string role = registry_converter::KeyOrValue(is_key_);
  absl::StatusOr<std::shared_ptr<const Parsed>> parsed = ParsedById(id);
  if (!parsed.ok()) {
    if (parsed.status().code() == absl::StatusCode::kInvalidArgument) {
      return DeserializeError(topic, Cat("Error parsing Protobuf ", role, " schema for id ", id,
                                         ": ", std::string(parsed.status().message())));
    }
    return RegistryFailure(parsed.status(), topic, false,
                           Cat("Error retrieving Protobuf ", role, " schema for id ", id));
  }
  absl::StatusOr<const pb::Descriptor*> descriptor =
      internal::MessageAtIndexes(*(*parsed)->files->root(), indexes);
  if (!descriptor.ok()) {
    return DeserializeError(topic, Cat("Error deserializing Protobuf message for id ", id, ": ",
                                       std::string(descriptor.status().message())));
  }
  // Confluent's deserializer gives the Connect schema the schema's version
  // in the subject its strategy names.
  absl::StatusOr<std::string> subject =
      schemaregistry::SubjectName(strategy(), topic, is_key_, (*descriptor)->full_name());
  if (!subject.ok()) return DeserializeError(topic, subject.status().message());
  absl::StatusOr<schemaregistry::SubjectVersion> version =
      registry_->Lookup(*subject, (*parsed)->registered);
  if (!version.ok()) {
    return RegistryFailure(version.status(), topic, false,
                           Cat("Error retrieving Protobuf ", role, " schema version for id ", id));
  }
  absl::StatusOr<SchemaPtr> connect =
      internal::ProtobufToConnectSchema(**descriptor, version->version, options_);
  if (!connect.ok()) return DeserializeError(topic, connect.status().message());
  auto reader = std::make_unique<Reader>();
  reader->parsed = *parsed;
  reader->descriptor = *descriptor;
  const pb::Message* prototype = reader->parsed->factory->GetPrototype(*descriptor);
  if (prototype == nullptr) {
    return absl::InternalError(Cat("no message class for ", (*descriptor)->full_name()));
  }
  reader->message.reset(prototype->New());
  reader->connect = *connect;
  while (readers_.size() >= cache_size_ && !reader_order_.empty()) {
    readers_.erase(reader_order_.front());
    reader_order_.pop_front();
  }
  reader_order_.push_back(key);
  Reader* out = reader.get();
  readers_[key] = std::move(reader);
  return out;
}

absl::StatusOr<SchemaAndValue> ProtobufConverter::ToConnectData(
    std::string_view topic, const Headers& headers, const std::optional<std::string>& bytes) {
  if (!configured_) return absl::FailedPreconditionError("ProtobufConverter is not configured");
  if (!bytes) return SchemaAndValue{nullptr, Value()};
  absl::StatusOr<schemaregistry::WireMessage> wire = schemaregistry::ParseWireFormat(*bytes);
  if (!wire.ok()) return DeserializeError(topic, wire.status().message());
  const std::string context =
      Cat("Error deserializing Protobuf message for id ", wire->schema_id, ": ");
  std::string_view payload = wire->payload;
  absl::StatusOr<std::vector<int>> indexes = internal::ReadMessageIndexes(&payload);
  if (!indexes.ok()) {
    return DeserializeError(topic, context + std::string(indexes.status().message()));
  }
  absl::StatusOr<Reader*> reader = ReaderFor(topic, wire->schema_id, *indexes);
  if (!reader.ok()) return reader.status();
  Reader& r = **reader;
  r.message->Clear();
  std::string log;
  bool parsed = false;
  {
    ScopedLogCapture capture(&log);
    parsed = r.message->ParsePartialFromArray(payload.data(), static_cast<int>(payload.size()));
  }
  if (!parsed) {
    return DeserializeError(
        topic, Cat(context, "the bytes are not a valid ", r.descriptor->full_name(), " message",
                   log.empty() ? "" : ": ", log));
  }
  if (!r.message->IsInitialized()) {
    return DeserializeError(
        topic,
        Cat(context, "Message missing required fields: ", r.message->InitializationErrorString()));
  }
  absl::StatusOr<Value> value = internal::ProtobufToConnectValue(*r.message, r.connect, options_);
  if (!value.ok()) return DeserializeError(topic, context + std::string(value.status().message()));
  return SchemaAndValue{r.connect, std::move(*value)};
}

absl::StatusOr<ProtobufConverter::Writer*> ProtobufConverter::WriterFor(std::string_view topic,
                                                                        const SchemaPtr& schema) {
  std::string message_name;
  absl::StatusOr<pb::FileDescriptorProto> file =
      internal::ConnectToProtobufSchema(*schema, options_, &message_name);
  if (!file.ok()) return SerializeError(topic, file.status().message());
  absl::StatusOr<std::string> subject =
      schemaregistry::SubjectName(strategy(), topic, is_key_, message_name);
  if (!subject.ok()) return SerializeError(topic, subject.status().message());
  for (const auto& w : writers_) {
    if ((w->connect == schema || w->connect->Equals(*schema)) && w->subject == *subject) {
      return w.get();
    }
  }
  auto writer = std::make_unique<Writer>();
  writer->connect = schema;
  writer->subject = *subject;
  // The text the registry gets: the file as libprotobuf prints it.
  absl::StatusOr<std::unique_ptr<internal::ProtobufFiles>> built = internal::ProtobufFiles::Build(
      *file, [](const std::string& name) -> absl::StatusOr<pb::FileDescriptorProto> {
        return absl::NotFoundError(name);
      });
  if (!built.ok()) return SerializeError(topic, built.status().message());
  RegisteredSchema registered;
  registered.schema_type = std::string(schemaregistry::kProtobuf);
  registered.schema = (*built)->root()->DebugString();
  absl::StatusOr<registry_converter::WriterSchema> chosen = registry_converter::ResolveWriterSchema(
      *registry_, kFailureTexts, topic, *subject, registered);
  if (!chosen.ok()) return chosen.status();
  writer->id = chosen->id;
  const RegisteredSchema& target = chosen->latest ? *chosen->latest : registered;
  absl::StatusOr<std::shared_ptr<const Parsed>> parsed =
      Parse(target, target.schema == registered.schema ? file->name() : RootFileName(writer->id));
  if (!parsed.ok()) return SerializeError(topic, parsed.status().message());
  writer->parsed = *parsed;
  writer->descriptor = writer->parsed->files->pool().FindMessageTypeByName(message_name);
  if (writer->descriptor == nullptr) {
    return SerializeError(
        topic, Cat("the schema of subject ", *subject, " has no message ", message_name));
  }
  writer->indexes = internal::WriteMessageIndexes(internal::MessageIndexesOf(*writer->descriptor));
  if (writers_.size() >= cache_size_) writers_.erase(writers_.begin());
  writers_.push_back(std::move(writer));
  return writers_.back().get();
}

absl::StatusOr<std::optional<std::string>> ProtobufConverter::FromConnectData(
    std::string_view topic, const SchemaPtr& schema, const Value& value) {
  if (!configured_) return absl::FailedPreconditionError("ProtobufConverter is not configured");
  if (value.is_null()) return std::optional<std::string>();
  if (!schema) {
    return SerializeError(topic,
                          "a schemaless value cannot be written: ferry's ProtobufConverter writes "
                          "values with a Connect schema only");
  }
  if (std::string problem = ValidateValue(*schema, value); !problem.empty()) {
    return SerializeError(topic, problem);
  }
  absl::StatusOr<Writer*> writer = WriterFor(topic, schema);
  if (!writer.ok()) return writer.status();
  Writer& w = **writer;
  std::unique_ptr<pb::Message> message(w.parsed->factory->GetPrototype(w.descriptor)->New());
  if (absl::Status s = internal::ConnectToProtobufMessage(*schema, value, options_, message.get());
      !s.ok()) {
    return SerializeError(topic, s.message());
  }
  std::string payload = w.indexes;
  if (!message->AppendPartialToString(&payload)) {
    return SerializeError(topic,
                          Cat("the ", w.descriptor->full_name(), " message does not encode"));
  }
  return std::optional<std::string>(schemaregistry::WriteWireFormat(w.id, payload));
}

}  // namespace ferry
