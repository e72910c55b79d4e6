#include "operator/probes/workload_probe.h"

#include <exception>
#include <utility>

#include "operator/api/v1alpha1/selector.h"
#include "operator/kube/object_fields.h"
#include "operator/kube/resource.h"

namespace aftershock::op {
namespace {

using v1alpha1::TargetKind;

bool hasInteger(const json& object, std::string_view key) {
  const json* found = findMember(object, key);
  return found != nullptr && found->is_number_integer();
}

bool conditionIsTrue(const json& status, std::string_view type) {
  const json& conditions = memberOrNull(status, "conditions");
  if (!conditions.is_array()) return false;
  for (const json& condition : conditions) {
    if (stringMember(condition, "type") == type) return stringMember(condition, "status") == "True";
  }
  return false;
}

bool isServing(const json& pod) {
  if (findMember(memberOrNull(pod, "metadata"), "deletionTimestamp") != nullptr) return false;
  const json& status = memberOrNull(pod, "status");
  return stringMember(status, "phase") == "Running" && conditionIsTrue(status, "Ready");
}

CheckResult failure(std::string error) { return CheckResult{false, std::move(error)}; }

}  // namespace

std::string labelSelectorString(const json& selector) {
  if (!selector.is_object()) return "";
  const auto parsed = v1alpha1::parseSelector(selector, "spec.selector");
  return parsed.ok() ? v1alpha1::selectorString(*parsed) : "";
}

WorkloadProbe::WorkloadProbe(v1alpha1::WorkloadProbeSpec spec, KubeClient& kube)
    : spec_(std::move(spec)), kube_(kube) {
  display_name_ = std::string(v1alpha1::targetKindName(spec_.kind)) + " " + spec_.namespace_name +
                  "/" + spec_.name;
}

CheckResult WorkloadProbe::check() {
  try {
    Resource resource;
    if (spec_.kind == TargetKind::kDeployment) {
      resource = resources::deployments();
    } else if (spec_.kind == TargetKind::kStatefulSet) {
      resource = resources::statefulSets();
    } else {
      return failure("workload probe of " + display_name_ +
                     ": kind must be Deployment or StatefulSet");
    }
    const common::Result<json> workload = kube_.get(resource, spec_.namespace_name, spec_.name);
    if (!workload.ok()) {
      if (workload.error().code == common::ErrorCode::kNotFound) {
        return failure(display_name_ + " not found");
      }
      return failure("cannot read " + display_name_ + ": " + workload.error().message);
    }
    return checkWorkload(*workload);
  } catch (const std::exception& error) {
    return failure("probe error on " + display_name_ + ": " + error.what());
  }
}

CheckResult WorkloadProbe::checkWorkload(const json& workload) const {
  const json& spec = memberOrNull(workload, "spec");
  const json& status = memberOrNull(workload, "status");
  const std::int64_t desired = integerMember(spec, "replicas", 1);
  if (desired < 1) return failure(display_name_ + " is scaled to zero");

  const json& metadata = memberOrNull(workload, "metadata");
  if (hasInteger(metadata, "generation") && hasInteger(status, "observedGeneration")) {
    const std::int64_t generation = integerMember(metadata, "generation", 0);
    const std::int64_t observed = integerMember(status, "observedGeneration", 0);
    if (observed < generation) {
      return failure(display_name_ + " rollout not observed yet (observedGeneration " +
                     std::to_string(observed) + ", generation " + std::to_string(generation) + ")");
    }
  }

  const std::int64_t ready = integerMember(status, "readyReplicas", 0);
  const std::string desired_text = std::to_string(desired);
  if (ready < desired) {
    return failure(std::to_string(ready) + " of " + desired_text + " replicas ready");
  }
  if (ready > desired) {
    return failure(std::to_string(ready) + " replicas ready, want " + desired_text +
                   " (rollout in progress)");
  }
  if (spec_.kind == TargetKind::kDeployment && hasInteger(status, "updatedReplicas")) {
    const std::int64_t updated = integerMember(status, "updatedReplicas", 0);
    if (updated != desired) {
      return failure(std::to_string(updated) + " of " + desired_text +
                     " replicas updated (rollout in progress)");
    }
  }
  return checkPods(workload, desired);
}

CheckResult WorkloadProbe::checkPods(const json& workload, std::int64_t desired) const {
  const std::string selector =
      labelSelectorString(memberOrNull(memberOrNull(workload, "spec"), "selector"));
  // An empty selector would count every pod in the namespace, not this workload's.
  if (selector.empty()) return failure(display_name_ + " has no pod selector");

  ListOptions options;
  options.label_selector = selector;
  const common::Result<ObjectList> pods =
      kube_.list(resources::pods(), spec_.namespace_name, options);
  if (!pods.ok()) {
    return failure("cannot list pods of " + display_name_ + ": " + pods.error().message);
  }
  std::int64_t serving = 0;
  if (pods->items.is_array()) {
    for (const json& pod : pods->items) serving += isServing(pod) ? 1 : 0;
  }
  if (serving < desired) {
    return failure(std::to_string(serving) + " of " + std::to_string(desired) +
                   " pods Running and Ready");
  }
  return CheckResult{true, {}};
}

}  // namespace aftershock::op
