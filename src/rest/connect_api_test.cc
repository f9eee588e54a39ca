// Connect's REST shapes and codes, over an in-memory herder (the component
// test tests/rest_conformance_test.cc drives the real standalone worker).
#include "rest/connect_api.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>

#include "absl/strings/str_cat.h"

namespace ferry::rest {
namespace {

using herder::Config;
using herder::TargetState;
using json = nlohmann::json;

class FakeHerder : public herder::Herder {
 public:
  bool Ready() const override { return ready; }
  std::string KafkaClusterId() const override { return "cluster-1"; }
  std::vector<std::string> Connectors() const override {
    std::vector<std::string> out;
    for (const auto& [n, c] : configs) out.push_back(n);
    return out;
  }
  absl::StatusOr<herder::ConnectorInfo> Info(const std::string& name) const override {
    auto it = configs.find(name);
    if (it == configs.end()) return absl::NotFoundError("Connector " + name + " not found");
    return herder::ConnectorInfo{name, herder::Shown(it->second), 2, "sink"};
  }
  absl::StatusOr<herder::ConnectorStatus> Status(const std::string& name) const override {
    if (!configs.count(name)) return absl::NotFoundError("Connector " + name + " not found");
    herder::ConnectorStatus s;
    s.name = name;
    s.connector = {targets.at(name) == TargetState::kPaused ? "PAUSED" : "RUNNING", "w:8083", ""};
    s.tasks = {{0, {"RUNNING", "w:8083", ""}}, {1, {"FAILED", "w:8083", "boom"}}};
    return s;
  }
  absl::StatusOr<std::vector<herder::TaskInfo>> Tasks(const std::string& name) const override {
    auto info = Info(name);
    if (!info.ok()) return info.status();
    return std::vector<herder::TaskInfo>{{0, info->config}, {1, info->config}};
  }
  absl::StatusOr<bool> PutConfig(const std::string& name, Config config, bool allow_replace,
                                 TargetState initial) override {
    if (config.count("topics") == 0) return absl::InvalidArgumentError("topics: required");
    const bool created = configs.count(name) == 0;
    if (!created && !allow_replace)
      return absl::AlreadyExistsError("Connector " + name + " already exists");
    configs[name] = std::move(config);
    if (created) targets[name] = initial;
    return created;
  }
  absl::Status PatchConfig(const std::string& name,
                           const std::map<std::string, std::optional<std::string>>& p) override {
    if (!configs.count(name)) return absl::NotFoundError("Connector " + name + " not found");
    for (const auto& [k, v] : p) {
      if (v)
        configs[name][k] = *v;
      else
        configs[name].erase(k);
    }
    return absl::OkStatus();
  }
  absl::Status Delete(const std::string& name) override {
    if (!configs.erase(name)) return absl::NotFoundError("Connector " + name + " not found");
    return absl::OkStatus();
  }
  absl::Status Restart(const std::string& name, bool include_tasks, bool only_failed) override {
    restarts.push_back(absl::StrCat(name, include_tasks, only_failed));
    return configs.count(name) ? absl::OkStatus()
                               : absl::NotFoundError("Connector " + name + " not found");
  }
  absl::Status RestartTask(const std::string& name, int task) override {
    if (task > 1) return absl::NotFoundError(absl::StrCat("Task ", name, "-", task, " not found"));
    restarts.push_back(absl::StrCat(name, "-", task));
    return absl::OkStatus();
  }
  absl::Status SetTargetState(const std::string& name, TargetState state) override {
    if (!configs.count(name)) return absl::NotFoundError("Connector " + name + " not found");
    targets[name] = state;
    return absl::OkStatus();
  }
  herder::Validation Validate(const Config& config) const override {
    herder::Validation v;
    if (!config.count("topics")) v.errors.push_back({"topics", "Missing required configuration"});
    v.errors.push_back({"unknownKey", "not a config key", true});
    v.definitions = herder::ConnectorConfigDefs();
    return v;
  }

