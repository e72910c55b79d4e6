// RateLimiter: client-side QPS/burst limit (a token bucket), as client-go applies to every
// request so a busy controller cannot flood the API server.
#pragma once

#include <mutex>

#include "common/clock.h"

namespace aftershock::op {

class RateLimiter {
 public:
  // `qps` tokens per second refill a bucket of `burst`; qps <= 0 disables the limit.
  RateLimiter(double qps, int burst, common::Clock& clock);

  // Takes a token and returns how long the caller must wait before using it (zero when one
  // was available). Thread-safe; waiting callers queue in call order.
  common::Duration reserve();

  // reserve() and then wait through the clock.
  void acquire();

 private:
  const double qps_;
  const double burst_;
  common::Clock& clock_;
  std::mutex mutex_;
  double tokens_;
  common::SteadyTime last_;
};

}  // namespace aftershock::op
