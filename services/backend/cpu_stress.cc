// CpuStress: busy loops on dedicated threads, bounded by a deadline and a stop flag.
#include "services/backend/cpu_stress.h"

#include <cassert>
#include <cmath>
#include <vector>

namespace aftershock::backend {

CpuStress::~CpuStress() { shutdown(); }

common::Status CpuStress::start(common::Duration duration, int threads, ChaosPermit permit) {
  assert(duration > common::Duration::zero() && threads >= 1);
  std::lock_guard lock(mutex_);
  if (shut_down_) {
    return common::makeError(common::ErrorCode::kUnavailable, "the service is shutting down");
  }
  if (active_) {
    return common::makeError(common::ErrorCode::kConflict, "a CPU stress is already running");
  }
  // A previous burn that ended by itself left its runner to join; it no longer needs the
  // lock, so joining here cannot deadlock.
  if (runner_.joinable()) runner_.join();
  stop_requested_ = false;
  active_ = true;
  threads_ = threads;
  duration_ = duration;
  deadline_ = clock_.now() + duration;
  permit_ = std::move(permit);
  runner_ = std::thread([this, threads, deadline = deadline_] { run(threads, deadline); });
  return {};
}

bool CpuStress::stop() {
  bool was_active = false;
  std::thread runner;
  {
    // Flag and runner are taken together, so a start() racing with this stop() either
    // sees the burn still active (conflict) or starts a new one this call does not touch.
    std::lock_guard lock(mutex_);
    was_active = active_;
    stop_requested_ = true;
    runner = std::move(runner_);
  }
  if (runner.joinable()) runner.join();
  return was_active;
}

void CpuStress::shutdown() {
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
  }
  stop();
}

void CpuStress::waitUntilIdle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return !active_; });
}

CpuStressStatus CpuStress::status() const {
  std::lock_guard lock(mutex_);
  CpuStressStatus status;
  if (!active_) return status;
  status.active = true;
  status.threads = threads_;
  status.duration = duration_;
  status.remaining = std::max(common::Duration::zero(), deadline_ - clock_.now());
  return status;
}

void CpuStress::run(int threads, common::SteadyTime deadline) {
  std::vector<std::thread> burners;
  for (int i = 1; i < threads; ++i) burners.emplace_back([this, deadline] { burnUntil(deadline); });
  burnUntil(deadline);
  for (auto& burner : burners) burner.join();
  const bool completed = !stop_requested_.load();
  if (on_end_) on_end_(completed);
  std::lock_guard lock(mutex_);
  active_ = false;
  permit_.release();
  idle_.notify_all();
}

void CpuStress::burnUntil(common::SteadyTime deadline) const {
  // Real arithmetic the optimiser cannot drop; the clock is read between short batches so
  // stop() and the deadline take effect within microseconds.
  volatile double sink = 0.0;
  double x = 1.0;
  while (!stop_requested_.load(std::memory_order_relaxed) && clock_.now() < deadline) {
    for (int i = 0; i < 10'000; ++i) x = std::sqrt(x + static_cast<double>(i));
    sink = sink + x;
  }
}

}  // namespace aftershock::backend
