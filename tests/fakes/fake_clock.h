// FakeClock: time that moves only when a test says so. sleepFor() advances it at once, so
// code that backs off or waits runs instantly and deterministically under test.
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "common/clock.h"

namespace aftershock::testing {

class FakeClock final : public common::Clock {
 public:
  FakeClock() = default;
  common::SteadyTime now() const override {
    std::lock_guard lock(mutex_);
    return steady_;
  }
  common::SystemTime wallNow() const override {
    std::lock_guard lock(mutex_);
    return wall_;
  }
  void sleepFor(common::Duration duration) override {
    std::lock_guard lock(mutex_);
    sleeps_.push_back(duration);
    steady_ += duration;
    wall_ += std::chrono::duration_cast<common::SystemTime::duration>(duration);
  }
  void advance(common::Duration duration) {
    std::lock_guard lock(mutex_);
    steady_ += duration;
    wall_ += std::chrono::duration_cast<common::SystemTime::duration>(duration);
  }
  // Every duration passed to sleepFor(), in order.
  std::vector<common::Duration> sleeps() const {
    std::lock_guard lock(mutex_);
    return sleeps_;
  }

 private:
  mutable std::mutex mutex_;
  common::SteadyTime steady_{std::chrono::hours(1000)};
  common::SystemTime wall_{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};
  std::vector<common::Duration> sleeps_;
};

}  // namespace aftershock::testing
