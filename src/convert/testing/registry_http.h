#pragma once

// Registers schemas in a Schema Registry over its REST API, as a Confluent
// producer does (POST /subjects/{subject}/versions), without ferry's client.
// Header-only; for tests.

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace ferry::testing {

struct HttpReference {
  std::string name;
  std::string subject;
  int version = 1;
};

// The id the registry at `url` (http://host:port) gives `schema`.
inline absl::StatusOr<int> RegisterOverHttp(const std::string& url, const std::string& subject,
                                            const std::string& schema_type,
                                            const std::string& schema,
                                            const std::vector<HttpReference>& references = {}) {
  nlohmann::json body = {{"schema", schema}, {"schemaType", schema_type}};
  for (const HttpReference& r : references) {
    body["references"].push_back(
        {{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
  }
  httplib::Client client(url);
  httplib::Result res = client.Post(absl::StrCat("/subjects/", subject, "/versions"), body.dump(),
                                    "application/vnd.schemaregistry.v1+json");
  if (!res) return absl::UnavailableError(absl::StrCat("no answer from ", url));
  nlohmann::json answer = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200 || !answer.contains("id")) {
    return absl::InvalidArgumentError(absl::StrCat("HTTP ", res->status, ": ", res->body));
  }
  return answer["id"].get<int>();
}

// GET /schemas/ids/{id}: the schema text as registered.
inline absl::StatusOr<std::string> SchemaTextOverHttp(const std::string& url, int id) {
  httplib::Client client(url);
  httplib::Result res = client.Get(absl::StrCat("/schemas/ids/", id));
  if (!res) return absl::UnavailableError(absl::StrCat("no answer from ", url));
  nlohmann::json answer = nlohmann::json::parse(res->body, nullptr, false);
  if (res->status != 200 || !answer.contains("schema")) {
    return absl::InvalidArgumentError(absl::StrCat("HTTP ", res->status, ": ", res->body));
  }
  return answer["schema"].get<std::string>();
}

// Confluent's wire format built by hand: 0x00, the id big-endian, then the
// payload (for Protobuf, message indexes first).
inline std::string WireBytes(int id, const std::string& payload) {
  std::string out(1, '\0');
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((id >> shift) & 0xff));
  return out + payload;
}

}  // namespace ferry::testing
