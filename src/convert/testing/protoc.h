#pragma once

// A Protobuf encoder and decoder independent of ferry for tests: protoc
// (Debian's protobuf-compiler) with --encode / --decode, over .proto files
// written to a directory. Header-only.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace ferry::testing {

class Protoc {
 public:
  static constexpr char kProtoc[] = "/usr/bin/protoc";

  // dir: where .proto files and inputs go (the import root).
  explicit Protoc(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Writes a .proto file under the import root (name may have directories).
  void Write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  // protoc --encode=message: the binary message of `text_format`.
  absl::StatusOr<std::string> Encode(const std::string& file, const std::string& message,
                                     const std::string& text_format) {
    const std::string in = (dir_ / absl::StrCat("input-", files_++, ".txt")).string();
    std::ofstream(in) << text_format;
    return Run(absl::StrCat(kProtoc, " --encode=", message, " -I", dir_.string(), " ",
                            (dir_ / file).string(), " < ", in));
  }

  // protoc --decode=message: the text format of `bytes`.
  absl::StatusOr<std::string> Decode(const std::string& file, const std::string& message,
                                     const std::string& bytes) {
    const std::string in = (dir_ / absl::StrCat("input-", files_++, ".bin")).string();
    std::ofstream(in, std::ios::binary) << bytes;
    return Run(absl::StrCat(kProtoc, " --decode=", message, " -I", dir_.string(), " ",
                            (dir_ / file).string(), " < ", in));
  }

 private:
  static absl::StatusOr<std::string> Run(const std::string& command) {
    std::string out;
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    if (p == nullptr) return absl::InternalError(absl::StrCat("cannot run ", command));
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    if (pclose(p) != 0) return absl::InternalError(absl::StrCat(command, " failed:\n", out));
    return out;
  }

  std::filesystem::path dir_;
  int files_ = 0;
};

}  // namespace ferry::testing
