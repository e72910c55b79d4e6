// Target resolution: turns an experiment's spec.target into the workload it names and the pods
// its selector picks, as the pod-level faults (PodDelete) and the workload-level faults
// (ScaleDown, RolloutRestart) need them. Reads only; every failure is a value whose message
// names the object (e.g. "Deployment demo/backend-service not found").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/resource.h"

namespace aftershock::op {

// What a fault needs to know about one pod.
struct TargetPod {
  std::string name;
  std::string uid;
  std::string phase;         // status.phase: Pending | Running | Succeeded | Failed | Unknown
  bool ready = false;        // status.conditions has Ready=True
  bool terminating = false;  // metadata.deletionTimestamp is set

  // The pods whose loss the service feels: deleting them is what a pod-delete fault is for.
  bool runningAndReady() const { return phase == "Running" && ready; }
};

// Reads a Pod object; missing or mistyped fields read as empty / false.
TargetPod podFromObject(const json& pod);

struct ResolvedTarget {
  v1alpha1::TargetKind kind = v1alpha1::TargetKind::kDeployment;
  std::string namespace_name;
  std::string workload_name;  // empty for kind Pod
  std::string workload_uid;   // empty for kind Pod
  // The workload's spec.replicas (1 when absent, the API's default); for kind Pod, the number
  // of pods the selector matched.
  std::int64_t desired_replicas = 1;
  v1alpha1::LabelSelector selector;  // the selector the pods were chosen by
  std::string selector_text;         // the same as a label-selector string, for messages
  std::vector<TargetPod> pods;       // sorted by name; pods already terminating are left out

  // "Deployment demo/backend-service", or "pods matching app=x in namespace demo" for kind Pod.
  std::string describe() const;
  // The pods that are Running and Ready: what safety.minHealthyReplicas counts.
  std::size_t readyPods() const;
};

// The apps/v1 collection of a workload kind. Precondition: kind is Deployment or StatefulSet.
Resource workloadResource(v1alpha1::TargetKind kind);

// "Deployment demo/backend-service".
std::string workloadDescription(v1alpha1::TargetKind kind, std::string_view namespace_name,
                                std::string_view name);

// Gets a Deployment or StatefulSet. Errors: kNotFound "Deployment demo/backend-service not
// found", kInvalid for kind Pod, or the API error prefixed with what was being read.
common::Result<json> getWorkload(KubeClient& kube, v1alpha1::TargetKind kind,
                                 std::string_view namespace_name, std::string_view name);

// spec.replicas of a workload object, 1 when absent.
std::int64_t desiredReplicas(const json& workload);

// A workload recorded in status.affected, read back by a later step.
struct RecordedWorkload {
  v1alpha1::TargetKind kind = v1alpha1::TargetKind::kDeployment;
  std::string description;     // "Deployment demo/backend-service"
  std::optional<json> object;  // empty when the workload is gone or was replaced
  std::string absence;         // why `object` is empty: "not found", "was deleted and recreated"
};

// Gets the workload an affected entry (kind Deployment or StatefulSet) names. A workload of
// that name with another uid is a replacement, not the recorded one, and reads as absent.
// Errors: kInternal for an entry of another kind, the API's error otherwise.
common::Result<RecordedWorkload> getRecordedWorkload(KubeClient& kube,
                                                     const v1alpha1::AffectedResource& entry);

// Resolves spec.target to its pods. For Deployment/StatefulSet: the workload must exist; its
// pods are those matching spec.target.selector when set, else the workload's own
// spec.selector. For Pod: spec.target.selector. An empty selector is refused (kInvalid): it
// would select every pod in the namespace. No pods matching is not an error here (the fault
// decides); an API failure is.
common::Result<ResolvedTarget> resolveTargetPods(KubeClient& kube,
                                                 const v1alpha1::TargetSpec& target);

}  // namespace aftershock::op
