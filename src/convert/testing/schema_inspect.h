#pragma once

// Looking into Connect schemas in the converters' tests. Header-only.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "record/schema.h"

namespace ferry::testing {

// A schema parameter, "<absent>" when the schema has none by that name.
inline std::string Param(const Schema& s, const std::string& key) {
  auto it = s.parameters().find(key);
  return it == s.parameters().end() ? "<absent>" : it->second;
}

// A struct field's schema; a test failure (and BOOLEAN) when there is none.
inline const Schema& FieldSchema(const Schema& s, const std::string& name) {
  const Field* f = s.FindField(name);
  EXPECT_NE(f, nullptr) << name << " in " << s.DebugString();
  static const SchemaPtr kMissing = Schema::Boolean();
  return f == nullptr ? *kMissing : *f->schema;
}

inline std::vector<std::string> FieldNames(const Schema& s) {
  std::vector<std::string> out;
  for (const Field& f : s.fields()) out.push_back(f.name);
  return out;
}

}  // namespace ferry::testing
