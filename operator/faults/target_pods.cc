#include "operator/faults/target_pods.h"

#include <algorithm>
#include <map>
#include <utility>

#include "operator/api/v1alpha1/selector.h"
#include "operator/kube/object_fields.h"

namespace aftershock::op {
namespace {

using v1alpha1::TargetKind;

bool hasReadyCondition(const json& pod) {
  const json& conditions = memberOrNull(memberOrNull(pod, "status"), "conditions");
  if (!conditions.is_array()) return false;
  return std::any_of(conditions.begin(), conditions.end(), [](const json& condition) {
    return stringMember(condition, "type") == "Ready" &&
           stringMember(condition, "status") == "True";
  });
}

std::map<std::string, std::string> labelsOf(const json& object) {
  std::map<std::string, std::string> labels;
  const json& found = memberOrNull(memberOrNull(object, "metadata"), "labels");
  if (!found.is_object()) return labels;
  for (const auto& [key, value] : found.items()) {
    if (value.is_string()) labels[key] = value.get<std::string>();
  }
  return labels;
}

// The part of `selector` that every label-selector implementation understands: equality and
// existence terms. It only narrows the list; every term is checked again locally, so the
// result is exact whichever terms the server applied.
std::string serverSideSelector(const v1alpha1::LabelSelector& selector) {
  v1alpha1::LabelSelector narrowing;
  narrowing.match_labels = selector.match_labels;
  for (const v1alpha1::SelectorRequirement& requirement : selector.match_expressions) {
    if (requirement.op == v1alpha1::kSelectorExists) {
      narrowing.match_expressions.push_back(requirement);
    }
  }
  return v1alpha1::selectorString(narrowing);
}

common::Error prefixed(const common::Error& error, const std::string& context) {
  return common::Error{error.code, context + ": " + error.message, error.field};
}

// The selector a workload's pods carry: spec.target.selector when the experiment sets one,
// else the workload's own spec.selector.
common::Result<v1alpha1::LabelSelector> workloadSelector(const json& workload,
                                                         const v1alpha1::TargetSpec& target) {
  if (!target.selector.empty()) return target.selector;
  const std::string description =
      workloadDescription(target.kind, target.namespace_name, target.name);
  const json* selector = findMember(memberOrNull(workload, "spec"), "selector");
  if (selector == nullptr) {
    return common::makeError(common::ErrorCode::kInvalid,
                             description + " has no spec.selector; set spec.target.selector");
  }
  auto parsed = v1alpha1::parseSelector(*selector, "spec.selector");
  if (!parsed.ok()) {
    return common::makeError(common::ErrorCode::kInvalid,
                             description + " has a selector the operator cannot use (" +
                                 parsed.error().message + "); set spec.target.selector");
  }
  return std::move(parsed).value();
}

}  // namespace

TargetPod podFromObject(const json& pod) {
  TargetPod result;
  result.name = metadataString(pod, "name");
  result.uid = metadataString(pod, "uid");
  result.phase = stringMember(memberOrNull(pod, "status"), "phase");
  result.ready = hasReadyCondition(pod);
  const json& deletion = memberOrNull(memberOrNull(pod, "metadata"), "deletionTimestamp");
  result.terminating = !deletion.is_null();
  return result;
}

std::string ResolvedTarget::describe() const {
  if (kind == TargetKind::kPod) {
    return "pods matching " + selector_text + " in namespace " + namespace_name;
  }
  return workloadDescription(kind, namespace_name, workload_name);
}

std::size_t ResolvedTarget::readyPods() const {
  return static_cast<std::size_t>(std::count_if(
      pods.begin(), pods.end(), [](const TargetPod& pod) { return pod.runningAndReady(); }));
}

Resource workloadResource(TargetKind kind) {
  return kind == TargetKind::kStatefulSet ? resources::statefulSets() : resources::deployments();
}

std::string workloadDescription(TargetKind kind, std::string_view namespace_name,
                                std::string_view name) {
  std::string description(v1alpha1::targetKindName(kind));
  description += " ";
  description += namespace_name;
  description += "/";
  description += name;
  return description;
}

common::Result<json> getWorkload(KubeClient& kube, TargetKind kind, std::string_view namespace_name,
                                 std::string_view name) {
  if (kind == TargetKind::kPod) {
    return common::fieldError("spec.target.kind",
                              "this fault acts on a workload: set spec.target.kind to "
                              "Deployment or StatefulSet, not Pod");
  }
  const std::string description = workloadDescription(kind, namespace_name, name);
  auto workload = kube.get(workloadResource(kind), namespace_name, name);
  if (workload.ok()) return workload;
  if (workload.error().code == common::ErrorCode::kNotFound) {
    return common::makeError(common::ErrorCode::kNotFound, description + " not found");
  }
  return prefixed(workload.error(), "reading " + description);
}

common::Result<RecordedWorkload> getRecordedWorkload(KubeClient& kube,
                                                     const v1alpha1::AffectedResource& entry) {
  const std::optional<TargetKind> kind = v1alpha1::parseTargetKind(entry.kind);
  if (!kind || *kind == TargetKind::kPod) {
    return common::makeError(common::ErrorCode::kInternal,
                             "status.affected lists " + entry.kind + " " + entry.namespace_name +
                                 "/" + entry.name + " where a Deployment or StatefulSet belongs");
  }
  RecordedWorkload recorded;
  recorded.kind = *kind;
  recorded.description = workloadDescription(*kind, entry.namespace_name, entry.name);
  auto workload = kube.get(workloadResource(*kind), entry.namespace_name, entry.name);
  if (!workload.ok()) {
    if (workload.error().code != common::ErrorCode::kNotFound) {
      return prefixed(workload.error(), "reading " + recorded.description);
    }
    recorded.absence = "not found";
    return recorded;
  }
  const std::string uid = metadataString(*workload, "uid");
  if (!entry.uid.empty() && uid != entry.uid) {
    recorded.absence = "was deleted and recreated since the experiment recorded it (uid " +
                       entry.uid + ", now " + uid + ")";
    return recorded;
  }
  recorded.object = std::move(workload).value();
  return recorded;
}

std::int64_t desiredReplicas(const json& workload) {
  return integerMember(memberOrNull(workload, "spec"), "replicas", 1);
}

common::Result<ResolvedTarget> resolveTargetPods(KubeClient& kube,
                                                 const v1alpha1::TargetSpec& target) {
  ResolvedTarget resolved;
  resolved.kind = target.kind;
  resolved.namespace_name = target.namespace_name;

  if (target.kind == TargetKind::kPod) {
    resolved.selector = target.selector;
  } else {
    auto workload = getWorkload(kube, target.kind, target.namespace_name, target.name);
    if (!workload.ok()) return workload.error();
    resolved.workload_name = target.name;
    resolved.workload_uid = metadataString(*workload, "uid");
    resolved.desired_replicas = desiredReplicas(*workload);
    auto selector = workloadSelector(*workload, target);
    if (!selector.ok()) return selector.error();
    resolved.selector = std::move(selector).value();
  }
  // An empty selector matches every pod in the namespace: never what an experiment means.
  if (resolved.selector.empty()) {
    return common::fieldError("spec.target.selector",
                              "the target's selector is empty and would select every pod in "
                              "namespace " +
                                  target.namespace_name + "; give matchLabels or matchExpressions");
  }
  resolved.selector_text = v1alpha1::selectorString(resolved.selector);

  ListOptions options;
  options.label_selector = serverSideSelector(resolved.selector);
  auto listed = kube.list(resources::pods(), target.namespace_name, options);
  if (!listed.ok()) return prefixed(listed.error(), "listing the pods of " + resolved.describe());
  if (listed->items.is_array()) {
    for (const json& item : listed->items) {
      if (!v1alpha1::selectorMatches(resolved.selector, labelsOf(item))) continue;
      TargetPod pod = podFromObject(item);
      if (pod.terminating || pod.name.empty()) continue;
      resolved.pods.push_back(std::move(pod));
    }
  }
  std::sort(resolved.pods.begin(), resolved.pods.end(),
            [](const TargetPod& a, const TargetPod& b) { return a.name < b.name; });
  if (target.kind == TargetKind::kPod) {
    resolved.desired_replicas = static_cast<std::int64_t>(resolved.pods.size());
  }
  return resolved;
}

}  // namespace aftershock::op
