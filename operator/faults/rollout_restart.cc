#include "operator/faults/rollout_restart.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "operator/faults/target_pods.h"
#include "operator/kube/object_fields.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using v1alpha1::AffectedResource;

constexpr std::string_view kOriginalValue = "restartedAt";
constexpr std::string_view kPlannedValue = "plannedRestartedAt";

// spec.template.metadata.annotations[kRestartedAtAnnotation] when it is a string.
std::optional<std::string> restartedAt(const json& workload) {
  const json* node = &workload;
  for (std::string_view key : {"spec", "template", "metadata", "annotations"}) {
    node = findMember(*node, key);
    if (node == nullptr) return std::nullopt;
  }
  const json* value = findMember(*node, kRestartedAtAnnotation);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

bool paused(const json& workload) {
  const json* value = findMember(memberOrNull(workload, "spec"), "paused");
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

common::Result<std::string> plannedValue(const AffectedResource& entry) {
  const json* value = findMember(entry.original, kPlannedValue);
  if (value == nullptr || !value->is_string() || value->get<std::string>().empty()) {
    return common::makeError(ErrorCode::kInternal,
                             "status.affected lists " + entry.kind + " " + entry.namespace_name +
                                 "/" + entry.name + " without original." +
                                 std::string(kPlannedValue) + "; the restart to apply is unknown");
  }
  return value->get<std::string>();
}

class RolloutRestartFault final : public SingleActFault {
 public:
  common::Result<std::vector<AffectedResource>> plan(const FaultContext& context) override {
    const v1alpha1::TargetSpec& target = context.experiment.spec.target;
    auto workload = getWorkload(context.kube, target.kind, target.namespace_name, target.name);
    if (!workload.ok()) return workload.error();
    // A paused Deployment takes the template change but starts no rollout: the fault would
    // silently do nothing. kubectl refuses the same way.
    if (paused(*workload)) {
      return common::fieldError(
          "spec.target", workloadDescription(target.kind, target.namespace_name, target.name) +
                             " is paused; resume it (kubectl rollout resume) before "
                             "restarting it");
    }
    const std::optional<std::string> original = restartedAt(*workload);
    AffectedResource entry;
    entry.kind = std::string(v1alpha1::targetKindName(target.kind));
    entry.namespace_name = target.namespace_name;
    entry.name = target.name;
    entry.uid = metadataString(*workload, "uid");
    entry.original = json{{kOriginalValue, original ? json(*original) : json(nullptr)},
                          {kPlannedValue, plannedRestartValue(context.experiment)}};
    return std::vector<AffectedResource>{std::move(entry)};
  }

  common::Status inject(const FaultContext& context,
                        const std::vector<AffectedResource>& affected) override {
    for (const AffectedResource& entry : affected) {
      auto planned = plannedValue(entry);
      if (!planned.ok()) return planned.error();
      auto workload = getRecordedWorkload(context.kube, entry);
      if (!workload.ok()) return workload.error();
      if (!workload->object) {
        return common::makeError(
            ErrorCode::kNotFound,
            workload->description + " " + workload->absence + "; not restarting it");
      }
      if (restartedAt(*workload->object) == *planned) continue;
      const json patch = {
          {"spec",
           {{"template",
             {{"metadata",
               {{"annotations", {{std::string(kRestartedAtAnnotation), *planned}}}}}}}}}};
      auto patched = context.kube.patch(workloadResource(workload->kind), entry.namespace_name,
                                        entry.name, PatchType::kMerge, patch);
      if (!patched.ok()) {
        return common::Error{patched.error().code,
                             "restarting " + workload->description + ": " + patched.error().message,
                             patched.error().field};
      }
    }
    return {};
  }

  common::Result<bool> verifyInjected(const FaultContext& context,
                                      const std::vector<AffectedResource>& affected) override {
    for (const AffectedResource& entry : affected) {
      auto planned = plannedValue(entry);
      if (!planned.ok()) return planned.error();
      auto workload = getRecordedWorkload(context.kube, entry);
      if (!workload.ok()) return workload.error();
      if (!workload->object || restartedAt(*workload->object) != *planned) return false;
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<Fault> makeRolloutRestartFault() { return std::make_unique<RolloutRestartFault>(); }

std::string plannedRestartValue(const v1alpha1::ChaosExperiment& experiment) {
  const int run = std::max(1, experiment.status.current_run);
  std::string value = "aftershock/" + experiment.namespace_name + "/" + experiment.name + "/";
  value += experiment.uid.empty() ? std::string("-") : experiment.uid;
  value += "/run-" + std::to_string(run);
  return value;
}

}  // namespace aftershock::op
