// A task's life against the embedded Kafka, with a scripted writer in place
// of BigQuery: Connect's retry schedule for writes (measured, not slept),
// restarts with backoff and their limit, the alerts a failing and recovering
// task sends, and pause/resume.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "alert/clock.h"
#include "alert/testing/webhook_receiver.h"
#include "kafka/producer.h"
#include "tests/component_env.h"

namespace ferry::testing {
namespace {

using Clock = std::chrono::steady_clock;
using Props = std::map<std::string, std::string>;
using std::chrono::milliseconds;

constexpr char kTopic[] = "events";

// What the scripted writers did, shared by every writer a task builds.
struct Script {
  std::mutex mu;
  std::vector<Clock::time_point> builds;  // when each writer was built.
  std::vector<Clock::time_point> writes;  // when each Write() returned.
  int64_t delivered = 0;
  // The result of a Write() of `n` records by the writer built `build`-th.
  std::function<absl::StatusOr<std::vector<RecordResult>>(int build, size_t n)> on_write;

  std::vector<Clock::time_point> Builds() {
    std::lock_guard<std::mutex> lock(mu);
    return builds;
  }
  std::vector<Clock::time_point> Writes() {
    std::lock_guard<std::mutex> lock(mu);
    return writes;
  }
};

class ScriptedWriter : public SinkWriter {
 public:
  ScriptedWriter(std::shared_ptr<Script> script, int build)
      : script_(std::move(script)), build_(build) {}
  absl::StatusOr<std::vector<RecordResult>> Write(
      absl::Span<const SinkRecord* const> records) override {
    auto result = script_->on_write(build_, records.size());
    std::lock_guard<std::mutex> lock(script_->mu);
    script_->writes.push_back(Clock::now());
    if (result.ok()) {
      for (const RecordResult& r : *result) {
        script_->delivered += r.status == WriteStatus::kDelivered ? 1 : 0;
      }
    }
    return result;
  }

 private:
  std::shared_ptr<Script> script_;
  int build_;
};

std::vector<RecordResult> All(size_t n, WriteStatus status, const std::string& reason = "") {
  return std::vector<RecordResult>(n, RecordResult{status, reason, ""});
}

int64_t Millis(Clock::duration d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

class TaskLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = ComponentEnv::Start({.topics = {std::string(kTopic) + ":1"}});
    ASSERT_TRUE(env.ok()) << env.status();
    env_ = std::move(*env);
  }

  static Props Connector() {
    return {
        {"name", "lc"},
        {"connector.class", "com.wepay.kafka.connect.bigquery.BigQuerySinkConnector"},
        {"tasks.max", "1"},
        {"topics", kTopic},
        {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"value.converter", "org.apache.kafka.connect.storage.StringConverter"},
        {"project", "p"},
        {"defaultDataset", "d"},
    };
  }

  void Produce(int count) {
    auto producer = kafka::Producer::Create({{"bootstrap.servers", env_->bootstrap()}});
    ASSERT_TRUE(producer.ok()) << producer.status();
    for (int i = 0; i < count; ++i) {
      kafka::ProducerRecord r;
      r.topic = kTopic;
      r.partition = 0;
      r.value = absl::StrCat("v-", i);
      ASSERT_TRUE((*producer)->Send(r).ok());
    }
    ASSERT_TRUE((*producer)->Flush(30000).ok());
  }

  absl::StatusOr<std::unique_ptr<WorkerThread>> Start(const Props& connector) {
    runtime::WorkerOptions options;
    options.writer_factory = [s = script_](const Props&, int) {
      std::lock_guard<std::mutex> lock(s->mu);
      s->builds.push_back(Clock::now());
      return absl::StatusOr<std::unique_ptr<SinkWriter>>(
          std::make_unique<ScriptedWriter>(s, static_cast<int>(s->builds.size()) - 1));
    };
    return WorkerThread::Start(env_->WorkerProps(), {connector}, options);
  }

