#include "operator/kube/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/fake_clock.h"

namespace aftershock::op {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class WorkQueueTest : public ::testing::Test {
 protected:
  // Spins (yielding, never sleeping) until `count` threads are blocked in queue_.get().
  void waitForIdleWorkers(std::size_t count) {
    while (queue_.idleWorkers() < count) std::this_thread::yield();
  }

  testing::FakeClock clock_;
  WorkQueue queue_{clock_};
};

TEST_F(WorkQueueTest, TryGetOnAnEmptyQueueReturnsNothing) {
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, DuplicateAddsCollapseIntoOneItem) {
  queue_.add("ns/a");
  queue_.add("ns/a");
  queue_.add("ns/a");
  EXPECT_EQ(queue_.depth(), 1u);
  EXPECT_EQ(queue_.tryGet(), "ns/a");
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, KeysAreHandedOutInTheOrderTheyWereAdded) {
  queue_.add("ns/a");
  queue_.add("ns/b");
  queue_.add("ns/a");
  queue_.add("ns/c");
  EXPECT_EQ(queue_.tryGet(), "ns/a");
  EXPECT_EQ(queue_.tryGet(), "ns/b");
  EXPECT_EQ(queue_.tryGet(), "ns/c");
}

TEST_F(WorkQueueTest, KeyAddedWhileProcessingIsNotHandedOutBeforeDone) {
  queue_.add("ns/a");
  ASSERT_EQ(queue_.tryGet(), "ns/a");
  queue_.add("ns/a");
  EXPECT_EQ(queue_.depth(), 0u);
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, KeyAddedWhileProcessingIsRequeuedOnceWhenDone) {
  queue_.add("ns/a");
  ASSERT_EQ(queue_.tryGet(), "ns/a");
  queue_.add("ns/a");
  queue_.add("ns/a");
  queue_.done("ns/a");
  EXPECT_EQ(queue_.depth(), 1u);
  EXPECT_EQ(queue_.tryGet(), "ns/a");
  queue_.done("ns/a");
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, DoneWithoutAReAddDoesNotRequeue) {
  queue_.add("ns/a");
  ASSERT_EQ(queue_.tryGet(), "ns/a");
  queue_.done("ns/a");
  EXPECT_EQ(queue_.depth(), 0u);
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, OtherKeysAreHandedOutWhileOneIsProcessing) {
  queue_.add("ns/a");
  ASSERT_EQ(queue_.tryGet(), "ns/a");
  queue_.add("ns/a");
  queue_.add("ns/b");
  EXPECT_EQ(queue_.tryGet(), "ns/b");
}

TEST_F(WorkQueueTest, NeverHandsOneKeyToTwoWorkersAtOnce) {
  constexpr int kWorkers = 4;
  constexpr int kRoundsPerKey = 500;
  const std::vector<std::string> keys = {"ns/a", "ns/b", "ns/c"};
  std::map<std::string, std::atomic<int>> in_flight;
  std::map<std::string, std::atomic<int>> processed;
  for (const auto& key : keys) {
    in_flight[key] = 0;
    processed[key] = 0;
  }
  std::atomic<int> overlaps = 0;
  std::latch every_key_done(static_cast<std::ptrdiff_t>(keys.size()));

  std::vector<std::thread> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.emplace_back([&] {
      while (auto key = queue_.get()) {
        if (in_flight.at(*key).fetch_add(1) != 0) ++overlaps;
        // Re-adding while processing is exactly what must not reach a second worker.
        const int rounds = ++processed.at(*key);
        if (rounds < kRoundsPerKey) queue_.add(*key);
        for (int spin = 0; spin < 10; ++spin) std::this_thread::yield();
        in_flight.at(*key).fetch_sub(1);
        queue_.done(*key);
        if (rounds == kRoundsPerKey) every_key_done.count_down();
      }
    });
  }
  for (const auto& key : keys) queue_.add(key);
  every_key_done.wait();
  queue_.shutDown();
  for (auto& worker : workers) worker.join();

  EXPECT_EQ(overlaps.load(), 0);
  for (const auto& key : keys) EXPECT_EQ(processed.at(key).load(), kRoundsPerKey) << key;
}

TEST_F(WorkQueueTest, AddAfterBecomesReadyOnlyWhenTheClockReachesItsTime) {
  queue_.addAfter("ns/a", seconds(10));
  EXPECT_EQ(queue_.delayedCount(), 1u);
  EXPECT_EQ(queue_.tryGet(), std::nullopt);

  clock_.advance(seconds(10) - milliseconds(1));
  EXPECT_EQ(queue_.tryGet(), std::nullopt);

  clock_.advance(milliseconds(1));
  EXPECT_EQ(queue_.tryGet(), "ns/a");
  EXPECT_EQ(queue_.delayedCount(), 0u);
}

