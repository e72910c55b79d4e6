// Tests for the chaos guardrails: cooldown and concurrency cap, on a fake clock.
#include "services/backend/chaos_guard.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace aftershock::backend {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ChaosGuardTest, AdmitsTheFirstAction) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(10), 1);
  ChaosAdmission admission = guard.tryAcquire(seconds(5));
  ASSERT_TRUE(admission.admitted());
  EXPECT_TRUE(admission.permit->held());
  EXPECT_EQ(guard.active(), 1);
}

TEST(ChaosGuardTest, RefusesDuringCooldownWithTheTimeLeft) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(10), 4);
  ASSERT_TRUE(guard.tryAcquire(std::nullopt).admitted());
  clock.advance(milliseconds(2500));
  const ChaosAdmission second = guard.tryAcquire(std::nullopt);
  ASSERT_FALSE(second.admitted());
  EXPECT_EQ(second.refusal.reason, RefusalReason::kCooldown);
  EXPECT_EQ(second.refusal.retry_after, milliseconds(7500));
  EXPECT_EQ(retryAfterSeconds(second.refusal.retry_after), 8);
}

TEST(ChaosGuardTest, AdmitsAgainOnceTheCooldownHasPassed) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(10), 4);
  ASSERT_TRUE(guard.tryAcquire(std::nullopt).admitted());
  clock.advance(milliseconds(9999));
  EXPECT_FALSE(guard.tryAcquire(std::nullopt).admitted());
  clock.advance(milliseconds(1));
  EXPECT_TRUE(guard.tryAcquire(std::nullopt).admitted());
}

TEST(ChaosGuardTest, RefusedAttemptsDoNotRestartTheCooldown) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(10), 4);
  ASSERT_TRUE(guard.tryAcquire(std::nullopt).admitted());
  for (int i = 0; i < 9; ++i) {
    clock.advance(seconds(1));
    EXPECT_FALSE(guard.tryAcquire(std::nullopt).admitted());
  }
  clock.advance(seconds(1));
  EXPECT_TRUE(guard.tryAcquire(std::nullopt).admitted());
}

TEST(ChaosGuardTest, RefusesAtTheConcurrencyCapUntilAPermitIsReleased) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(0), 2);
  ChaosAdmission first = guard.tryAcquire(std::nullopt);
  ChaosAdmission second = guard.tryAcquire(std::nullopt);
  ASSERT_TRUE(first.admitted());
  ASSERT_TRUE(second.admitted());
  const ChaosAdmission third = guard.tryAcquire(std::nullopt);
  ASSERT_FALSE(third.admitted());
  EXPECT_EQ(third.refusal.reason, RefusalReason::kConcurrency);
  first.permit->release();
  EXPECT_EQ(guard.active(), 1);
  EXPECT_TRUE(guard.tryAcquire(std::nullopt).admitted());
}

TEST(ChaosGuardTest, ConcurrencyRetryAfterIsTheEarliestExpectedEnd) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(0), 2);
  ChaosAdmission first = guard.tryAcquire(seconds(30));
  ChaosAdmission second = guard.tryAcquire(seconds(12));
  clock.advance(seconds(2));
  const ChaosAdmission third = guard.tryAcquire(seconds(1));
  ASSERT_FALSE(third.admitted());
  EXPECT_EQ(third.refusal.retry_after, seconds(10));
}

TEST(ChaosGuardTest, ConcurrencyRetryAfterIsOneSecondWhenNoEndIsKnown) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(0), 1);
  ChaosAdmission held = guard.tryAcquire(std::nullopt);
  const ChaosAdmission refused = guard.tryAcquire(seconds(1));
  ASSERT_FALSE(refused.admitted());
  EXPECT_EQ(refused.refusal.retry_after, seconds(1));
}

TEST(ChaosGuardTest, CooldownIsReportedFirstAndRetryAfterCoversBothWaits) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(5), 1);
  ChaosAdmission held = guard.tryAcquire(seconds(20));
  clock.advance(seconds(1));
  const ChaosAdmission refused = guard.tryAcquire(std::nullopt);
  ASSERT_FALSE(refused.admitted());
  EXPECT_EQ(refused.refusal.reason, RefusalReason::kCooldown);
  EXPECT_EQ(refused.refusal.retry_after, seconds(19));
}

TEST(ChaosGuardTest, DestroyingAPermitFreesItsSlot) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(0), 1);
  {
    ChaosAdmission admission = guard.tryAcquire(std::nullopt);
    ASSERT_TRUE(admission.admitted());
    EXPECT_EQ(guard.active(), 1);
  }
  EXPECT_EQ(guard.active(), 0);
}

TEST(ChaosGuardTest, MovingAPermitKeepsOneSlotAndReleaseIsIdempotent) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(0), 2);
  ChaosAdmission admission = guard.tryAcquire(std::nullopt);
  ChaosPermit moved = std::move(*admission.permit);
  EXPECT_FALSE(admission.permit->held());  // NOLINT(bugprone-use-after-move): the point
  EXPECT_TRUE(moved.held());
  EXPECT_EQ(guard.active(), 1);
  ChaosPermit assigned;
  assigned = std::move(moved);
  EXPECT_EQ(guard.active(), 1);
  assigned.release();
  assigned.release();
  EXPECT_EQ(guard.active(), 0);
}

TEST(ChaosGuardTest, MoveAssigningOverAHeldPermitReleasesTheOldSlot) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(0), 2);
  ChaosAdmission first = guard.tryAcquire(std::nullopt);
  ChaosAdmission second = guard.tryAcquire(std::nullopt);
  *first.permit = std::move(*second.permit);
  EXPECT_EQ(guard.active(), 1);
}

TEST(ChaosGuardTest, ZeroCooldownAdmitsBackToBackActions) {
  testing::FakeClock clock;
  ChaosGuard guard(clock, seconds(0), 1);
  EXPECT_TRUE(guard.tryAcquire(std::nullopt).admitted());
  EXPECT_TRUE(guard.tryAcquire(std::nullopt).admitted());
}

TEST(ChaosGuardTest, RetryAfterRoundsUpToWholeSecondsAndIsAtLeastOne) {
  EXPECT_EQ(retryAfterSeconds(milliseconds(1)), 1);
  EXPECT_EQ(retryAfterSeconds(milliseconds(1000)), 1);
  EXPECT_EQ(retryAfterSeconds(milliseconds(1001)), 2);
  EXPECT_EQ(retryAfterSeconds(seconds(0)), 1);
}

TEST(ChaosGuardTest, ReasonNamesAreTheWireValues) {
  EXPECT_EQ(refusalReasonName(RefusalReason::kCooldown), "cooldown");
  EXPECT_EQ(refusalReasonName(RefusalReason::kConcurrency), "concurrency");
}

}  // namespace
}  // namespace aftershock::backend
