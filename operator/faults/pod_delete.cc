#include "operator/faults/pod_delete.h"

#include <algorithm>
#include <string>
#include <utility>

#include "operator/kube/object_fields.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using v1alpha1::AffectedResource;
using v1alpha1::PodDeleteMode;

constexpr std::string_view kPodKind = "Pod";

// A pod updates its status often while it starts; a few re-reads ride that out, a pod that
// keeps changing is left to the controller's requeue.
constexpr int kDeleteAttempts = 3;

// Moves a uniformly drawn order of `pods` to the front, `count` deep (Fisher-Yates, partial).
void shuffleFront(std::vector<TargetPod>& pods, std::size_t count, common::Random& random) {
  const std::size_t size = pods.size();
  for (std::size_t i = 0; i < std::min(count, size); ++i) {
    const double draw = std::clamp(random.uniform(), 0.0, 1.0);
    std::size_t pick = i + static_cast<std::size_t>(draw * static_cast<double>(size - i));
    pick = std::min(pick, size - 1);
    std::swap(pods[i], pods[pick]);
  }
}

std::string podDescription(const AffectedResource& pod) {
  return "pod " + pod.namespace_name + "/" + pod.name;
}

common::Error notAPod(const AffectedResource& entry) {
  return common::makeError(ErrorCode::kInternal, "status.affected lists " + entry.kind + " " +
                                                     entry.namespace_name + "/" + entry.name +
                                                     " for a PodDelete fault, which only "
                                                     "records pods");
}

// Whether the pod recorded in `entry` is gone: deleted, replaced by a new pod of the same
// name, or terminating. Errors are the API's.
common::Result<bool> recordedPodGone(KubeClient& kube, const AffectedResource& entry) {
  auto current = kube.get(resources::pods(), entry.namespace_name, entry.name);
  if (!current.ok()) {
    if (current.error().code == ErrorCode::kNotFound) return true;
    return common::Error{current.error().code,
                         "reading " + podDescription(entry) + ": " + current.error().message,
                         current.error().field};
  }
  const TargetPod pod = podFromObject(*current);
  return pod.uid != entry.uid || pod.terminating;
}

// Deletes the pod recorded in `entry`, and only that pod: a replacement under the same name
// (another uid) counts as done, as does a pod already gone or terminating.
common::Status deleteRecordedPod(KubeClient& kube, const AffectedResource& entry,
                                 std::int64_t grace_period_seconds) {
  // Without a uid there is no telling the recorded pod from its replacement.
  if (entry.uid.empty()) {
    return common::makeError(ErrorCode::kInternal,
                             "status.affected lists " + podDescription(entry) +
                                 " without a uid; refusing to delete a pod it cannot identify");
  }
  for (int attempt = 0; attempt < kDeleteAttempts; ++attempt) {
    auto current = kube.get(resources::pods(), entry.namespace_name, entry.name);
    if (!current.ok()) {
      if (current.error().code == ErrorCode::kNotFound) return {};
      return common::Error{current.error().code,
                           "reading " + podDescription(entry) + ": " + current.error().message,
                           current.error().field};
    }
    const TargetPod pod = podFromObject(*current);
    if (pod.uid != entry.uid || pod.terminating) return {};

    // DeleteOptions carries no uid precondition; a resourceVersion is unique across objects,
    // so the one just read pins the delete to the pod whose uid was checked.
    DeleteOptions options;
    options.grace_period_seconds = grace_period_seconds;
    options.precondition_resource_version = metadataString(*current, "resourceVersion");
    common::Status removed =
        kube.remove(resources::pods(), entry.namespace_name, entry.name, options);
    if (removed.ok() || removed.error().code == ErrorCode::kNotFound) return {};
    if (removed.error().code != ErrorCode::kConflict) {
      return common::Error{removed.error().code,
                           "deleting " + podDescription(entry) + ": " + removed.error().message,
                           removed.error().field};
    }
  }
  return common::makeError(ErrorCode::kConflict,
                           podDescription(entry) + " changed during each of " +
                               std::to_string(kDeleteAttempts) +
                               " delete attempts; the delete will be retried");
}

