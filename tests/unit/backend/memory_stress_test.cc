// Tests for memory stress: real resident pages, one block at a time, release on request or
// once its hold time has passed on the fake clock.
#include "services/backend/memory_stress.h"

#include <gtest/gtest.h>

#include "common/process_stats.h"
#include "tests/fakes/fake_clock.h"

namespace aftershock::backend {
namespace {

using std::chrono::seconds;

constexpr std::uint64_t kMiB = 1024 * 1024;

class MemoryStressTest : public ::testing::Test {
 protected:
  ChaosPermit permit() { return std::move(*guard_.tryAcquire(std::nullopt).permit); }

  testing::FakeClock clock_;
  ChaosGuard guard_{clock_, seconds(0), 4};
  MemoryStress stress_{clock_};
};

TEST(ResidentBlockTest, TouchesEveryPage) {
  auto block = ResidentBlock::allocate(4 * kMiB);
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(block->size(), 4 * kMiB);
  EXPECT_TRUE(block->touched());
}

TEST(ResidentBlockTest, MakesTheMemoryResidentAndGivesItBackWhenDestroyed) {
  const std::uint64_t before = common::residentMemoryBytes();
  std::uint64_t during = 0;
  {
    auto block = ResidentBlock::allocate(64 * kMiB);
    ASSERT_TRUE(block.ok());
    during = common::residentMemoryBytes();
  }
  const std::uint64_t after = common::residentMemoryBytes();
  EXPECT_GE(during, before + 60 * kMiB);
  EXPECT_LE(after, during - 60 * kMiB);
}

TEST(ResidentBlockTest, MovingTransfersOwnership) {
  auto block = ResidentBlock::allocate(kMiB);
  ASSERT_TRUE(block.ok());
  ResidentBlock moved = std::move(*block);
  EXPECT_EQ(moved.size(), kMiB);
  EXPECT_EQ(block->size(), 0u);  // NOLINT(bugprone-use-after-move): the point
  EXPECT_TRUE(moved.touched());
}

TEST_F(MemoryStressTest, HoldsTheBlockUntilReleased) {
  ASSERT_TRUE(stress_.allocate(8, std::nullopt, permit()).ok());
  const MemoryStressStatus status = stress_.status();
  EXPECT_TRUE(status.active);
  EXPECT_EQ(status.megabytes, 8);
  EXPECT_EQ(status.remaining, std::nullopt);
  clock_.advance(std::chrono::hours(100));
  EXPECT_EQ(stress_.releaseIfExpired(), 0);
  EXPECT_EQ(stress_.release(), 8);
  EXPECT_FALSE(stress_.status().active);
  EXPECT_EQ(guard_.active(), 0);
  EXPECT_EQ(stress_.release(), 0);
}

TEST_F(MemoryStressTest, ReleasesByItselfOnceTheHoldTimeHasPassed) {
  ASSERT_TRUE(stress_.allocate(2, seconds(30), permit()).ok());
  clock_.advance(seconds(10));
  EXPECT_EQ(stress_.status().remaining, seconds(20));
  EXPECT_EQ(stress_.releaseIfExpired(), 0);
  clock_.advance(seconds(20));
  EXPECT_EQ(stress_.releaseIfExpired(), 2);
  EXPECT_FALSE(stress_.status().active);
  EXPECT_EQ(guard_.active(), 0);
}

TEST_F(MemoryStressTest, RefusesASecondBlockWhileOneIsHeld) {
  ASSERT_TRUE(stress_.allocate(1, std::nullopt, permit()).ok());
  const common::Status second = stress_.allocate(1, std::nullopt, permit());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, common::ErrorCode::kConflict);
  EXPECT_EQ(guard_.active(), 1);
}

TEST_F(MemoryStressTest, ShutdownReleasesAndRefusesLaterAllocations) {
  ASSERT_TRUE(stress_.allocate(1, std::nullopt, permit()).ok());
  stress_.shutdown();
  EXPECT_FALSE(stress_.status().active);
  EXPECT_EQ(guard_.active(), 0);
  const common::Status later = stress_.allocate(1, std::nullopt, permit());
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.error().code, common::ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace aftershock::backend
