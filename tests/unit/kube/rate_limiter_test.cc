#include "operator/kube/rate_limiter.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/fakes/fake_clock.h"

namespace aftershock::op {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiterTest, BurstIsFreeThenRequestsArePacedAtQps) {
  testing::FakeClock clock;
  RateLimiter limiter(/*qps=*/10, /*burst=*/3, clock);
  EXPECT_EQ(limiter.reserve(), common::Duration::zero());
  EXPECT_EQ(limiter.reserve(), common::Duration::zero());
  EXPECT_EQ(limiter.reserve(), common::Duration::zero());
  // The bucket is empty: the next callers own the slots 100 ms, 200 ms, ... ahead, in order.
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(limiter.reserve()), milliseconds(100));
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(limiter.reserve()), milliseconds(200));
}

TEST(RateLimiterTest, TokensRefillWithTimeUpToTheBurst) {
  testing::FakeClock clock;
  RateLimiter limiter(/*qps=*/2, /*burst=*/2, clock);
  (void)limiter.reserve();
  (void)limiter.reserve();
  clock.advance(std::chrono::seconds(60));  // far more than enough for 2 tokens
  EXPECT_EQ(limiter.reserve(), common::Duration::zero());
  EXPECT_EQ(limiter.reserve(), common::Duration::zero());
  EXPECT_GT(limiter.reserve(), common::Duration::zero());  // capped at burst, not 120
}

TEST(RateLimiterTest, AcquireWaitsOnTheClock) {
  testing::FakeClock clock;
  RateLimiter limiter(/*qps=*/4, /*burst=*/1, clock);
  const auto start = clock.now();
  limiter.acquire();
  EXPECT_EQ(clock.now(), start);
  limiter.acquire();
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(clock.now() - start), milliseconds(250));
}

TEST(RateLimiterTest, ZeroQpsDisablesTheLimit) {
  testing::FakeClock clock;
  RateLimiter limiter(/*qps=*/0, /*burst=*/1, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(limiter.reserve(), common::Duration::zero());
}

TEST(RateLimiterTest, BurstBelowOneStillAllowsOneRequest) {
  testing::FakeClock clock;
  RateLimiter limiter(/*qps=*/1, /*burst=*/0, clock);
  EXPECT_EQ(limiter.reserve(), common::Duration::zero());
  EXPECT_GT(limiter.reserve(), common::Duration::zero());
}

}  // namespace
}  // namespace aftershock::op
