#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace ferry::alert::testing {

// Characters (code points) of UTF-8 text, as Slack counts its limits.
inline size_t CodePoints(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// Problems with mrkdwn text: Slack's control characters (&, <, >) must be
// escaped unless they form a control sequence; the only one ferry sends is
// <!date^...|...>.
inline void CheckMrkdwnEscapes(const std::string& where, const std::string& text,
                               std::vector<std::string>& problems) {
  for (size_t i = 0; i < text.size(); ++i) {
    const std::string rest = text.substr(i);
    if (text[i] == '&' && !absl::StartsWith(rest, "&amp;") && !absl::StartsWith(rest, "&lt;") &&
        !absl::StartsWith(rest, "&gt;")) {
      problems.push_back(absl::StrCat(where, ": unescaped & at ", i));
    } else if (text[i] == '<') {
      const size_t close = text.find('>', i);
      if (!absl::StartsWith(rest, "<!date^") || close == std::string::npos) {
        problems.push_back(absl::StrCat(where, ": unescaped < at ", i));
      } else {
        i = close;
      }
    } else if (text[i] == '>') {
      problems.push_back(absl::StrCat(where, ": unescaped > at ", i));
    }
  }
}

inline void CheckTextObject(const std::string& where, const nlohmann::json& t, size_t max_chars,
                            bool plain_only, std::vector<std::string>& problems) {
  if (!t.is_object() || !t.contains("type") || !t.contains("text") || !t["text"].is_string()) {
    problems.push_back(absl::StrCat(where, ": not a text object"));
    return;
  }
  const std::string type = t["type"];
  const std::string text = t["text"];
  if (type != "plain_text" && (plain_only || type != "mrkdwn")) {
    problems.push_back(absl::StrCat(where, ": text type ", type));
  }
  if (text.empty()) problems.push_back(absl::StrCat(where, ": empty text"));
  if (CodePoints(text) > max_chars) {
    problems.push_back(absl::StrCat(where, ": ", CodePoints(text), " characters > ", max_chars));
  }
  if (type == "mrkdwn") CheckMrkdwnEscapes(where, text, problems);
}

// Every way `payload` breaks Slack's incoming-webhook / Block Kit rules
// as documented (message: text and up to 50 blocks; header: plain_text up to
// 150 characters; section: text up to 3000 characters and/or up to 10
// fields of up to 2000; context: 1 to 10 text elements). Empty when valid.
inline std::vector<std::string> SlackFormatProblems(const nlohmann::json& payload) {
  std::vector<std::string> problems;
  if (!payload.is_object()) return {"payload is not an object"};
  if (!payload.contains("text") || !payload["text"].is_string() ||
      payload["text"].get<std::string>().empty()) {
    problems.push_back("no fallback text");
  } else {
    CheckMrkdwnEscapes("text", payload["text"], problems);
  }
  if (!payload.contains("blocks") || !payload["blocks"].is_array()) {
    problems.push_back("no blocks");
    return problems;
  }
  const nlohmann::json& blocks = payload["blocks"];
  if (blocks.empty() || blocks.size() > 50) problems.push_back("0 or more than 50 blocks");
  for (size_t b = 0; b < blocks.size(); ++b) {
    const nlohmann::json& block = blocks[b];
    const std::string where = absl::StrCat("blocks[", b, "]");
    const std::string type = block.value("type", "");
    if (type == "header") {
      CheckTextObject(where + ".text", block.value("text", nlohmann::json()), 150, true, problems);
    } else if (type == "section") {
      if (!block.contains("text") && !block.contains("fields")) {
        problems.push_back(where + ": section without text or fields");
      }
      if (block.contains("text")) {
        CheckTextObject(where + ".text", block["text"], 3000, false, problems);
      }
      if (block.contains("fields")) {
        const nlohmann::json& fields = block["fields"];
        if (!fields.is_array() || fields.empty() || fields.size() > 10) {
          problems.push_back(where + ": fields not 1 to 10");
        } else {
          for (size_t f = 0; f < fields.size(); ++f) {
            CheckTextObject(absl::StrCat(where, ".fields[", f, "]"), fields[f], 2000, false,
                            problems);
          }
        }
      }
    } else if (type == "context") {
      const nlohmann::json elements = block.value("elements", nlohmann::json());
      if (!elements.is_array() || elements.empty() || elements.size() > 10) {
        problems.push_back(where + ": elements not 1 to 10");
      } else {
        for (size_t e = 0; e < elements.size(); ++e) {
          CheckTextObject(absl::StrCat(where, ".elements[", e, "]"), elements[e], 3000, false,
                          problems);
        }
      }
    } else if (type != "divider") {
      problems.push_back(absl::StrCat(where, ": unexpected block type '", type, "'"));
    }
  }
  return problems;
}

}  // namespace ferry::alert::testing