class PodDeleteFault final : public SingleActFault {
 public:
  common::Result<std::vector<AffectedResource>> plan(const FaultContext& context) override {
    const v1alpha1::ChaosExperimentSpec& spec = context.experiment.spec;
    auto target = resolveTargetPods(context.kube, spec.target);
    if (!target.ok()) return target.error();
    if (target->pods.empty()) {
      const std::string owner =
          target->kind == v1alpha1::TargetKind::kPod ? std::string() : " of " + target->describe();
      return common::makeError(ErrorCode::kNotFound,
                               "no pods" + owner + " match the selector " + target->selector_text +
                                   " in namespace " + target->namespace_name +
                                   " (pods already terminating are not counted)");
    }

    const std::size_t count = podDeleteCount(spec.fault.pod_delete, target->pods.size());
    const std::vector<TargetPod> chosen = choosePods(target->pods, count, context.random);

    const std::size_t ready = target->readyPods();
    const auto chosen_ready = static_cast<std::size_t>(std::count_if(
        chosen.begin(), chosen.end(), [](const TargetPod& pod) { return pod.runningAndReady(); }));
    const std::size_t left = ready - chosen_ready;
    const auto minimum = static_cast<std::size_t>(std::max(0, spec.safety.min_healthy_replicas));
    if (left < minimum) {
      return common::fieldError("spec.safety.minHealthyReplicas",
                                "deleting " + std::to_string(chosen.size()) + " pod(s) of " +
                                    target->describe() + " would leave " + std::to_string(left) +
                                    " ready pods of " + std::to_string(target->desired_replicas) +
                                    ", safety.minHealthyReplicas is " + std::to_string(minimum));
    }

    json original = json::object();
    if (target->kind == v1alpha1::TargetKind::kPod) {
      original["selector"] = target->selector_text;
    } else {
      original["workload"] =
          std::string(v1alpha1::targetKindName(target->kind)) + "/" + target->workload_name;
    }
    std::vector<AffectedResource> affected;
    affected.reserve(chosen.size());
    for (const TargetPod& pod : chosen) {
      affected.push_back(AffectedResource{std::string(kPodKind), target->namespace_name, pod.name,
                                          pod.uid, original, ""});
    }
    return affected;
  }

  common::Status inject(const FaultContext& context,
                        const std::vector<AffectedResource>& affected) override {
    const std::int64_t grace = context.experiment.spec.fault.pod_delete.grace_period_seconds;
    for (const AffectedResource& entry : affected) {
      if (entry.kind != kPodKind) return notAPod(entry);
      if (common::Status deleted = deleteRecordedPod(context.kube, entry, grace); !deleted.ok()) {
        return deleted;
      }
    }
    return {};
  }

  common::Result<bool> verifyInjected(const FaultContext& context,
                                      const std::vector<AffectedResource>& affected) override {
    for (const AffectedResource& entry : affected) {
      if (entry.kind != kPodKind) return notAPod(entry);
      auto gone = recordedPodGone(context.kube, entry);
      if (!gone.ok() || !*gone) return gone;
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<Fault> makePodDeleteFault() { return std::make_unique<PodDeleteFault>(); }

std::size_t podDeleteCount(const v1alpha1::PodDeleteSpec& spec, std::size_t available) {
  if (available == 0) return 0;
  const auto value = static_cast<std::size_t>(std::max(1, spec.value));
  std::size_t count = 1;
  switch (spec.mode) {
    case PodDeleteMode::kOne:
      count = 1;
      break;
    case PodDeleteMode::kAll:
      count = available;
      break;
    case PodDeleteMode::kFixed:
      count = value;
      break;
    case PodDeleteMode::kPercent:
      // Rounded up so that any percentage of a non-empty set deletes at least one pod.
      count = (std::min<std::size_t>(value, 100) * available + 99) / 100;
      break;
  }
  return std::clamp<std::size_t>(count, 1, available);
}

std::vector<TargetPod> choosePods(std::vector<TargetPod> pods, std::size_t count,
                                  common::Random& random) {
  // A fixed starting order, so the same draws pick the same pods however the list came back.
  std::sort(pods.begin(), pods.end(),
            [](const TargetPod& a, const TargetPod& b) { return a.name < b.name; });
  std::vector<TargetPod> ready;
  std::vector<TargetPod> others;
  for (TargetPod& pod : pods) (pod.runningAndReady() ? ready : others).push_back(std::move(pod));

  std::vector<TargetPod> chosen;
  shuffleFront(ready, count, random);
  for (std::size_t i = 0; i < ready.size() && chosen.size() < count; ++i) {
    chosen.push_back(std::move(ready[i]));
  }
  const std::size_t remaining = count - chosen.size();
  shuffleFront(others, remaining, random);
  for (std::size_t i = 0; i < others.size() && chosen.size() < count; ++i) {
    chosen.push_back(std::move(others[i]));
  }
  return chosen;
}

}  // namespace aftershock::op
