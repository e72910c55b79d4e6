// ProbeScheduler driven by hand: a fake clock, runDue() after each advance, and an executor
// that runs checks inline, refuses them, or holds them until the test lets them run.
#include "operator/probes/probe_scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <string>
#include <vector>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_probe.h"

namespace aftershock::op {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::failedCheck;
using testing::passedCheck;

v1alpha1::ProbeSpec probeSpec(const std::string& name, common::Duration interval) {
  v1alpha1::ProbeSpec spec;
  spec.name = name;
  spec.http.url = "http://" + name + ":8000/";
  spec.interval = interval;
  return spec;
}

class ProbeSchedulerTest : public ::testing::Test {
 protected:
  enum class Mode { kInline, kRefuse, kHold };

  // The executor: runs the task now, refuses it, or keeps it for runHeld().
  bool execute(std::function<void()> task) {
    switch (mode_) {
      case Mode::kInline:
        task();
        return true;
      case Mode::kRefuse:
        return false;
      case Mode::kHold:
        held_.push_back(std::move(task));
        return true;
    }
    return false;
  }
  void runHeld() {
    while (!held_.empty()) {
      std::function<void()> task = std::move(held_.front());
      held_.pop_front();
      task();
    }
  }
  std::shared_ptr<ProbeSession> ensure(const std::string& key, const std::string& run_id,
                                       const std::vector<v1alpha1::ProbeSpec>& specs,
                                       int consecutive_successes = 1) {
    return scheduler_.ensure(key, run_id, specs, consecutive_successes, probes_.maker());
  }
  // Advances the clock, then starts what is due.
  std::optional<common::Duration> advance(common::Duration duration) {
    clock_.advance(duration);
    return scheduler_.runDue();
  }
  std::int64_t checksOf(const std::shared_ptr<ProbeSession>& session, std::size_t index) {
    return session->withMeasurement(
        [index](RunMeasurement& measurement) { return measurement.probes()[index].checks; });
  }

  testing::FakeClock clock_;
  testing::FakeProbeScript probes_;
  Mode mode_ = Mode::kInline;
  std::deque<std::function<void()>> held_;
  std::vector<std::string> changes_;
  ProbeScheduler scheduler_{clock_,
                            [this](std::function<void()> task) { return execute(std::move(task)); },
                            [this](const std::string& key) { changes_.push_back(key); }};
};

TEST_F(ProbeSchedulerTest, ANewSessionChecksEveryProbeAtOnce) {
  auto session =
      ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1)), probeSpec("b", seconds(5))});
  EXPECT_EQ(scheduler_.sessions(), 1u);
  EXPECT_EQ(session->startedAt(), clock_.now());
  const std::optional<common::Duration> next = scheduler_.runDue();
  EXPECT_EQ(probes_.checks("a"), 1);
  EXPECT_EQ(probes_.checks("b"), 1);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, seconds(1));
}

TEST_F(ProbeSchedulerTest, EachProbeRunsOnItsOwnInterval) {
  auto session =
      ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1)), probeSpec("b", seconds(3))});
  scheduler_.runDue();
  for (int i = 0; i < 6; ++i) advance(seconds(1));
  EXPECT_EQ(probes_.checks("a"), 7);  // t = 0..6
  EXPECT_EQ(probes_.checks("b"), 3);  // t = 0, 3, 6
  EXPECT_EQ(checksOf(session, 0), 7);
  EXPECT_EQ(checksOf(session, 1), 3);
}

TEST_F(ProbeSchedulerTest, NothingRunsBeforeItIsDue) {
  ensure("demo/exp", "uid#1", {probeSpec("a", seconds(2))});
  scheduler_.runDue();
  const std::optional<common::Duration> next = advance(milliseconds(1500));
  EXPECT_EQ(probes_.checks("a"), 1);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, milliseconds(500));
}

TEST_F(ProbeSchedulerTest, NothingScheduledWithoutSessions) {
  EXPECT_FALSE(scheduler_.runDue().has_value());
}

