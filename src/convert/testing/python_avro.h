#pragma once

// An Avro encoder and decoder independent of ferry for tests: Apache Avro's
// Python implementation (Debian's python3-avro, /usr/bin/python3) running
// src/convert/testdata/avro_encode.py, which registers schemas in a Schema
// Registry over HTTP as a Confluent producer does. Header-only.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace ferry::testing {

class PythonAvro {
 public:
  static constexpr char kPython[] = "/usr/bin/python3";

  // script: avro_encode.py's path; dir: where spec files go.
  PythonAvro(std::string script, std::string registry_url, std::filesystem::path dir)
      : script_(std::move(script)), url_(std::move(registry_url)), dir_(std::move(dir)) {}

  // Registers `schema` (Avro JSON) under `subject` and encodes each datum of
  // `values` (a JSON array; see avro_encode.py for bytes and logical types):
  // the Confluent wire-format bytes of each.
  absl::StatusOr<std::vector<std::string>> Encode(const std::string& subject,
                                                  const std::string& schema,
                                                  const std::string& values,
                                                  const std::string& references = "") {
    nlohmann::json spec = {{"subject", subject},
                           {"schema", nlohmann::json::parse(schema)},
                           {"values", nlohmann::json::parse(values)}};
    if (!references.empty()) spec["references"] = nlohmann::json::parse(references);
    const std::string path = (dir_ / absl::StrCat("avro-spec-", files_++, ".json")).string();
    std::ofstream(path) << spec.dump();
    absl::StatusOr<std::string> out =
        Run(absl::StrCat(kPython, " ", script_, " encode ", url_, " ", path, " 2>&1"));
    if (!out.ok()) return out.status();
    std::vector<std::string> bytes;
    for (absl::string_view line : absl::StrSplit(*out, '\n', absl::SkipEmpty())) {
      bytes.push_back(absl::HexStringToBytes(line));
    }
    if (bytes.size() != spec["values"].size()) {
      return absl::InternalError(absl::StrCat("avro_encode.py printed ", bytes.size(),
                                              " lines for ", spec["values"].size(),
                                              " values: ", *out));
    }
    return bytes;
  }

  // python3-avro's reading of wire-format bytes (the schema by id from the
  // registry), as JSON.
  absl::StatusOr<nlohmann::json> Decode(const std::string& bytes) {
    absl::StatusOr<std::string> out = Run(absl::StrCat(kPython, " ", script_, " decode ", url_, " ",
                                                       absl::BytesToHexString(bytes), " 2>&1"));
    if (!out.ok()) return out.status();
    nlohmann::json j = nlohmann::json::parse(*out, nullptr, false);
    if (j.is_discarded()) return absl::InternalError(absl::StrCat("not JSON: ", *out));
    return j;
  }

 private:
  static absl::StatusOr<std::string> Run(const std::string& command) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    if (p == nullptr) return absl::InternalError(absl::StrCat("cannot run ", command));
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    if (pclose(p) != 0) return absl::InternalError(absl::StrCat(command, " failed:\n", out));
    return out;
  }

  std::string script_;
  std::string url_;
  std::filesystem::path dir_;
  int files_ = 0;
};

}  // namespace ferry::testing
