// Fault: one kind of failure the operator can inject, verify and roll back.
//
// The controller drives every fault through the same steps, each idempotent so that an
// operator killed at any moment and started again can repeat the step it was in:
//   plan()     resolve what the fault will touch and record, for each object, everything
//              rollback needs (original replicas, the backend's config, the policy's name).
//              Reads only. The controller writes the plan to status.affected *before* inject.
//   inject()   apply the fault to exactly the planned objects. Repeating it after a restart
//              never harms twice (pods are deleted by recorded uid, a policy has a fixed
//              name, a scale sets an absolute value).
//   verifyInjected()    whether the fault is in effect.
//   rollback()          restore every planned object to its recorded original. A no-op for
//                       faults that heal by themselves (PodDelete: the ReplicaSet replaces).
//   verifyRolledBack()  whether every planned object is back as recorded.
//
// Thread-safety: a Fault holds no state of its own; the controller may call any fault from any
// worker thread, never two steps of one experiment at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/http.h"
#include "common/random.h"
#include "common/result.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/kube/kube_client.h"

namespace aftershock::op {

// What a fault may use. References must outlive the call.
struct FaultContext {
  KubeClient& kube;
  common::HttpClient& http;
  common::Random& random;
  const v1alpha1::ChaosExperiment& experiment;  // spec.target.namespace_name already resolved
};

class Fault {
 public:
  virtual ~Fault() = default;

  // True when the fault stays in effect until rollback and is held for spec.duration
  // (ScaleDown, BackendFault, NetworkPartition, CPUStress, MemoryStress); false when the fault
  // is a single act whose end is the act itself (PodDelete, RolloutRestart, ProcessCrash).
  virtual bool held() const = 0;

  // False for a fault whose inject() must not run twice for one run, because a repeat would do
  // harm again (ProcessCrash: a second crash). When the controller finds such a fault planned
  // but not confirmed injected (an operator restart between the two), it assumes the inject
  // happened instead of repeating it: at most once.
  virtual bool repeatable() const { return true; }

  // Errors: kNotFound (the target does not exist), kInvalid (the spec cannot apply, e.g.
  // safety.minHealthyReplicas would be violated: the message says by how much), or the API /
  // transport error that prevented reading.
  virtual common::Result<std::vector<v1alpha1::AffectedResource>> plan(
      const FaultContext& context) = 0;
  virtual common::Status inject(const FaultContext& context,
                                const std::vector<v1alpha1::AffectedResource>& affected) = 0;
  virtual common::Result<bool> verifyInjected(
      const FaultContext& context, const std::vector<v1alpha1::AffectedResource>& affected) = 0;
  virtual common::Status rollback(const FaultContext& context,
                                  const std::vector<v1alpha1::AffectedResource>& affected) = 0;
  virtual common::Result<bool> verifyRolledBack(
      const FaultContext& context, const std::vector<v1alpha1::AffectedResource>& affected) = 0;
};

// A fault that is a single act with nothing to undo (PodDelete: the pods' owner replaces
// them; RolloutRestart: the new pods are the recovery; ProcessCrash: the backend is
// restarted by Kubernetes). Not held; rollback does nothing and finds nothing to restore.
class SingleActFault : public Fault {
 public:
  bool held() const override { return false; }
  common::Status rollback(const FaultContext& /*context*/,
                          const std::vector<v1alpha1::AffectedResource>& /*affected*/) override {
    return {};
  }
  common::Result<bool> verifyRolledBack(
      const FaultContext& /*context*/,
      const std::vector<v1alpha1::AffectedResource>& /*affected*/) override {
    return true;
  }
};

// The fault for spec.fault.type.
std::unique_ptr<Fault> makeFault(v1alpha1::FaultType type);

}  // namespace aftershock::op
