#pragma once

// Names the control protocol accepts for Kafka API keys and error codes.
// Compiled into ferry-dev-kafka only: error names come from the librdkafka
// it is linked with.

#include <cstdint>
#include <optional>
#include <string>

namespace ferry::devkafka {

// "Produce", "fetch", "OffsetCommitRequest", "ApiVersions" or a number
// 0..32767. Case-insensitive. nullopt when unknown.
std::optional<int16_t> ParseApiKey(const std::string& text);

// The protocol name of an API key ("Produce"), or the number as text.
std::string ApiKeyName(int16_t api_key);

// "REQUEST_TIMED_OUT", "RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT", "_TRANSPORT",
// or a number (7, -195). Case-insensitive. Returns the rd_kafka_resp_err_t
// value as int; nullopt when the name or number is not a librdkafka error.
std::optional<int> ParseErrorCode(const std::string& text);

}  // namespace ferry::devkafka
