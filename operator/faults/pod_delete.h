// PodDelete: deletes pods of the target, chosen by spec.fault.podDelete.mode, the way a node
// failure or an eviction would. Not held: the delete is the whole fault, and its owner (the
// ReplicaSet, the StatefulSet) replacing the pods is the recovery being measured, so rollback
// has nothing to do.
//
// Restart safety: plan records each chosen pod's uid. inject deletes a pod only while the pod
// by that name still has the recorded uid, with a resourceVersion precondition taken from the
// same read, so repeating inject never deletes the replacement (a StatefulSet's replacement
// keeps the name).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "common/random.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/faults/fault.h"
#include "operator/faults/target_pods.h"

namespace aftershock::op {

std::unique_ptr<Fault> makePodDeleteFault();

// How many of `available` pods the spec picks: One 1; All every one; Fixed `value`; Percent
// ceil(value% of available). At least 1 and at most `available` (0 when none is available).
std::size_t podDeleteCount(const v1alpha1::PodDeleteSpec& spec, std::size_t available);

// Chooses `count` of `pods` (all of them when fewer): Running and Ready pods first, since
// losing those is what the fault is meant to cause, then the others. Within each group the
// order is drawn from `random`; the result depends only on the set of pods and the draws,
// not on the order `pods` arrive in.
std::vector<TargetPod> choosePods(std::vector<TargetPod> pods, std::size_t count,
                                  common::Random& random);

}  // namespace aftershock::op
