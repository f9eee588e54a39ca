#include "cli/event_generator.h"

#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ferry::cli {
namespace {

std::string Rfc3339Millis(int64_t epoch_ms) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         static_cast<int>(epoch_ms % 1000));
}

std::string Uuid(std::mt19937_64& rng) {
  uint64_t a = rng(), b = rng();
  return absl::StrFormat(
      "%08x-%04x-4%03x-%04x-%012x", static_cast<uint32_t>(a >> 32),
      static_cast<uint32_t>((a >> 16) & 0xffff), static_cast<uint32_t>(a & 0xfff),
      static_cast<uint32_t>(0x8000 | ((b >> 48) & 0x3fff)), b & 0xffffffffffffULL);
}

}  // namespace

const std::vector<std::string>& EventTypes() {
  static const std::vector<std::string> kTypes = {
      "LOGIN",     "LOGOUT",        "SIGNUP", "PROFILE_UPDATED", "PASSWORD_CHANGED",
      "WITHDRAWN", "EMAIL_VERIFIED"};
  return kTypes;
}

EventGenerator::EventGenerator(GeneratorOptions options)
    : options_(std::move(options)), rng_(options_.seed) {
  padding_.assign(static_cast<size_t>(std::max(0, options_.value_bytes - 250)), 'x');
}

kafka::ProducerRecord EventGenerator::Next() {
  const std::vector<std::string>& types = EventTypes();
  // Skewed like real traffic: logins dominate, withdrawals are rare.
  static const int kWeights[] = {40, 25, 8, 12, 6, 2, 7};
  int total = 0;
  for (int w : kWeights) total += w;
  int pick = static_cast<int>(rng_() % static_cast<uint64_t>(total));
  size_t t = 0;
  while (pick >= kWeights[t]) pick -= kWeights[t++];
  const std::string& type = types[t];
  const int64_t day = static_cast<int64_t>(rng_() % static_cast<uint64_t>(options_.days));
  const int64_t ms_in_day = static_cast<int64_t>(rng_() % 86400000ULL);
  const int64_t time_ms = (options_.start_day_epoch_s + day * 86400) * 1000 + ms_in_day;
  const uint64_t member = rng_() % 50000;
  const std::string id = Uuid(rng_);
  const std::string subject = absl::StrCat("serverlog.member.", type);
  const std::string ce_type = absl::StrCat("com.example.member.", absl::AsciiStrToLower(type));
  const std::string time = Rfc3339Millis(time_ms);
  const std::string data = absl::StrFormat(
      R"json({"memberId":"m-%06d","sessionId":"%s","ip":"10.%d.%d.%d","userAgent":"Mozilla/5.0 (X11; Linux x86_64)","result":"%s","attempt":%d,"tags":["web","kr"],"note":"%s"})json",
      member, Uuid(rng_).substr(0, 18), static_cast<int>(rng_() % 256),
      static_cast<int>(rng_() % 256), static_cast<int>(rng_() % 256),
      (rng_() % 10) ? "SUCCESS" : "FAILURE", static_cast<int>(rng_() % 3 + 1), padding_);

  kafka::ProducerRecord r;
  r.topic = options_.topic;
  r.key = absl::StrFormat("m-%06d", member);
  r.timestamp_ms = time_ms;
  const bool structured =
      static_cast<double>(rng_() % 1000000) / 1000000.0 < options_.structured_ratio;
  if (structured) {
    r.headers.emplace_back("content-type", "application/cloudevents+json; charset=UTF-8");
    r.value = absl::StrCat(R"({"specversion":"1.0","id":")", id,
                           R"(","source":"/serverlog/member-api","type":")", ce_type,
                           R"(","subject":")", subject, R"(","time":")", time,
                           R"(","datacontenttype":"application/json","partitionkey":")", *r.key,
                           R"(","data":)", data, "}");
  } else {
    r.headers = {{"ce_specversion", "1.0"},
                 {"ce_id", id},
                 {"ce_source", "/serverlog/member-api"},
                 {"ce_type", ce_type},
                 {"ce_subject", subject},
                 {"ce_time", time},
                 {"ce_partitionkey", *r.key},
                 {"content-type", "application/json"}};
    r.value = data;
  }
  ++index_;
  return r;
}

absl::StatusOr<int64_t> ProduceEvents(std::map<std::string, std::string> producer_properties,
                                      const GeneratorOptions& options,
                                      std::chrono::milliseconds flush_timeout) {
  auto producer = kafka::Producer::Create(std::move(producer_properties));
  if (!producer.ok()) return producer.status();
  EventGenerator gen(options);
  for (int64_t i = 0; i < options.count; ++i) {
    if (absl::Status s = (*producer)->Send(gen.Next()); !s.ok()) return s;
  }
  if (absl::Status s = (*producer)->Flush(static_cast<int>(flush_timeout.count())); !s.ok())
    return s;
  return (*producer)->delivered();
}

}  // namespace ferry::cli
