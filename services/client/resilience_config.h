// ResilienceConfig: every tunable of the resilient call path as one value, its JSON form
// (GET/POST /config/resilience) and its validation.
//
// The value is immutable once published: ResilientCaller swaps a whole new config in, and
// each call reads one snapshot at its start, so a call never mixes old and new settings.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/result.h"
#include "services/client/circuit_breaker.h"
#include "services/client/retry_budget.h"
#include "services/client/retry_policy.h"
#include "services/client/stale_cache.h"

namespace aftershock::client {

struct TimeoutConfig {
  // One attempt may take this long. 500 ms: the backend answers in ~1 ms when healthy, so
  // anything this slow is a fault (injected latency), and two more attempts still fit.
  std::chrono::milliseconds attempt_timeout{500};
  // The whole call (attempts and backoff waits) ends by then; a backoff that would cross it
  // ends the retries. 1500 ms keeps a /fetch-data answer inside a 2 s probe timeout.
  std::chrono::milliseconds overall_deadline{1500};

  bool operator==(const TimeoutConfig&) const = default;
};

struct ResilienceConfig {
  // false = "baseline": one attempt, no breaker, no fallback (timeouts stay, so a call can
  // never hang). Lets the same fault be measured with and without the patterns.
  bool patterns_enabled = true;
  RetryConfig retry;
  CircuitBreakerConfig circuit_breaker;
  RetryBudgetConfig retry_budget;
  TimeoutConfig timeouts;
  FallbackConfig fallback;

  bool operator==(const ResilienceConfig&) const = default;
};

// "baseline" or "resilient".
std::string_view modeName(const ResilienceConfig& config);

// The nested snake_case JSON form; accepted back unchanged by applyConfigPatch.
nlohmann::json toJson(const ResilienceConfig& config);

// Checks ranges and cross-field rules. The error's `field` is the JSON path, e.g.
// "retry.max_attempts".
common::Status validateConfig(const ResilienceConfig& config);

// Merges a partial JSON object into `current` (absent fields keep their value) and validates
// the result. Unknown fields and wrong types are errors naming the field. Besides the
// sections, the top level accepts "patterns_enabled" and "mode": "baseline"|"resilient".
common::Result<ResilienceConfig> applyConfigPatch(const ResilienceConfig& current,
                                                  const nlohmann::json& patch);

}  // namespace aftershock::client
