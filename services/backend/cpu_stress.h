// CpuStress: burns CPU on dedicated threads for a bounded time — the CPUStress fault.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "common/clock.h"
#include "common/result.h"
#include "services/backend/chaos_guard.h"

namespace aftershock::backend {

struct CpuStressStatus {
  bool active = false;
  int threads = 0;
  common::Duration duration{0};   // as requested
  common::Duration remaining{0};  // until the burn ends by itself
};

// At most one burn at a time, on `threads` dedicated threads (never a server thread). A burn
// ends when its duration has passed on `clock`, or at stop(); then its ChaosPermit is
// released and `on_end` runs on the burn's own thread (true when it ran its full course).
// Thread-safe.
class CpuStress {
 public:
  explicit CpuStress(const common::Clock& clock, std::function<void(bool completed)> on_end = {})
      : clock_(clock), on_end_(std::move(on_end)) {}
  ~CpuStress();  // shutdown()
  CpuStress(const CpuStress&) = delete;
  CpuStress& operator=(const CpuStress&) = delete;

  // Starts burning. Errors: kConflict while a burn is active, kUnavailable after shutdown().
  // Preconditions: duration > 0, threads >= 1.
  common::Status start(common::Duration duration, int threads, ChaosPermit permit);
  // Ends the active burn (if any) and joins its threads. Returns whether one was active.
  bool stop();
  // stop(), and refuse every later start().
  void shutdown();
  // Blocks until no burn is active (the burn ends by itself as `clock` advances).
  void waitUntilIdle();

  CpuStressStatus status() const;

 private:
  void run(int threads, common::SteadyTime deadline);
  void burnUntil(common::SteadyTime deadline) const;

  const common::Clock& clock_;
  const std::function<void(bool)> on_end_;
  std::atomic<bool> stop_requested_{false};

  mutable std::mutex mutex_;
  std::condition_variable idle_;
  bool active_ = false;
  bool shut_down_ = false;
  int threads_ = 0;
  common::Duration duration_{0};
  common::SteadyTime deadline_{};
  ChaosPermit permit_;
  std::thread runner_;  // starts the burners, joins them, marks the burn over
};

}  // namespace aftershock::backend
