// Tests for per-request fault decisions: exact outcomes with scripted draws, and rates that
// hold statistically with a seeded generator.
#include "services/backend/fault_injector.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/random.h"
#include "tests/fakes/fake_random.h"

namespace aftershock::backend {
namespace {

using std::chrono::milliseconds;

TEST(FaultInjectorTest, NoFaultsConfiguredMeansNoFaultEvenOnTheLowestDraw) {
  testing::FakeRandom random({0.0});
  FaultInjector injector(random);
  const FaultDecision decision = injector.decide(FaultConfig{});
  EXPECT_FALSE(decision.failed());
  EXPECT_FALSE(decision.delayed());
}

TEST(FaultInjectorTest, RateOfOneAlwaysHitsEvenOnTheHighestDraw) {
  testing::FakeRandom random({0.999999});
  FaultInjector injector(random);
  const FaultDecision decision = injector.decide(FaultConfig{1.0, 503, 250, 1.0});
  EXPECT_EQ(decision.failure_status, 503);
  EXPECT_EQ(decision.delay, milliseconds(250));
}

TEST(FaultInjectorTest, DrawBelowTheRateHitsAndDrawAtTheRateMisses) {
  // Draws: failure 0.29 (< 0.3, hit), delay 0.3 (not < 0.3, miss).
  testing::FakeRandom random({0.29, 0.3});
  FaultInjector injector(random);
  const FaultDecision decision = injector.decide(FaultConfig{0.3, 500, 100, 0.3});
  EXPECT_EQ(decision.failure_status, 500);
  EXPECT_FALSE(decision.delayed());
}

TEST(FaultInjectorTest, FailureIsDrawnFirstAndDelaySecond) {
  testing::FakeRandom random({0.9, 0.1});
  FaultInjector injector(random);
  const FaultDecision decision = injector.decide(FaultConfig{0.5, 502, 40, 0.5});
  EXPECT_FALSE(decision.failed());
  EXPECT_EQ(decision.delay, milliseconds(40));
}

TEST(FaultInjectorTest, ARequestCanBeBothDelayedAndFailed) {
  testing::FakeRandom random({0.1, 0.1});
  FaultInjector injector(random);
  const FaultDecision decision = injector.decide(FaultConfig{0.5, 504, 70, 0.5});
  EXPECT_EQ(decision.failure_status, 504);
  EXPECT_EQ(decision.delay, milliseconds(70));
}

TEST(FaultInjectorTest, DelayRateWithZeroDelayIsNotADelay) {
  testing::FakeRandom random({0.0});
  FaultInjector injector(random);
  EXPECT_FALSE(injector.decide(FaultConfig{0.0, 500, 0, 1.0}).delayed());
}

// Counts hits over many draws and checks them against the binomial mean within 4 sigma
// (a false alarm about once in 16,000 runs; the seed makes it reproducible anyway).
struct RateCase {
  double failure_rate;
  double delay_rate;
};

class FaultInjectorRateTest : public ::testing::TestWithParam<RateCase> {};

TEST_P(FaultInjectorRateTest, HitRatesMatchConfiguredRatesWithinFourSigma) {
  constexpr int kDraws = 100'000;
  const RateCase rates = GetParam();
  common::SystemRandom random(20261124);
  FaultInjector injector(random);
  const FaultConfig config{rates.failure_rate, 503, 10, rates.delay_rate};
  int failures = 0;
  int delays = 0;
  for (int i = 0; i < kDraws; ++i) {
    const FaultDecision decision = injector.decide(config);
    failures += decision.failed() ? 1 : 0;
    delays += decision.delayed() ? 1 : 0;
  }
  const auto within = [](int hits, double rate) {
    const double mean = kDraws * rate;
    const double sigma = std::sqrt(kDraws * rate * (1.0 - rate));
    return std::abs(hits - mean) <= 4.0 * sigma;
  };
  EXPECT_TRUE(within(failures, rates.failure_rate))
      << failures << " failures for rate " << rates.failure_rate;
  EXPECT_TRUE(within(delays, rates.delay_rate))
      << delays << " delays for rate " << rates.delay_rate;
}

INSTANTIATE_TEST_SUITE_P(Rates, FaultInjectorRateTest,
                         ::testing::Values(RateCase{0.0, 1.0}, RateCase{0.01, 0.99},
                                           RateCase{0.1, 0.5}, RateCase{0.5, 0.25},
                                           RateCase{0.9, 0.0}));

TEST(FaultInjectorTest, FailureAndDelayAreIndependent) {
  constexpr int kDraws = 100'000;
  common::SystemRandom random(7);
  FaultInjector injector(random);
  const FaultConfig config{0.5, 500, 10, 0.5};
  int both = 0;
  for (int i = 0; i < kDraws; ++i) {
    const FaultDecision decision = injector.decide(config);
    both += decision.failed() && decision.delayed() ? 1 : 0;
  }
  const double mean = kDraws * 0.25;
  const double sigma = std::sqrt(kDraws * 0.25 * 0.75);
  EXPECT_LE(std::abs(both - mean), 4.0 * sigma) << both;
}

}  // namespace
}  // namespace aftershock::backend
