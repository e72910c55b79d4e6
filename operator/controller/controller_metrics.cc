#include "operator/controller/controller_metrics.h"

#include <string>

namespace aftershock::op {
namespace {

// Recovery and detection span milliseconds (a retried call) to minutes (a rescheduled pod).
std::vector<double> recoveryBuckets() {
  return {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 300, 600};
}

}  // namespace

ControllerMetrics::ControllerMetrics(common::MetricsRegistry& registry)
    : registry_(registry),
      time_to_recover_(registry.histogram(
          "aftershock_time_to_recover_seconds",
          "Time from the end of a fault to the steady state being back.", recoveryBuckets())),
      time_to_detect_(registry.histogram("aftershock_time_to_detect_seconds",
                                         "Time from injection to the first failed probe check.",
                                         recoveryBuckets())),
      reconcile_duration_(registry.histogram("aftershock_reconcile_duration_seconds",
                                             "Time spent in one reconcile.",
                                             common::defaultLatencyBuckets())) {}

void ControllerMetrics::experimentFinished(std::string_view fault, std::string_view verdict) {
  registry_
      .counter("aftershock_experiments_total", "Experiments that reached a terminal phase.",
               {{"fault", std::string(fault)}, {"verdict", std::string(verdict)}})
      .inc();
}

void ControllerMetrics::timeToRecover(double seconds) { time_to_recover_.observe(seconds); }
void ControllerMetrics::timeToDetect(double seconds) { time_to_detect_.observe(seconds); }

void ControllerMetrics::rollback(bool succeeded) {
  registry_
      .counter("aftershock_rollbacks_total", "Rollbacks of injected faults.",
               {{"result", succeeded ? "success" : "error"}})
      .inc();
}

void ControllerMetrics::reconciled(std::string_view result, double seconds) {
  registry_
      .counter("aftershock_reconcile_total", "Reconciles of ChaosExperiments.",
               {{"result", std::string(result)}})
      .inc();
  reconcile_duration_.observe(seconds);
}

void ControllerMetrics::injected(std::string_view fault) {
  registry_
      .counter("aftershock_fault_injections_total", "Faults injected.",
               {{"fault", std::string(fault)}})
      .inc();
}

}  // namespace aftershock::op
