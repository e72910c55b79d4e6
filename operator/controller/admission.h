// Admission: which experiments are active (between their start and their end), so the
// controller can hold the global cap (--max-active-experiments) and one active experiment per
// target under concurrencyPolicy Forbid.
//
// It is kept in memory and rebuilt from the cache at startup (restore every experiment that
// is past Pending and not terminal) before any worker runs, so a restart never admits an
// experiment that collides with one already running.
//
// Thread-safety: every member is thread-safe; tryAdmit() is atomic with respect to the others.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "operator/api/v1alpha1/chaos_experiment.h"

namespace aftershock::op {

// "Deployment/demo/backend-service", or "Pod/demo/<selector>" for a selector target.
std::string targetIdentity(const v1alpha1::TargetSpec& target);

class Admission {
 public:
  explicit Admission(int max_active) : max_active_(max_active) {}

  // Admits `key`, or says in a sentence why it must wait. Idempotent for an admitted key.
  std::optional<std::string> tryAdmit(const std::string& key,
                                      const v1alpha1::ChaosExperimentSpec& spec);
  // Registers `key` as active without checks (an experiment found running after a restart).
  void restore(const std::string& key, const v1alpha1::ChaosExperimentSpec& spec);
  void release(const std::string& key);
  bool isActive(const std::string& key) const;
  std::size_t activeCount() const;
  int maxActive() const { return max_active_; }

 private:
  struct Entry {
    std::string target;
    bool forbid = true;
  };
  const int max_active_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> active_;
};

}  // namespace aftershock::op
