// Readiness: whether the backend should receive traffic. Overload — too many requests in
// flight, too much resident memory, or a slow recent p95 for GET /data — makes it not
// ready, so Kubernetes sheds its traffic; it becomes ready again once the condition clears.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "common/clock.h"

namespace aftershock::backend {

// Each limit at 0 is switched off.
struct ReadinessLimits {
  std::int64_t max_inflight = 100;
  std::uint64_t max_resident_bytes = 0;
  common::Duration max_p95{0};
  common::Duration window = std::chrono::seconds(10);  // how far back latency counts
  std::size_t min_samples = 5;  // fewer samples say nothing reliable about a p95
};

struct ReadinessInputs {
  std::int64_t inflight = 0;
  std::uint64_t resident_bytes = 0;
  std::optional<common::Duration> p95;  // none when the window holds too few samples
};

struct ReadinessState {
  bool ready = true;
  // Empty when ready; otherwise each cause, starting with "inflight:", "memory:" or
  // "latency:", joined by "; ".
  std::string reason;
};

// The decision itself: pure, so every threshold is tested without a server.
ReadinessState decideReadiness(const ReadinessLimits& limits, const ReadinessInputs& inputs);

// Request latencies over a sliding time window (the newest `max_samples` at most, so memory
// stays bounded under any load). Time comes only from `clock`. Thread-safe.
class LatencyWindow {
 public:
  LatencyWindow(const common::Clock& clock, common::Duration window,
                std::size_t max_samples = 10'000);

  void record(common::Duration latency);
  // Nearest-rank percentile (p in (0, 1]) of the samples recorded within the window, or
  // nullopt with fewer than `min_samples` of them.
  std::optional<common::Duration> percentile(double p, std::size_t min_samples);
  std::size_t size();

 private:
  void dropExpired(common::SteadyTime now);

  const common::Clock& clock_;
  const common::Duration window_;
  const std::size_t max_samples_;
  std::mutex mutex_;
  std::deque<std::pair<common::SteadyTime, common::Duration>> samples_;  // oldest first
};

// Gathers the inputs (in-flight count and resident memory from the given sources, p95 from
// its own window) and decides. `on_change` runs when the answer differs from the previous
// evaluation (for logging). Thread-safe.
class ReadinessMonitor {
 public:
  ReadinessMonitor(const common::Clock& clock, ReadinessLimits limits,
                   std::function<std::int64_t()> inflight,
                   std::function<std::uint64_t()> resident_bytes,
                   std::function<void(const ReadinessState&)> on_change = {});

  // Records the latency of one GET /data request.
  void recordLatency(common::Duration latency) { latencies_.record(latency); }
  ReadinessState evaluate();
  const ReadinessLimits& limits() const { return limits_; }

 private:
  const ReadinessLimits limits_;
  std::function<std::int64_t()> inflight_;
  std::function<std::uint64_t()> resident_bytes_;
  std::function<void(const ReadinessState&)> on_change_;
  LatencyWindow latencies_;
  std::mutex mutex_;
  bool last_ready_ = true;
};

}  // namespace aftershock::backend
