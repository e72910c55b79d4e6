// Backoff: how long to wait after repeated failures. backoffDelay() is client-go's item
// exponential failure rate limiter as a pure function (5 ms doubling per failure, capped at
// 1000 s); reconnectDelay() adds jitter so many watchers that lose the API server together do
// not reconnect in lockstep.
#pragma once

#include <chrono>

#include "common/clock.h"
#include "common/random.h"

namespace aftershock::op {

struct BackoffPolicy {
  common::Duration base = std::chrono::milliseconds(5);  // delay after the first failure
  common::Duration cap = std::chrono::seconds(1000);     // no delay is ever longer
};

// The delay after `failures` consecutive failures: base for 1, 2 × base for 2, 4 × base for 3,
// and so on, never more than `policy.cap`. Zero for `failures` <= 0 or a non-positive base.
// Saturates at the cap instead of overflowing, however large `failures` is.
common::Duration backoffDelay(const BackoffPolicy& policy, int failures);

enum class Jitter {
  Full,   // uniform in [0, delay): the widest spread, the lowest mean
  Equal,  // delay / 2 + uniform in [0, delay / 2): keeps at least half the backoff
};

// A jittered backoffDelay(policy, attempt) for watch reconnects; never more than the cap.
// Draws one value from `random`.
common::Duration reconnectDelay(const BackoffPolicy& policy, int attempt, common::Random& random,
                                Jitter jitter = Jitter::Full);

}  // namespace aftershock::op
