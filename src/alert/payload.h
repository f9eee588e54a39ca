#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "alert/alert_event.h"

namespace ferry::alert {

// A Slack incoming-webhook message (Block Kit): `text` is the notification
// and fallback text; `blocks` hold a header, a section with the message and
// fields, the trace in a code block (task failures) and a context line with
// the times. Text is escaped (&, <, >) and kept within Slack's block limits.
std::string SlackPayload(const AlertEvent& event);

// The generic webhook's JSON object (documented in README.md).
std::string GenericPayload(const AlertEvent& event);

// Limits of the trace in a message, in bytes (so also in characters).
inline constexpr size_t kSlackTraceMaxBytes = 2800;  // Slack: 3000 characters per section text.
inline constexpr size_t kGenericTraceMaxBytes = 8000;

namespace internal {

// Slack's escaping of &, < and > in text objects, stopping at the last whole
// character (an escape counts whole) that keeps the result within max_bytes;
// `truncated` says whether anything was left out.
std::string SlackEscape(absl::string_view text, size_t max_bytes, bool* truncated = nullptr);

// At most max_bytes of text, cut at a UTF-8 character boundary.
std::string TruncateUtf8(absl::string_view text, size_t max_bytes, bool* truncated = nullptr);

}  // namespace internal
}  // namespace ferry::alert