  bool ready = true;
  std::map<std::string, Config> configs;
  std::map<std::string, TargetState> targets;
  std::vector<std::string> restarts;
};

class ConnectApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_ = ConnectRouter(
        &herder_, {.version = "3.9.0", .commit = "ferry-test", .advertised_url = "http://w:8083"});
  }
  Response Call(std::string method, std::string path, std::string body = "",
                std::multimap<std::string, std::string> query = {}) {
    Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.query = std::move(query);
    return router_->Route(std::move(r));
  }
  static json Body(const Response& r) { return json::parse(r.body); }
  void Create(const std::string& name) {
    Response r =
        Call("POST", "/connectors",
             json({{"name", name}, {"config", {{"topics", "t"}, {"keyfile", "{secret}"}}}}).dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }

  FakeHerder herder_;
  std::shared_ptr<Router> router_;
};

TEST_F(ConnectApiTest, RootAndHealth) {
  Response r = Call("GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(
      Body(r),
      json({{"version", "3.9.0"}, {"commit", "ferry-test"}, {"kafka_cluster_id", "cluster-1"}}));
  EXPECT_EQ(Body(Call("GET", "/health"))["status"], "healthy");
  herder_.ready = false;
  r = Call("GET", "/health");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(Body(r)["status"], "starting");
}

TEST_F(ConnectApiTest, CreateAnswers201WithLocationAndHidesSecrets) {
  Response r = Call("POST", "/connectors",
                    json({{"name", "orders"},
                          {"config",
                           {{"topics", "t"},
                            {"tasks.max", 2},
                            {"keyfile", "{secret}"},
                            {"ferry.alert.slack.webhook.url", "${env:HOOK}"}}}})
                        .dump());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers["Location"], "http://w:8083/connectors/orders");
  const json info = Body(r);
  EXPECT_EQ(info["name"], "orders");
  EXPECT_EQ(info["type"], "sink");
  EXPECT_EQ(info["config"]["name"], "orders");
  EXPECT_EQ(info["config"]["tasks.max"], "2");
  EXPECT_EQ(info["config"]["keyfile"], "[hidden]");
  EXPECT_EQ(info["config"]["ferry.alert.slack.webhook.url"], "${env:HOOK}");
  EXPECT_EQ(info["tasks"], json::array({{{"connector", "orders"}, {"task", 0}},
                                        {{"connector", "orders"}, {"task", 1}}}));
  EXPECT_EQ(herder_.configs["orders"]["keyfile"], "{secret}");  // kept inside.

  r = Call("POST", "/connectors", json({{"name", "orders"}, {"config", {{"topics", "t"}}}}).dump());
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Body(r), json({{"error_code", 409}, {"message", "Connector orders already exists"}}));
}

TEST_F(ConnectApiTest, CreateRefusesBadRequests) {
  for (const std::string& body :
       {std::string("{"), std::string("[]"), json({{"config", {{"topics", "t"}}}}).dump(),
        json({{"name", "a"}}).dump(), json({{"name", "a"}, {"config", "x"}}).dump(),
        json({{"name", "a"}, {"config", {{"topics", "t"}, {"name", "b"}}}}).dump(),
        json({{"name", "a"}, {"config", {{"topics", {1}}}}}).dump(),
        json({{"name", "a"}, {"config", {{"topics", "t"}}}, {"initial_state", "SLEEPING"}}).dump(),
        json({{"name", "a"}, {"config", {{"x", "t"}}}}).dump()}) {
    Response r = Call("POST", "/connectors", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(Body(r)["error_code"], 400) << body;
  }
  EXPECT_TRUE(herder_.configs.empty());
  Response r = Call(
      "POST", "/connectors",
      json({{"name", "p"}, {"config", {{"topics", "t"}}}, {"initial_state", "PAUSED"}}).dump());
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(herder_.targets["p"], TargetState::kPaused);
}

TEST_F(ConnectApiTest, ListWithExpansions) {
  Create("a");
  Create("b");
  EXPECT_EQ(Body(Call("GET", "/connectors")), json::array({"a", "b"}));
  json both = Body(Call("GET", "/connectors", "", {{"expand", "status"}, {"expand", "info"}}));
  EXPECT_EQ(both["a"]["status"]["connector"]["state"], "RUNNING");
  EXPECT_EQ(both["b"]["info"]["name"], "b");
  json status = Body(Call("GET", "/connectors", "", {{"expand", "status"}, {"expand", "nope"}}));
  EXPECT_FALSE(status["a"].contains("info"));
}

TEST_F(ConnectApiTest, ConfigGetPutPatch) {
  Create("a");
  EXPECT_EQ(Body(Call("GET", "/connectors/a/config")),
            json({{"name", "a"}, {"topics", "t"}, {"keyfile", "[hidden]"}}));
  Response r = Call("PUT", "/connectors/new/config", json({{"topics", "x"}}).dump());
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.headers["Location"], "http://w:8083/connectors/new");
  r = Call("PUT", "/connectors/new/config", json({{"topics", "y"}}).dump());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["config"]["topics"], "y");
  r = Call("PUT", "/connectors/new/config", json({{"topics", "y"}, {"name", "other"}}).dump());
  EXPECT_EQ(r.status, 400);
  r = Call("PATCH", "/connectors/a/config", json({{"topics", "z"}, {"keyfile", nullptr}}).dump());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(herder_.configs["a"], (Config{{"name", "a"}, {"topics", "z"}}));
  EXPECT_EQ(Call("PATCH", "/connectors/zz/config", "{}").status, 404);
  EXPECT_EQ(Call("GET", "/connectors/zz/config").status, 404);
}

