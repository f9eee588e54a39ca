#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "transform/internal.h"
#include "transform/transformation.h"

namespace ferry {
namespace {

using transform_internal::Target;

constexpr char kKafkaTransforms[] = "org.apache.kafka.connect.transforms.";
constexpr char kKafkaPredicates[] = "org.apache.kafka.connect.transforms.predicates.";
constexpr char kJcustenborder[] = "com.github.jcustenborder.kafka.connect.transform.common.";
constexpr char kCedelsb[] = "com.github.cedelsb.kafka.connect.smt.";

struct TransformEntry {
  std::string class_name;
  std::function<std::unique_ptr<Transformation>()> make;
};
struct PredicateEntry {
  std::string class_name;
  std::function<std::unique_ptr<Predicate>()> make;
};

const std::vector<TransformEntry>& Transforms() {
  static const auto* const entries = [] {
    auto* v = new std::vector<TransformEntry>();
    auto keyed = [&](const char* package, const char* name,
                     std::unique_ptr<Transformation> (*make)(Target)) {
      v->push_back({absl::StrCat(package, name, "$Key"), [make] { return make(Target::kKey); }});
      v->push_back(
          {absl::StrCat(package, name, "$Value"), [make] { return make(Target::kValue); }});
    };
    keyed(kKafkaTransforms, "InsertField", &transform_internal::NewInsertField);
    keyed(kKafkaTransforms, "ReplaceField", &transform_internal::NewReplaceField);
    keyed(kKafkaTransforms, "TimestampConverter", &transform_internal::NewTimestampConverter);
    keyed(kKafkaTransforms, "Flatten", &transform_internal::NewFlatten);
    keyed(kKafkaTransforms, "HoistField", &transform_internal::NewHoistField);
    keyed(kKafkaTransforms, "SetSchemaMetadata", &transform_internal::NewSetSchemaMetadata);
    keyed(kKafkaTransforms, "ExtractField", &transform_internal::NewExtractField);
    keyed(kKafkaTransforms, "HeaderFrom", &transform_internal::NewHeaderFrom);
    keyed(kKafkaTransforms, "Cast", &transform_internal::NewCast);
    keyed(kKafkaTransforms, "MaskField", &transform_internal::NewMaskField);
    keyed(kJcustenborder, "HeaderToField", &transform_internal::NewHeaderToField);
    keyed(kCedelsb, "Record2JsonStringConverter", &transform_internal::NewRecord2JsonString);
    v->push_back(
        {absl::StrCat(kKafkaTransforms, "RegexRouter"), &transform_internal::NewRegexRouter});
    v->push_back({absl::StrCat(kKafkaTransforms, "TimestampRouter"),
                  &transform_internal::NewTimestampRouter});
    v->push_back(
        {absl::StrCat(kKafkaTransforms, "InsertHeader"), &transform_internal::NewInsertHeader});
    v->push_back(
        {absl::StrCat(kKafkaTransforms, "DropHeaders"), &transform_internal::NewDropHeaders});
    v->push_back({absl::StrCat(kKafkaTransforms, "Filter"), &transform_internal::NewFilter});
    v->push_back(
        {absl::StrCat(kKafkaTransforms, "ValueToKey"), &transform_internal::NewValueToKey});
    return v;
  }();
  return *entries;
}

const std::vector<PredicateEntry>& Predicates() {
  static const auto* const entries = new std::vector<PredicateEntry>{
      {absl::StrCat(kKafkaPredicates, "TopicNameMatches"),
       &transform_internal::NewTopicNameMatches},
      {absl::StrCat(kKafkaPredicates, "HasHeaderKey"), &transform_internal::NewHasHeaderKey},
      {absl::StrCat(kKafkaPredicates, "RecordIsTombstone"),
       &transform_internal::NewRecordIsTombstone},
  };
  return *entries;
}

// "a.b.InsertField$Value" matches itself and its short alias "InsertField$Value".
bool Matches(const std::string& class_name, std::string_view wanted) {
  if (class_name == wanted) return true;
  std::string_view short_name = class_name;
  short_name.remove_prefix(short_name.rfind('.') + 1);
  return short_name == wanted;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Transformation>> CreateTransformation(std::string_view class_name) {
  for (const TransformEntry& e : Transforms()) {
    if (Matches(e.class_name, class_name)) return e.make();
  }
  return absl::NotFoundError(
      absl::StrCat("Class ", std::string(class_name), " could not be found."));
}

absl::StatusOr<std::unique_ptr<Predicate>> CreatePredicate(std::string_view class_name) {
  for (const PredicateEntry& e : Predicates()) {
    if (Matches(e.class_name, class_name)) return e.make();
  }
  return absl::NotFoundError(
      absl::StrCat("Class ", std::string(class_name), " could not be found."));
}

std::vector<std::string> TransformationClassNames() {
  std::vector<std::string> out;
  for (const TransformEntry& e : Transforms()) out.push_back(e.class_name);
  return out;
}

std::vector<std::string> PredicateClassNames() {
  std::vector<std::string> out;
  for (const PredicateEntry& e : Predicates()) out.push_back(e.class_name);
  return out;
}

}  // namespace ferry
