// The breaker's state machine: both thresholds, minimum calls, slow calls, half-open probes,
// forced states, reconfiguration. All time is FakeClock time.
#include "services/client/circuit_breaker.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "tests/fakes/fake_clock.h"

namespace aftershock::client {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  static CircuitBreakerConfig baseConfig() {
    CircuitBreakerConfig config;
    config.window_type = WindowType::kCountBased;
    config.window_size = 10;
    config.minimum_calls = 4;
    config.failure_rate_threshold = 0.5;
    config.consecutive_failure_threshold = 0;  // tests opt in
    config.slow_call_duration = milliseconds(1000);
    config.slow_call_rate_threshold = 1.0;
    config.open_wait = seconds(5);
    config.half_open_permitted_calls = 2;
    return config;
  }

  void build(const CircuitBreakerConfig& config) {
    breaker_ = std::make_unique<CircuitBreaker>(
        config, clock_, [this](const CircuitTransition& t) { transitions_.push_back(t); });
  }

  // One permitted call with the given outcome; false when the breaker refused it.
  bool call(bool failure, common::Duration duration = milliseconds(10)) {
    auto permit = breaker_->tryAcquire();
    if (!permit) return false;
    permit->record(failure, duration);
    return true;
  }

  void open() {
    for (int i = 0; i < 4; ++i) call(true);
    ASSERT_EQ(breaker_->state(), CircuitState::kOpen);
  }

  testing::FakeClock clock_;
  std::unique_ptr<CircuitBreaker> breaker_;
  std::vector<CircuitTransition> transitions_;
};

TEST_F(CircuitBreakerTest, StartsClosedAndPermitsCalls) {
  build(baseConfig());
  EXPECT_EQ(breaker_->state(), CircuitState::kClosed);
  EXPECT_TRUE(call(false));
}

TEST_F(CircuitBreakerTest, OpensWhenFailureRateReachesThresholdOnceMinimumCallsAreIn) {
  build(baseConfig());
  EXPECT_TRUE(call(true));
  EXPECT_TRUE(call(true));
  EXPECT_TRUE(call(true));
  // Three failures out of three, but the minimum is four calls.
  EXPECT_EQ(breaker_->state(), CircuitState::kClosed);
  EXPECT_TRUE(call(false));
  // 3 of 4 = 75 % >= 50 %.
  EXPECT_EQ(breaker_->state(), CircuitState::kOpen);
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0].from, CircuitState::kClosed);
  EXPECT_EQ(transitions_[0].to, CircuitState::kOpen);
  EXPECT_EQ(transitions_[0].reason, "failure_rate_exceeded");
}

TEST_F(CircuitBreakerTest, StaysClosedWhileFailureRateIsBelowThreshold) {
  build(baseConfig());
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(call(i % 3 == 2));  // at most 40 % failures
  EXPECT_EQ(breaker_->state(), CircuitState::kClosed);
}

TEST_F(CircuitBreakerTest, OpensOnConsecutiveFailuresBeforeMinimumCalls) {
  CircuitBreakerConfig config = baseConfig();
  config.minimum_calls = 10;
  config.consecutive_failure_threshold = 3;
  build(config);
  call(false);
  call(true);
  call(true);
  EXPECT_EQ(breaker_->state(), CircuitState::kClosed);
  call(true);
  EXPECT_EQ(breaker_->state(), CircuitState::kOpen);
  EXPECT_EQ(transitions_.back().reason, "consecutive_failures");
}

TEST_F(CircuitBreakerTest, ASuccessResetsTheConsecutiveFailureStreak) {
  CircuitBreakerConfig config = baseConfig();
  config.minimum_calls = 100;
  config.window_size = 100;
  config.consecutive_failure_threshold = 3;
  build(config);
  for (int i = 0; i < 10; ++i) {
    call(true);
    call(true);
    call(false);
  }
  EXPECT_EQ(breaker_->state(), CircuitState::kClosed);
  EXPECT_EQ(breaker_->snapshot().consecutive_failures, 0);
}

TEST_F(CircuitBreakerTest, RejectsCallsWhileOpenAndCountsRejections) {
  build(baseConfig());
  open();
  EXPECT_FALSE(call(false));
  EXPECT_FALSE(call(false));
  EXPECT_EQ(breaker_->snapshot().rejections, 2u);
  EXPECT_TRUE(breaker_->isOpen());
}

TEST_F(CircuitBreakerTest, ReportsTimeUntilHalfOpen) {
  build(baseConfig());
  open();
  clock_.advance(seconds(2));
  const auto snapshot = breaker_->snapshot();
  ASSERT_TRUE(snapshot.until_half_open.has_value());
  EXPECT_EQ(*snapshot.until_half_open, seconds(3));
}

