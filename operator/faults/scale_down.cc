#include "operator/faults/scale_down.h"

#include <cstdint>
#include <optional>
#include <string>

#include "operator/faults/target_pods.h"
#include "operator/kube/object_fields.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using v1alpha1::AffectedResource;

constexpr std::string_view kOriginalReplicas = "replicas";

std::optional<std::int64_t> recordedReplicas(const AffectedResource& entry) {
  const json* replicas = findMember(entry.original, kOriginalReplicas);
  if (replicas == nullptr || !replicas->is_number_integer()) return std::nullopt;
  return replicas->get<std::int64_t>();
}

common::Error withoutOriginal(const AffectedResource& entry) {
  return common::makeError(ErrorCode::kInternal,
                           "status.affected lists " + entry.kind + " " + entry.namespace_name +
                               "/" + entry.name +
                               " without original.replicas; the replica count to restore is "
                               "unknown");
}

// Sets spec.replicas through /scale, the subresource RBAC can grant without full update
// rights on the workload.
common::Status scaleTo(KubeClient& kube, const RecordedWorkload& workload,
                       const AffectedResource& entry, std::int64_t replicas) {
  PatchOptions options;
  options.subresource = "scale";
  auto patched = kube.patch(workloadResource(workload.kind), entry.namespace_name, entry.name,
                            PatchType::kMerge, json{{"spec", {{"replicas", replicas}}}}, options);
  if (patched.ok()) return {};
  return common::Error{patched.error().code,
                       "scaling " + workload.description + " to " + std::to_string(replicas) +
                           " replicas: " + patched.error().message,
                       patched.error().field};
}

class ScaleDownFault final : public Fault {
 public:
  bool held() const override { return true; }

  common::Result<std::vector<AffectedResource>> plan(const FaultContext& context) override {
    const v1alpha1::ChaosExperimentSpec& spec = context.experiment.spec;
    const v1alpha1::TargetSpec& target = spec.target;
    const int replicas = spec.fault.scale_down.replicas;
    if (replicas < 0) {
      return common::fieldError("spec.fault.scaleDown.replicas",
                                "must be 0 or more, got " + std::to_string(replicas));
    }
    auto workload = getWorkload(context.kube, target.kind, target.namespace_name, target.name);
    if (!workload.ok()) return workload.error();
    const std::string description =
        workloadDescription(target.kind, target.namespace_name, target.name);

    if (replicas < spec.safety.min_healthy_replicas) {
      return common::fieldError("spec.safety.minHealthyReplicas",
                                "scaling " + description + " to " + std::to_string(replicas) +
                                    " replicas would leave fewer than "
                                    "safety.minHealthyReplicas (" +
                                    std::to_string(spec.safety.min_healthy_replicas) + ")");
    }
    const std::int64_t current = desiredReplicas(*workload);
    if (current <= replicas) {
      return common::fieldError("spec.fault.scaleDown.replicas",
                                description + " is already at " + std::to_string(current) +
                                    " replicas, nothing to scale down to " +
                                    std::to_string(replicas));
    }
    AffectedResource entry;
    entry.kind = std::string(v1alpha1::targetKindName(target.kind));
    entry.namespace_name = target.namespace_name;
    entry.name = target.name;
    entry.uid = metadataString(*workload, "uid");
    entry.original = json{{kOriginalReplicas, current}};
    return std::vector<AffectedResource>{std::move(entry)};
  }

  common::Status inject(const FaultContext& context,
                        const std::vector<AffectedResource>& affected) override {
    const int replicas = context.experiment.spec.fault.scale_down.replicas;
    for (const AffectedResource& entry : affected) {
      auto workload = getRecordedWorkload(context.kube, entry);
      if (!workload.ok()) return workload.error();
      if (!workload->object) {
        return common::makeError(ErrorCode::kNotFound, workload->description + " " +
                                                           workload->absence + "; not scaling it");
      }
      if (desiredReplicas(*workload->object) == replicas) continue;
      if (common::Status scaled = scaleTo(context.kube, *workload, entry, replicas); !scaled.ok()) {
        return scaled;
      }
    }
    return {};
  }

  common::Result<bool> verifyInjected(const FaultContext& context,
                                      const std::vector<AffectedResource>& affected) override {
    const int replicas = context.experiment.spec.fault.scale_down.replicas;
    for (const AffectedResource& entry : affected) {
      auto workload = getRecordedWorkload(context.kube, entry);
      if (!workload.ok()) return workload.error();
      if (!workload->object || desiredReplicas(*workload->object) != replicas) return false;
    }
    return true;
  }

  // A workload that is gone or was replaced has nothing of ours to restore: setting the
  // recorded count on a new object of the same name could undo its owner's intent.
  common::Status rollback(const FaultContext& context,
                          const std::vector<AffectedResource>& affected) override {
    for (const AffectedResource& entry : affected) {
      const std::optional<std::int64_t> original = recordedReplicas(entry);
      if (!original) return withoutOriginal(entry);
      auto workload = getRecordedWorkload(context.kube, entry);
      if (!workload.ok()) return workload.error();
      if (!workload->object || desiredReplicas(*workload->object) == *original) continue;
      if (common::Status scaled = scaleTo(context.kube, *workload, entry, *original);
          !scaled.ok()) {
        return scaled;
      }
    }
    return {};
  }

  common::Result<bool> verifyRolledBack(const FaultContext& context,
                                        const std::vector<AffectedResource>& affected) override {
    for (const AffectedResource& entry : affected) {
      const std::optional<std::int64_t> original = recordedReplicas(entry);
      if (!original) return withoutOriginal(entry);
      auto workload = getRecordedWorkload(context.kube, entry);
      if (!workload.ok()) return workload.error();
      if (workload->object && desiredReplicas(*workload->object) != *original) return false;
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<Fault> makeScaleDownFault() { return std::make_unique<ScaleDownFault>(); }

}  // namespace aftershock::op
