// ClientMetrics: the client's Prometheus series, named client_*, fed by the resilient call
// path, the circuit breaker's transitions and the bulkhead.
#pragma once

#include <functional>
#include <string>

#include "common/http.h"
#include "common/metrics.h"
#include "common/result.h"
#include "services/client/circuit_breaker.h"

namespace aftershock::client {

struct FetchResult;

// A transport error's metric label and message prefix: "timeout", "unavailable", ...
std::string errorLabel(common::ErrorCode code);

// Thread-safe (the registry's metrics are atomics). The registry outlives this.
class ClientMetrics {
 public:
  explicit ClientMetrics(common::MetricsRegistry& registry);

  // One finished /fetch-data call (or load-generator call): outcome, reason, duration.
  void recordCall(const FetchResult& result);
  // One attempt against the backend: its status code, or the transport error.
  void recordAttempt(const common::Result<common::HttpResponse>& outcome);
  void recordRetry();
  void recordRetryBudgetExhausted();
  void recordBreakerRejection();
  void recordBulkheadRejection();
  void recordTransition(const CircuitTransition& transition);

  // Scrape-time gauges. `read` functions run under the registry's lock while it renders, so
  // they must not touch the registry, even indirectly (use CircuitBreaker::peekState, not
  // state(), whose transitions would record a metric and deadlock). The breaker state (one series
  // per state, 1 for the current one), the retry budget's tokens, the bulkhead's busy and queued
  // tasks.
  void bindBreakerState(std::function<CircuitState()> read);
  void bindRetryBudgetTokens(std::function<double()> read);
  void bindBulkhead(std::function<double()> busy, std::function<double()> queued);

 private:
  common::MetricsRegistry& registry_;
  common::Counter& retries_;
  common::Counter& budget_exhausted_;
  common::Counter& breaker_rejections_;
  common::Counter& bulkhead_rejections_;
  common::Histogram& fetch_duration_;
  // client_calls_total by outcome, resolved once: recordCall runs on every call.
  common::Counter& calls_backend_;
  common::Counter& calls_retry_;
  common::Counter& calls_fallback_;
  common::Counter& calls_error_;
};

}  // namespace aftershock::client
