#include "convert/cloudevents_converter.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "convert/rfc3339.h"

namespace ferry {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr std::string_view kAttributeNames[] = {"id",      "source", "specversion",    "type",
                                                "subject", "time",   "datacontenttype"};
constexpr std::string_view kStructuredMediaType = "application/cloudevents+json";
constexpr std::string_view kOctetStream = "application/octet-stream";

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "application/json; charset=utf-8" → "application/json".
std::string_view MediaType(std::string_view content_type) {
  return Trim(content_type.substr(0, content_type.find(';')));
}

bool IsJsonMediaType(std::string_view mt) {
  return EqualsIgnoreCase(mt, "application/json") || EndsWithIgnoreCase(mt, "+json");
}

bool IsTextMediaType(std::string_view mt) {
  return StartsWithIgnoreCase(mt, "text/") || EqualsIgnoreCase(mt, "application/xml") ||
         EndsWithIgnoreCase(mt, "+xml");
}

bool IsValidExtensionName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::optional<int> AttributeIndex(std::string_view name) {
  for (int i = 0; i < 7; ++i) {
    if (name == kAttributeNames[i]) return i;
  }
  return std::nullopt;
}

absl::Status Invalid(std::string_view mode, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("Invalid CloudEvent (", std::string(mode), "): ", std::string(what)));
}

// Where an attribute came from, for error messages.
std::string Origin(bool binary, std::string_view name) {
  if (!binary) return absl::StrCat("member \"", std::string(name), "\"");
  if (name == "datacontenttype") return "header content-type";
  return absl::StrCat("header ce_", std::string(name));
}

// The text of a header as the converter needs it: the raw bytes (BYTES) or a
// STRING. nullopt for a null header. Values a header converter has already
// parsed (SimpleHeaderConverter turns "1.0" into INT8 1 and "007" into 7) have
// lost their text, so they are refused rather than guessed at.
absl::StatusOr<std::optional<std::string_view>> HeaderText(const Header& h) {
  switch (h.value.kind()) {
    case Value::Kind::kNull:
      return std::optional<std::string_view>();
    case Value::Kind::kString:
      return std::optional<std::string_view>(h.value.as_string());
    case Value::Kind::kBytes:
      return std::optional<std::string_view>(h.value.as_bytes().data);
    default:
      return Invalid(
          "binary mode",
          absl::StrCat("header ", h.key, " reached CloudEventsConverter as ",
                       std::string(ValueKindName(h.value.kind())),
                       " (parsed by the header converter), so its original text is lost; the "
                       "converter needs the raw header bytes. Set "
                       "header.converter=org.apache.kafka.connect.storage.StringConverter"));
  }
}

void UpsertExtension(std::vector<std::pair<std::string_view, std::string>>* exts,
                     std::string_view name, std::string json) {
  for (auto& [n, v] : *exts) {
    if (n == name) {
      v = std::move(json);
      return;
    }
  }
  exts->emplace_back(name, std::move(json));
}

void EraseExtension(std::vector<std::pair<std::string_view, std::string>>* exts,
                    std::string_view name) {
  for (auto it = exts->begin(); it != exts->end(); ++it) {
    if (it->first == name) {
      exts->erase(it);
      return;
    }
  }
}

}  // namespace

const SchemaPtr& CloudEventsConverter::EventSchema() {
  static const SchemaPtr* schema = [] {
    SchemaBuilder b = SchemaBuilder::Struct();
    b.Name("io.ferry.cloudevents.CloudEvent");
    b.AddField("ce_id", Schema::String());
    b.AddField("ce_source", Schema::String());
    b.AddField("ce_specversion", Schema::String(true));
    b.AddField("ce_type", Schema::String());
    b.AddField("ce_subject", Schema::String(true));
    b.AddField("ce_time", Schema::Timestamp(true));
    b.AddField("ce_datacontenttype", Schema::String(true));
    b.AddField("ce_extensions", Schema::Json(true));
    b.AddField("data", Schema::Json(true));
    return new SchemaPtr(b.Build());
  }();
  return *schema;
}

const ConfigDef& CloudEventsConverter::Definition() {
  static const ConfigDef* def = new ConfigDef();
  return *def;
}

absl::Status CloudEventsConverter::Configure(const std::map<std::string, std::string>& props,
                                             bool is_key) {
  if (is_key) {
    return absl::InvalidArgumentError(
        "CloudEventsConverter converts record values only; use "
        "org.apache.kafka.connect.storage.StringConverter or "
        "org.apache.kafka.connect.converters.ByteArrayConverter as key.converter");
  }
  return Definition().Parse(props).status();
}

