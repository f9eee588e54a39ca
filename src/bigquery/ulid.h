#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace ferry::bigquery {

// ULIDs (https://github.com/ulid/spec): 128 bits, the first 48 the Unix time
// in milliseconds and the other 80 random, written as 26 characters of
// Crockford's base32 ("01ARYZ6S41TSV4RRFFQ69G5FAV"); they sort by time.
// trackPutAttempts's putAttemptId is one (Aiven's ULID_GENERATOR).

// The ULID of these 16 bytes (big-endian: 6 of time, 10 of randomness).
std::string UlidText(const std::array<uint8_t, 16>& bytes);

// A new ULID for the time now, with randomness from a per-thread generator
// seeded by std::random_device. Thread-safe.
std::string NewUlid();

}  // namespace ferry::bigquery
