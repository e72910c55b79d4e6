// Token-bucket arithmetic of the retry budget, on FakeClock.
#include "services/client/retry_budget.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace aftershock::client {
namespace {

using std::chrono::milliseconds;

RetryBudgetConfig smallBudget() {
  RetryBudgetConfig config;
  config.ratio = 0.5;
  config.max_tokens = 3.0;
  config.min_retries_per_second = 0.0;
  return config;
}

TEST(RetryBudgetTest, StartsFull) {
  testing::FakeClock clock;
  RetryBudget budget(smallBudget(), clock);
  EXPECT_DOUBLE_EQ(budget.tokens(), 3.0);
}

TEST(RetryBudgetTest, EachRetryWithdrawsOneTokenUntilEmpty) {
  testing::FakeClock clock;
  RetryBudget budget(smallBudget(), clock);
  EXPECT_TRUE(budget.tryWithdraw());
  EXPECT_TRUE(budget.tryWithdraw());
  EXPECT_TRUE(budget.tryWithdraw());
  EXPECT_FALSE(budget.tryWithdraw());
  EXPECT_DOUBLE_EQ(budget.tokens(), 0.0);
}

TEST(RetryBudgetTest, FirstAttemptsDepositTheRatio) {
  testing::FakeClock clock;
  RetryBudget budget(smallBudget(), clock);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(budget.tryWithdraw());
  budget.onFirstAttempt();
  EXPECT_FALSE(budget.tryWithdraw());  // 0.5 tokens: not enough
  budget.onFirstAttempt();
  EXPECT_TRUE(budget.tryWithdraw());  // two first attempts earn one retry
  EXPECT_FALSE(budget.tryWithdraw());
}

TEST(RetryBudgetTest, DepositsAreCappedAtMaxTokens) {
  testing::FakeClock clock;
  RetryBudget budget(smallBudget(), clock);
  for (int i = 0; i < 100; ++i) budget.onFirstAttempt();
  EXPECT_DOUBLE_EQ(budget.tokens(), 3.0);
}

TEST(RetryBudgetTest, RefillsAtTheMinimumRateOverTime) {
  testing::FakeClock clock;
  RetryBudgetConfig config = smallBudget();
  config.min_retries_per_second = 2.0;
  RetryBudget budget(config, clock);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(budget.tryWithdraw());
  EXPECT_FALSE(budget.tryWithdraw());
  clock.advance(milliseconds(500));  // +1 token
  EXPECT_TRUE(budget.tryWithdraw());
  EXPECT_FALSE(budget.tryWithdraw());
  clock.advance(std::chrono::hours(1));  // capped at max
  EXPECT_DOUBLE_EQ(budget.tokens(), 3.0);
}

TEST(RetryBudgetTest, DisabledBudgetAllowsEveryRetry) {
  testing::FakeClock clock;
  RetryBudgetConfig config = smallBudget();
  config.enabled = false;
  RetryBudget budget(config, clock);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(budget.tryWithdraw());
}

TEST(RetryBudgetTest, ReconfigureKeepsTokensClampedToTheNewMaximum) {
  testing::FakeClock clock;
  RetryBudget budget(smallBudget(), clock);
  RetryBudgetConfig smaller = smallBudget();
  smaller.max_tokens = 1.0;
  budget.reconfigure(smaller);
  EXPECT_DOUBLE_EQ(budget.tokens(), 1.0);
}

TEST(RetryBudgetTest, DefaultsSustainTheRetriesOfAFiftyPercentFault) {
  // p = 0.5, 3 attempts: per call 0 retries (p 0.5), 1 retry (0.25), 2 retries (0.25):
  // 0.75 retries per call against 0.8 tokens earned. Cycle through that mix, no refill.
  testing::FakeClock clock;
  RetryBudgetConfig config;
  config.min_retries_per_second = 0.0;
  RetryBudget budget(config, clock);
  const int retries_of_call[] = {0, 0, 1, 2};
  int refused = 0;
  for (int call = 0; call < 10'000; ++call) {
    budget.onFirstAttempt();
    for (int r = 0; r < retries_of_call[call % 4]; ++r) refused += budget.tryWithdraw() ? 0 : 1;
  }
  EXPECT_EQ(refused, 0);
}

TEST(RetryBudgetTest, DefaultsCapRetriesDuringAFullOutage) {
  // Every call wants 2 retries; the budget lets through about 0.8 per call once drained.
  testing::FakeClock clock;
  RetryBudgetConfig config;
  config.min_retries_per_second = 0.0;
  RetryBudget budget(config, clock);
  int retries = 0;
  constexpr int kCalls = 10'000;
  for (int call = 0; call < kCalls; ++call) {
    budget.onFirstAttempt();
    for (int r = 0; r < 2; ++r) retries += budget.tryWithdraw() ? 1 : 0;
  }
  EXPECT_LE(retries, static_cast<int>(0.8 * kCalls) + 100 + 1);
  EXPECT_GE(retries, static_cast<int>(0.8 * kCalls) - 1);
}

}  // namespace
}  // namespace aftershock::client