  std::unique_ptr<ComponentEnv> env_;
  std::shared_ptr<Script> script_ = std::make_shared<Script>();
};

// Upper bounds allow for a busy machine; lower bounds are exact.
constexpr int64_t kSlackMs = 500;

TEST_F(TaskLifecycleTest, WriteRetriesFollowConnectsScheduleAndEndAtTheTimeout) {
  script_->on_write = [](int, size_t n) { return All(n, WriteStatus::kRetriable, "busy"); };
  Props connector = Connector();
  connector["errors.retry.timeout"] = "3000";
  connector["errors.retry.delay.max.ms"] = "1000";
  connector["ferry.task.restart.policy"] = "never";
  Produce(1);
  auto worker = Start(connector);
  ASSERT_TRUE(worker.ok()) << worker.status();
  absl::Status result = (*worker)->Wait();
  const Clock::time_point failed_at = Clock::now();
  EXPECT_TRUE(absl::IsInternal(result)) << result;
  EXPECT_TRUE(absl::StrContains(result.message(), "errors.retry.timeout=3000")) << result;

  const std::vector<Clock::time_point> w = script_->Writes();
  ASSERT_GE(w.size(), 4u);
  // 300 ms, then 600 ms, then a random wait below errors.retry.delay.max.ms.
  EXPECT_GE(Millis(w[1] - w[0]), 300);
  EXPECT_LE(Millis(w[1] - w[0]), 300 + kSlackMs);
  EXPECT_GE(Millis(w[2] - w[1]), 600);
  EXPECT_LE(Millis(w[2] - w[1]), 600 + kSlackMs);
  for (size_t i = 3; i < w.size(); ++i) EXPECT_LE(Millis(w[i] - w[i - 1]), 1000 + kSlackMs) << i;
  // The last attempt is at the deadline, never past it; then the task fails.
  EXPECT_GE(Millis(w.back() - w.front()), 3000 - 50);
  EXPECT_LE(Millis(w.back() - w.front()), 3000 + kSlackMs);
  EXPECT_LE(Millis(failed_at - w.back()), 10000);  // the final commit and leaving the group.
  auto status = (*worker)->worker().Status();
  EXPECT_EQ(status[0].tasks[0].state, runtime::TaskState::kFailed);
  EXPECT_EQ(status[0].tasks[0].write_retries, static_cast<int64_t>(w.size()) - 1);
}

TEST_F(TaskLifecycleTest, WithoutRetryTimeoutAWriteIsTriedOnce) {
  script_->on_write = [](int, size_t n) { return All(n, WriteStatus::kRetriable, "busy"); };
  Props connector = Connector();
  connector["ferry.task.restart.policy"] = "never";
  Produce(1);
  auto worker = Start(connector);
  ASSERT_TRUE(worker.ok()) << worker.status();
  EXPECT_FALSE((*worker)->Wait().ok());
  EXPECT_EQ(script_->Writes().size(), 1u);
}

TEST_F(TaskLifecycleTest, FailedTaskRestartsWithDoublingBackoffRecoversAndAlerts) {
  // Three writers in a row fail; the fourth works.
  script_->on_write = [](int build, size_t n) -> absl::StatusOr<std::vector<RecordResult>> {
    if (build < 3) return absl::PermissionDeniedError(absl::StrCat("writer ", build, " refused"));
    return All(n, WriteStatus::kDelivered);
  };
  alert::testing::Receiver hook(&alert::RealClock());
  Props connector = Connector();
  connector["ferry.task.restart.backoff.initial.ms"] = "200";
  connector["ferry.task.restart.backoff.max.ms"] = "60000";
  connector["ferry.alert.webhook.url"] = hook.Url("/hook");
  Produce(10);
  auto worker = Start(connector);
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE((*worker)->WaitUntil(
      [&] {
        std::lock_guard<std::mutex> lock(script_->mu);
        return script_->delivered == 10;
      },
      absl::Seconds(120)));
  ASSERT_TRUE((*worker)->WaitUntil(
      [&] {
        auto s = (*worker)->worker().Status();
        return s[0].tasks[0].state == runtime::TaskState::kRunning;
      },
      absl::Seconds(10)));
  auto status = (*worker)->worker().Status();
  EXPECT_EQ(status[0].tasks[0].restarts, 3);
  EXPECT_EQ(status[0].tasks[0].records_written, 10);
  ASSERT_FALSE(status[0].tasks[0].recent_errors.empty());
  EXPECT_TRUE(absl::StrContains(status[0].tasks[0].recent_errors.back().message, "refused"));

  // Each restart waits its backoff (200, 400, 800 ms) after the failing write.
  const auto builds = script_->Builds();
  const auto writes = script_->Writes();
  ASSERT_EQ(builds.size(), 4u);
  ASSERT_GE(writes.size(), 4u);
  for (int k = 0; k < 3; ++k) {
    const int64_t backoff = 200 << k;
    const int64_t waited = Millis(builds[k + 1] - writes[k]);
    EXPECT_GE(waited, backoff) << "restart " << k + 1;
    EXPECT_LE(waited, backoff + 10000) << "restart " << k + 1;  // includes leaving the group.
  }

  // The alerts: the task failed, then it recovered.
  ASSERT_TRUE(hook.WaitFor(2, std::chrono::seconds(20)));
  ASSERT_TRUE((*worker)->WaitUntil(
      [&] {
        auto posts = hook.received("/hook");
        if (posts.empty()) return false;
        auto last = nlohmann::json::parse(posts.back().body, nullptr, false);
        return last.is_object() && last["state"] == "resolved";
      },
      absl::Seconds(20)));
  auto posts = hook.received("/hook");
  auto first = nlohmann::json::parse(posts.front().body);
  EXPECT_EQ(first["condition"], "task_failed");
  EXPECT_EQ(first["state"], "firing");
  EXPECT_TRUE(absl::StrContains(first["trace"].get<std::string>(), "refused")) << first;
  auto last = nlohmann::json::parse(posts.back().body);
  EXPECT_EQ(last["condition"], "task_failed");
  EXPECT_EQ(last["task_state"], "RUNNING");
  EXPECT_TRUE(absl::StrContains(last["message"].get<std::string>(), "recovered")) << last;
  (*worker)->Stop();
  EXPECT_TRUE((*worker)->Wait().ok());
}

TEST_F(TaskLifecycleTest, RestartsStopAfterMaxAttempts) {
  script_->on_write = [](int build, size_t) -> absl::StatusOr<std::vector<RecordResult>> {
    return absl::PermissionDeniedError(absl::StrCat("writer ", build, " refused"));
  };
  Props connector = Connector();
  connector["ferry.task.restart.backoff.initial.ms"] = "100";
  connector["ferry.task.restart.max.attempts"] = "2";
  Produce(1);
  auto worker = Start(connector);
  ASSERT_TRUE(worker.ok()) << worker.status();
  absl::Status result = (*worker)->Wait();
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(absl::StrContains(result.message(), "writer 2 refused")) << result;
  EXPECT_EQ(script_->Builds().size(), 3u);
  auto status = (*worker)->worker().Status();
  EXPECT_EQ(status[0].tasks[0].restarts, 2);
  EXPECT_EQ(status[0].tasks[0].state, runtime::TaskState::kFailed);
}

// kcbq 2.x's enableRetries (default true) and max.retries: a write that keeps
// failing retriably is retried over max.retries put() calls, then the task
// fails. In ferry each failed write restarts the task, so max.retries is the
// limit of restarts in a row when ferry.task.restart.max.attempts is not set.
TEST_F(TaskLifecycleTest, MaxRetriesLimitsTheRestartsOfAWriteThatKeepsFailing) {
  script_->on_write = [](int, size_t n) { return All(n, WriteStatus::kRetriable, "busy"); };
  Props connector = Connector();
  connector["ferry.task.restart.backoff.initial.ms"] = "50";
  connector["max.retries"] = "2";
  Produce(1);
  auto worker = Start(connector);
  ASSERT_TRUE(worker.ok()) << worker.status();
  absl::Status result = (*worker)->Wait();
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(script_->Builds().size(), 3u);  // the first run and 2 restarts.
  EXPECT_EQ(script_->Writes().size(), 3u);
  auto status = (*worker)->worker().Status();
  EXPECT_EQ(status[0].tasks[0].restarts, 2);
  EXPECT_EQ(status[0].tasks[0].state, runtime::TaskState::kFailed);
}

// enableRetries=false: kcbq retries for ever; ferry restarts without limit,
// past max.retries.
TEST_F(TaskLifecycleTest, EnableRetriesFalseRestartsWithoutLimit) {
  script_->on_write = [](int, size_t n) { return All(n, WriteStatus::kRetriable, "busy"); };
  Props connector = Connector();
  connector["ferry.task.restart.backoff.initial.ms"] = "20";
  connector["enableRetries"] = "false";
  connector["max.retries"] = "1";
  Produce(1);
  auto worker = Start(connector);
  ASSERT_TRUE(worker.ok()) << worker.status();
  EXPECT_TRUE((*worker)->WaitUntil(
      [&] {
        auto s = (*worker)->worker().Status();  // empty until the task starts.
        return !s.empty() && !s[0].tasks.empty() && s[0].tasks[0].restarts >= 4;
      },
      absl::Seconds(60)));
  EXPECT_NE((*worker)->worker().Status()[0].tasks[0].state, runtime::TaskState::kFailed);
  (*worker)->Stop();
  EXPECT_TRUE((*worker)->Wait().ok());
}

TEST_F(TaskLifecycleTest, PausedTaskTakesNoRecordsUntilResumed) {
  script_->on_write = [](int, size_t n) { return All(n, WriteStatus::kDelivered); };
  Produce(50);
  auto worker = Start(Connector());
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE((*worker)->WaitUntil([&] { return (*worker)->Written() == 50; }, absl::Seconds(60)));
  EXPECT_EQ((*worker)->worker().Pause("nope").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE((*worker)->worker().Pause("lc").ok());
  auto state = [&] { return (*worker)->worker().Status()[0].tasks[0].state; };
  ASSERT_TRUE((*worker)->WaitUntil([&] { return state() == runtime::TaskState::kPaused; },
                                   absl::Seconds(10)));
  Produce(50);
  // While paused, none of the new records is taken (checked over 1.5 s).
  EXPECT_FALSE(
      (*worker)->WaitUntil([&] { return (*worker)->Written() > 50; }, absl::Milliseconds(1500)));
  ASSERT_TRUE((*worker)->worker().Resume("lc").ok());
  EXPECT_TRUE((*worker)->WaitUntil([&] { return (*worker)->Written() == 100; }, absl::Seconds(30)));
  EXPECT_EQ(state(), runtime::TaskState::kRunning);
  (*worker)->Stop();
  EXPECT_TRUE((*worker)->Wait().ok());
}

}  // namespace
}  // namespace ferry::testing