absl::StatusOr<SchemaAndValue> CloudEventsConverter::ToConnectData(
    std::string_view, const Headers& headers, const std::optional<std::string>& bytes) {
  std::optional<std::string_view> content_type;
  bool has_ce_header = false;
  for (const Header& h : headers.all()) {
    if (h.key.size() >= 3 && h.key.compare(0, 3, "ce_") == 0) {
      has_ce_header = true;
    } else if (EqualsIgnoreCase(h.key, "content-type")) {
      absl::StatusOr<std::optional<std::string_view>> text = HeaderText(h);
      if (!text.ok()) return text.status();
      content_type = *text;
    }
  }
  // A null value with no ce_* header is a tombstone, not an event (whatever
  // the content-type says); the sink decides what a tombstone means.
  if (!bytes && !has_ce_header) return SchemaAndValue{};

  if (content_type) {
    std::string_view mt = MediaType(*content_type);
    if (EqualsIgnoreCase(mt, kStructuredMediaType)) {
      if (!bytes) return Invalid("structured mode", "the record value is null");
      return FromStructured(*bytes, /*detected=*/false);
    }
    if (StartsWithIgnoreCase(mt, "application/cloudevents")) {
      return Invalid("structured mode",
                     absl::StrCat("event format '", std::string(mt),
                                  "' is not supported; only application/cloudevents+json is"));
    }
  } else if (!has_ce_header) {
    // Producers that omit every header (console producers, some SDKs) still
    // send a structured event; with no ce_* header it cannot be binary mode.
    std::string_view v = *bytes;
    size_t i = v.find_first_not_of(" \t\r\n");
    if (i != std::string_view::npos && v[i] == '{') return FromStructured(v, /*detected=*/true);
  }
  return FromBinary(headers, bytes, content_type);
}

absl::StatusOr<SchemaAndValue> CloudEventsConverter::FromBinary(
    const Headers& headers, const std::optional<std::string>& bytes,
    std::optional<std::string_view> content_type) {
  constexpr std::string_view kMode = "binary mode";
  Attributes attrs;
  for (const Header& h : headers.all()) {
    if (h.key.size() < 3 || h.key.compare(0, 3, "ce_") != 0) continue;
    std::string_view name = std::string_view(h.key).substr(3);
    absl::StatusOr<std::optional<std::string_view>> text = HeaderText(h);
    if (!text.ok()) return text.status();
    std::optional<int> index = AttributeIndex(name);
    if (index) {
      attrs.values[*index] = *text;
      continue;
    }
    if (!IsValidExtensionName(name) || name == "data") {
      return Invalid(
          kMode, absl::StrCat("extension attribute name '", std::string(name), "' (header ", h.key,
                              ") must consist of lower-case letters a-z and digits"));
    }
    if (!*text) {
      EraseExtension(&attrs.extensions, name);
      continue;
    }
    if (!json::IsValidUtf8(**text)) {
      return Invalid(kMode, absl::StrCat("extension attribute '", std::string(name), "' (header ",
                                         h.key, ") is not valid UTF-8"));
    }
    std::string value;
    json::AppendString(**text, &value);
    UpsertExtension(&attrs.extensions, name, std::move(value));
  }
  // The Kafka binding carries datacontenttype in content-type; a
  // ce_datacontenttype header is only a fallback.
  if (content_type) attrs.values[kDataContentType] = content_type;

  std::optional<std::string> data;
  if (bytes && !bytes->empty()) {
    std::string_view ct = attrs.values[kDataContentType].value_or("");
    std::string_view mt = MediaType(ct);
    const bool is_json = mt.empty() || IsJsonMediaType(mt);
    const bool is_text = !is_json && IsTextMediaType(mt);
    data.emplace();
    if (absl::Status s = AppendData(*bytes, ct, is_json, is_text, kMode, &*data); !s.ok()) {
      return s;
    }
  }
  return Finish(attrs, std::move(data), kMode, /*binary=*/true);
}

absl::Status CloudEventsConverter::AppendData(std::string_view bytes, std::string_view content_type,
                                              bool is_json, bool is_text, std::string_view mode,
                                              std::string* out) {
  const std::string ct_label =
      content_type.empty() ? "no content type, so JSON" : std::string(content_type);
  if (is_json) {
    element root;
    if (simdjson::error_code err = data_parser_.Parse(bytes, &root)) {
      return Invalid(mode, absl::StrCat("data is not valid JSON (", ct_label,
                                        "): ", simdjson::error_message(err)));
    }
    json::AppendMinified(bytes, out);
  } else if (is_text) {
    if (!json::IsValidUtf8(bytes)) {
      return Invalid(mode, absl::StrCat("data is not valid UTF-8 text (", ct_label, ")"));
    }
    json::AppendString(bytes, out);
  } else {
    json::AppendString(absl::Base64Escape(absl::string_view(bytes.data(), bytes.size())), out);
  }
  return absl::OkStatus();
}

