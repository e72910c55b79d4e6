#include "operator/faults/network_partition.h"

#include <cstdint>
#include <cstdio>
#include <optional>
#include <utility>

#include "operator/api/v1alpha1/selector.h"
#include "operator/kube/object_fields.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using v1alpha1::AffectedResource;
using v1alpha1::LabelSelector;
using v1alpha1::SelectorRequirement;

constexpr std::string_view kPolicyKind = "NetworkPolicy";
constexpr std::string_view kDescriptionAnnotation = "chaos.aftershock.dev/description";
// Set by the API server on every namespace (Kubernetes 1.21+).
constexpr std::string_view kNamespaceNameLabel = "kubernetes.io/metadata.name";
constexpr std::size_t kMaxNameLength = 63;

bool isAlphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// FNV-1a: stable across builds and platforms, unlike std::hash.
std::uint32_t fnv1a(std::string_view text) {
  std::uint32_t hash = 2166136261u;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  return hash;
}

// `text` when it fits in 63 characters; else its head, then '-' and 8 hex digits of a hash of
// the whole, ending in an alphanumeric as names and label values must.
std::string boundedName(std::string_view text) {
  if (text.size() <= kMaxNameLength) return std::string(text);
  char hash[9];
  std::snprintf(hash, sizeof(hash), "%08x", static_cast<unsigned>(fnv1a(text)));
  std::string head(text.substr(0, kMaxNameLength - 9));
  while (!head.empty() && !isAlphanumeric(head.back())) head.pop_back();
  return head + "-" + hash;
}

std::string labelOf(const json& object, std::string_view key) {
  return stringMember(memberOrNull(memberOrNull(object, "metadata"), "labels"), key);
}

// Whether `policy` carries this experiment's labels: created by it (or by an earlier run of
// it), so it may be adopted and deleted.
bool ownedBy(const json& policy, const v1alpha1::ChaosExperiment& experiment) {
  return labelOf(policy, kExperimentLabel) == boundedName(experiment.name) &&
         labelOf(policy, kExperimentNamespaceLabel) == experiment.namespace_name;
}

json podPeer(std::string key, std::string_view op, std::vector<std::string> values) {
  json requirement = {{"key", std::move(key)}, {"operator", op}};
  if (!values.empty()) requirement["values"] = std::move(values);
  return json{{"podSelector", {{"matchExpressions", json::array({requirement})}}}};
}

// One peer per term of `from`, selecting the pods that fail that term (see the header).
common::Result<json> complementPeers(const LabelSelector& from) {
  json peers = json::array();
  for (const auto& [key, value] : from.match_labels) {
    peers.push_back(podPeer(key, v1alpha1::kSelectorNotIn, {value}));
  }
  for (std::size_t i = 0; i < from.match_expressions.size(); ++i) {
    const SelectorRequirement& requirement = from.match_expressions[i];
    if (requirement.op == v1alpha1::kSelectorIn) {
      peers.push_back(podPeer(requirement.key, v1alpha1::kSelectorNotIn, requirement.values));
    } else if (requirement.op == v1alpha1::kSelectorNotIn) {
      peers.push_back(podPeer(requirement.key, v1alpha1::kSelectorIn, requirement.values));
    } else if (requirement.op == v1alpha1::kSelectorExists) {
      peers.push_back(podPeer(requirement.key, v1alpha1::kSelectorDoesNotExist, {}));
    } else if (requirement.op == v1alpha1::kSelectorDoesNotExist) {
      peers.push_back(podPeer(requirement.key, v1alpha1::kSelectorExists, {}));
    } else {
      return common::fieldError(
          "spec.fault.networkPartition.from.matchExpressions[" + std::to_string(i) + "].operator",
          "must be In, NotIn, Exists or DoesNotExist, got \"" + requirement.op + "\"");
    }
  }
  return peers;
}

common::Error prefixed(const common::Error& error, const std::string& context) {
  return common::Error{error.code, context + ": " + error.message, error.field};
}

std::string policyDescription(std::string_view namespace_name, std::string_view name) {
  std::string description(kPolicyKind);
  description += " ";
  description += namespace_name;
  description += "/";
  description += name;
  return description;
}

common::Error notOurs(std::string_view namespace_name, std::string_view name) {
  return common::makeError(ErrorCode::kAlreadyExists,
                           policyDescription(namespace_name, name) +
                               " already exists and was not created by this experiment; "
                               "delete or rename it, or rename the experiment");
}

common::Error notAPolicy(const AffectedResource& entry) {
  return common::makeError(ErrorCode::kInternal, "status.affected lists " + entry.kind + " " +
                                                     entry.namespace_name + "/" + entry.name +
                                                     " for a NetworkPartition fault, which only "
                                                     "records a NetworkPolicy");
}

