#include "operator/kube/backoff.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>

#include "tests/fakes/fake_random.h"

namespace aftershock::op {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(BackoffTest, DefaultsMatchClientGoItemExponentialLimiter) {
  const BackoffPolicy policy;
  EXPECT_EQ(policy.base, milliseconds(5));
  EXPECT_EQ(policy.cap, seconds(1000));
}

TEST(BackoffTest, FirstFailureWaitsTheBaseDelay) {
  EXPECT_EQ(backoffDelay(BackoffPolicy{}, 1), milliseconds(5));
}

TEST(BackoffTest, EachFurtherFailureDoublesTheDelay) {
  const BackoffPolicy policy;
  EXPECT_EQ(backoffDelay(policy, 2), milliseconds(10));
  EXPECT_EQ(backoffDelay(policy, 3), milliseconds(20));
  EXPECT_EQ(backoffDelay(policy, 10), milliseconds(5 * 512));
}

TEST(BackoffTest, NoFailuresMeansNoDelay) {
  EXPECT_EQ(backoffDelay(BackoffPolicy{}, 0), common::Duration::zero());
  EXPECT_EQ(backoffDelay(BackoffPolicy{}, -3), common::Duration::zero());
}

TEST(BackoffTest, DelayStopsGrowingAtTheCap) {
  const BackoffPolicy policy{.base = seconds(1), .cap = seconds(10)};
  EXPECT_EQ(backoffDelay(policy, 4), seconds(8));
  EXPECT_EQ(backoffDelay(policy, 5), seconds(10));
  EXPECT_EQ(backoffDelay(policy, 6), seconds(10));
}

TEST(BackoffTest, DefaultPolicyReachesItsCapAfterAboutEighteenFailures) {
  const BackoffPolicy policy;
  EXPECT_LT(backoffDelay(policy, 18), seconds(1000));  // 5 ms << 17 = 655 s
  EXPECT_EQ(backoffDelay(policy, 19), seconds(1000));
}

TEST(BackoffTest, HugeFailureCountsSaturateAtTheCapWithoutOverflow) {
  const BackoffPolicy policy;
  EXPECT_EQ(backoffDelay(policy, 64), policy.cap);
  EXPECT_EQ(backoffDelay(policy, 1000), policy.cap);
  EXPECT_EQ(backoffDelay(policy, std::numeric_limits<int>::max()), policy.cap);

  const BackoffPolicy unbounded{.base = milliseconds(5), .cap = common::Duration::max()};
  EXPECT_EQ(backoffDelay(unbounded, std::numeric_limits<int>::max()), common::Duration::max());
  EXPECT_GT(backoffDelay(unbounded, 40), backoffDelay(unbounded, 39));
}

TEST(BackoffTest, CapBelowBaseLimitsEvenTheFirstDelay) {
  const BackoffPolicy policy{.base = seconds(5), .cap = seconds(2)};
  EXPECT_EQ(backoffDelay(policy, 1), seconds(2));
}

TEST(BackoffTest, FullJitterScalesTheDelayByTheDraw) {
  const BackoffPolicy policy{.base = seconds(1), .cap = seconds(60)};
  testing::FakeRandom random({0.5, 0.0});
  EXPECT_EQ(reconnectDelay(policy, 3, random, Jitter::Full), seconds(2));
  EXPECT_EQ(reconnectDelay(policy, 3, random, Jitter::Full), common::Duration::zero());
}

TEST(BackoffTest, EqualJitterKeepsAtLeastHalfTheDelay) {
  const BackoffPolicy policy{.base = seconds(1), .cap = seconds(60)};
  testing::FakeRandom random({0.0, 0.5});
  EXPECT_EQ(reconnectDelay(policy, 3, random, Jitter::Equal), seconds(2));
  EXPECT_EQ(reconnectDelay(policy, 3, random, Jitter::Equal), seconds(3));
}

TEST(BackoffTest, JitteredDelayNeverExceedsTheCap) {
  const BackoffPolicy policy{.base = seconds(1), .cap = seconds(60)};
  testing::FakeRandom random({0.999999});
  EXPECT_LT(reconnectDelay(policy, 100, random, Jitter::Full), seconds(60));
  EXPECT_LT(reconnectDelay(policy, 100, random, Jitter::Equal), seconds(60));
  EXPECT_GT(reconnectDelay(policy, 100, random, Jitter::Equal), seconds(59));
}

}  // namespace
}  // namespace aftershock::op
