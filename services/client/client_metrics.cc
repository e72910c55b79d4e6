#include "services/client/client_metrics.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "services/client/resilient_caller.h"

namespace aftershock::client {
namespace {

constexpr std::string_view kCallsHelp =
    "Calls through the resilient path, by outcome: backend (first attempt), retry (after "
    "retries), fallback (stale data served), error (nothing served).";

}  // namespace

std::string errorLabel(common::ErrorCode code) {
  std::string label(common::errorCodeName(code));
  std::transform(label.begin(), label.end(), label.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return label;
}

ClientMetrics::ClientMetrics(common::MetricsRegistry& registry)
    : registry_(registry),
      retries_(registry.counter("client_retries_total", "Retries sent to the backend.")),
      budget_exhausted_(registry.counter("client_retry_budget_exhausted_total",
                                         "Retries not sent because the budget was empty.")),
      breaker_rejections_(
          registry.counter("client_circuit_breaker_rejections_total",
                           "Calls refused by the circuit breaker without reaching the backend.")),
      bulkhead_rejections_(registry.counter("client_bulkhead_rejections_total",
                                            "Calls refused because the bulkhead was full.")),
      fetch_duration_(registry.histogram(
          "client_fetch_duration_seconds",
          "Time to answer a call through the resilient path, retries and fallback included.",
          common::defaultLatencyBuckets())),
      // Every outcome series exists from the start, so rate() works before the first failure.
      calls_backend_(registry.counter("client_calls_total", kCallsHelp, {{"outcome", "backend"}})),
      calls_retry_(registry.counter("client_calls_total", kCallsHelp, {{"outcome", "retry"}})),
      calls_fallback_(
          registry.counter("client_calls_total", kCallsHelp, {{"outcome", "fallback"}})),
      calls_error_(registry.counter("client_calls_total", kCallsHelp, {{"outcome", "error"}})) {}

void ClientMetrics::recordCall(const FetchResult& result) {
  if (!result.served()) {
    calls_error_.inc();
  } else if (result.source == Source::kRetry) {
    calls_retry_.inc();
  } else if (result.source == Source::kFallback) {
    calls_fallback_.inc();
  } else {
    calls_backend_.inc();
  }
  if (!result.reason.empty()) {
    registry_
        .counter("client_degraded_calls_total",
                 "Calls not answered fresh from the backend, by reason.",
                 {{"reason", result.reason}})
        .inc();
  }
  fetch_duration_.observe(common::toSeconds(result.duration));
}

void ClientMetrics::recordAttempt(const common::Result<common::HttpResponse>& outcome) {
  const std::string result =
      outcome.ok() ? std::to_string(outcome->status) : errorLabel(outcome.error().code);
  registry_
      .counter("client_backend_requests_total",
               "Requests sent to the backend, by status code or transport error.",
               {{"result", result}})
      .inc();
}

void ClientMetrics::recordRetry() { retries_.inc(); }

void ClientMetrics::recordRetryBudgetExhausted() { budget_exhausted_.inc(); }

void ClientMetrics::recordBreakerRejection() { breaker_rejections_.inc(); }

void ClientMetrics::recordBulkheadRejection() { bulkhead_rejections_.inc(); }

void ClientMetrics::recordTransition(const CircuitTransition& transition) {
  registry_
      .counter("client_circuit_breaker_transitions_total", "Circuit breaker state changes.",
               {{"from", std::string(circuitStateName(transition.from))},
                {"to", std::string(circuitStateName(transition.to))}})
      .inc();
}

void ClientMetrics::bindBreakerState(std::function<CircuitState()> read) {
  for (const CircuitState state : kAllCircuitStates) {
    registry_.gaugeFunction("client_circuit_breaker_state",
                            "1 for the circuit breaker's current state, else 0.",
                            [read, state] { return read() == state ? 1.0 : 0.0; },
                            {{"state", std::string(circuitStateName(state))}});
  }
}

void ClientMetrics::bindRetryBudgetTokens(std::function<double()> read) {
  registry_.gaugeFunction("client_retry_budget_tokens", "Retries the budget would allow right now.",
                          std::move(read));
}

void ClientMetrics::bindBulkhead(std::function<double()> busy, std::function<double()> queued) {
  registry_.gaugeFunction("client_bulkhead_busy", "Bulkhead workers running a call.",
                          std::move(busy));
  registry_.gaugeFunction("client_bulkhead_queued", "Calls waiting for a bulkhead worker.",
                          std::move(queued));
}

}  // namespace aftershock::client
