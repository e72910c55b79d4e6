// BackendMetrics: registration and updates of the backend_* series.
#include "services/backend/backend_metrics.h"

#include <string>
#include <utility>

namespace aftershock::backend {
namespace {

constexpr std::string_view kInjectedFaults = "backend_injected_faults_total";
constexpr std::string_view kInjectedFaultsHelp = "Faults injected into GET /data, by type.";
constexpr std::string_view kChaosActions = "backend_chaos_actions_total";
constexpr std::string_view kChaosActionsHelp = "Chaos endpoint requests, by action and outcome.";

}  // namespace

BackendMetrics::BackendMetrics(common::MetricsRegistry& registry)
    : registry_(registry),
      // Both series exist from the start, so a rate() over them is defined before any fault.
      injected_errors_(registry.counter(kInjectedFaults, kInjectedFaultsHelp, {{"type", "error"}})),
      injected_latencies_(
          registry.counter(kInjectedFaults, kInjectedFaultsHelp, {{"type", "latency"}})) {}

void BackendMetrics::recordFault(const FaultDecision& decision) {
  if (decision.failed()) injected_errors_.inc();
  if (decision.delayed()) injected_latencies_.inc();
}

void BackendMetrics::recordChaosAction(std::string_view action, std::string_view result) {
  registry_
      .counter(kChaosActions, kChaosActionsHelp,
               {{"action", std::string(action)}, {"result", std::string(result)}})
      .inc();
}

void BackendMetrics::registerGauges(std::function<std::int64_t()> inflight,
                                    std::function<bool()> ready) {
  registry_.gaugeFunction(
      "backend_inflight_requests", "HTTP requests being served, the scrape included.",
      [inflight = std::move(inflight)] { return static_cast<double>(inflight()); });
  registry_.gaugeFunction("backend_ready", "1 when the backend reports ready, else 0.",
                          [ready = std::move(ready)] { return ready() ? 1.0 : 0.0; });
}

}  // namespace aftershock::backend
