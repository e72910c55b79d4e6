// makeProbe: the one place that maps a probe spec's kind to its implementation.
#include "operator/probes/probe.h"

#include "operator/probes/http_probe.h"
#include "operator/probes/metric_probe.h"
#include "operator/probes/workload_probe.h"

namespace aftershock::op {
namespace {

// For a kind this build does not know (a newer API than the operator): fails every check
// rather than crash the scheduler that holds it.
class UnknownKindProbe final : public Probe {
 public:
  CheckResult check() override { return CheckResult{false, "unknown probe kind"}; }
};

}  // namespace

std::unique_ptr<Probe> makeProbe(const v1alpha1::ProbeSpec& spec, const ProbeDependencies& deps) {
  switch (spec.kind) {
    case v1alpha1::ProbeKind::kHttp:
      return std::make_unique<HttpProbe>(spec.http, deps.http, deps.clock);
    case v1alpha1::ProbeKind::kWorkload:
      return std::make_unique<WorkloadProbe>(spec.workload, deps.kube);
    case v1alpha1::ProbeKind::kMetric:
      return std::make_unique<MetricProbe>(spec.metric, deps.http);
  }
  return std::make_unique<UnknownKindProbe>();
}

}  // namespace aftershock::op
