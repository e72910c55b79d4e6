// FaultInjector: one Bernoulli trial per fault type.
#include "services/backend/fault_injector.h"

namespace aftershock::backend {

FaultDecision FaultInjector::decide(const FaultConfig& config) {
  // Both draws always happen so the sequence consumed does not depend on the config.
  const double failure_draw = random_.uniform();
  const double delay_draw = random_.uniform();
  FaultDecision decision;
  if (failure_draw < config.failure_rate) decision.failure_status = config.status_code;
  if (delay_draw < config.delay_rate) decision.delay = std::chrono::milliseconds(config.delay_ms);
  return decision;
}

}  // namespace aftershock::backend
