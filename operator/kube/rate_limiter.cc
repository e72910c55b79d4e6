#include "operator/kube/rate_limiter.h"

#include <algorithm>
#include <chrono>

namespace aftershock::op {

RateLimiter::RateLimiter(double qps, int burst, common::Clock& clock)
    : qps_(qps),
      burst_(std::max(1, burst)),
      clock_(clock),
      tokens_(std::max(1, burst)),
      last_(clock.now()) {}

common::Duration RateLimiter::reserve() {
  if (qps_ <= 0) return common::Duration::zero();
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  if (now > last_) {
    tokens_ = std::min(burst_, tokens_ + common::toSeconds(now - last_) * qps_);
    last_ = now;
  }
  // Tokens may go negative: each waiter owns the slot its debt implies, so order is kept.
  tokens_ -= 1;
  if (tokens_ >= 0) return common::Duration::zero();
  return std::chrono::duration_cast<common::Duration>(
      std::chrono::duration<double>(-tokens_ / qps_));
}

void RateLimiter::acquire() {
  const auto wait = reserve();
  if (wait > common::Duration::zero()) clock_.sleepFor(wait);
}

}  // namespace aftershock::op
