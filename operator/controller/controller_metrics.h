// The operator's Prometheus metrics (served on --metrics-bind-address at /metrics).
#pragma once

#include <string_view>

#include "common/metrics.h"

namespace aftershock::op {

class ControllerMetrics {
 public:
  explicit ControllerMetrics(common::MetricsRegistry& registry);

  // aftershock_experiments_total{fault,verdict}: experiments that reached a terminal phase.
  void experimentFinished(std::string_view fault, std::string_view verdict);
  void timeToRecover(double seconds);  // aftershock_time_to_recover_seconds
  void timeToDetect(double seconds);   // aftershock_time_to_detect_seconds
  // aftershock_rollbacks_total{result="success"|"error"}.
  void rollback(bool succeeded);
  // aftershock_reconcile_total{result} and aftershock_reconcile_duration_seconds.
  void reconciled(std::string_view result, double seconds);
  // aftershock_fault_injections_total{fault}.
  void injected(std::string_view fault);

  common::MetricsRegistry& registry() { return registry_; }

 private:
  common::MetricsRegistry& registry_;
  common::Histogram& time_to_recover_;
  common::Histogram& time_to_detect_;
  common::Histogram& reconcile_duration_;
};

}  // namespace aftershock::op
