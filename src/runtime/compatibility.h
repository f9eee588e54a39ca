#pragma once

#include <string>

namespace ferry::runtime {

// docs/compatibility.md, rendered from ferry's config tables: every key a
// connector config may hold (Kafka Connect's, kcbq 2.x's, the kcbq 1.x keys
// 2.x removed, ferry's own, each converter's, transform's and predicate's)
// and what ferry does with it. `ferry compatibility` prints it; a test fails
// when the file in the repository differs.
std::string RenderCompatibilityMarkdown();

}  // namespace ferry::runtime
