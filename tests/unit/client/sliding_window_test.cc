// Count- and time-based window arithmetic, driven by FakeClock.
#include "services/client/sliding_window.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace aftershock::client {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(CountSlidingWindowTest, CountsEveryOutcomeUntilFull) {
  testing::FakeClock clock;
  CountSlidingWindow window(4);
  window.record(true, false, clock.now());
  window.record(false, true, clock.now());
  window.record(true, true, clock.now());
  const WindowCounts counts = window.counts(clock.now());
  EXPECT_EQ(counts.calls, 3);
  EXPECT_EQ(counts.failures, 2);
  EXPECT_EQ(counts.slow_calls, 2);
  EXPECT_DOUBLE_EQ(counts.failureRate(), 2.0 / 3.0);
}

TEST(CountSlidingWindowTest, DropsTheOldestOutcomeOnceFull) {
  testing::FakeClock clock;
  CountSlidingWindow window(3);
  window.record(true, true, clock.now());  // will be pushed out
  window.record(false, false, clock.now());
  window.record(false, false, clock.now());
  window.record(false, false, clock.now());
  const WindowCounts counts = window.counts(clock.now());
  EXPECT_EQ(counts.calls, 3);
  EXPECT_EQ(counts.failures, 0);
  EXPECT_EQ(counts.slow_calls, 0);
}

TEST(CountSlidingWindowTest, IgnoresTimeEntirely) {
  testing::FakeClock clock;
  CountSlidingWindow window(2);
  window.record(true, false, clock.now());
  clock.advance(std::chrono::hours(24));
  EXPECT_EQ(window.counts(clock.now()).failures, 1);
}

TEST(CountSlidingWindowTest, ResetEmptiesTheWindow) {
  testing::FakeClock clock;
  CountSlidingWindow window(2);
  window.record(true, false, clock.now());
  window.reset();
  EXPECT_EQ(window.counts(clock.now()).calls, 0);
  window.record(false, false, clock.now());
  window.record(false, false, clock.now());
  window.record(true, false, clock.now());
  EXPECT_EQ(window.counts(clock.now()).calls, 2);
  EXPECT_EQ(window.counts(clock.now()).failures, 1);
}

TEST(WindowCountsTest, RatesOfAnEmptyWindowAreZero) {
  const WindowCounts empty;
  EXPECT_DOUBLE_EQ(empty.failureRate(), 0.0);
  EXPECT_DOUBLE_EQ(empty.slowCallRate(), 0.0);
}

TEST(TimeSlidingWindowTest, KeepsOutcomesYoungerThanTheWindow) {
  testing::FakeClock clock;
  TimeSlidingWindow window(10);
  window.record(true, false, clock.now());
  clock.advance(seconds(5));
  window.record(false, true, clock.now());
  clock.advance(seconds(4));
  const WindowCounts counts = window.counts(clock.now());
  EXPECT_EQ(counts.calls, 2);
  EXPECT_EQ(counts.failures, 1);
  EXPECT_EQ(counts.slow_calls, 1);
}

TEST(TimeSlidingWindowTest, DropsOutcomesOnceTheirSecondLeavesTheWindow) {
  testing::FakeClock clock;
  TimeSlidingWindow window(10);
  window.record(true, false, clock.now());
  clock.advance(seconds(5));
  window.record(false, false, clock.now());
  clock.advance(seconds(5));  // the first second is now 10 s old: out
  WindowCounts counts = window.counts(clock.now());
  EXPECT_EQ(counts.calls, 1);
  EXPECT_EQ(counts.failures, 0);
  clock.advance(seconds(5));
  counts = window.counts(clock.now());
  EXPECT_EQ(counts.calls, 0);
}

TEST(TimeSlidingWindowTest, ForgetsEverythingAfterALongSilence) {
  testing::FakeClock clock;
  TimeSlidingWindow window(3);
  for (int i = 0; i < 5; ++i) window.record(true, true, clock.now());
  clock.advance(std::chrono::minutes(10));
  EXPECT_EQ(window.counts(clock.now()).calls, 0);
  window.record(false, false, clock.now());
  EXPECT_EQ(window.counts(clock.now()).calls, 1);
}

TEST(TimeSlidingWindowTest, GroupsOutcomesOfTheSameSecond) {
  testing::FakeClock clock;
  TimeSlidingWindow window(2);
  window.record(true, false, clock.now());
  clock.advance(milliseconds(300));
  window.record(true, false, clock.now());
  clock.advance(milliseconds(300));
  window.record(false, false, clock.now());
  EXPECT_EQ(window.counts(clock.now()).calls, 3);
  EXPECT_EQ(window.counts(clock.now()).failures, 2);
}

TEST(TimeSlidingWindowTest, ReusesBucketsAsTimeWrapsAround) {
  testing::FakeClock clock;
  TimeSlidingWindow window(3);
  for (int second = 0; second < 20; ++second) {
    window.record(second % 2 == 0, false, clock.now());
    clock.advance(seconds(1));
  }
  // Reading at second 20 keeps seconds 18..20: calls at 18 (failed) and 19 (succeeded).
  const WindowCounts counts = window.counts(clock.now());
  EXPECT_EQ(counts.calls, 2);
  EXPECT_EQ(counts.failures, 1);
}

TEST(SlidingWindowFactoryTest, BuildsTheRequestedShape) {
  EXPECT_NE(dynamic_cast<CountSlidingWindow*>(makeSlidingWindow(WindowType::kCountBased, 5).get()),
            nullptr);
  EXPECT_NE(dynamic_cast<TimeSlidingWindow*>(makeSlidingWindow(WindowType::kTimeBased, 5).get()),
            nullptr);
  EXPECT_EQ(parseWindowType("time_based").value(), WindowType::kTimeBased);
  EXPECT_FALSE(parseWindowType("hourly").ok());
}

}  // namespace
}  // namespace aftershock::client
