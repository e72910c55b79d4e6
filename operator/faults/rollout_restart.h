// RolloutRestart: what `kubectl rollout restart` does. It sets the pod template annotation
// kubectl.kubernetes.io/restartedAt, so the workload's controller replaces every pod by its
// rollout strategy. Not held: the restart is the fault, and the rollout finishing is the
// recovery the probes measure; nothing is rolled back.
//
// Restart safety: plan decides the annotation's value and records it in status.affected
// (original.plannedRestartedAt, next to the value it replaces in original.restartedAt), and
// inject writes that recorded value, so repeating inject changes nothing more. The value is
// derived from the experiment and its run, not from a clock: a re-plan of the same run gives
// the same value, the next run a new one.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/faults/fault.h"

namespace aftershock::op {

inline constexpr std::string_view kRestartedAtAnnotation = "kubectl.kubernetes.io/restartedAt";

std::unique_ptr<Fault> makeRolloutRestartFault();

// The annotation value a run of `experiment` writes:
// "aftershock/<namespace>/<name>/<uid>/run-<n>" (n at least 1).
std::string plannedRestartValue(const v1alpha1::ChaosExperiment& experiment);

}  // namespace aftershock::op
