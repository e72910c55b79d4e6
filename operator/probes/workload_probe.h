// WorkloadProbe: is a Deployment or StatefulSet fully up — every desired replica ready, the
// latest spec rolled out, and that many pods Running and Ready?
#pragma once

#include <string>

#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/kube/kube_client.h"
#include "operator/probes/probe.h"

namespace aftershock::op {

// A metav1.LabelSelector object as a list selector: "k=v,k2=v2" for matchLabels,
// matchExpressions as "k in (a,b)", "k notin (a)", "k", "!k". Empty when neither field holds
// a requirement. Malformed entries are skipped: the API server validated the object.
std::string labelSelectorString(const json& selector);

// Passes when, for the workload (desired = spec.replicas, 1 when absent):
//   desired >= 1 (a workload scaled to zero serves nothing),
//   status.observedGeneration >= metadata.generation when both are present,
//   status.readyReplicas (0 when absent) == desired,
//   for a Deployment, status.updatedReplicas == desired when present,
//   at least `desired` pods matching spec.selector are Running, Ready and not being deleted.
// The first unmet condition, in that order, is the failure reported.
// Thread-safe: holds no state besides the spec.
class WorkloadProbe final : public Probe {
 public:
  WorkloadProbe(v1alpha1::WorkloadProbeSpec spec, KubeClient& kube);
  CheckResult check() override;

 private:
  CheckResult checkWorkload(const json& workload) const;
  CheckResult checkPods(const json& workload, std::int64_t desired) const;

  v1alpha1::WorkloadProbeSpec spec_;
  KubeClient& kube_;
  std::string display_name_;  // "Deployment demo/web"
};

}  // namespace aftershock::op
