// FaultInjector: decides, per GET /data request, whether the current FaultConfig fails it,
// delays it, or both.
#pragma once

#include <chrono>
#include <optional>

#include "common/random.h"
#include "services/backend/fault_config.h"

namespace aftershock::backend {

struct FaultDecision {
  std::optional<int> failure_status;   // answer this status instead of the payload
  std::chrono::milliseconds delay{0};  // hold the answer this long first

  bool failed() const { return failure_status.has_value(); }
  bool delayed() const { return delay.count() > 0; }
};

// Each decision draws exactly two values from `random`, failure first, then delay, so a
// scripted FakeRandom maps onto decisions one for one. A draw below the rate hits: a rate
// of 0 never hits and 1 always does, since draws lie in [0, 1). A request may be both
// delayed and failed (a slow error), as real overloaded backends are.
// Thread-safe if `random` is (common::Random is).
class FaultInjector {
 public:
  explicit FaultInjector(common::Random& random) : random_(random) {}

  FaultDecision decide(const FaultConfig& config);

 private:
  common::Random& random_;
};

}  // namespace aftershock::backend
