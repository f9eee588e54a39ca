#include "cli/parity.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bigquery/rest_client.h"
#include "convert/converter.h"
#include "kafka/consumer.h"

namespace ferry::cli {

std::string EventTypeOfSubject(std::string_view subject) {
  std::vector<std::string> parts = absl::StrSplit(std::string(subject), '.');
  if (parts.size() < 3) return "(null)";
  return absl::AsciiStrToLower(parts[2]);
}

std::string DayOf(std::optional<int64_t> micros) {
  if (!micros) return "(null)";
  int64_t secs = *micros / 1000000;
  if (*micros < 0 && *micros % 1000000 != 0) --secs;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return absl::StrFormat("%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

absl::StatusOr<ParityCounts> CountKafka(const std::string& bootstrap, const std::string& topic) {
  auto converter = CreateConverter("io.ferry.converters.CloudEventsConverter");
  if (!converter.ok()) return converter.status();
  if (absl::Status s = (*converter)->Configure({}, /*is_key=*/false); !s.ok()) return s;

  ParityCounts counts;
  absl::Status read = kafka::ReadTopicToEnd(
      bootstrap, topic,
      [&](const RawRecord& r) {
        auto ce = (*converter)->ToConnectData(topic, RawKafkaHeaders(r.headers), r.value);
        if (!ce.ok()) {
          ++counts[{"(invalid)", "(invalid)"}];
          return;
        }
        const Value* subject = ce->value.StructField("ce_subject");
        const Value* time = ce->value.StructField("ce_time");
        std::optional<int64_t> micros;
        if (time && time->kind() == Value::Kind::kTimestamp) micros = time->as_timestamp().micros;
        std::string type = subject && subject->kind() == Value::Kind::kString
                               ? EventTypeOfSubject(subject->as_string())
                               : "(null)";
        ++counts[{DayOf(micros), type}];
      },
      std::chrono::minutes(10));
  if (!read.ok()) return read;
  return counts;
}

absl::StatusOr<ParityCounts> CountBigQueryTable(const std::string& rest_endpoint,
                                                const std::string& project,
                                                const std::string& dataset,
                                                const std::string& table) {
  bigquery::RestClientOptions options;
  options.endpoint = rest_endpoint;
  auto client = bigquery::RestClient::Create(options);
  if (!client.ok()) return client.status();
  const bigquery::TableReference ref{project, dataset, table};
  bigquery::TableDataListOptions list;
  list.max_results = 50000;
  list.selected_fields = "ce_subject,ce_time";
  ParityCounts counts;
  for (;;) {
    absl::StatusOr<nlohmann::json> body = (*client)->ListTableData(ref, list);
    if (!body.ok()) return body.status();
    if (body->contains("rows")) {
      for (const auto& row : (*body)["rows"]) {
        const auto& f = row["f"];
        std::string type = "(null)";
        std::optional<int64_t> micros;
        if (f.size() >= 1 && f[0]["v"].is_string()) {
          type = EventTypeOfSubject(f[0]["v"].get<std::string>());
        }
        if (f.size() >= 2 && f[1]["v"].is_string()) {
          micros = std::stoll(f[1]["v"].get<std::string>());
        }
        ++counts[{DayOf(micros), type}];
      }
    }
    auto token = body->find("pageToken");
    if (token == body->end() || !token->is_string() || token->get<std::string>().empty()) break;
    list.page_token = token->get<std::string>();
  }
  return counts;
}

int PrintParity(const ParityCounts& left, const ParityCounts& right, std::string_view left_name,
                std::string_view right_name, std::FILE* out) {
  std::set<ParityKey> keys;
  for (const auto& [k, v] : left) keys.insert(k);
  for (const auto& [k, v] : right) keys.insert(k);
  int differing = 0;
  int64_t total_left = 0, total_right = 0;
  std::fprintf(out, "%-12s %-18s %12s %12s %8s\n", "day", "event_type",
               std::string(left_name).c_str(), std::string(right_name).c_str(), "diff");
  for (const ParityKey& k : keys) {
    int64_t l = left.count(k) ? left.at(k) : 0;
    int64_t r = right.count(k) ? right.at(k) : 0;
    total_left += l;
    total_right += r;
    if (l != r) ++differing;
    std::fprintf(out, "%-12s %-18s %12lld %12lld %8lld%s\n", k.first.c_str(), k.second.c_str(),
                 static_cast<long long>(l), static_cast<long long>(r),
                 static_cast<long long>(r - l), l != r ? "  <-- differs" : "");
  }
  std::fprintf(out, "%-12s %-18s %12lld %12lld %8lld\n", "total", "",
               static_cast<long long>(total_left), static_cast<long long>(total_right),
               static_cast<long long>(total_right - total_left));
  return differing;
}

}  // namespace ferry::cli
