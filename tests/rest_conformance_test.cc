// Connect's REST API against a running standalone worker: every request of
// rest/connect_api_conformance.json, its status, headers and body checked
// (over HTTP with cpp-httplib's client), while the connector it creates
// writes events into the emulator.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "herder/standalone_herder.h"
#include "rest/connect_service.h"
#include "tests/component_env.h"

namespace ferry::testing {
namespace {

using json = nlohmann::json;

// Expected ⊆ actual: see the file's "about".
bool Matches(const json& expected, const json& actual, const std::string& path, std::string* why) {
  if (expected.is_string() && expected.get<std::string>() == "${any}") return true;
  if (expected.is_object()) {
    if (!actual.is_object()) {
      *why = path + ": not an object: " + actual.dump();
      return false;
    }
    for (const auto& [k, v] : expected.items()) {
      if (!actual.contains(k)) {
        *why = absl::StrCat(path, ": no key '", k, "' in ", actual.dump());
        return false;
      }
      if (!Matches(v, actual[k], path + "." + k, why)) return false;
    }
    return true;
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      *why = absl::StrCat(path, ": expected ", expected.size(), " elements, got ", actual.dump());
      return false;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      if (!Matches(expected[i], actual[i], absl::StrCat(path, "[", i, "]"), why)) return false;
    }
    return true;
  }
  if (expected != actual) {
    *why = absl::StrCat(path, ": expected ", expected.dump(), ", got ", actual.dump());
    return false;
  }
  return true;
}

class RestConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = ComponentEnv::Start({});
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
    Props worker = env_->WorkerProps();
    worker["listeners"] = "http://127.0.0.1:0";
    worker["rest.advertised.host.name"] = "127.0.0.1";
    runtime::WorkerOptions options;
    options.exit_on_task_failure = false;
    auto w = WorkerThread::Start(worker, {}, options);
    ASSERT_TRUE(w.ok()) << w.status();
    worker_ = std::move(*w);
    auto providers = ConfigProviders::FromWorkerConfig(worker);
    ASSERT_TRUE(providers.ok()) << providers.status();
    herder_ = std::make_unique<herder::StandaloneHerder>(&worker_->worker(), worker, *providers,
                                                         std::vector<ConfigFile>{});
    auto service =
        rest::StartConnectService(worker, herder_.get(), "ferry-test",
                                  [&](const std::string& id) { herder_->set_worker_id(id); });
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = std::move(*service);
    ASSERT_NE(service_.server, nullptr);
  }
  void TearDown() override {
    service_ = {};
    if (worker_ != nullptr) {
      worker_->Stop();
      EXPECT_TRUE(worker_->Wait().ok());
    }
  }
  using Props = std::map<std::string, std::string>;

  json Substitute(const json& j) {
    if (j.is_string()) {
      const std::string s = j.get<std::string>();
      if (s == "${connector_config}") {
        Props c = env_->ServerlogConnector("orders-sink");
        c["tasks.max"] = "1";
        c["value.converter.basic.auth.user.info"] = "alice:secret";
        return json(c);
      }
      return absl::StrReplaceAll(s,
                                 {{"${url}", service_.url}, {"${worker_id}", service_.worker_id}});
    }
    json out = j;
    if (j.is_object()) {
      for (auto& [k, v] : out.items()) v = Substitute(v);
    } else if (j.is_array()) {
      for (auto& v : out) v = Substitute(v);
    }
    return out;
  }

  // One request; "" when the response matches, else why not.
  std::string Try(const json& step) {
    const json& req = step["request"];
    httplib::Client client("127.0.0.1", service_.server->port());
    client.set_read_timeout(60, 0);
    std::string path = req["path"].get<std::string>();
    if (req.contains("query")) {
      std::string q;
      for (const json& kv : req["query"]) {
        absl::StrAppend(&q, q.empty() ? "?" : "&", kv[0].get<std::string>(), "=",
                        kv[1].get<std::string>());
      }
      path += q;
    }
    std::string body;
    if (req.contains("raw_body")) body = req["raw_body"].get<std::string>();
    if (req.contains("body")) body = Substitute(req["body"]).dump();
    const std::string method = req["method"].get<std::string>();
    httplib::Result r = method == "GET"      ? client.Get(path)
                        : method == "DELETE" ? client.Delete(path)
                        : method == "POST"   ? client.Post(path, body, "application/json")
                        : method == "PUT"    ? client.Put(path, body, "application/json")
                                             : client.Patch(path, body, "application/json");
    if (!r) return "no response: " + httplib::to_string(r.error());
    const json& expect = step["expect"];
    if (r->status != expect["status"].get<int>()) {
      return absl::StrCat("status ", r->status, " (expected ", expect["status"].dump(),
                          "): ", r->body);
    }
    if (expect.contains("headers")) {
      for (const auto& [k, v] : expect["headers"].items()) {
        const std::string want = Substitute(v).get<std::string>();
        if (r->get_header_value(k) != want) {
          return absl::StrCat("header ", k, ": '", r->get_header_value(k), "', expected '", want,
                              "'");
        }
      }
    }
    if (expect.contains("body")) {
      json actual = json::parse(r->body, nullptr, false);
      if (actual.is_discarded()) return "the body is not JSON: " + r->body;
      std::string why;
      if (!Matches(Substitute(expect["body"]), actual, "body", &why)) return why;
    } else if (r->status == 204 && !r->body.empty()) {
      return "a 204 with a body: " + r->body;
    }
    return "";
  }

  std::unique_ptr<ComponentEnv> env_;
  std::unique_ptr<WorkerThread> worker_;
  std::unique_ptr<herder::StandaloneHerder> herder_;
  rest::ConnectService service_;
};

TEST_F(RestConformanceTest, EveryRequestAnswersAsConnect) {
  std::ifstream in(FERRY_REST_CONFORMANCE);
  ASSERT_TRUE(in.good()) << FERRY_REST_CONFORMANCE;
  std::stringstream text;
  text << in.rdbuf();
  const json file = json::parse(text.str());
  int requests = 0;
  for (const json& step : file["steps"]) {
    const std::string name = step["name"].get<std::string>();
    SCOPED_TRACE(name);
    if (step.contains("produce")) {
      cli::GeneratorOptions g;
      g.count = step["produce"].get<int64_t>();
      g.seed = static_cast<uint64_t>(requests + 1);
      auto produced = env_->Produce(g);
      ASSERT_TRUE(produced.ok()) << produced.status();
      ASSERT_EQ(*produced, g.count);
      const json& rows = step["rows"];
      const size_t want = rows["count"].get<size_t>();
      size_t have = 0;
      ASSERT_TRUE(worker_->WaitUntil(
          [&] {
            auto got = env_->ReadColumn(rows["dataset"], rows["table"], "ce_id");
            have = got.ok() ? got->size() : 0;
            return have >= want;
          },
          absl::Seconds(90)))
          << "rows: " << have << " of " << want;
      // Exactly once across the pauses, reconfigurations and restarts.
      auto got = env_->ReadColumn(rows["dataset"], rows["table"], "ce_id");
      ASSERT_TRUE(got.ok());
      EXPECT_EQ(got->size(), want);
      continue;
    }
    ++requests;
    std::string why = Try(step);
    if (step.value("until", false)) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!why.empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling the API.
        why = Try(step);
      }
    }
    EXPECT_EQ(why, "") << name;
    if (!why.empty() && step.value("until", false)) break;  // later steps depend on it.
  }
  EXPECT_GE(requests, 40);
}

}  // namespace
}  // namespace ferry::testing
