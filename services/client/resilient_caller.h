// ResilientCaller: one fetch of the backend's /data through the resilience patterns,
// innermost to outermost:
//
//   per-attempt timeout (inside the overall deadline)
//     -> retry (full-jitter backoff, retryable outcomes only, retry budget, stops when the
//        breaker opens or the next wait would cross the deadline)
//       -> circuit breaker (one permit per call, one outcome recorded after the retries)
//         -> fallback (last good payload, marked stale with its age; else a 503)
//
// The breaker wraps the retried call on purpose: at 50 % random 503s a call still succeeds
// 87.5 % of the time after three attempts, so the breaker stays closed, while 100 % 500s
// (not retried) fail every call and open it.
//
// In "baseline" mode (patterns_enabled = false) a call is one attempt under the same
// timeouts: no retry, no breaker, no fallback — the raw failure rate, for comparison.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/http.h"
#include "common/random.h"
#include "common/result.h"
#include "services/client/circuit_breaker.h"
#include "services/client/client_metrics.h"
#include "services/client/resilience_config.h"
#include "services/client/retry_budget.h"
#include "services/client/stale_cache.h"

namespace aftershock::client {

// How an answer was produced: fresh on the first attempt, fresh after retries, from the
// fallback (stale data or the fallback's 503), or not at all (fallback off or baseline).
enum class Source { kBackend, kRetry, kFallback, kNone };
std::string_view sourceName(Source source);

// Why an answer is not fresh (the `reason` field); stop_reason:: in retry_policy.h adds
// not_retryable, retries_exhausted, retry_after_too_long, retry_disabled.
namespace reason {
inline constexpr std::string_view kCircuitOpen = "circuit_open";
inline constexpr std::string_view kBulkheadFull = "bulkhead_full";
inline constexpr std::string_view kDeadlineExceeded = "deadline_exceeded";
inline constexpr std::string_view kRetryBudgetExhausted = "retry_budget_exhausted";
inline constexpr std::string_view kBaseline = "baseline_single_attempt";
}  // namespace reason

struct FetchResult {
  int http_status = 200;  // what /fetch-data answers
  Source source = Source::kNone;
  std::int64_t attempts = 0;                           // requests sent to the backend for this call
  CircuitState circuit_state = CircuitState::kClosed;  // kDisabled in baseline mode
  bool baseline = false;
  nlohmann::json data;  // the backend payload; null when nothing is served
  bool stale = false;
  double stale_age_seconds = 0.0;
  std::string reason;      // empty when served fresh
  std::string error;       // the last failure seen, empty when none
  int backend_status = 0;  // the backend's last HTTP status, 0 when it never answered
  bool timed_out = false;  // the last attempt ran out of time
  common::Duration duration{0};

  bool served() const { return http_status == 200; }
};

// The /fetch-data JSON body.
nlohmann::json toJson(const FetchResult& result);

// Thread-safe: fetch() runs concurrently on many worker threads; config updates may race
// with calls (each call uses the config published when it started).
class ResilientCaller {
 public:
  // `url` is the backend resource (e.g. http://127.0.0.1:8000/data). `config` must be valid.
  // `http`, `clock`, `random` and `metrics` (nullable) outlive the caller.
  ResilientCaller(std::string url, const ResilienceConfig& config, common::HttpClient& http,
                  common::Clock& clock, common::Random& random, ClientMetrics* metrics = nullptr);
  ResilientCaller(const ResilientCaller&) = delete;
  ResilientCaller& operator=(const ResilientCaller&) = delete;

  // One call through the patterns. Blocks (attempts and backoff waits) — run it on a worker
  // thread, never on a server I/O thread.
  FetchResult fetch();
  // The same for a call accepted at `accepted_at` (e.g. when it entered the bulkhead queue):
  // the overall deadline runs from then, so time spent queued counts against it, and a call
  // whose deadline passed in the queue is answered by the fallback without touching the
  // backend or the breaker.
  FetchResult fetch(common::SteadyTime accepted_at);
  // The answer for a call refused before it started (e.g. reason::kBulkheadFull): the
  // fallback in resilient mode, a 503 in baseline mode. Does not block.
  FetchResult refuse(std::string_view why, std::string error);

  std::shared_ptr<const ResilienceConfig> config() const;
  // Merges `patch` (see applyConfigPatch) and applies it to every component; on error the
  // config in force is unchanged. Updates are serialised.
  common::Result<ResilienceConfig> updateConfig(const nlohmann::json& patch);

  CircuitBreaker& breaker() { return breaker_; }
  RetryBudget& retryBudget() { return budget_; }
  StaleCache& staleCache() { return cache_; }

 private:
  FetchResult fetchBaseline(const ResilienceConfig& config, common::SteadyTime deadline);
  FetchResult fetchResilient(const ResilienceConfig& config, common::SteadyTime deadline);
  common::Result<common::HttpResponse> attempt(common::Duration timeout);
  // Records the outcome of a fresh answer (caches it) or a failure (fills in reason, error).
  void absorb(const common::Result<common::HttpResponse>& outcome, FetchResult& result);
  FetchResult fallback(const ResilienceConfig& config, FetchResult failed) const;
  FetchResult finish(FetchResult result, common::SteadyTime start);

  const std::string url_;
  common::HttpClient& http_;
  common::Clock& clock_;
  common::Random& random_;
  ClientMetrics* metrics_;
  CircuitBreaker breaker_;
  RetryBudget budget_;
  StaleCache cache_;

  mutable std::mutex config_mutex_;  // guards config_ (the pointer, not the value)
  std::shared_ptr<const ResilienceConfig> config_;
  std::mutex update_mutex_;  // serialises updateConfig
};

}  // namespace aftershock::client