// The policy as this experiment wants it, under the recorded namespace and name.
common::Result<json> desiredPolicy(const v1alpha1::ChaosExperiment& experiment,
                                   const AffectedResource& entry) {
  auto policy = partitionPolicy(experiment);
  if (!policy.ok()) return policy;
  (*policy)["metadata"]["name"] = entry.name;
  (*policy)["metadata"]["namespace"] = entry.namespace_name;
  return policy;
}

const json* ownerReferences(const json& object) {
  return findMember(memberOrNull(object, "metadata"), "ownerReferences");
}

// Whether two optional members are both absent or both present and equal.
bool sameMember(const json* a, const json* b) {
  return (a == nullptr && b == nullptr) || (a != nullptr && b != nullptr && *a == *b);
}

// Whether an existing policy already has what `desired` sets.
bool converged(const json& existing, const json& desired) {
  return sameMember(findMember(existing, "spec"), findMember(desired, "spec")) &&
         sameMember(ownerReferences(existing), ownerReferences(desired));
}

// Brings an existing policy of ours to `desired` (a spec edited between runs, an owner that
// was recreated), keeping its resourceVersion so a concurrent change is a kConflict.
common::Status convergeExisting(KubeClient& kube, const v1alpha1::ChaosExperiment& experiment,
                                const AffectedResource& entry, const json& desired) {
  const std::string description = policyDescription(entry.namespace_name, entry.name);
  auto existing = kube.get(resources::networkPolicies(), entry.namespace_name, entry.name);
  if (!existing.ok()) {
    if (existing.error().code == ErrorCode::kNotFound) {
      return common::makeError(ErrorCode::kConflict,
                               description + " was deleted while being created; will retry");
    }
    return prefixed(existing.error(), "reading " + description);
  }
  if (!ownedBy(*existing, experiment)) return notOurs(entry.namespace_name, entry.name);
  if (converged(*existing, desired)) return {};
  json replacement = desired;
  replacement["metadata"]["resourceVersion"] = metadataString(*existing, "resourceVersion");
  auto updated = kube.update(resources::networkPolicies(), entry.namespace_name, replacement);
  if (!updated.ok()) return prefixed(updated.error(), "updating " + description);
  return {};
}

// The policy `entry` names when it is this experiment's; nullopt when there is none, or when
// the policy of that name belongs to someone else.
common::Result<std::optional<json>> ourPolicy(KubeClient& kube,
                                              const v1alpha1::ChaosExperiment& experiment,
                                              const AffectedResource& entry) {
  auto existing = kube.get(resources::networkPolicies(), entry.namespace_name, entry.name);
  if (!existing.ok()) {
    if (existing.error().code == ErrorCode::kNotFound) return std::optional<json>();
    return prefixed(existing.error(),
                    "reading " + policyDescription(entry.namespace_name, entry.name));
  }
  if (!ownedBy(*existing, experiment)) return std::optional<json>();
  return std::optional<json>(std::move(existing).value());
}

class NetworkPartitionFault final : public Fault {
 public:
  bool held() const override { return true; }

  common::Result<std::vector<AffectedResource>> plan(const FaultContext& context) override {
    auto policy = partitionPolicy(context.experiment);
    if (!policy.ok()) return policy.error();
    AffectedResource entry;
    entry.kind = std::string(kPolicyKind);
    entry.namespace_name = context.experiment.spec.target.namespace_name;
    entry.name = partitionPolicyName(context.experiment);
    entry.original = json::object();

    // A name taken by someone else's policy would fail inject; better to say so before.
    auto existing =
        context.kube.get(resources::networkPolicies(), entry.namespace_name, entry.name);
    if (!existing.ok() && existing.error().code != ErrorCode::kNotFound) {
      return prefixed(existing.error(),
                      "reading " + policyDescription(entry.namespace_name, entry.name));
    }
    if (existing.ok() && !ownedBy(*existing, context.experiment)) {
      return notOurs(entry.namespace_name, entry.name);
    }
    return std::vector<AffectedResource>{std::move(entry)};
  }

  common::Status inject(const FaultContext& context,
                        const std::vector<AffectedResource>& affected) override {
    for (const AffectedResource& entry : affected) {
      if (entry.kind != kPolicyKind) return notAPolicy(entry);
      auto desired = desiredPolicy(context.experiment, entry);
      if (!desired.ok()) return desired.error();
      auto created =
          context.kube.create(resources::networkPolicies(), entry.namespace_name, *desired);
      if (created.ok()) continue;
      if (created.error().code != ErrorCode::kAlreadyExists) {
        return prefixed(created.error(),
                        "creating " + policyDescription(entry.namespace_name, entry.name));
      }
      if (common::Status status =
              convergeExisting(context.kube, context.experiment, entry, *desired);
          !status.ok()) {
        return status;
      }
    }
    return {};
  }

