// Backoff bounds with full jitter, the cap, retryable classification and Retry-After.
#include "services/client/retry_policy.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_random.h"

namespace aftershock::client {
namespace {

using common::Duration;
using std::chrono::milliseconds;
using std::chrono::seconds;

common::HttpResponse response(int status, std::string retry_after = "") {
  common::HttpResponse answer;
  answer.status = status;
  if (!retry_after.empty()) answer.headers.emplace_back("Retry-After", std::move(retry_after));
  return answer;
}

common::SystemTime at(int year, unsigned month, unsigned day, int hours, int minutes, int secs) {
  return std::chrono::sys_days{std::chrono::year{year} / month / day} + std::chrono::hours(hours) +
         std::chrono::minutes(minutes) + std::chrono::seconds(secs);
}

class RetryPolicyTest : public ::testing::Test {
 protected:
  RetryConfig config_;  // defaults: 3 attempts, 100 ms base, x2, 1000 ms cap
  testing::FakeRandom random_{{0.0}};
  common::SystemTime now_ = at(2026, 1, 1, 0, 0, 0);
};

TEST_F(RetryPolicyTest, CeilingGrowsExponentiallyFromTheInitialBackoff) {
  const RetryPolicy policy(config_, random_);
  EXPECT_EQ(policy.backoffCeiling(1), milliseconds(100));
  EXPECT_EQ(policy.backoffCeiling(2), milliseconds(200));
  EXPECT_EQ(policy.backoffCeiling(3), milliseconds(400));
  EXPECT_EQ(policy.backoffCeiling(4), milliseconds(800));
}

TEST_F(RetryPolicyTest, CeilingIsCappedAtMaxBackoff) {
  const RetryPolicy policy(config_, random_);
  EXPECT_EQ(policy.backoffCeiling(5), milliseconds(1000));
  EXPECT_EQ(policy.backoffCeiling(60), milliseconds(1000));  // no overflow either
}

TEST_F(RetryPolicyTest, FullJitterWithRandomZeroWaitsNothing) {
  const RetryPolicy policy(config_, random_);
  for (int attempt = 1; attempt <= 6; ++attempt) EXPECT_EQ(policy.nextDelay(attempt), Duration(0));
}

TEST_F(RetryPolicyTest, FullJitterWithRandomNearOneWaitsJustUnderTheCeiling) {
  random_.setValues({0.999});
  const RetryPolicy policy(config_, random_);
  for (int attempt = 1; attempt <= 6; ++attempt) {
    const Duration ceiling = policy.backoffCeiling(attempt);
    const Duration delay = policy.nextDelay(attempt);
    EXPECT_LT(delay, ceiling);
    EXPECT_GE(delay, ceiling * 998 / 1000);
  }
}

TEST_F(RetryPolicyTest, SeededRandomDelaysStayWithinBoundsAndSpreadOverTheInterval) {
  common::SystemRandom seeded(42);
  const RetryPolicy policy(config_, seeded);
  Duration total{0};
  constexpr int kSamples = 2000;
  Duration smallest = milliseconds(1000), largest{0};
  for (int i = 0; i < kSamples; ++i) {
    const Duration delay = policy.nextDelay(2);  // ceiling 200 ms
    ASSERT_GE(delay, Duration(0));
    ASSERT_LT(delay, milliseconds(200));
    total += delay;
    smallest = std::min(smallest, delay);
    largest = std::max(largest, delay);
  }
  // Uniform on [0, 200): mean 100 ms; the extremes come close to both ends.
  const double mean_ms = std::chrono::duration<double, std::milli>(total).count() / kSamples;
  EXPECT_NEAR(mean_ms, 100.0, 10.0);
  EXPECT_LT(smallest, milliseconds(10));
  EXPECT_GT(largest, milliseconds(190));
}

TEST_F(RetryPolicyTest, RetriesTransientStatusCodes) {
  const RetryPolicy policy(config_, random_);
  for (const int status : {429, 502, 503, 504}) {
    EXPECT_TRUE(policy.isRetryable(response(status))) << status;
  }
}

TEST_F(RetryPolicyTest, NeverRetries500ByDefaultNorOtherClientErrors) {
  const RetryPolicy policy(config_, random_);
  for (const int status : {500, 501, 400, 401, 403, 404, 409, 422}) {
    EXPECT_FALSE(policy.isRetryable(response(status))) << status;
  }
}

TEST_F(RetryPolicyTest, RetryableStatusSetIsConfigurable) {
  config_.retryable_status_codes = {500};
  const RetryPolicy policy(config_, random_);
  EXPECT_TRUE(policy.isRetryable(response(500)));
  EXPECT_FALSE(policy.isRetryable(response(503)));
}

TEST_F(RetryPolicyTest, RetriesTimeoutsAndUnreachableBackendsButNotBadRequests) {
  const RetryPolicy policy(config_, random_);
  EXPECT_TRUE(policy.isRetryable(common::makeError(common::ErrorCode::kTimeout, "t")));
  EXPECT_TRUE(policy.isRetryable(common::makeError(common::ErrorCode::kUnavailable, "u")));
  EXPECT_FALSE(policy.isRetryable(common::makeError(common::ErrorCode::kInvalid, "bad url")));
  config_.retry_transport_errors = false;
  EXPECT_FALSE(policy.isRetryable(common::makeError(common::ErrorCode::kTimeout, "t")));
}

TEST_F(RetryPolicyTest, PlanStopsAfterMaxAttempts) {
  random_.setValues({0.5});
  const RetryPolicy policy(config_, random_);
  const RetryPlan first = policy.plan(1, response(503), now_);
  EXPECT_TRUE(first.retry);
  EXPECT_EQ(first.delay, milliseconds(50));
  EXPECT_TRUE(policy.plan(2, response(503), now_).retry);
  const RetryPlan third = policy.plan(3, response(503), now_);
  EXPECT_FALSE(third.retry);
  EXPECT_EQ(third.stop_reason, stop_reason::kRetriesExhausted);
}

TEST_F(RetryPolicyTest, PlanStopsOnANonRetryableAnswer) {
  const RetryPolicy policy(config_, random_);
  const RetryPlan plan = policy.plan(1, response(500), now_);
  EXPECT_FALSE(plan.retry);
  EXPECT_EQ(plan.stop_reason, stop_reason::kNotRetryable);
}

TEST_F(RetryPolicyTest, PlanStopsWhenRetryIsDisabled) {
  config_.enabled = false;
  const RetryPolicy policy(config_, random_);
  EXPECT_EQ(policy.plan(1, response(503), now_).stop_reason, stop_reason::kRetryDisabled);
}

TEST_F(RetryPolicyTest, PlanWaitsWhatRetryAfterAsks) {
  const RetryPolicy policy(config_, random_);
  const RetryPlan plan = policy.plan(1, response(429, "1"), now_);
  EXPECT_TRUE(plan.retry);
  EXPECT_EQ(plan.delay, seconds(1));
}

TEST_F(RetryPolicyTest, PlanGivesUpWhenRetryAfterExceedsTheCap) {
  const RetryPolicy policy(config_, random_);  // cap 2000 ms
  const RetryPlan plan = policy.plan(1, response(503, "3"), now_);
  EXPECT_FALSE(plan.retry);
  EXPECT_EQ(plan.stop_reason, stop_reason::kRetryAfterTooLong);
}

TEST_F(RetryPolicyTest, PlanIgnoresAMalformedRetryAfter) {
  random_.setValues({0.5});
  const RetryPolicy policy(config_, random_);
  const RetryPlan plan = policy.plan(1, response(429, "soon"), now_);
  EXPECT_TRUE(plan.retry);
  EXPECT_EQ(plan.delay, milliseconds(50));
}

TEST(RetryAfterTest, ParsesDelaySeconds) {
  const common::SystemTime now{};
  EXPECT_EQ(parseRetryAfter("120", now), seconds(120));
  EXPECT_EQ(parseRetryAfter(" 0 ", now), seconds(0));
  // Absurd values saturate instead of overflowing.
  EXPECT_EQ(parseRetryAfter("99999999999999999999999", now), seconds(365LL * 24 * 3600));
}

TEST(RetryAfterTest, RejectsMalformedValues) {
  const common::SystemTime now{};
  EXPECT_FALSE(parseRetryAfter("", now).has_value());
  EXPECT_FALSE(parseRetryAfter("-1", now).has_value());
  EXPECT_FALSE(parseRetryAfter("1.5", now).has_value());
  EXPECT_FALSE(parseRetryAfter("tomorrow", now).has_value());
  EXPECT_FALSE(parseRetryAfter("Sun, 32 Nov 1994 08:49:37 GMT", now).has_value());
  EXPECT_FALSE(parseRetryAfter("Sun, 06 Foo 1994 08:49:37 GMT", now).has_value());
  EXPECT_FALSE(parseRetryAfter("Sun, 06 Nov 1994 25:49:37 GMT", now).has_value());
}

TEST(RetryAfterTest, ParsesAnImfFixdateRelativeToNow) {
  const auto now = at(1994, 11, 6, 8, 49, 30);
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now), seconds(7));
}

TEST(RetryAfterTest, ParsesTheObsoleteRfc850AndAsctimeForms) {
  const auto now = at(1994, 11, 6, 8, 49, 30);
  EXPECT_EQ(parseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", now), seconds(7));
  EXPECT_EQ(parseRetryAfter("Sun Nov  6 08:49:37 1994", now), seconds(7));
}

TEST(RetryAfterTest, ADateInThePastMeansRetryNow) {
  const auto now = at(2026, 1, 1, 0, 0, 0);
  EXPECT_EQ(parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now), Duration(0));
}

}  // namespace
}  // namespace aftershock::client
