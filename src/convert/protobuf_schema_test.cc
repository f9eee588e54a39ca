#include "convert/protobuf_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ferry::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace pb = ::google::protobuf;

absl::StatusOr<pb::FileDescriptorProto> NoReferences(const std::string& name) {
  return absl::NotFoundError(name);
}

TEST(ProtobufSchemaTest, EveryKnownDependencyBuilds) {
  for (const char* name : {"confluent/meta.proto",
                           "confluent/type/decimal.proto",
                           "confluent/type/variant.proto",
                           "google/type/calendar_period.proto",
                           "google/type/color.proto",
                           "google/type/date.proto",
                           "google/type/datetime.proto",
                           "google/type/dayofweek.proto",
                           "google/type/decimal.proto",
                           "google/type/expr.proto",
                           "google/type/fraction.proto",
                           "google/type/interval.proto",
                           "google/type/latlng.proto",
                           "google/type/money.proto",
                           "google/type/month.proto",
                           "google/type/phone_number.proto",
                           "google/type/postal_address.proto",
                           "google/type/quaternion.proto",
                           "google/type/timeofday.proto",
                           "google/protobuf/any.proto",
                           "google/protobuf/api.proto",
                           "google/protobuf/descriptor.proto",
                           "google/protobuf/duration.proto",
                           "google/protobuf/empty.proto",
                           "google/protobuf/field_mask.proto",
                           "google/protobuf/source_context.proto",
                           "google/protobuf/struct.proto",
                           "google/protobuf/timestamp.proto",
                           "google/protobuf/type.proto",
                           "google/protobuf/wrappers.proto"}) {
    const pb::FileDescriptorProto* file = KnownProtobufFile(name);
    ASSERT_NE(file, nullptr) << name;
    absl::StatusOr<std::unique_ptr<ProtobufFiles>> built =
        ProtobufFiles::Build(*file, NoReferences);
    ASSERT_TRUE(built.ok()) << name << ": " << built.status();
    EXPECT_EQ((*built)->root()->name(), name);
  }
  EXPECT_EQ(KnownProtobufFile("google/type/localized_text.proto"), nullptr);
  EXPECT_EQ(KnownProtobufFile("other.proto"), nullptr);
}

TEST(ProtobufSchemaTest, ParserErrorsNameTheirLine) {
  absl::StatusOr<pb::FileDescriptorProto> bad =
      ParseProtoText("x.proto", "syntax = \"proto3\";\nmessage M {\n  int32 = 1;\n}\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("3:"));
  absl::StatusOr<pb::FileDescriptorProto> unknown_type =
      ParseProtoText("y.proto", "syntax = \"proto3\";\nmessage M { Missing m = 1; }\n");
  ASSERT_TRUE(unknown_type.ok());
  absl::StatusOr<std::unique_ptr<ProtobufFiles>> built =
      ProtobufFiles::Build(*unknown_type, NoReferences);
  ASSERT_FALSE(built.ok());
  EXPECT_THAT(built.status().message(), HasSubstr("\"Missing\" is not defined"));
}

TEST(ProtobufSchemaTest, MessageIndexesRoundTripAsConfluentWritesThem) {
  EXPECT_EQ(WriteMessageIndexes({0}), std::string(1, '\0'));
  EXPECT_EQ(WriteMessageIndexes({1}), std::string("\x02\x02", 2));
  EXPECT_EQ(WriteMessageIndexes({1, 0, 70}), std::string("\x06\x02\x00\x8c\x01", 5));
  for (const std::vector<int>& indexes :
       std::vector<std::vector<int>>{{0}, {3}, {1, 0, 70}, {200000, 5}}) {
    std::string bytes = WriteMessageIndexes(indexes) + "rest";
    std::string_view in = bytes;
    absl::StatusOr<std::vector<int>> read = ReadMessageIndexes(&in);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(*read, indexes);
    EXPECT_EQ(in, "rest");
  }
  std::string_view truncated("\x04\x02", 2);
  EXPECT_FALSE(ReadMessageIndexes(&truncated).ok());
  std::string_view endless("\x02\xff\xff\xff\xff\xff\xff", 7);
  EXPECT_FALSE(ReadMessageIndexes(&endless).ok());
  std::string_view negative("\x02\x01", 2);
  absl::StatusOr<std::vector<int>> neg = ReadMessageIndexes(&negative);
  ASSERT_TRUE(neg.ok());
  EXPECT_THAT(*neg, ElementsAre(-1));  // Refused by MessageAtIndexes.
}

TEST(ProtobufSchemaTest, IndexesSkipMapEntriesAndFindNestedMessages) {
  absl::StatusOr<pb::FileDescriptorProto> file = ParseProtoText("m.proto", R"(syntax = "proto3";
message A {}
message B {
  map<string, string> m = 1;
  message C {}
  map<int32, int32> n = 2;
  message D { message E {} }
}
)");
  ASSERT_TRUE(file.ok()) << file.status();
  absl::StatusOr<std::unique_ptr<ProtobufFiles>> built = ProtobufFiles::Build(*file, NoReferences);
  ASSERT_TRUE(built.ok()) << built.status();
  const pb::FileDescriptor& f = *(*built)->root();
  absl::StatusOr<const pb::Descriptor*> e = MessageAtIndexes(f, {1, 1, 0});
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->full_name(), "B.D.E");
  EXPECT_THAT(MessageIndexesOf(**e), ElementsAre(1, 1, 0));
  EXPECT_THAT(MessageIndexesOf(*f.FindMessageTypeByName("B")->FindNestedTypeByName("C")),
              ElementsAre(1, 0));
  absl::StatusOr<const pb::Descriptor*> none = MessageAtIndexes(f, {1, 2});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "Invalid message indexes: [1, 2]");
}

TEST(ProtobufSchemaTest, FieldMetaParamsAreReadFromCustomOptions) {
  absl::StatusOr<pb::FileDescriptorProto> file = ParseProtoText("d.proto", R"(syntax = "proto3";
import "confluent/meta.proto";
message M {
  int32 a = 1 [(confluent.field_meta) = {params: [{key: "scale", value: "3"},
                                                   {key: "precision", value: "9"}]}];
  int32 b = 2;
}
)");
  ASSERT_TRUE(file.ok()) << file.status();
  absl::StatusOr<std::unique_ptr<ProtobufFiles>> built = ProtobufFiles::Build(*file, NoReferences);
  ASSERT_TRUE(built.ok()) << built.status();
  const pb::Descriptor& m = *(*built)->root()->message_type(0);
  std::map<std::string, std::string> params = FieldMetaParams(*m.field(0));
  EXPECT_EQ(params, (std::map<std::string, std::string>{{"precision", "9"}, {"scale", "3"}}));
  EXPECT_TRUE(FieldMetaParams(*m.field(1)).empty());
}

}  // namespace
}  // namespace ferry::internal