TEST_F(ProbeSchedulerTest, ACheckStillRunningIsNotStartedAgain) {
  mode_ = Mode::kHold;
  auto session = ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))});
  scheduler_.runDue();
  ASSERT_EQ(held_.size(), 1u);
  advance(seconds(1));
  advance(seconds(1));
  EXPECT_EQ(held_.size(), 1u);
  runHeld();
  EXPECT_EQ(probes_.checks("a"), 1);
  // Finished, it is due again on the next round.
  advance(seconds(1));
  EXPECT_EQ(held_.size(), 1u);
}

TEST_F(ProbeSchedulerTest, ACheckIsRecordedAtTheTimeItStarted) {
  mode_ = Mode::kHold;
  auto session = ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))});
  const common::SteadyTime started = clock_.now();
  scheduler_.runDue();
  probes_.setOnCheck([this](const std::string&) { clock_.advance(milliseconds(700)); });
  runHeld();
  const auto last_check = session->withMeasurement(
      [](RunMeasurement& measurement) { return measurement.probes()[0].last_check; });
  ASSERT_TRUE(last_check.has_value());
  EXPECT_EQ(*last_check, started);
}

TEST_F(ProbeSchedulerTest, ARefusedCheckIsRetriedOnTheNextRound) {
  mode_ = Mode::kRefuse;
  ensure("demo/exp", "uid#1", {probeSpec("a", seconds(10))});
  scheduler_.runDue();
  EXPECT_EQ(probes_.checks("a"), 0);
  mode_ = Mode::kInline;
  // Well before the interval: the refused check is still due.
  advance(milliseconds(50));
  EXPECT_EQ(probes_.checks("a"), 1);
}

TEST_F(ProbeSchedulerTest, OnChangeFiresOnTheFirstResultAndOnEveryFlip) {
  ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))});
  scheduler_.runDue();
  EXPECT_EQ(changes_, std::vector<std::string>{"demo/exp"});
  advance(seconds(1));  // pass again: no change
  EXPECT_EQ(changes_.size(), 1u);
  probes_.set("a", failedCheck("down"));
  advance(seconds(1));
  EXPECT_EQ(changes_.size(), 2u);
  advance(seconds(1));  // still failing
  EXPECT_EQ(changes_.size(), 2u);
  probes_.set("a", passedCheck());
  advance(seconds(1));
  EXPECT_EQ(changes_.size(), 3u);
}

TEST_F(ProbeSchedulerTest, OnChangeFiresWhenRecoveryIsConfirmed) {
  auto session = ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))}, 3);
  session->withMeasurement([this](RunMeasurement& measurement) {
    measurement.markInjected(clock_.now());
    measurement.markFaultEnded(clock_.now());
  });
  scheduler_.runDue();  // first result
  advance(seconds(1));
  ASSERT_EQ(changes_.size(), 1u);
  advance(seconds(1));  // third pass after the fault end: recovered, not a flip
  EXPECT_EQ(changes_.size(), 2u);
  EXPECT_TRUE(session->withMeasurement(
      [](RunMeasurement& measurement) { return measurement.recoveredAt().has_value(); }));
}

TEST_F(ProbeSchedulerTest, StopDropsResultsThatLandAfterIt) {
  mode_ = Mode::kHold;
  auto session = ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))});
  scheduler_.runDue();
  scheduler_.stop("demo/exp");
  EXPECT_EQ(scheduler_.sessions(), 0u);
  EXPECT_EQ(scheduler_.find("demo/exp"), nullptr);
  runHeld();
  EXPECT_EQ(probes_.checks("a"), 1);
  EXPECT_EQ(checksOf(session, 0), 0);
  EXPECT_TRUE(changes_.empty());
  advance(seconds(5));
  EXPECT_TRUE(held_.empty());
}

TEST_F(ProbeSchedulerTest, StoppingAnUnknownKeyIsHarmless) {
  scheduler_.stop("demo/nothing");
  EXPECT_EQ(scheduler_.sessions(), 0u);
}