TEST_F(CircuitBreakerTest, MovesToHalfOpenWhenTheOpenWaitIsOver) {
  build(baseConfig());
  open();
  clock_.advance(milliseconds(4999));
  EXPECT_EQ(breaker_->state(), CircuitState::kOpen);
  clock_.advance(milliseconds(1));
  EXPECT_EQ(breaker_->state(), CircuitState::kHalfOpen);
  EXPECT_EQ(transitions_.back().reason, "open_wait_elapsed");
}

TEST_F(CircuitBreakerTest, HalfOpenPermitsOnlyTheConfiguredProbes) {
  build(baseConfig());
  open();
  clock_.advance(seconds(5));
  auto first = breaker_->tryAcquire();
  auto second = breaker_->tryAcquire();
  auto third = breaker_->tryAcquire();
  EXPECT_TRUE(first.has_value());
  EXPECT_TRUE(second.has_value());
  EXPECT_FALSE(third.has_value());
}

TEST_F(CircuitBreakerTest, ClosesWhenEveryHalfOpenProbeSucceeds) {
  build(baseConfig());
  open();
  clock_.advance(seconds(5));
  EXPECT_TRUE(call(false));
  EXPECT_EQ(breaker_->state(), CircuitState::kHalfOpen);
  EXPECT_TRUE(call(false));
  EXPECT_EQ(breaker_->state(), CircuitState::kClosed);
  EXPECT_EQ(transitions_.back().reason, "half_open_probes_succeeded");
  // The closed breaker starts from an empty window.
  EXPECT_EQ(breaker_->snapshot().window.calls, 0);
}

TEST_F(CircuitBreakerTest, ReopensOnAHalfOpenProbeFailure) {
  build(baseConfig());
  open();
  clock_.advance(seconds(5));
  EXPECT_TRUE(call(false));
  EXPECT_TRUE(call(true));
  EXPECT_EQ(breaker_->state(), CircuitState::kOpen);
  EXPECT_EQ(transitions_.back().reason, "half_open_probe_failed");
  // A new full wait starts from the reopening.
  clock_.advance(milliseconds(4999));
  EXPECT_EQ(breaker_->state(), CircuitState::kOpen);
  clock_.advance(milliseconds(1));
  EXPECT_EQ(breaker_->state(), CircuitState::kHalfOpen);
}

TEST_F(CircuitBreakerTest, ReopensOnASlowHalfOpenProbe) {
  build(baseConfig());
  open();
  clock_.advance(seconds(5));
  EXPECT_TRUE(call(false, milliseconds(1500)));
  EXPECT_EQ(breaker_->state(), CircuitState::kOpen);
  EXPECT_EQ(transitions_.back().reason, "half_open_probe_slow");
}

TEST_F(CircuitBreakerTest, AnUnreportedHalfOpenPermitFreesItsSlot) {
  build(baseConfig());
  open();
  clock_.advance(seconds(5));
  {
    auto abandoned = breaker_->tryAcquire();
    auto other = breaker_->tryAcquire();
    ASSERT_TRUE(abandoned && other);
    EXPECT_FALSE(breaker_->tryAcquire().has_value());
  }
  EXPECT_TRUE(breaker_->tryAcquire().has_value());
}

TEST_F(CircuitBreakerTest, IgnoresOutcomesOfCallsPermittedBeforeATransition) {
  build(baseConfig());
  auto slow_closed_call = breaker_->tryAcquire();
  ASSERT_TRUE(slow_closed_call);
  open();
  clock_.advance(seconds(5));
  ASSERT_EQ(breaker_->state(), CircuitState::kHalfOpen);
  // A success of a call started while closed is no evidence the backend is back.
  slow_closed_call->record(false, milliseconds(10));
  EXPECT_EQ(breaker_->snapshot().half_open_successes, 0);
  EXPECT_EQ(breaker_->state(), CircuitState::kHalfOpen);
}

TEST_F(CircuitBreakerTest, OpensWhenSlowCallRateReachesItsThreshold) {
  CircuitBreakerConfig config = baseConfig();
  config.slow_call_rate_threshold = 0.75;
  build(config);
  call(false, milliseconds(1000));  // exactly the threshold duration counts as slow
  call(false, milliseconds(2000));
  call(false, milliseconds(10));
  EXPECT_EQ(breaker_->state(), CircuitState::kClosed);
  call(false, milliseconds(3000));  // 3 of 4 slow, no failures
  EXPECT_EQ(breaker_->state(), CircuitState::kOpen);
  EXPECT_EQ(transitions_.back().reason, "slow_call_rate_exceeded");
}

TEST_F(CircuitBreakerTest, SlowSuccessesAreNotFailures) {
  build(baseConfig());  // slow-call threshold 100 %: slow calls alone open only if all are slow
  call(false, milliseconds(1));
  for (int i = 0; i < 9; ++i) call(false, seconds(2));
  const auto snapshot = breaker_->snapshot();
  EXPECT_EQ(snapshot.state, CircuitState::kClosed);
  EXPECT_EQ(snapshot.failures, 0u);
  EXPECT_EQ(snapshot.slow_calls, 9u);
  EXPECT_EQ(snapshot.window.slow_calls, 9);
}