absl::StatusOr<SchemaAndValue> CloudEventsConverter::FromStructured(std::string_view bytes,
                                                                    bool detected) {
  const std::string_view mode =
      detected ? "structured mode, detected: no content-type and no ce_* headers"
               : "structured mode";
  element root;
  if (simdjson::error_code err = parser_.Parse(bytes, &root)) {
    return Invalid(mode,
                   absl::StrCat("the value is not valid JSON: ", simdjson::error_message(err)));
  }
  simdjson::dom::object event;
  if (root.get_object().get(event)) {
    return Invalid(mode, absl::StrCat("the value must be a JSON object, found ",
                                      std::string(json::NodeTypeName(root))));
  }
  json::SplitObject(bytes, &members_);
  if (members_.size() != event.size()) {
    return absl::InternalError("CloudEventsConverter: JSON member split disagrees with the parser");
  }

  Attributes attrs;
  std::optional<std::string_view> data_raw;  // exact JSON text of "data".
  std::optional<std::string_view> data_base64;
  size_t i = 0;
  for (auto [key, value] : event) {
    const json::RawMember& raw = members_[i++];
    std::optional<int> index = AttributeIndex(key);
    if (index) {
      if (value.is_null()) {
        attrs.values[*index].reset();
      } else if (!value.is_string()) {
        return Invalid(
            mode, absl::StrCat("attribute '", std::string(key), "' must be a JSON string, found ",
                               std::string(json::NodeTypeName(value))));
      } else {
        attrs.values[*index] = std::string_view(value.get_string());
      }
    } else if (key == "data") {
      data_raw.reset();
      if (!value.is_null()) data_raw = raw.value;
    } else if (key == "data_base64") {
      data_base64.reset();
      if (value.is_null()) continue;
      if (!value.is_string()) {
        return Invalid(mode, absl::StrCat("member \"data_base64\" must be a JSON string, found ",
                                          std::string(json::NodeTypeName(value))));
      }
      data_base64 = std::string_view(value.get_string());
    } else {
      if (!IsValidExtensionName(key)) {
        return Invalid(mode, absl::StrCat("extension attribute name '", std::string(key),
                                          "' must consist of lower-case letters a-z and digits"));
      }
      const element_type t = value.type();
      if (t == element_type::NULL_VALUE) {
        EraseExtension(&attrs.extensions, key);
        continue;
      }
      if (t == element_type::OBJECT || t == element_type::ARRAY) {
        return Invalid(mode, absl::StrCat("extension attribute '", std::string(key),
                                          "' must be a string, number or boolean, found ",
                                          std::string(json::NodeTypeName(value))));
      }
      std::string text;
      json::AppendMinified(raw.value, &text);
      UpsertExtension(&attrs.extensions, key, std::move(text));
    }
  }

  std::optional<std::string> data;
  if (data_raw && data_base64) {
    return Invalid(mode, "an event may carry \"data\" or \"data_base64\", not both");
  }
  if (data_raw) {
    data.emplace();
    json::AppendMinified(*data_raw, &*data);
  } else if (data_base64) {
    std::string decoded;
    if (!absl::Base64Unescape(absl::string_view(data_base64->data(), data_base64->size()),
                              &decoded)) {
      return Invalid(mode, "member \"data_base64\" is not valid base64");
    }
    if (!attrs.values[kDataContentType]) attrs.values[kDataContentType] = kOctetStream;
    std::string_view ct = *attrs.values[kDataContentType];
    std::string_view mt = MediaType(ct);
    const bool is_json = IsJsonMediaType(mt);
    const bool is_text = !is_json && IsTextMediaType(mt);
    data.emplace();
    if (is_json || is_text) {
      if (absl::Status s = AppendData(decoded, ct, is_json, is_text, mode, &*data); !s.ok()) {
        return s;
      }
    } else {
      json::AppendString(*data_base64, &*data);
    }
  }
  return Finish(attrs, std::move(data), mode, /*binary=*/false);
}

