// Tests for CPU stress: bounded by the fake clock, stoppable, one burn at a time, and its
// guard slot freed when it ends.
#include "services/backend/cpu_stress.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace aftershock::backend {
namespace {

using std::chrono::seconds;

class CpuStressTest : public ::testing::Test {
 protected:
  ChaosPermit permit() { return std::move(*guard_.tryAcquire(std::nullopt).permit); }

  testing::FakeClock clock_;
  ChaosGuard guard_{clock_, seconds(0), 4};
  CpuStress stress_{clock_};
};

TEST_F(CpuStressTest, ReportsAnActiveBurnWithItsThreadsAndTimeLeft) {
  ASSERT_TRUE(stress_.start(seconds(10), 2, permit()).ok());
  clock_.advance(seconds(4));
  const CpuStressStatus status = stress_.status();
  EXPECT_TRUE(status.active);
  EXPECT_EQ(status.threads, 2);
  EXPECT_EQ(status.duration, seconds(10));
  EXPECT_EQ(status.remaining, seconds(6));
  stress_.stop();
}

TEST_F(CpuStressTest, EndsByItselfWhenItsDurationHasPassedAndFreesItsSlot) {
  ASSERT_TRUE(stress_.start(seconds(10), 2, permit()).ok());
  EXPECT_EQ(guard_.active(), 1);
  clock_.advance(seconds(10));
  stress_.waitUntilIdle();
  EXPECT_FALSE(stress_.status().active);
  EXPECT_EQ(guard_.active(), 0);
}

TEST_F(CpuStressTest, StopEndsTheBurnEarlyAndFreesItsSlot) {
  ASSERT_TRUE(stress_.start(seconds(60), 1, permit()).ok());
  EXPECT_TRUE(stress_.stop());
  EXPECT_FALSE(stress_.status().active);
  EXPECT_EQ(guard_.active(), 0);
  EXPECT_FALSE(stress_.stop());
}

TEST_F(CpuStressTest, RefusesASecondBurnWhileOneIsActive) {
  ASSERT_TRUE(stress_.start(seconds(60), 1, permit()).ok());
  const common::Status second = stress_.start(seconds(1), 1, permit());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, common::ErrorCode::kConflict);
  EXPECT_EQ(guard_.active(), 1);  // the refused permit was dropped
  stress_.stop();
}

TEST_F(CpuStressTest, StartsAgainAfterABurnEnded) {
  ASSERT_TRUE(stress_.start(seconds(1), 1, permit()).ok());
  clock_.advance(seconds(1));
  stress_.waitUntilIdle();
  ASSERT_TRUE(stress_.start(seconds(1), 1, permit()).ok());
  EXPECT_TRUE(stress_.status().active);
  stress_.stop();
}

TEST_F(CpuStressTest, RefusesEveryStartAfterShutdown) {
  ASSERT_TRUE(stress_.start(seconds(60), 1, permit()).ok());
  stress_.shutdown();
  EXPECT_FALSE(stress_.status().active);
  const common::Status later = stress_.start(seconds(1), 1, permit());
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().code, common::ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace aftershock::backend