TEST_F(CircuitBreakerTest, TimeBasedWindowForgetsOldFailures) {
  CircuitBreakerConfig config = baseConfig();
  config.window_type = WindowType::kTimeBased;
  config.window_size = 10;  // seconds
  build(config);
  call(true);
  call(true);
  call(true);
  clock_.advance(seconds(11));
  // Old failures aged out: one more failure among fresh successes does not open.
  call(false);
  call(false);
  call(false);
  call(true);
  EXPECT_EQ(breaker_->state(), CircuitState::kClosed);
  EXPECT_EQ(breaker_->snapshot().window.calls, 4);
}

TEST_F(CircuitBreakerTest, ForcedOpenRejectsEverythingUntilCleared) {
  build(baseConfig());
  CircuitBreakerConfig config = baseConfig();
  config.forced_state = ForcedState::kForcedOpen;
  breaker_->reconfigure(config);
  EXPECT_EQ(breaker_->state(), CircuitState::kForcedOpen);
  EXPECT_FALSE(call(false));
  clock_.advance(std::chrono::hours(1));
  EXPECT_EQ(breaker_->state(), CircuitState::kForcedOpen);
  EXPECT_TRUE(breaker_->isOpen());

  config.forced_state = ForcedState::kNone;
  breaker_->reconfigure(config);
  EXPECT_EQ(breaker_->state(), CircuitState::kClosed);
  EXPECT_TRUE(call(false));
  EXPECT_EQ(transitions_.back().reason, "forced_state_cleared");
}

TEST_F(CircuitBreakerTest, DisabledPermitsEverythingAndRecordsNothing) {
  CircuitBreakerConfig config = baseConfig();
  config.forced_state = ForcedState::kDisabled;
  build(config);
  EXPECT_EQ(breaker_->state(), CircuitState::kDisabled);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(call(true));
  const auto snapshot = breaker_->snapshot();
  EXPECT_EQ(snapshot.state, CircuitState::kDisabled);
  EXPECT_EQ(snapshot.calls, 0u);
  EXPECT_EQ(snapshot.window.calls, 0);
}

TEST_F(CircuitBreakerTest, ReconfiguringOpenWaitShortensTheCurrentOpenPeriod) {
  build(baseConfig());
  open();
  clock_.advance(milliseconds(300));
  CircuitBreakerConfig config = baseConfig();
  config.open_wait = milliseconds(200);
  breaker_->reconfigure(config);
  EXPECT_EQ(breaker_->state(), CircuitState::kHalfOpen);
}

TEST_F(CircuitBreakerTest, ReconfiguringTheWindowShapeStartsAnEmptyWindow) {
  build(baseConfig());
  call(true);
  call(true);
  CircuitBreakerConfig config = baseConfig();
  config.window_size = 20;
  breaker_->reconfigure(config);
  EXPECT_EQ(breaker_->snapshot().window.calls, 0);
}

TEST_F(CircuitBreakerTest, LoweredThresholdAppliesToWhatTheWindowHolds) {
  build(baseConfig());
  for (int i = 0; i < 6; ++i) call(i >= 4);  // 2 of 6 failed, at the end: 33 %
  EXPECT_EQ(breaker_->state(), CircuitState::kClosed);
  CircuitBreakerConfig config = baseConfig();
  config.failure_rate_threshold = 0.3;
  breaker_->reconfigure(config);
  EXPECT_EQ(breaker_->state(), CircuitState::kOpen);
}

TEST_F(CircuitBreakerTest, CountsCallsFailuresAndTransitions) {
  build(baseConfig());
  call(false);
  call(true);
  call(false, seconds(3));
  const auto snapshot = breaker_->snapshot();
  EXPECT_EQ(snapshot.calls, 3u);
  EXPECT_EQ(snapshot.successes, 2u);
  EXPECT_EQ(snapshot.failures, 1u);
  EXPECT_EQ(snapshot.slow_calls, 1u);
  EXPECT_EQ(snapshot.transitions, 0u);
  EXPECT_DOUBLE_EQ(snapshot.window.failureRate(), 1.0 / 3.0);
}

TEST_F(CircuitBreakerTest, ConcurrentCallersLeaveConsistentCounters) {
  build(baseConfig());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 500; ++i) call(false);
    });
  }
  for (auto& thread : threads) thread.join();
  const auto snapshot = breaker_->snapshot();
  EXPECT_EQ(snapshot.calls, 4000u);
  EXPECT_EQ(snapshot.state, CircuitState::kClosed);
}

TEST(CircuitStateNamesTest, NamesMatchTheApi) {
  EXPECT_EQ(circuitStateName(CircuitState::kHalfOpen), "half_open");
  EXPECT_EQ(circuitStateName(CircuitState::kForcedOpen), "forced_open");
  EXPECT_EQ(parseForcedState("disabled").value(), ForcedState::kDisabled);
  EXPECT_FALSE(parseForcedState("open").ok());
}

}  // namespace
}  // namespace aftershock::client
