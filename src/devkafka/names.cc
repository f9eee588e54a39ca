#include "devkafka/names.h"

#include <array>
#include <charconv>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "rdkafka.h"

namespace ferry::devkafka {
namespace {

// Kafka protocol API keys 0..58 as librdkafka 2.0.2 knows them
// (src/rdkafka_protocol.h); the index is the key.
constexpr std::array<std::string_view, 59> kApiKeys = {
    "Produce",
    "Fetch",
    "ListOffsets",
    "Metadata",
    "LeaderAndIsr",
    "StopReplica",
    "UpdateMetadata",
    "ControlledShutdown",
    "OffsetCommit",
    "OffsetFetch",
    "FindCoordinator",
    "JoinGroup",
    "Heartbeat",
    "LeaveGroup",
    "SyncGroup",
    "DescribeGroups",
    "ListGroups",
    "SaslHandshake",
    "ApiVersion",
    "CreateTopics",
    "DeleteTopics",
    "DeleteRecords",
    "InitProducerId",
    "OffsetForLeaderEpoch",
    "AddPartitionsToTxn",
    "AddOffsetsToTxn",
    "EndTxn",
    "WriteTxnMarkers",
    "TxnOffsetCommit",
    "DescribeAcls",
    "CreateAcls",
    "DeleteAcls",
    "DescribeConfigs",
    "AlterConfigs",
    "AlterReplicaLogDirs",
    "DescribeLogDirs",
    "SaslAuthenticate",
    "CreatePartitions",
    "CreateDelegationToken",
    "RenewDelegationToken",
    "ExpireDelegationToken",
    "DescribeDelegationToken",
    "DeleteGroups",
    "ElectLeaders",
    "IncrementalAlterConfigs",
    "AlterPartitionReassignments",
    "ListPartitionReassignments",
    "OffsetDelete",
    "DescribeClientQuotas",
    "AlterClientQuotas",
    "DescribeUserScramCredentials",
    "AlterUserScramCredentials",
    "Vote",
    "BeginQuorumEpoch",
    "EndQuorumEpoch",
    "DescribeQuorum",
    "AlterIsr",
    "UpdateFeatures",
    "Envelope",
};

template <typename T>
std::optional<T> ParseNumber(const std::string& text) {
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<int16_t> ParseApiKey(const std::string& text) {
  if (auto number = ParseNumber<int16_t>(text)) {
    if (*number < 0) return std::nullopt;
    return number;
  }
  std::string name = absl::AsciiStrToLower(text);
  if (absl::EndsWith(name, "request")) name.resize(name.size() - 7);
  // Aliases used by Kafka's own docs and older clients.
  if (name == "apiversions") name = "apiversion";
  if (name == "offsets" || name == "offset") name = "listoffsets";
  if (name == "groupcoordinator") name = "findcoordinator";
  for (size_t key = 0; key < kApiKeys.size(); ++key) {
    if (absl::AsciiStrToLower(std::string(kApiKeys[key])) == name) {
      return static_cast<int16_t>(key);
    }
  }
  return std::nullopt;
}

std::string ApiKeyName(int16_t api_key) {
  if (api_key >= 0 && static_cast<size_t>(api_key) < kApiKeys.size()) {
    return std::string(kApiKeys[api_key]);
  }
  return std::to_string(api_key);
}

std::optional<int> ParseErrorCode(const std::string& text) {
  const rd_kafka_err_desc* descs = nullptr;
  size_t count = 0;
  rd_kafka_get_err_descs(&descs, &count);

  if (auto number = ParseNumber<int>(text)) {
    for (size_t i = 0; i < count; ++i) {
      if (descs[i].name != nullptr && static_cast<int>(descs[i].code) == *number) return number;
    }
    return std::nullopt;
  }
  std::string name = absl::AsciiStrToUpper(text);
  if (absl::StartsWith(name, "RD_KAFKA_RESP_ERR_")) name = name.substr(18);
  for (size_t i = 0; i < count; ++i) {
    if (descs[i].name != nullptr && name == descs[i].name) return static_cast<int>(descs[i].code);
  }
  return std::nullopt;
}

}  // namespace ferry::devkafka
