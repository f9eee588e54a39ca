#include "bigquery/insert_all_writer.h"

#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "spdlog/spdlog.h"

namespace ferry::bigquery {
namespace {

using json = nlohmann::json;

constexpr char kFooter[] = "]}";

// reason and message of Google's error body ({"error":{"message","errors":[{"reason"}]}}).
struct GoogleError {
  bool present = false;
  std::string reason;
  std::string message;
};

GoogleError ParseGoogleError(const json& body) {
  GoogleError out;
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return out;
  const json& error = body["error"];
  out.present = true;
  if (error.contains("message") && error["message"].is_string()) {
    out.message = error["message"].get<std::string>();
  }
  if (error.contains("errors") && error["errors"].is_array() && !error["errors"].empty() &&
      error["errors"][0].is_object()) {
    out.reason = error["errors"][0].value("reason", "");
    if (out.message.empty()) out.message = error["errors"][0].value("message", "");
  }
  return out;
}

bool IsTransientReason(const std::string& reason) {
  return reason == "backendError" || reason == "internalError" || reason == "timeout" ||
         reason == "quotaExceeded" || reason == "rateLimitExceeded";
}

// BigQuery refused the request for its size or row count (kcbq's
// isBatchSizeError, plus the front end's 413).
bool IsTooLarge(long http_status, const GoogleError& error) {
  if (http_status == 413) return true;
  if (http_status != 400) return false;
  return !error.present ||
         absl::StartsWith(error.message, "Request payload size exceeds the limit") ||
         absl::StartsWith(error.message, "too many rows present in the request");
}

// kcbq's BigQueryWriter retries 500/502/503 and 403 quotaExceeded/rateLimitExceeded.
bool IsRetriable(long http_status, const GoogleError& error) {
  if (http_status >= 500 || http_status == 429) return true;
  if (error.reason == "backendError" || error.reason == "internalError") return true;
  return http_status == 403 &&
         (error.reason == "quotaExceeded" || error.reason == "rateLimitExceeded");
}

// "HTTP <status> (<reason>): <message>" for logs and RecordResult reasons. A
// page that is not Google's JSON error (the front end's HTML 413) is named by
// its <title>.
std::string Describe(long http_status, const GoogleError& error, const std::string& body) {
  std::string message;
  if (error.present) {
    message = error.message;
  } else if (size_t open = body.find("<title>"); open != std::string::npos) {
    const size_t close = body.find("</title>", open);
    message = body.substr(open + 7, close == std::string::npos ? 200 : close - open - 7);
  } else {
    message = body.substr(0, 200);
  }
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return absl::StrCat("HTTP ", http_status, error.reason.empty() ? "" : " (" + error.reason + ")",
                      ": ", message);
}

}  // namespace

InsertAllWriter::InsertAllWriter(RestClient& rest, InsertAllWriterOptions options)
    : rest_(rest), options_(std::move(options)), random_(std::random_device{}()) {}

absl::StatusOr<std::vector<RecordResult>> InsertAllWriter::Insert(
    const TableReference& table, absl::Span<const InsertAllRow> rows, RetryBudget* shared_budget) {
  RetryBudget own_budget(options_.retries);
  RetryBudget& budget = shared_budget != nullptr ? *shared_budget : own_budget;
  std::vector<RecordResult> results(rows.size(),
                                    RecordResult{WriteStatus::kRetriable, "not sent", ""});
  // Each row's element of "rows", so that request sizes are exact.
  std::vector<std::string> pieces;
  pieces.reserve(rows.size());
  for (const InsertAllRow& row : rows) {
    std::string piece = "{";
    if (!row.insert_id.empty()) {
      absl::StrAppend(&piece, "\"insertId\":", json(row.insert_id).dump(), ",");
    }
    absl::StrAppend(&piece, "\"json\":", row.json, "}");
    pieces.push_back(std::move(piece));
  }
  const auto envelope = static_cast<int64_t>(Body(pieces, {}).size());
  std::vector<size_t> batch;
  int64_t bytes = envelope;
  auto flush = [&]() -> absl::Status {
    absl::Status s = Send(table, pieces, std::move(batch), results, budget);
    batch.clear();
    bytes = envelope;
    return s;
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto piece = static_cast<int64_t>(pieces[i].size()) + 1;  // and its comma.
    if (!batch.empty() && (static_cast<int64_t>(batch.size()) >= options_.max_rows ||
                           bytes + piece > options_.max_request_bytes)) {
      if (absl::Status s = flush(); !s.ok()) return s;
    }
    batch.push_back(i);
    bytes += piece;
  }
  if (!batch.empty()) {
    if (absl::Status s = flush(); !s.ok()) return s;
  }
  return results;
}

std::string InsertAllWriter::Body(const std::vector<std::string>& pieces,
                                  const std::vector<size_t>& rows) const {
  std::string body =
      absl::StrCat(R"({"kind":"bigquery#tableDataInsertAllRequest","skipInvalidRows":)",
                   options_.skip_invalid_rows ? "true" : "false", R"(,"ignoreUnknownValues":)",
                   options_.ignore_unknown_values ? "true" : "false", R"(,"rows":[)");
  for (size_t k = 0; k < rows.size(); ++k) {
    if (k > 0) body.push_back(',');
    body += pieces[rows[k]];
  }
  body += kFooter;
  return body;
}

void InsertAllWriter::Wait() {
  absl::Duration wait = options_.retry_wait;
  const int64_t jitter_ms = absl::ToInt64Milliseconds(options_.max_jitter);
  if (jitter_ms > 0) {
    wait += absl::Milliseconds(std::uniform_int_distribution<int64_t>(0, jitter_ms - 1)(random_));
  }
  absl::SleepFor(wait);  // backoff between attempts, not synchronisation.
}

absl::Status InsertAllWriter::Send(const TableReference& table,
                                   const std::vector<std::string>& pieces, std::vector<size_t> rows,
                                   std::vector<RecordResult>& results, RetryBudget& budget) {
  int attempt = 0;
  while (!rows.empty()) {
    if (budget.spent()) {
      const std::string why = budget.NotAttempted();
      for (size_t r : rows) results[r] = {WriteStatus::kRetriable, why, ""};
      return absl::OkStatus();
    }
    std::string problem;  // set: retriable; `rows` are the rows to send again.
    absl::StatusOr<RestClient::RawResponse> response = rest_.InsertAll(table, Body(pieces, rows));
    if (!response.ok()) {
      if (!absl::IsUnavailable(response.status()) && !absl::IsDeadlineExceeded(response.status())) {
        return response.status();  // e.g. no credentials.
      }
      problem = std::string(response.status().message());
    } else {
      const json body = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
      const GoogleError error = ParseGoogleError(body);
      const long http = response->http_status;
      if (http == 200 && body.is_object()) {
        std::map<size_t, const json*> errors_of;  // by position in `rows`.
        if (body.contains("insertErrors") && body["insertErrors"].is_array()) {
          for (const json& e : body["insertErrors"]) {
            if (!e.is_object() || !e.contains("index") || !e["index"].is_number_integer() ||
                e["index"].get<int64_t>() < 0 || !e.contains("errors") || !e["errors"].is_array()) {
              continue;
            }
            const auto index = e["index"].get<size_t>();
            if (index < rows.size()) errors_of[index] = &e["errors"];
          }
        }
        std::vector<size_t> again;
        size_t rejected = 0;
        size_t transient = 0;
        std::string transient_text;
        for (size_t k = 0; k < rows.size(); ++k) {
          auto it = errors_of.find(k);
          if (it == errors_of.end()) {
            results[rows[k]] = {WriteStatus::kDelivered, "", ""};
            continue;
          }
          std::vector<std::string> texts;
          std::string location;
          bool stopped_only = true;
          bool is_transient = false;
          for (const json& err : *it->second) {
            if (!err.is_object()) continue;
            const std::string reason = err.value("reason", "");
            if (reason == "stopped") continue;
            stopped_only = false;
            is_transient |= IsTransientReason(reason);
            texts.push_back(absl::StrCat(reason, ": ", err.value("message", "")));
            if (location.empty()) location = err.value("location", "");
          }
          if (stopped_only) {
            again.push_back(rows[k]);
          } else if (is_transient) {
            again.push_back(rows[k]);
            ++transient;
            transient_text = absl::StrJoin(texts, "; ");
          } else {
            results[rows[k]] = {WriteStatus::kRejected, absl::StrJoin(texts, "; "),
                                std::move(location)};
            ++rejected;
          }
        }
        if (again.empty()) return absl::OkStatus();
        const size_t sent = rows.size();
        rows = std::move(again);
        if (transient == 0 && rejected > 0) continue;  // only the invalid rows stopped the rest.
        problem = transient > 0
                      ? absl::StrCat(transient, " of ", sent, " rows failed: ", transient_text)
                      : absl::StrCat(rows.size(), " rows stopped with no invalid row");
      } else if (IsTooLarge(http, error)) {
        const std::string why = Describe(http, error, response->body);
        if (rows.size() == 1) {
          results[rows[0]] = {WriteStatus::kRejected,
                              absl::StrCat("the row is too large for an insertAll request: ", why),
                              ""};
          return absl::OkStatus();
        }
        spdlog::info("insertAll {}: {} rows refused as too large ({}); sending them in halves",
                     table.DebugString(), rows.size(), why);
        const auto half = static_cast<std::ptrdiff_t>((rows.size() + 1) / 2);
        std::vector<size_t> first(rows.begin(), rows.begin() + half);
        std::vector<size_t> second(rows.begin() + half, rows.end());
        if (absl::Status s = Send(table, pieces, std::move(first), results, budget); !s.ok()) {
          return s;
        }
        return Send(table, pieces, std::move(second), results, budget);
      } else if (http == 200 || IsRetriable(http, error)) {
        problem = http == 200 ? "the insertAll response is not JSON"
                              : Describe(http, error, response->body);
      } else {
        return StatusFromHttp(http, response->body,
                              absl::StrCat("BigQuery insertAll ", table.DebugString()));
      }
    }
    if (budget.Take(problem) == 0) {
      spdlog::warn("insertAll {}: {}; {} rows left unwritten after {} attempt(s)",
                   table.DebugString(), problem, rows.size(), attempt + 1);
      for (size_t r : rows) {
        results[r] = {
            WriteStatus::kRetriable,
            absl::StrCat("insertAll failed after ", attempt + 1, " attempt(s): ", problem), ""};
      }
      return absl::OkStatus();
    }
    ++attempt;
    spdlog::warn("insertAll {}: {}; retry {}/{} of {} rows", table.DebugString(), problem, attempt,
                 options_.retries, rows.size());
    Wait();
  }
  return absl::OkStatus();
}

}  // namespace ferry::bigquery
