#include "alert/conditions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alert/testing/observations.h"

namespace ferry::alert {
namespace {

using testing::Obs;
using testing::Task;

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

AlertRules Rules() {
  AlertRules r;
  r.window = absl::Minutes(5);
  r.task_failed = true;
  r.dlq_threshold = 0;
  r.bigquery_errors_threshold = 0;
  r.lag_threshold = 0;
  return r;
}

TEST(ConditionTrackerTest, TaskFailedThenRecovered) {
  ConditionTracker tracker("serverlog", Rules());
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "RUNNING"), Task(1, "RUNNING")}), kT0), IsEmpty());

  std::vector<AlertEvent> events =
      tracker.Observe(Obs({Task(0, "RUNNING"), Task(1, "FAILED", 0, 0, 0, "java.lang.Boom: no")}),
                      kT0 + absl::Seconds(1));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].condition, Condition::kTaskFailed);
  EXPECT_EQ(events[0].state, AlertState::kFiring);
  EXPECT_FALSE(events[0].repeat);
  EXPECT_EQ(events[0].connector, "serverlog");
  EXPECT_EQ(events[0].task, 1);
  EXPECT_EQ(events[0].task_state, "FAILED");
  EXPECT_EQ(events[0].trace, "java.lang.Boom: no");
  EXPECT_EQ(events[0].value, 1);
  EXPECT_EQ(events[0].since, kT0 + absl::Seconds(1));
  EXPECT_EQ(events[0].message, "Task 1 of connector serverlog failed.");

  // Restarting is on the way, not a recovery; no news either.
  EXPECT_THAT(
      tracker.Observe(Obs({Task(0, "RUNNING"), Task(1, "RESTARTING")}), kT0 + absl::Seconds(2)),
      IsEmpty());
  EXPECT_THAT(
      tracker.Observe(Obs({Task(0, "RUNNING"), Task(1, "UNASSIGNED")}), kT0 + absl::Seconds(3)),
      IsEmpty());

  events = tracker.Observe(Obs({Task(0, "RUNNING"), Task(1, "running")}), kT0 + absl::Seconds(4));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].state, AlertState::kResolved);
  EXPECT_EQ(events[0].task, 1);
  EXPECT_EQ(events[0].task_state, "RUNNING");
  EXPECT_EQ(events[0].value, 0);
  EXPECT_EQ(events[0].since, kT0 + absl::Seconds(1));
  EXPECT_EQ(events[0].time, kT0 + absl::Seconds(4));
  EXPECT_THAT(events[0].message, HasSubstr("recovered"));
  EXPECT_EQ(tracker.suppressed(), 0u);
}

// A task that failed and restarted between two observations is seen by its
// failure count, though never observed FAILED.
TEST(ConditionTrackerTest, FailureBetweenObservationsFiresThenResolves) {
  ConditionTracker tracker("serverlog", Rules());
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "RUNNING")}), kT0), IsEmpty());
  TaskObservation restarted = Task(0, "RUNNING", 0, 0, 0, "java.lang.Boom: once");
  restarted.failures = 1;
  std::vector<AlertEvent> events = tracker.Observe(Obs({restarted}), kT0 + absl::Seconds(1));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].state, AlertState::kFiring);
  EXPECT_EQ(events[0].trace, "java.lang.Boom: once");
  EXPECT_EQ(events[0].message,
            "Task 0 of connector serverlog failed and was restarted; it is RUNNING now.");
  // No further failure: recovered.
  events = tracker.Observe(Obs({restarted}), kT0 + absl::Seconds(2));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].state, AlertState::kResolved);
  EXPECT_THAT(events[0].message, HasSubstr("recovered"));
  // A task first seen with failures counts them; a restarting one with no
  // new failure is no news.
  ConditionTracker fresh("serverlog", Rules());
  EXPECT_THAT(fresh.Observe(Obs({restarted}), kT0), SizeIs(1));
  TaskObservation restarting = restarted;
  restarting.state = "RESTARTING";
  EXPECT_THAT(fresh.Observe(Obs({restarting}), kT0 + absl::Seconds(1)), IsEmpty());
}

TEST(ConditionTrackerTest, FailedTaskIsRemindedOncePerWindowAndNewTracesAreSuppressedInBetween) {
  ConditionTracker tracker("serverlog", Rules());
  ASSERT_THAT(tracker.Observe(Obs({Task(0, "FAILED", 0, 0, 0, "first")}), kT0), SizeIs(1));
  for (int s = 1; s < 300; ++s) {
    ASSERT_THAT(tracker.Observe(Obs({Task(0, "FAILED", 0, 0, 0, "first")}), kT0 + absl::Seconds(s)),
                IsEmpty())
        << s;
  }
  EXPECT_EQ(tracker.suppressed(), 0u);  // Nothing new: not even suppressed.
  // Failed again with another trace (restart in between not seen): news, suppressed.
  EXPECT_THAT(
      tracker.Observe(Obs({Task(0, "FAILED", 0, 0, 0, "second")}), kT0 + absl::Seconds(299)),
      IsEmpty());
  EXPECT_EQ(tracker.suppressed(), 1u);
  std::vector<AlertEvent> events =
      tracker.Observe(Obs({Task(0, "FAILED", 0, 0, 0, "second")}), kT0 + absl::Minutes(5));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].state, AlertState::kFiring);
  EXPECT_TRUE(events[0].repeat);
  EXPECT_EQ(events[0].trace, "second");
  EXPECT_EQ(events[0].since, kT0);
  EXPECT_THAT(events[0].message, HasSubstr("still failed"));
}

