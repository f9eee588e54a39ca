// Throughput of the value converters on ~500-byte CloudEvents, the hot path of
// the default pipeline. Reports records/s (items_per_second) and bytes/s.

#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "convert/cloudevents_converter.h"
#include "convert/json_converter.h"

namespace ferry {
namespace {

// ~500 B of event data, written with the spacing a typical SDK produces.
constexpr char kData[] =
    R"({"memberId": 123456789, "channel": "web", "ip": "203.0.113.7",)"
    R"J( "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",)J"
    R"( "success": true, "attempt": 1, "geo": {"country": "KR", "city": "Seoul"},)"
    R"( "session": {"id": "s-5f1c2e3b1a4c7e9a", "startedAt": "2024-05-01T12:30:00Z"},)"
    R"( "tags": ["login", "password", "mfa"], "amount": 12.30, "note": "first login today"})";

std::vector<std::pair<std::string, std::optional<std::string>>> BinaryHeaders() {
  return {{"ce_specversion", "1.0"},
          {"ce_id", "6f1c1c2e-3b1a-4c7e-9a57-1f0e2d3c4b5a"},
          {"ce_source", "https://member.example.com/api"},
          {"ce_type", "com.example.member.login"},
          {"ce_subject", "serverlog.member.LOGIN"},
          {"ce_time", "2024-05-01T12:34:56.789Z"},
          {"ce_traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
          {"content-type", "application/json"}};
}

std::string StructuredEvent() {
  return std::string(
             R"({"specversion":"1.0","id":"6f1c1c2e-3b1a-4c7e-9a57-1f0e2d3c4b5a",)"
             R"("source":"https://member.example.com/api","type":"com.example.member.login",)"
             R"("subject":"serverlog.member.LOGIN","time":"2024-05-01T12:34:56.789Z",)"
             R"("datacontenttype":"application/json",)"
             R"("traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","data":)") +
         kData + "}";
}

void BM_CloudEventsBinary(benchmark::State& state) {
  CloudEventsConverter converter;
  if (!converter.Configure({}, false).ok()) state.SkipWithError("configure");
  const Headers headers = RawKafkaHeaders(BinaryHeaders());
  const std::optional<std::string> value = std::string(kData);
  for (auto _ : state) {
    absl::StatusOr<SchemaAndValue> v = converter.ToConnectData("events", headers, value);
    if (!v.ok()) state.SkipWithError(std::string(v.status().message()).c_str());
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(value->size()));
}
BENCHMARK(BM_CloudEventsBinary);

void BM_CloudEventsStructured(benchmark::State& state) {
  CloudEventsConverter converter;
  if (!converter.Configure({}, false).ok()) state.SkipWithError("configure");
  const Headers headers = RawKafkaHeaders({{"content-type", "application/cloudevents+json"}});
  const std::optional<std::string> value = StructuredEvent();
  for (auto _ : state) {
    absl::StatusOr<SchemaAndValue> v = converter.ToConnectData("events", headers, value);
    if (!v.ok()) state.SkipWithError(std::string(v.status().message()).c_str());
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(value->size()));
}
BENCHMARK(BM_CloudEventsStructured);

void BM_CloudEventsToStructuredJson(benchmark::State& state) {
  CloudEventsConverter converter;
  if (!converter.Configure({}, false).ok()) state.SkipWithError("configure");
  absl::StatusOr<SchemaAndValue> event =
      converter.ToConnectData("events", RawKafkaHeaders(BinaryHeaders()), std::string(kData));
  if (!event.ok()) state.SkipWithError("convert");
  for (auto _ : state) {
    auto out = converter.FromConnectData("events", event->schema, event->value);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CloudEventsToStructuredJson);

void BM_JsonSchemaless(benchmark::State& state) {
  JsonConverter converter;
  if (!converter.Configure({{"schemas.enable", "false"}}, false).ok()) {
    state.SkipWithError("configure");
  }
  const std::optional<std::string> value = std::string(kData);
  for (auto _ : state) {
    absl::StatusOr<SchemaAndValue> v = converter.ToConnectData("t", Headers(), value);
    if (!v.ok()) state.SkipWithError("convert");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(value->size()));
}
BENCHMARK(BM_JsonSchemaless);

}  // namespace
}  // namespace ferry

BENCHMARK_MAIN();