TEST_F(WorkQueueTest, AddAfterWithoutADelayIsReadyAtOnce) {
  queue_.addAfter("ns/a", common::Duration::zero());
  queue_.addAfter("ns/b", -seconds(1));
  EXPECT_EQ(queue_.delayedCount(), 0u);
  EXPECT_EQ(queue_.depth(), 2u);
}

TEST_F(WorkQueueTest, DelayedKeysBecomeReadyInOrderOfTheirTimes) {
  queue_.addAfter("ns/late", seconds(3));
  queue_.addAfter("ns/early", seconds(1));
  clock_.advance(seconds(5));
  EXPECT_EQ(queue_.tryGet(), "ns/early");
  EXPECT_EQ(queue_.tryGet(), "ns/late");
}

TEST_F(WorkQueueTest, EarlierScheduledTimeWinsWhenItComesSecond) {
  queue_.addAfter("ns/a", seconds(10));
  queue_.addAfter("ns/a", seconds(2));
  EXPECT_EQ(queue_.delayedCount(), 1u);
  EXPECT_EQ(queue_.nextReadyIn(), seconds(2));
  clock_.advance(seconds(2));
  EXPECT_EQ(queue_.tryGet(), "ns/a");
}

TEST_F(WorkQueueTest, EarlierScheduledTimeWinsWhenItComesFirst) {
  queue_.addAfter("ns/a", seconds(2));
  queue_.addAfter("ns/a", seconds(10));
  EXPECT_EQ(queue_.delayedCount(), 1u);
  EXPECT_EQ(queue_.nextReadyIn(), seconds(2));
  clock_.advance(seconds(2));
  EXPECT_EQ(queue_.tryGet(), "ns/a");
  queue_.done("ns/a");
  clock_.advance(seconds(10));
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, NextReadyInCountsDownByTheClock) {
  EXPECT_EQ(queue_.nextReadyIn(), std::nullopt);
  queue_.addAfter("ns/a", seconds(5));
  clock_.advance(seconds(2));
  EXPECT_EQ(queue_.nextReadyIn(), seconds(3));
  clock_.advance(seconds(4));
  EXPECT_EQ(queue_.nextReadyIn(), common::Duration::zero());
}

TEST_F(WorkQueueTest, DelayedKeyThatIsAlsoReadyIsHandedOutOnce) {
  queue_.addAfter("ns/a", seconds(1));
  queue_.add("ns/a");
  clock_.advance(seconds(1));
  EXPECT_EQ(queue_.tryGet(), "ns/a");
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, RateLimitedAddsDoubleTheDelayPerFailure) {
  for (const auto expected : {milliseconds(5), milliseconds(10), milliseconds(20)}) {
    queue_.addRateLimited("ns/a");
    EXPECT_EQ(queue_.nextReadyIn(), expected);
    clock_.advance(expected);
    ASSERT_EQ(queue_.tryGet(), "ns/a");
    queue_.done("ns/a");
  }
  EXPECT_EQ(queue_.failures("ns/a"), 3);
}

TEST_F(WorkQueueTest, FailuresAreCountedPerKey) {
  queue_.addRateLimited("ns/a");
  queue_.addRateLimited("ns/a");
  queue_.addRateLimited("ns/b");
  EXPECT_EQ(queue_.failures("ns/a"), 2);
  EXPECT_EQ(queue_.failures("ns/b"), 1);
  EXPECT_EQ(queue_.failures("ns/c"), 0);
}

TEST_F(WorkQueueTest, ForgetResetsTheBackoff) {
  queue_.addRateLimited("ns/a");
  queue_.addRateLimited("ns/a");
  queue_.addRateLimited("ns/a");
  queue_.forget("ns/a");
  EXPECT_EQ(queue_.failures("ns/a"), 0);

  clock_.advance(seconds(1));
  ASSERT_EQ(queue_.tryGet(), "ns/a");
  queue_.done("ns/a");
  queue_.addRateLimited("ns/a");
  EXPECT_EQ(queue_.nextReadyIn(), milliseconds(5));
}

TEST(WorkQueueBackoffTest, RateLimitedDelayIsCappedByThePolicy) {
  testing::FakeClock clock;
  WorkQueue queue(clock, BackoffPolicy{.base = seconds(1), .cap = seconds(3)});
  std::vector<common::Duration> delays;
  for (int failure = 0; failure < 4; ++failure) {
    queue.addRateLimited("ns/a");
    const auto delay = queue.nextReadyIn();
    ASSERT_TRUE(delay.has_value());
    delays.push_back(*delay);
    clock.advance(*delay);
    ASSERT_EQ(queue.tryGet(), "ns/a");
    queue.done("ns/a");
  }
  EXPECT_EQ(delays,
            (std::vector<common::Duration>{seconds(1), seconds(2), seconds(3), seconds(3)}));
}