  common::Result<bool> verifyInjected(const FaultContext& context,
                                      const std::vector<AffectedResource>& affected) override {
    for (const AffectedResource& entry : affected) {
      if (entry.kind != kPolicyKind) return notAPolicy(entry);
      auto policy = ourPolicy(context.kube, context.experiment, entry);
      if (!policy.ok()) return policy.error();
      if (!*policy) return false;
    }
    return true;
  }

  // Deletes only a policy that carries this experiment's labels, pinned by resourceVersion to
  // the one just checked: a same-named policy someone created after ours is not ours to touch.
  common::Status rollback(const FaultContext& context,
                          const std::vector<AffectedResource>& affected) override {
    for (const AffectedResource& entry : affected) {
      if (entry.kind != kPolicyKind) return notAPolicy(entry);
      auto policy = ourPolicy(context.kube, context.experiment, entry);
      if (!policy.ok()) return policy.error();
      if (!*policy) continue;
      DeleteOptions options;
      options.precondition_resource_version = metadataString(**policy, "resourceVersion");
      common::Status removed = context.kube.remove(resources::networkPolicies(),
                                                   entry.namespace_name, entry.name, options);
      if (!removed.ok() && removed.error().code != ErrorCode::kNotFound) {
        return prefixed(removed.error(),
                        "deleting " + policyDescription(entry.namespace_name, entry.name));
      }
    }
    return {};
  }

  common::Result<bool> verifyRolledBack(const FaultContext& context,
                                        const std::vector<AffectedResource>& affected) override {
    for (const AffectedResource& entry : affected) {
      if (entry.kind != kPolicyKind) return notAPolicy(entry);
      auto policy = ourPolicy(context.kube, context.experiment, entry);
      if (!policy.ok()) return policy.error();
      if (*policy) return false;
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<Fault> makeNetworkPartitionFault() {
  return std::make_unique<NetworkPartitionFault>();
}

std::string partitionPolicyName(const v1alpha1::ChaosExperiment& experiment) {
  return boundedName("aftershock-" + experiment.name);
}

common::Result<json> partitionPolicy(const v1alpha1::ChaosExperiment& experiment) {
  const v1alpha1::NetworkPartitionSpec& partition = experiment.spec.fault.network_partition;
  const std::string& namespace_name = experiment.spec.target.namespace_name;
  // Empty selectors select every pod: a partition of the whole namespace is never implied.
  if (partition.from.empty()) {
    return common::fieldError("spec.fault.networkPartition.from",
                              "is empty and would select every pod in namespace " + namespace_name +
                                  "; give matchLabels or matchExpressions");
  }
  if (partition.to.empty()) {
    return common::fieldError("spec.fault.networkPartition.to",
                              "is empty and would select every pod in namespace " + namespace_name +
                                  "; give matchLabels or matchExpressions");
  }
  auto peers = complementPeers(partition.from);
  if (!peers.ok()) return peers.error();
  json namespace_peer = {
      {"namespaceSelector",
       {{"matchExpressions", json::array({{{"key", kNamespaceNameLabel},
                                           {"operator", v1alpha1::kSelectorNotIn},
                                           {"values", json::array({namespace_name})}}})}}}};
  peers->push_back(std::move(namespace_peer));

  json metadata = {
      {"name", partitionPolicyName(experiment)},
      {"namespace", namespace_name},
      {"labels",
       {{std::string(kManagedByLabel), kManagedByValue},
        {std::string(kExperimentLabel), boundedName(experiment.name)},
        {std::string(kExperimentNamespaceLabel), experiment.namespace_name}}},
      {"annotations",
       {{std::string(kDescriptionAnnotation),
         "cuts traffic from pods matching " + v1alpha1::selectorString(partition.from) +
             " to pods matching " + v1alpha1::selectorString(partition.to) +
             " for ChaosExperiment " + experiment.namespace_name + "/" + experiment.name}}},
  };
  if (!experiment.uid.empty() && experiment.namespace_name == namespace_name) {
    metadata["ownerReferences"] = json::array({{
        {"apiVersion", std::string(v1alpha1::kGroup) + "/" + std::string(v1alpha1::kVersion)},
        {"kind", v1alpha1::kKind},
        {"name", experiment.name},
        {"uid", experiment.uid},
        {"blockOwnerDeletion", false},
    }});
  }
  return json{
      {"apiVersion", resources::networkPolicies().apiVersion()},
      {"kind", kPolicyKind},
      {"metadata", std::move(metadata)},
      {"spec",
       {{"podSelector", v1alpha1::selectorToJson(partition.to)},
        {"policyTypes", json::array({"Ingress"})},
        {"ingress", json::array({{{"from", std::move(*peers)}}})}}},
  };
}

}  // namespace aftershock::op
