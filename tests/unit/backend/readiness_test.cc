// Tests for the readiness decision and the sliding latency window, on a fake clock.
#include "services/backend/readiness.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/fakes/fake_clock.h"

namespace aftershock::backend {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::uint64_t kMiB = 1024 * 1024;

ReadinessLimits limitsForTest() {
  ReadinessLimits limits;
  limits.max_inflight = 5;
  limits.max_resident_bytes = 512 * kMiB;
  limits.max_p95 = milliseconds(200);
  limits.window = seconds(10);
  limits.min_samples = 5;
  return limits;
}

TEST(DecideReadinessTest, ReadyWhenEveryInputIsWithinItsLimit) {
  const ReadinessState state = decideReadiness(limitsForTest(), {5, 512 * kMiB, milliseconds(200)});
  EXPECT_TRUE(state.ready);
  EXPECT_EQ(state.reason, "");
}

TEST(DecideReadinessTest, NotReadyAboveTheInflightLimit) {
  const ReadinessState state = decideReadiness(limitsForTest(), {6, 0, std::nullopt});
  EXPECT_FALSE(state.ready);
  EXPECT_EQ(state.reason, "inflight: 6 requests in flight, limit 5");
}

TEST(DecideReadinessTest, NotReadyAboveTheMemoryLimit) {
  const ReadinessState state = decideReadiness(limitsForTest(), {0, 600 * kMiB, std::nullopt});
  EXPECT_FALSE(state.ready);
  EXPECT_EQ(state.reason, "memory: resident 600 MiB, limit 512 MiB");
}

TEST(DecideReadinessTest, NotReadyAboveTheLatencyLimit) {
  const ReadinessState state = decideReadiness(limitsForTest(), {0, 0, milliseconds(250)});
  EXPECT_FALSE(state.ready);
  EXPECT_EQ(state.reason, "latency: p95 250 ms over the last 10 s, limit 200 ms");
}

TEST(DecideReadinessTest, ReportsEveryCauseAtOnce) {
  const ReadinessState state =
      decideReadiness(limitsForTest(), {9, 1024 * kMiB, milliseconds(900)});
  EXPECT_FALSE(state.ready);
  EXPECT_EQ(state.reason.find("inflight:"), 0u);
  EXPECT_NE(state.reason.find("; memory:"), std::string::npos);
  EXPECT_NE(state.reason.find("; latency:"), std::string::npos);
}

TEST(DecideReadinessTest, ZeroLimitsAreSwitchedOff) {
  ReadinessLimits off;
  off.max_inflight = 0;
  off.max_resident_bytes = 0;
  off.max_p95 = milliseconds(0);
  EXPECT_TRUE(decideReadiness(off, {1'000'000, 100'000 * kMiB, seconds(100)}).ready);
}

TEST(DecideReadinessTest, UnknownP95IsNotAnOverload) {
  EXPECT_TRUE(decideReadiness(limitsForTest(), {0, 0, std::nullopt}).ready);
}

TEST(LatencyWindowTest, P95IsTheNearestRankValue) {
  testing::FakeClock clock;
  LatencyWindow window(clock, seconds(10));
  // 1..100 ms: the 95th of 100 ranked values is 95 ms.
  for (int ms = 100; ms >= 1; --ms) window.record(milliseconds(ms));
  EXPECT_EQ(window.percentile(0.95, 1), milliseconds(95));
  EXPECT_EQ(window.percentile(0.5, 1), milliseconds(50));
  EXPECT_EQ(window.percentile(1.0, 1), milliseconds(100));
}

TEST(LatencyWindowTest, OneSlowRequestInTwentyDoesNotMoveTheP95) {
  testing::FakeClock clock;
  LatencyWindow window(clock, seconds(10));
  for (int i = 0; i < 19; ++i) window.record(milliseconds(10));
  window.record(seconds(5));
  EXPECT_EQ(window.percentile(0.95, 1), milliseconds(10));
  window.record(seconds(5));  // now 2 of 21: rank 20 is slow
  EXPECT_EQ(window.percentile(0.95, 1), seconds(5));
}

TEST(LatencyWindowTest, SmallSampleCountsGiveNoP95) {
  testing::FakeClock clock;
  LatencyWindow window(clock, seconds(10));
  EXPECT_EQ(window.percentile(0.95, 1), std::nullopt);
  for (int i = 0; i < 4; ++i) window.record(seconds(1));
  EXPECT_EQ(window.percentile(0.95, 5), std::nullopt);
  window.record(seconds(1));
  EXPECT_EQ(window.percentile(0.95, 5), seconds(1));
}

TEST(LatencyWindowTest, SamplesLeaveTheWindowAsTimePasses) {
  testing::FakeClock clock;
  LatencyWindow window(clock, seconds(10));
  for (int i = 0; i < 10; ++i) window.record(seconds(2));
  clock.advance(seconds(6));
  for (int i = 0; i < 10; ++i) window.record(milliseconds(5));
  EXPECT_EQ(window.size(), 20u);
  EXPECT_EQ(window.percentile(0.95, 1), seconds(2));
  clock.advance(milliseconds(3999));
  EXPECT_EQ(window.size(), 20u);
  clock.advance(milliseconds(1));  // the slow ones are now exactly 10 s old: gone
  EXPECT_EQ(window.size(), 10u);
  EXPECT_EQ(window.percentile(0.95, 1), milliseconds(5));
  clock.advance(seconds(6));
  EXPECT_EQ(window.size(), 0u);
  EXPECT_EQ(window.percentile(0.95, 1), std::nullopt);
}

TEST(LatencyWindowTest, KeepsOnlyTheNewestSamplesWhenFull) {
  testing::FakeClock clock;
  LatencyWindow window(clock, seconds(10), 3);
  window.record(seconds(9));
  window.record(milliseconds(1));
  window.record(milliseconds(2));
  window.record(milliseconds(3));
  EXPECT_EQ(window.size(), 3u);
  EXPECT_EQ(window.percentile(1.0, 1), milliseconds(3));
}

class ReadinessMonitorTest : public ::testing::Test {
 protected:
  ReadinessMonitor makeMonitor(ReadinessLimits limits) {
    return ReadinessMonitor(
        clock_, limits, [this] { return inflight_; }, [this] { return resident_; },
        [this](const ReadinessState& state) { changes_.push_back(state); });
  }

  testing::FakeClock clock_;
  std::int64_t inflight_ = 0;
  std::uint64_t resident_ = 0;
  std::vector<ReadinessState> changes_;
};

TEST_F(ReadinessMonitorTest, FlipsToNotReadyAndBackAsInflightRisesAndFalls) {
  ReadinessMonitor monitor = makeMonitor(limitsForTest());
  EXPECT_TRUE(monitor.evaluate().ready);
  inflight_ = 6;
  EXPECT_FALSE(monitor.evaluate().ready);
  inflight_ = 5;
  EXPECT_TRUE(monitor.evaluate().ready);
}

TEST_F(ReadinessMonitorTest, ReportsEachTransitionOnce) {
  ReadinessMonitor monitor = makeMonitor(limitsForTest());
  monitor.evaluate();
  resident_ = 1024 * kMiB;
  monitor.evaluate();
  monitor.evaluate();
  resident_ = 0;
  monitor.evaluate();
  monitor.evaluate();
  ASSERT_EQ(changes_.size(), 2u);
  EXPECT_FALSE(changes_[0].ready);
  EXPECT_TRUE(changes_[1].ready);
}

TEST_F(ReadinessMonitorTest, RecoversByItselfWhenSlowRequestsSlideOutOfTheWindow) {
  ReadinessMonitor monitor = makeMonitor(limitsForTest());
  for (int i = 0; i < 10; ++i) monitor.recordLatency(seconds(1));
  const ReadinessState slow = monitor.evaluate();
  EXPECT_FALSE(slow.ready);
  EXPECT_EQ(slow.reason.find("latency:"), 0u);
  clock_.advance(seconds(5));
  for (int i = 0; i < 10; ++i) monitor.recordLatency(milliseconds(20));
  EXPECT_FALSE(monitor.evaluate().ready);  // half the window is still slow
  clock_.advance(seconds(5));
  EXPECT_TRUE(monitor.evaluate().ready);
}

TEST_F(ReadinessMonitorTest, IgnoresLatencyWhenTheLimitIsOff) {
  ReadinessLimits limits = limitsForTest();
  limits.max_p95 = milliseconds(0);
  ReadinessMonitor monitor = makeMonitor(limits);
  for (int i = 0; i < 10; ++i) monitor.recordLatency(seconds(30));
  EXPECT_TRUE(monitor.evaluate().ready);
}

}  // namespace
}  // namespace aftershock::backend