TEST(ConditionTrackerTest, FlappingTaskFiresOncePerWindow) {
  ConditionTracker tracker("serverlog", Rules());
  ASSERT_THAT(tracker.Observe(Obs({Task(0, "FAILED")}), kT0), SizeIs(1));
  ASSERT_THAT(tracker.Observe(Obs({Task(0, "RUNNING")}), kT0 + absl::Seconds(10)), SizeIs(1));
  // Fails again within the window of the first alert: suppressed, and its
  // recovery has nothing to resolve.
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "FAILED")}), kT0 + absl::Seconds(20)), IsEmpty());
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "RUNNING")}), kT0 + absl::Seconds(30)), IsEmpty());
  EXPECT_EQ(tracker.suppressed(), 1u);
  // Fails again and stays failed: announced once the window has passed.
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "FAILED")}), kT0 + absl::Seconds(40)), IsEmpty());
  std::vector<AlertEvent> events =
      tracker.Observe(Obs({Task(0, "FAILED")}), kT0 + absl::Seconds(300));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].state, AlertState::kFiring);
  EXPECT_FALSE(events[0].repeat);  // This episode's first message.
  EXPECT_EQ(events[0].since, kT0 + absl::Seconds(40));
  EXPECT_EQ(tracker.suppressed(), 2u);
}

TEST(ConditionTrackerTest, StoppedOrRemovedFailedTaskIsResolved) {
  ConditionTracker tracker("serverlog", Rules());
  ASSERT_THAT(tracker.Observe(Obs({Task(0, "FAILED"), Task(1, "FAILED")}), kT0), SizeIs(2));
  // PAUSED changes nothing.
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "PAUSED"), Task(1, "FAILED")}), kT0), IsEmpty());
  std::vector<AlertEvent> events =
      tracker.Observe(Obs({Task(0, "STOPPED")}), kT0 + absl::Seconds(1));
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_EQ(events[0].task, 0);
  EXPECT_EQ(events[0].state, AlertState::kResolved);
  EXPECT_THAT(events[0].message, HasSubstr("no longer failed: it is STOPPED"));
  EXPECT_EQ(events[1].task, 1);
  EXPECT_EQ(events[1].state, AlertState::kResolved);
  EXPECT_THAT(events[1].message, HasSubstr("no longer has it"));
}

TEST(ConditionTrackerTest, TaskFailuresCanBeTurnedOff) {
  AlertRules rules = Rules();
  rules.task_failed = false;
  ConditionTracker tracker("serverlog", rules);
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "FAILED")}), kT0), IsEmpty());
}

TEST(ConditionTrackerTest, DlqOverThresholdInWindowAlertsOnceThenResolves) {
  AlertRules rules = Rules();
  rules.dlq_threshold = 10;
  ConditionTracker tracker("serverlog", rules);
  // Counters as the tasks start: 0.
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "RUNNING", 0), Task(1, "RUNNING", 0)}), kT0), IsEmpty());
  // 9 records within the window: under.
  EXPECT_THAT(
      tracker.Observe(Obs({Task(0, "RUNNING", 4), Task(1, "RUNNING", 5)}), kT0 + absl::Seconds(60)),
      IsEmpty());
  // One more: 10 in the last 5 minutes.
  std::vector<AlertEvent> events = tracker.Observe(
      Obs({Task(0, "RUNNING", 5), Task(1, "RUNNING", 5)}), kT0 + absl::Seconds(120));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].condition, Condition::kDlqRecords);
  EXPECT_EQ(events[0].state, AlertState::kFiring);
  EXPECT_FALSE(events[0].task.has_value());
  EXPECT_EQ(events[0].value, 10);
  EXPECT_EQ(events[0].threshold, 10);
  EXPECT_EQ(events[0].window, absl::Minutes(5));
  EXPECT_EQ(events[0].message,
            "Connector serverlog: 10 records sent to the dead-letter queue in the last 5m "
            "(threshold 10).");
  // More records in the same window: no second alert, counted as suppressed.
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "RUNNING", 50), Task(1, "RUNNING", 5)}),
                              kT0 + absl::Seconds(180)),
              IsEmpty());
  EXPECT_EQ(tracker.suppressed(), 1u);
  // At 360s the increments of 60s and 120s are out of the window; 45 from
  // 180s remain: still firing, and a window has passed since 120s: reminder.
  events = tracker.Observe(Obs({Task(0, "RUNNING", 50), Task(1, "RUNNING", 5)}),
                           kT0 + absl::Seconds(420));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].state, AlertState::kFiring);
  EXPECT_TRUE(events[0].repeat);
  EXPECT_EQ(events[0].value, 45);
  EXPECT_EQ(events[0].since, kT0 + absl::Seconds(120));
  // 180s + 5m: the last increment leaves the window: resolved.
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "RUNNING", 50), Task(1, "RUNNING", 5)}),
                              kT0 + absl::Seconds(479)),
              IsEmpty());
  events = tracker.Observe(Obs({Task(0, "RUNNING", 50), Task(1, "RUNNING", 5)}),
                           kT0 + absl::Seconds(480));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].state, AlertState::kResolved);
  EXPECT_EQ(events[0].value, 0);
  EXPECT_THAT(events[0].message, HasSubstr("back under the threshold"));
}

