#include "herder/standalone_herder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "runtime/discard_writer.h"

namespace ferry::herder {
namespace {

using ::testing::HasSubstr;

Config Connector() {
  return {{"connector.class", "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector"},
          {"topics", "orders"},
          {"tasks.max", "2"},
          {"project", "p"},
          {"defaultDataset", "d"},
          {"keyfile", "{\"type\":\"service_account\"}"},
          {"ferry.alert.slack.webhook.url", "${env:FERRY_HERDER_TEST_HOOK}"}};
}

// A worker that is never run: connectors are checked and kept, not started.
class StandaloneHerderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FERRY_HERDER_TEST_HOOK", "https://hooks.slack.com/services/T/B/secret", 1);
    const std::map<std::string, std::string> worker = {
        {"bootstrap.servers", "127.0.0.1:1"},
        {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"value.converter", "org.apache.kafka.connect.json.JsonConverter"}};
    runtime::WorkerOptions options;
    options.writer_factory = [](const std::map<std::string, std::string>&, int) {
      return absl::StatusOr<std::unique_ptr<SinkWriter>>(
          std::make_unique<runtime::DiscardWriter>());
    };
    auto w = runtime::Worker::Create(worker, {}, options);
    ASSERT_TRUE(w.ok()) << w.status();
    worker_ = std::move(*w);
    auto providers = ConfigProviders::FromWorkerConfig(worker);
    ASSERT_TRUE(providers.ok());
    herder_ = std::make_unique<StandaloneHerder>(
        worker_.get(), worker, *providers, std::vector<ConfigFile>{{"from-file", Connector()}});
    herder_->set_worker_id("w:8083");
  }
  std::unique_ptr<runtime::Worker> worker_;
  std::unique_ptr<StandaloneHerder> herder_;
};

TEST_F(StandaloneHerderTest, ConfigsAreShownAsWrittenWithSecretsHidden) {
  EXPECT_EQ(herder_->Connectors(), std::vector<std::string>{"from-file"});
  absl::StatusOr<bool> created =
      herder_->PutConfig("orders", Connector(), false, TargetState::kStarted);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(*created);
  absl::StatusOr<ConnectorInfo> info = herder_->Info("orders");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->tasks, 2);
  EXPECT_EQ(info->config.at("name"), "orders");
  EXPECT_EQ(info->config.at("keyfile"), "[hidden]");  // PASSWORD-typed.
  // A reference is shown as written, never resolved.
  EXPECT_EQ(info->config.at("ferry.alert.slack.webhook.url"), "${env:FERRY_HERDER_TEST_HOOK}");
  absl::StatusOr<std::vector<TaskInfo>> tasks = herder_->Tasks("orders");
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ((*tasks)[1].config.at("task.class"),
            "com.wepay.kafka.connect.bigquery.BigQuerySinkTask");
  EXPECT_EQ((*tasks)[1].config.at("keyfile"), "[hidden]");
  // The worker got the resolved config.
  bool seen = false;
  for (const auto& c : worker_->Status()) {
    if (c.name != "orders") continue;
    seen = true;
    EXPECT_EQ(c.props.at("ferry.alert.slack.webhook.url"),
              "https://hooks.slack.com/services/T/B/secret");
  }
  EXPECT_TRUE(seen);
}

TEST_F(StandaloneHerderTest, CreateReplaceAndDelete) {
  ASSERT_TRUE(herder_->PutConfig("orders", Connector(), false, TargetState::kStarted).ok());
  absl::StatusOr<bool> again =
      herder_->PutConfig("orders", Connector(), false, TargetState::kStarted);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(), "Connector orders already exists");
  Config three = Connector();
  three["tasks.max"] = "3";
  absl::StatusOr<bool> replaced = herder_->PutConfig("orders", three, true, TargetState::kStarted);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_FALSE(*replaced);
  EXPECT_EQ(herder_->Info("orders")->tasks, 3);
  // PATCH: a key set, one removed; the hidden secret stays as it was.
  ASSERT_TRUE(herder_
                  ->PatchConfig("orders", {{"tasks.max", "1"},
                                           {"ferry.alert.slack.webhook.url", std::nullopt}})
                  .ok());
  absl::StatusOr<ConnectorInfo> info = herder_->Info("orders");
  EXPECT_EQ(info->tasks, 1);
  EXPECT_EQ(info->config.count("ferry.alert.slack.webhook.url"), 0u);
  EXPECT_EQ(info->config.at("keyfile"), "[hidden]");
  ASSERT_TRUE(herder_->Delete("orders").ok());
  EXPECT_EQ(herder_->Info("orders").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(herder_->Delete("orders").message(), "Connector orders not found");
  EXPECT_EQ(herder_->Status("orders").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(herder_->PatchConfig("orders", {}).code(), absl::StatusCode::kNotFound);
}

TEST_F(StandaloneHerderTest, AnInvalidConfigIsRefusedWithEveryProblem) {
  Config bad = Connector();
  bad["tasks.max"] = "zero";
  bad.erase("defaultDataset");
  absl::StatusOr<bool> r = herder_->PutConfig("bad", bad, false, TargetState::kStarted);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("tasks.max"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("defaultDataset"));
  EXPECT_EQ(herder_->Info("bad").status().code(), absl::StatusCode::kNotFound);
  // Validate answers the same problems without keeping anything.
  Validation v = herder_->Validate(bad);
  bool tasks_max = false;
  for (const ConfigError& e : v.errors) tasks_max = tasks_max || e.key == "tasks.max";
  EXPECT_TRUE(tasks_max);
  EXPECT_FALSE(v.definitions.empty());
  // An unknown key is accepted, as Connect runs such configs.
  Config extra = Connector();
  extra["bufferSize"] = "100";
  EXPECT_TRUE(herder_->PutConfig("extra", extra, false, TargetState::kStarted).ok());
}

TEST_F(StandaloneHerderTest, StatusFollowsTheTargetState) {
  ASSERT_TRUE(herder_->PutConfig("s", Connector(), false, TargetState::kStopped).ok());
  absl::StatusOr<ConnectorStatus> st = herder_->Status("s");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->connector.state, "STOPPED");
  EXPECT_EQ(st->connector.worker_id, "w:8083");
  EXPECT_TRUE(st->tasks.empty());
  EXPECT_EQ(herder_->Info("s")->tasks, 0);
  EXPECT_EQ(herder_->RestartTask("s", 0).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(herder_->SetTargetState("nope", TargetState::kPaused).code(),
            absl::StatusCode::kNotFound);
}

TEST(ShownTest, SecretNamesAreHiddenAndReferencesShown) {
  Config shown = Shown({{"consumer.override.sasl.jaas.config", "x required password=\"p\";"},
                        {"value.converter.basic.auth.user.info", "u:p"},
                        {"producer.override.ssl.key.password", "k"},
                        {"keyfile", "${file:/secrets/key.json}"},
                        {"topics", "t"}});
  EXPECT_EQ(shown["consumer.override.sasl.jaas.config"], "[hidden]");
  EXPECT_EQ(shown["value.converter.basic.auth.user.info"], "[hidden]");
  EXPECT_EQ(shown["producer.override.ssl.key.password"], "[hidden]");
  EXPECT_EQ(shown["keyfile"], "${file:/secrets/key.json}");
  EXPECT_EQ(shown["topics"], "t");
}

}  // namespace
}  // namespace ferry::herder
