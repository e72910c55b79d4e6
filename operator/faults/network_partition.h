// NetworkPartition: cuts the traffic from the pods matching spec.fault.networkPartition.from
// to the pods matching .to (both in the target namespace) with a networking.k8s.io/v1
// NetworkPolicy, held for spec.duration, then deleted.
//
// NetworkPolicy can only allow, so the cut is written as "allow ingress to `to` from
// everything except `from`". A pod fails `from` exactly when it fails at least one of its
// terms, and the peers of one ingress rule are OR-ed, so the rule lists one pod-selector peer
// per `from` term, each selecting the pods that fail that term:
//   matchLabels k=v -> k NotIn [v]    (NotIn also matches pods without the label)
//   k In [vs]       -> k NotIn [vs]       k NotIn [vs]    -> k In [vs]
//   k Exists        -> k DoesNotExist     k DoesNotExist  -> k Exists
// plus one peer for every pod of every other namespace (namespaceSelector on
// kubernetes.io/metadata.name NotIn [the namespace]).
//
// Limits, inherent to NetworkPolicy:
//  - Policies add up: another policy that already selects the `to` pods and allows the `from`
//    pods keeps that traffic flowing.
//  - Only ingress to `to` is cut; `from` pods' egress is untouched (a deny is not expressible).
//  - Traffic from outside the cluster to `to` pods (not from a pod) is cut too. Traffic from
//    the pod's own node (kubelet probes) is allowed by the common CNI plugins regardless.
//  - Enforced only where the cluster's network plugin enforces NetworkPolicy.
//
// Restart safety: the policy's name is fixed by the experiment, and labels mark it as the
// experiment's. An ownerReference to the experiment (when both share a namespace; a
// cross-namespace owner would make the garbage collector delete the policy at once) lets
// Kubernetes delete a policy that outlived its experiment.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/faults/fault.h"

namespace aftershock::op {

inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedByValue = "aftershock";
inline constexpr std::string_view kExperimentLabel = "chaos.aftershock.dev/experiment";
inline constexpr std::string_view kExperimentNamespaceLabel =
    "chaos.aftershock.dev/experiment-namespace";

std::unique_ptr<Fault> makeNetworkPartitionFault();

// "aftershock-<experiment name>"; a name over 63 characters is cut and ends in a hash of the
// whole name, so two long names that share a prefix still differ.
std::string partitionPolicyName(const v1alpha1::ChaosExperiment& experiment);

// The NetworkPolicy the experiment creates in spec.target.namespace_name. kInvalid when
// `from` or `to` is empty (an empty selector means every pod in the namespace) or holds an
// operator that cannot be negated.
common::Result<json> partitionPolicy(const v1alpha1::ChaosExperiment& experiment);

}  // namespace aftershock::op
