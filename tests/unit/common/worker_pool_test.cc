#include "common/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace aftershock::common {
namespace {

// A latch the test opens to let blocked tasks finish.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    opened_cv_.wait(lock, [this] { return open_; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    opened_cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_cv_;
  bool open_ = false;
};

TEST(WorkerPoolTest, RunsEveryAcceptedTaskBeforeShutdownReturns) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(2, 100);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.trySubmit([&ran] { ++ran; }));
  }
  EXPECT_EQ(ran.load(), 50);
}

TEST(WorkerPoolTest, RefusesWorkWhenThreadsAndQueueAreFull) {
  Gate gate;
  WorkerPool pool(1, 1);
  ASSERT_TRUE(pool.trySubmit([&gate] { gate.wait(); }));  // occupies the only thread...
  ASSERT_TRUE(pool.trySubmit([] {}));                     // ...fills the queue (or runs)
  // Exactly two tasks fit: one running (blocked) plus one queued. More are refused.
  int accepted = 0;
  for (int i = 0; i < 3; ++i) accepted += pool.trySubmit([] {}) ? 1 : 0;
  EXPECT_EQ(accepted, 0);
  gate.open();
}

TEST(WorkerPoolTest, RefusesWorkAfterShutdown) {
  WorkerPool pool(1, 1);
  pool.shutdown();
  EXPECT_FALSE(pool.trySubmit([] {}));
}

}  // namespace
}  // namespace aftershock::common
