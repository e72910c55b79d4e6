#include "operator/controller/admission.h"

#include "operator/api/v1alpha1/selector.h"

namespace aftershock::op {

std::string targetIdentity(const v1alpha1::TargetSpec& target) {
  const std::string which = target.kind == v1alpha1::TargetKind::kPod
                                ? v1alpha1::selectorString(target.selector)
                                : target.name;
  return std::string(v1alpha1::targetKindName(target.kind)) + "/" + target.namespace_name + "/" +
         which;
}

std::optional<std::string> Admission::tryAdmit(const std::string& key,
                                               const v1alpha1::ChaosExperimentSpec& spec) {
  std::lock_guard lock(mutex_);
  if (active_.count(key) != 0) return std::nullopt;
  if (static_cast<int>(active_.size()) >= max_active_) {
    return "waiting: " + std::to_string(active_.size()) +
           " experiments are active, the cap (--max-active-experiments) is " +
           std::to_string(max_active_);
  }
  const std::string target = targetIdentity(spec.target);
  const bool forbid = spec.safety.concurrency_policy == v1alpha1::ConcurrencyPolicy::kForbid;
  for (const auto& [other_key, entry] : active_) {
    if (entry.target == target && (forbid || entry.forbid)) {
      return "waiting: experiment " + other_key + " is active on " + target +
             " (safety.concurrencyPolicy Forbid)";
    }
  }
  active_[key] = Entry{target, forbid};
  return std::nullopt;
}

void Admission::restore(const std::string& key, const v1alpha1::ChaosExperimentSpec& spec) {
  std::lock_guard lock(mutex_);
  active_[key] = Entry{targetIdentity(spec.target),
                       spec.safety.concurrency_policy == v1alpha1::ConcurrencyPolicy::kForbid};
}

void Admission::release(const std::string& key) {
  std::lock_guard lock(mutex_);
  active_.erase(key);
}

bool Admission::isActive(const std::string& key) const {
  std::lock_guard lock(mutex_);
  return active_.count(key) != 0;
}

std::size_t Admission::activeCount() const {
  std::lock_guard lock(mutex_);
  return active_.size();
}

}  // namespace aftershock::op
