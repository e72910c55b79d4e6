// BackendMetrics: the backend's own Prometheus series, beside the HTTP and process series
// that common/ provides.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "common/metrics.h"
#include "services/backend/fault_injector.h"

namespace aftershock::backend {

// Series (all prefixed backend_):
//   injected_faults_total{type="error"|"latency"}  faults injected into GET /data
//   chaos_actions_total{action,result}             chaos requests by outcome
//   inflight_requests                              requests being served (scrape included)
//   ready                                          1 when GET /ready would answer 200
// Thread-safe. The gauges call their sources at scrape time, so those must outlive every
// render() of the registry.
class BackendMetrics {
 public:
  explicit BackendMetrics(common::MetricsRegistry& registry);

  void recordFault(const FaultDecision& decision);
  // `action`: cpu, cpu_stop, memory, memory_release, crash. `result`: started, refused,
  // conflict, invalid, failed, done.
  void recordChaosAction(std::string_view action, std::string_view result);
  void registerGauges(std::function<std::int64_t()> inflight, std::function<bool()> ready);

 private:
  common::MetricsRegistry& registry_;
  common::Counter& injected_errors_;
  common::Counter& injected_latencies_;
};

}  // namespace aftershock::backend
