// Readiness: thresholds, the sliding latency window and the monitor that joins them.
#include "services/backend/readiness.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <vector>

namespace aftershock::backend {
namespace {

constexpr double kP95 = 0.95;
constexpr std::uint64_t kBytesPerMegabyte = 1024 * 1024;

std::int64_t toMillis(common::Duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

void addCause(std::string& reason, const std::string& cause) {
  if (!reason.empty()) reason += "; ";
  reason += cause;
}

}  // namespace

ReadinessState decideReadiness(const ReadinessLimits& limits, const ReadinessInputs& inputs) {
  ReadinessState state;
  if (limits.max_inflight > 0 && inputs.inflight > limits.max_inflight) {
    addCause(state.reason, "inflight: " + std::to_string(inputs.inflight) +
                               " requests in flight, limit " + std::to_string(limits.max_inflight));
  }
  if (limits.max_resident_bytes > 0 && inputs.resident_bytes > limits.max_resident_bytes) {
    addCause(state.reason,
             "memory: resident " + std::to_string(inputs.resident_bytes / kBytesPerMegabyte) +
                 " MiB, limit " + std::to_string(limits.max_resident_bytes / kBytesPerMegabyte) +
                 " MiB");
  }
  if (limits.max_p95 > common::Duration::zero() && inputs.p95 && *inputs.p95 > limits.max_p95) {
    addCause(state.reason, "latency: p95 " + std::to_string(toMillis(*inputs.p95)) +
                               " ms over the last " +
                               std::to_string(toMillis(limits.window) / 1000) + " s, limit " +
                               std::to_string(toMillis(limits.max_p95)) + " ms");
  }
  state.ready = state.reason.empty();
  return state;
}

LatencyWindow::LatencyWindow(const common::Clock& clock, common::Duration window,
                             std::size_t max_samples)
    : clock_(clock), window_(window), max_samples_(max_samples) {
  assert(max_samples >= 1);
}

void LatencyWindow::record(common::Duration latency) {
  std::lock_guard lock(mutex_);
  const common::SteadyTime now = clock_.now();
  dropExpired(now);
  if (samples_.size() == max_samples_) samples_.pop_front();
  samples_.emplace_back(now, latency);
}

std::optional<common::Duration> LatencyWindow::percentile(double p, std::size_t min_samples) {
  assert(p > 0.0 && p <= 1.0);
  std::vector<common::Duration> values;
  {
    std::lock_guard lock(mutex_);
    dropExpired(clock_.now());
    if (samples_.empty() || samples_.size() < min_samples) return std::nullopt;
    values.reserve(samples_.size());
    for (const auto& sample : samples_) values.push_back(sample.second);
  }
  // Nearest rank: the smallest value with at least p of the samples at or below it.
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(values.size())));
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(std::max<std::size_t>(rank, 1) - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

std::size_t LatencyWindow::size() {
  std::lock_guard lock(mutex_);
  dropExpired(clock_.now());
  return samples_.size();
}

void LatencyWindow::dropExpired(common::SteadyTime now) {
  // A sample exactly `window` old has left the window.
  while (!samples_.empty() && now - samples_.front().first >= window_) samples_.pop_front();
}

ReadinessMonitor::ReadinessMonitor(const common::Clock& clock, ReadinessLimits limits,
                                   std::function<std::int64_t()> inflight,
                                   std::function<std::uint64_t()> resident_bytes,
                                   std::function<void(const ReadinessState&)> on_change)
    : limits_(limits),
      inflight_(std::move(inflight)),
      resident_bytes_(std::move(resident_bytes)),
      on_change_(std::move(on_change)),
      latencies_(clock, limits.window) {}

ReadinessState ReadinessMonitor::evaluate() {
  ReadinessInputs inputs;
  inputs.inflight = inflight_();
  // /proc is read only when the memory limit is on.
  if (limits_.max_resident_bytes > 0) inputs.resident_bytes = resident_bytes_();
  if (limits_.max_p95 > common::Duration::zero()) {
    inputs.p95 = latencies_.percentile(kP95, limits_.min_samples);
  }
  ReadinessState state = decideReadiness(limits_, inputs);
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    changed = state.ready != last_ready_;
    last_ready_ = state.ready;
  }
  if (changed && on_change_) on_change_(state);
  return state;
}

}  // namespace aftershock::backend