absl::StatusOr<SchemaAndValue> CloudEventsConverter::Finish(Attributes& attrs,
                                                            std::optional<std::string> data,
                                                            std::string_view mode, bool binary) {
  for (int i : {kId, kSource, kSpecVersion, kType}) {
    const std::optional<std::string_view>& v = attrs.values[i];
    if (!v || v->empty()) {
      return Invalid(
          mode, absl::StrCat("required attribute '", std::string(kAttributeNames[i]), "' (",
                             Origin(binary, kAttributeNames[i]), ") is ", v ? "empty" : "missing"));
    }
  }
  if (*attrs.values[kSpecVersion] != "1.0") {
    return Invalid(mode, absl::StrCat("attribute 'specversion' (", Origin(binary, "specversion"),
                                      ") is '", std::string(*attrs.values[kSpecVersion]),
                                      "'; only CloudEvents 1.0 is supported"));
  }
  std::vector<Value> values(kFieldCount);
  for (int i : {kId, kSource, kSpecVersion, kType, kSubject, kDataContentType}) {
    const std::optional<std::string_view>& v = attrs.values[i];
    if (!v) continue;
    if (binary && !json::IsValidUtf8(*v)) {
      return Invalid(mode,
                     absl::StrCat("attribute '", std::string(kAttributeNames[i]), "' (",
                                  Origin(binary, kAttributeNames[i]), ") is not valid UTF-8"));
    }
    values[i] = Value(*v);
  }
  if (const std::optional<std::string_view>& t = attrs.values[kTime]) {
    absl::StatusOr<int64_t> micros = ParseRfc3339Micros(*t);
    if (!micros.ok()) {
      return Invalid(mode, absl::StrCat("attribute 'time' (", Origin(binary, "time"),
                                        "): ", std::string(micros.status().message())));
    }
    values[kTime] = Value(Timestamp{*micros});
  }
  if (!attrs.extensions.empty()) {
    std::string ext = "{";
    for (const auto& [name, json_value] : attrs.extensions) {
      if (ext.size() > 1) ext.push_back(',');
      absl::StrAppend(&ext, "\"", std::string(name), "\":", json_value);
    }
    ext.push_back('}');
    values[kExtensions] = Value(std::move(ext));
  }
  if (data) values[kData] = Value(*std::move(data));
  return SchemaAndValue{EventSchema(), Value(Struct{EventSchema(), std::move(values)})};
}

absl::StatusOr<std::optional<std::string>> CloudEventsConverter::FromConnectData(
    std::string_view, const SchemaPtr&, const Value& value) {
  if (value.is_null()) return std::optional<std::string>();
  if (value.kind() != Value::Kind::kStruct) {
    return absl::InvalidArgumentError(
        "CloudEventsConverter can only write a Struct with the CloudEvent fields");
  }
  auto text_field = [&](std::string_view field) -> const std::string* {
    const Value* v = value.StructField(field);
    return v && v->kind() == Value::Kind::kString ? &v->as_string() : nullptr;
  };
  std::string out = "{\"specversion\":";
  const std::string* specversion = text_field("ce_specversion");
  json::AppendString(specversion ? *specversion : "1.0", &out);
  for (std::string_view field : {"ce_id", "ce_source", "ce_type"}) {
    const std::string* v = text_field(field);
    if (!v) {
      return absl::InvalidArgumentError(
          absl::StrCat("CloudEventsConverter cannot write an event without ", std::string(field)));
    }
    absl::StrAppend(&out, ",\"", std::string(field.substr(3)), "\":");
    json::AppendString(*v, &out);
  }
  if (const std::string* v = text_field("ce_subject")) {
    out.append(",\"subject\":");
    json::AppendString(*v, &out);
  }
  if (const Value* t = value.StructField("ce_time"); t && t->kind() == Value::Kind::kTimestamp) {
    absl::StrAppend(&out, ",\"time\":\"", FormatRfc3339Micros(t->as_timestamp().micros), "\"");
  }
  const std::string* content_type = text_field("ce_datacontenttype");
  if (content_type) {
    out.append(",\"datacontenttype\":");
    json::AppendString(*content_type, &out);
  }
  if (const std::string* ext = text_field("ce_extensions")) {
    std::string_view inner = *ext;
    size_t b = inner.find_first_not_of(" \t\r\n"), e = inner.find_last_not_of(" \t\r\n");
    if (b == std::string_view::npos || inner[b] != '{' || inner[e] != '}') {
      return absl::InvalidArgumentError("ce_extensions must hold a JSON object");
    }
    inner = inner.substr(b + 1, e - b - 1);
    if (inner.find_first_not_of(" \t\r\n") != std::string_view::npos) {
      out.push_back(',');
      json::AppendMinified(inner, &out);
    }
  }
  if (const std::string* data = text_field("data")) {
    std::string_view mt = content_type ? MediaType(*content_type) : "";
    const bool binary_data = !mt.empty() && !IsJsonMediaType(mt) && !IsTextMediaType(mt) &&
                             !data->empty() && (*data)[0] == '"';
    out.append(binary_data ? ",\"data_base64\":" : ",\"data\":");
    out.append(*data);
  }
  out.push_back('}');
  return std::optional<std::string>(std::move(out));
}

}  // namespace ferry