TEST_F(ProbeSchedulerTest, EnsureWithTheSameRunIdReturnsTheSameSession) {
  auto first = ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))});
  advance(seconds(3));
  auto again = ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))});
  EXPECT_EQ(first.get(), again.get());
  EXPECT_EQ(probes_.made().size(), 1u);
  EXPECT_EQ(scheduler_.find("demo/exp").get(), first.get());
}

TEST_F(ProbeSchedulerTest, ANewRunIdReplacesAndStopsTheOldSession) {
  mode_ = Mode::kHold;
  auto first = ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))});
  scheduler_.runDue();
  auto second = ensure("demo/exp", "uid#2", {probeSpec("a", seconds(1))});
  EXPECT_NE(first.get(), second.get());
  EXPECT_EQ(second->runId(), "uid#2");
  EXPECT_EQ(scheduler_.sessions(), 1u);
  EXPECT_EQ(scheduler_.find("demo/exp").get(), second.get());
  runHeld();  // the old session's check lands after it was replaced
  EXPECT_EQ(checksOf(first, 0), 0);
  scheduler_.runDue();
  runHeld();
  EXPECT_EQ(checksOf(second, 0), 1);
}

TEST_F(ProbeSchedulerTest, SessionsOfDifferentKeysRunSideBySide) {
  auto one = ensure("demo/one", "uid-1#1", {probeSpec("a", seconds(1))});
  auto two = ensure("demo/two", "uid-2#1", {probeSpec("b", seconds(2))});
  scheduler_.runDue();
  advance(seconds(2));
  EXPECT_EQ(checksOf(one, 0), 2);
  EXPECT_EQ(checksOf(two, 0), 2);
  scheduler_.stop("demo/one");
  advance(seconds(2));
  EXPECT_EQ(checksOf(one, 0), 2);
  EXPECT_EQ(checksOf(two, 0), 3);
}

TEST_F(ProbeSchedulerTest, InitializeRunsOnANewSessionBeforeItsFirstCheck) {
  int initialized = 0;
  const auto initialize = [&](RunMeasurement& measurement) {
    ++initialized;
    EXPECT_EQ(measurement.checks(), 0);
    measurement.markInjected(clock_.now() - seconds(5));
  };
  auto session = scheduler_.ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))}, 1,
                                   probes_.maker(), initialize);
  EXPECT_EQ(initialized, 1);
  EXPECT_TRUE(session->withMeasurement(
      [](RunMeasurement& measurement) { return measurement.injectedAt().has_value(); }));
  scheduler_.runDue();
  scheduler_.ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))}, 1, probes_.maker(),
                    initialize);
  EXPECT_EQ(initialized, 1);
}

TEST_F(ProbeSchedulerTest, NoCheckLandsInANewSessionBeforeItIsInitialized) {
  // The scheduler thread may run at any moment; here it runs in the middle of ensure().
  bool empty_when_initialized = false;
  auto session = scheduler_.ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))}, 1,
                                   probes_.maker(), [&](RunMeasurement& measurement) {
                                     scheduler_.runDue();
                                     empty_when_initialized = measurement.checks() == 0;
                                   });
  EXPECT_TRUE(empty_when_initialized);
  EXPECT_EQ(probes_.checks("a"), 0);
  scheduler_.runDue();
  EXPECT_EQ(checksOf(session, 0), 1);
}

TEST_F(ProbeSchedulerTest, ResultsFeedTheSessionsMeasurement) {
  auto session = ensure("demo/exp", "uid#1", {probeSpec("a", seconds(1))});
  probes_.push("a", failedCheck("status 503, want 200"));
  scheduler_.runDue();
  advance(seconds(1));
  session->withMeasurement([](RunMeasurement& measurement) {
    EXPECT_EQ(measurement.checks(), 2);
    EXPECT_EQ(measurement.failures(), 1);
    EXPECT_EQ(measurement.probes()[0].last_error, "status 503, want 200");
  });
}

}  // namespace
}  // namespace aftershock::op