TEST(ConditionTrackerTest, CounterResetCountsTheNewValueAndNewTasksCountFromZero) {
  AlertRules rules = Rules();
  rules.bigquery_errors_threshold = 5;
  ConditionTracker tracker("serverlog", rules);
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "RUNNING", 0, 100)}), kT0), SizeIs(1));  // 100 new.
  ConditionTracker tracker2("serverlog", rules);
  EXPECT_THAT(tracker2.Observe(Obs({Task(0, "RUNNING", 0, 0)}), kT0), IsEmpty());
  EXPECT_THAT(tracker2.Observe(Obs({Task(0, "RUNNING", 0, 3)}), kT0 + absl::Seconds(1)), IsEmpty());
  // The task restarted: its counter starts over; 2 more rows, 5 in total.
  std::vector<AlertEvent> events =
      tracker2.Observe(Obs({Task(0, "RUNNING", 0, 2)}), kT0 + absl::Seconds(2));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].condition, Condition::kBigQueryErrors);
  EXPECT_EQ(events[0].value, 5);
  EXPECT_THAT(events[0].message, HasSubstr("5 rows refused by BigQuery in the last 5m"));
  // A task missing from one observation keeps its last value: no double count.
  EXPECT_THAT(tracker2.Observe(Obs({}), kT0 + absl::Seconds(3)), IsEmpty());
  EXPECT_THAT(tracker2.Observe(Obs({Task(0, "RUNNING", 0, 2)}), kT0 + absl::Seconds(4)), IsEmpty());
  EXPECT_EQ(tracker2.suppressed(), 0u);
}

TEST(ConditionTrackerTest, LagIsAGaugeSummedOverTasks) {
  AlertRules rules = Rules();
  rules.lag_threshold = 1000;
  ConditionTracker tracker("serverlog", rules);
  EXPECT_THAT(
      tracker.Observe(Obs({Task(0, "RUNNING", 0, 0, 400), Task(1, "RUNNING", 0, 0, 599)}), kT0),
      IsEmpty());
  std::vector<AlertEvent> events = tracker.Observe(
      Obs({Task(0, "RUNNING", 0, 0, 400), Task(1, "RUNNING", 0, 0, 600)}), kT0 + absl::Seconds(1));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].condition, Condition::kConsumerLag);
  EXPECT_EQ(events[0].value, 1000);
  EXPECT_EQ(events[0].message,
            "Connector serverlog: consumer lag is 1000 records (threshold 1000).");
  EXPECT_THAT(tracker.Observe(Obs({Task(0, "RUNNING", 0, 0, 5000)}), kT0 + absl::Seconds(2)),
              IsEmpty());
  events = tracker.Observe(Obs({Task(0, "RUNNING", 0, 0, 10), Task(1, "RUNNING", 0, 0, -1)}),
                           kT0 + absl::Seconds(3));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].state, AlertState::kResolved);
  EXPECT_EQ(events[0].value, 10);  // A negative lag (unknown) counts as 0.
}

TEST(ConditionTrackerTest, ConditionsAreIndependent) {
  AlertRules rules = Rules();
  rules.dlq_threshold = 1;
  rules.bigquery_errors_threshold = 1;
  rules.lag_threshold = 1;
  ConditionTracker tracker("serverlog", rules);
  std::vector<AlertEvent> events = tracker.Observe(Obs({Task(0, "FAILED", 1, 1, 1, "boom")}), kT0);
  ASSERT_THAT(events, SizeIs(4));
  EXPECT_EQ(events[0].condition, Condition::kTaskFailed);
  EXPECT_EQ(events[1].condition, Condition::kDlqRecords);
  EXPECT_EQ(events[2].condition, Condition::kBigQueryErrors);
  EXPECT_EQ(events[3].condition, Condition::kConsumerLag);
  events = tracker.Observe(Obs({Task(0, "RUNNING", 1, 1, 1)}), kT0 + absl::Seconds(1));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].condition, Condition::kTaskFailed);
  EXPECT_EQ(events[0].state, AlertState::kResolved);
}

}  // namespace
}  // namespace ferry::alert