TEST_F(WorkQueueTest, RateLimitedAddKeepsAnEarlierScheduleOfTheSameKey) {
  queue_.addRateLimited("ns/a");
  queue_.addRateLimited("ns/a");
  queue_.addRateLimited("ns/a");
  EXPECT_EQ(queue_.failures("ns/a"), 3);
  EXPECT_EQ(queue_.nextReadyIn(), milliseconds(5));
}

TEST_F(WorkQueueTest, DepthCountsReadyKeysButNotDelayedOrProcessingOnes) {
  queue_.add("ns/a");
  queue_.add("ns/b");
  queue_.addAfter("ns/c", seconds(1));
  EXPECT_EQ(queue_.depth(), 2u);
  ASSERT_EQ(queue_.tryGet(), "ns/a");
  EXPECT_EQ(queue_.depth(), 1u);
  EXPECT_EQ(queue_.delayedCount(), 1u);
}

TEST_F(WorkQueueTest, GetReturnsAReadyKeyWithoutBlocking) {
  queue_.add("ns/a");
  EXPECT_EQ(queue_.get(), "ns/a");
}

TEST_F(WorkQueueTest, BlockedGetReturnsAKeyAddedLater) {
  std::optional<std::string> got;
  std::thread worker([&] { got = queue_.get(); });
  waitForIdleWorkers(1);
  queue_.add("ns/a");
  worker.join();
  EXPECT_EQ(got, "ns/a");
}

TEST_F(WorkQueueTest, BlockedGetReturnsADelayedKeyWhenTheClockAdvancesAndIsWoken) {
  queue_.addAfter("ns/a", seconds(30));
  std::optional<std::string> got;
  std::thread worker([&] { got = queue_.get(); });
  waitForIdleWorkers(1);
  clock_.advance(seconds(30));
  queue_.wake();
  worker.join();
  EXPECT_EQ(got, "ns/a");
}

// No wake(): the blocked get() must notice the fake clock within one kMaxWaitRound (50 ms of
// real time). The test waits on the queue, not on a sleep.
TEST_F(WorkQueueTest, BlockedGetNoticesAClockAdvanceWithinOneWaitRound) {
  queue_.addAfter("ns/a", seconds(30));
  std::optional<std::string> got;
  std::thread worker([&] { got = queue_.get(); });
  waitForIdleWorkers(1);
  clock_.advance(seconds(30));
  worker.join();
  EXPECT_EQ(got, "ns/a");
}

TEST_F(WorkQueueTest, ShutDownDrainsReadyKeysThenReturnsNothing) {
  queue_.add("ns/a");
  queue_.add("ns/b");
  queue_.shutDown();
  EXPECT_TRUE(queue_.shuttingDown());
  EXPECT_EQ(queue_.get(), "ns/a");
  EXPECT_EQ(queue_.get(), "ns/b");
  EXPECT_EQ(queue_.get(), std::nullopt);
}

TEST_F(WorkQueueTest, ShutDownDropsDelayedKeysAndRefusesNewAdds) {
  queue_.addAfter("ns/delayed", seconds(1));
  queue_.shutDown();
  EXPECT_EQ(queue_.delayedCount(), 0u);
  queue_.add("ns/new");
  queue_.addAfter("ns/later", seconds(1));
  queue_.addRateLimited("ns/failed");
  clock_.advance(seconds(10));
  EXPECT_EQ(queue_.depth(), 0u);
  EXPECT_EQ(queue_.delayedCount(), 0u);
  EXPECT_EQ(queue_.get(), std::nullopt);
}

TEST_F(WorkQueueTest, ShutDownWakesEveryBlockedGetter) {
  constexpr int kWorkers = 3;
  std::atomic<int> finished = 0;
  std::vector<std::thread> workers;
  for (int i = 0; i < kWorkers; ++i) {
    workers.emplace_back([&] {
      if (queue_.get() == std::nullopt) ++finished;
    });
  }
  waitForIdleWorkers(kWorkers);
  queue_.shutDown();
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(finished.load(), kWorkers);
}

TEST_F(WorkQueueTest, KeyReAddedWhileProcessingIsStillHandedOutAfterShutDown) {
  queue_.add("ns/a");
  ASSERT_EQ(queue_.tryGet(), "ns/a");
  queue_.add("ns/a");
  queue_.shutDown();

  std::optional<std::string> got;
  std::thread worker([&] { got = queue_.get(); });
  waitForIdleWorkers(1);
  queue_.done("ns/a");
  worker.join();
  EXPECT_EQ(got, "ns/a");
  queue_.done("ns/a");
  EXPECT_EQ(queue_.get(), std::nullopt);
}

}  // namespace
}  // namespace aftershock::op