TEST_F(ConnectApiTest, StatusTasksAndTaskStatus) {
  Create("a");
  json s = Body(Call("GET", "/connectors/a/status"));
  EXPECT_EQ(s,
            json({{"name", "a"},
                  {"connector", {{"state", "RUNNING"}, {"worker_id", "w:8083"}}},
                  {"tasks",
                   {{{"id", 0}, {"state", "RUNNING"}, {"worker_id", "w:8083"}},
                    {{"id", 1}, {"state", "FAILED"}, {"worker_id", "w:8083"}, {"trace", "boom"}}}},
                  {"type", "sink"}}));
  json tasks = Body(Call("GET", "/connectors/a/tasks"));
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[1]["id"], json({{"connector", "a"}, {"task", 1}}));
  EXPECT_EQ(tasks[1]["config"]["keyfile"], "[hidden]");
  EXPECT_EQ(Body(Call("GET", "/connectors/a/tasks/1/status"))["trace"], "boom");
  Response r = Call("GET", "/connectors/a/tasks/7/status");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Call("GET", "/connectors/a/tasks/x/status").status, 404);
  EXPECT_EQ(Call("GET", "/connectors/zz/status").status, 404);
}

TEST_F(ConnectApiTest, RestartPauseResumeStopDelete) {
  Create("a");
  EXPECT_EQ(Call("POST", "/connectors/a/restart").status, 204);
  Response r =
      Call("POST", "/connectors/a/restart", "", {{"includeTasks", "true"}, {"onlyFailed", "true"}});
  EXPECT_EQ(r.status, 202);
  json plan = Body(r);
  EXPECT_EQ(plan["connector"]["state"], "RUNNING");
  EXPECT_EQ(plan["tasks"][0]["state"], "RUNNING");
  EXPECT_EQ(plan["tasks"][1]["state"], "RESTARTING");
  EXPECT_EQ(Call("POST", "/connectors/a/tasks/1/restart").status, 204);
  EXPECT_EQ(Call("POST", "/connectors/a/tasks/9/restart").status, 404);
  EXPECT_EQ(herder_.restarts, (std::vector<std::string>{"a00", "a11", "a-1"}));
  EXPECT_EQ(Call("PUT", "/connectors/a/pause").status, 202);
  EXPECT_EQ(herder_.targets["a"], TargetState::kPaused);
  EXPECT_EQ(Call("PUT", "/connectors/a/resume").status, 202);
  EXPECT_EQ(Call("PUT", "/connectors/a/stop").status, 204);
  EXPECT_EQ(herder_.targets["a"], TargetState::kStopped);
  EXPECT_EQ(Call("PUT", "/connectors/zz/pause").status, 404);
  EXPECT_EQ(Call("DELETE", "/connectors/a").status, 204);
  EXPECT_EQ(Call("DELETE", "/connectors/a").status, 404);
  EXPECT_EQ(Call("GET", "/connectors/a").status, 404);
  EXPECT_EQ(Call("POST", "/connectors/a/pause").status, 405);
}

TEST_F(ConnectApiTest, PluginsAndValidation) {
  json plugins = Body(Call("GET", "/connector-plugins"));
  ASSERT_EQ(plugins.size(), 1u);
  EXPECT_EQ(plugins[0]["class"], kBigQuerySinkClass);
  EXPECT_EQ(plugins[0]["type"], "sink");
  json defs = Body(Call("GET", "/connector-plugins/BigQuerySinkConnector/config"));
  bool found = false;
  for (const json& d : defs) found = found || d["name"] == "defaultDataset";
  EXPECT_TRUE(found);
  EXPECT_EQ(Call("GET", "/connector-plugins/Nope/config").status, 404);

  Response r =
      Call("PUT", std::string("/connector-plugins/") + kBigQuerySinkClass + "/config/validate",
           json({{"keyfile", "{secret}"}, {"unknownKey", "1"}}).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json v = Body(r);
  EXPECT_EQ(v["name"], kBigQuerySinkClass);
  EXPECT_EQ(v["error_count"], 1);  // unknownKey is ignorable: lenient, as the runtime.
  EXPECT_FALSE(v["groups"].empty());
  std::map<std::string, json> by_name;
  for (const json& c : v["configs"]) by_name[c["value"]["name"]] = c;
  EXPECT_EQ(by_name["topics"]["value"]["errors"], json::array({"Missing required configuration"}));
  EXPECT_EQ(by_name["keyfile"]["value"]["value"], "[hidden]");
  EXPECT_EQ(by_name["keyfile"]["definition"]["type"], "PASSWORD");
  EXPECT_EQ(by_name.count("unknownKey"), 0u);
  EXPECT_EQ(by_name["connector.class"]["value"]["value"], kBigQuerySinkClass);
  r = Call("PUT", "/connector-plugins/BigQuerySink/config/validate",
           json({{"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"}}).dump());
  EXPECT_EQ(r.status, 400);
}

}  // namespace
}  // namespace ferry::rest
