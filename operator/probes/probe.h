// Probe: one steady-state check (http, workload, metric). A check is a single bounded call
// that says pass or fail and why; the ProbeScheduler runs each probe on its own interval.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/http.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/kube/kube_client.h"

namespace aftershock::op {

struct CheckResult {
  bool passed = false;
  std::string
      error;  // why it failed, for a person: "status 503 (want 200)", "latency 812 ms > 500 ms"
};

// Thread-safety: check() may be called from any thread, concurrently.
class Probe {
 public:
  virtual ~Probe() = default;
  // Never throws; a transport failure or malformed answer is a failed check.
  virtual CheckResult check() = 0;
};

// What probes may use. References must outlive every probe made from them.
struct ProbeDependencies {
  KubeClient& kube;
  common::HttpClient& http;
  common::Clock& clock;
};

// The probe for `spec` (spec.workload.namespace_name already resolved).
std::unique_ptr<Probe> makeProbe(const v1alpha1::ProbeSpec& spec, const ProbeDependencies& deps);

}  // namespace aftershock::op
