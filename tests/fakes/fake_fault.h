// FakeFault: a scripted Fault for controller tests. Every FakeFault made for a test shares one
// FakeFaultScript, because the reconciler makes a fresh Fault per reconcile: the script holds
// what the fault answers (plan, inject, rollback and their verifications, one scripted result
// per call, then a fallback), counts every call and keeps what each call was given. A hook runs
// inside inject() so a test can look at the world at the moment the fault is applied.
//
// Thread-safety: every member of FakeFaultScript may be called from any thread.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "common/result.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/faults/fault.h"

namespace aftershock::testing {

class FakeFaultScript {
 public:
  using Affected = std::vector<op::v1alpha1::AffectedResource>;

  // --- What the fault answers ------------------------------------------------------------

  void setHeld(bool held) {
    std::lock_guard lock(mutex_);
    held_ = held;
  }
  void setRepeatable(bool repeatable) {
    std::lock_guard lock(mutex_);
    repeatable_ = repeatable;
  }
  // What plan() returns from now on.
  void setPlan(common::Result<Affected> plan) {
    std::lock_guard lock(mutex_);
    plan_ = std::move(plan);
  }
  // The next inject()/rollback() calls fail with these, in order; then they succeed.
  void failInject(common::Error error, int count = 1) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < count; ++i) inject_failures_.push_back(error);
  }
  void failRollback(common::Error error, int count = 1) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < count; ++i) rollback_failures_.push_back(error);
  }
  // Runs inside every inject(), before it returns.
  void setOnInject(std::function<void(const Affected&)> hook) {
    std::lock_guard lock(mutex_);
    on_inject_ = std::move(hook);
  }

  // --- What the fault was asked ----------------------------------------------------------

  int planCalls() const { return count(plan_calls_); }
  int injectCalls() const { return count(inject_calls_); }
  int rollbackCalls() const { return count(rollback_calls_); }
  int verifyRolledBackCalls() const { return count(verify_rolled_back_calls_); }
  // The entries each rollback() was given, in call order.
  std::vector<Affected> rolledBack() const {
    std::lock_guard lock(mutex_);
    return rolled_back_;
  }
  std::vector<Affected> injected() const {
    std::lock_guard lock(mutex_);
    return injected_;
  }
  // The fault type of every fault made through maker(), in order.
  std::vector<op::v1alpha1::FaultType> madeTypes() const {
    std::lock_guard lock(mutex_);
    return made_types_;
  }

  // The ReconcilerDependencies::make_fault that makes faults bound to this script.
  std::function<std::unique_ptr<op::Fault>(op::v1alpha1::FaultType)> maker();

 private:
  friend class FakeFault;

  int count(const int& counter) const {
    std::lock_guard lock(mutex_);
    return counter;
  }

  mutable std::mutex mutex_;
  bool held_ = true;
  bool repeatable_ = true;
  common::Result<Affected> plan_ = Affected{};
  std::deque<common::Error> inject_failures_;
  std::deque<common::Error> rollback_failures_;
  std::function<void(const Affected&)> on_inject_;
  int plan_calls_ = 0;
  int inject_calls_ = 0;
  int rollback_calls_ = 0;
  int verify_rolled_back_calls_ = 0;
  std::vector<Affected> injected_;
  std::vector<Affected> rolled_back_;
  std::vector<op::v1alpha1::FaultType> made_types_;
};

class FakeFault final : public op::Fault {
 public:
  explicit FakeFault(FakeFaultScript& script) : script_(script) {}

  bool held() const override {
    std::lock_guard lock(script_.mutex_);
    return script_.held_;
  }
  bool repeatable() const override {
    std::lock_guard lock(script_.mutex_);
    return script_.repeatable_;
  }
  common::Result<FakeFaultScript::Affected> plan(const op::FaultContext& /*context*/) override {
    std::lock_guard lock(script_.mutex_);
    ++script_.plan_calls_;
    return script_.plan_;
  }
  common::Status inject(const op::FaultContext& /*context*/,
                        const FakeFaultScript::Affected& affected) override {
    std::function<void(const FakeFaultScript::Affected&)> hook;
    std::optional<common::Error> failure;
    {
      std::lock_guard lock(script_.mutex_);
      ++script_.inject_calls_;
      script_.injected_.push_back(affected);
      hook = script_.on_inject_;
      if (!script_.inject_failures_.empty()) {
        failure = script_.inject_failures_.front();
        script_.inject_failures_.pop_front();
      }
    }
    // Outside the lock: the hook may read the script's counters.
    if (hook) hook(affected);
    if (failure) return *failure;
    return {};
  }
  common::Result<bool> verifyInjected(const op::FaultContext& /*context*/,
                                      const FakeFaultScript::Affected& /*affected*/) override {
    return true;
  }
  common::Status rollback(const op::FaultContext& /*context*/,
                          const FakeFaultScript::Affected& affected) override {
    std::lock_guard lock(script_.mutex_);
    ++script_.rollback_calls_;
    script_.rolled_back_.push_back(affected);
    if (script_.rollback_failures_.empty()) return {};
    common::Error failure = script_.rollback_failures_.front();
    script_.rollback_failures_.pop_front();
    return failure;
  }
  common::Result<bool> verifyRolledBack(const op::FaultContext& /*context*/,
                                        const FakeFaultScript::Affected& /*affected*/) override {
    std::lock_guard lock(script_.mutex_);
    ++script_.verify_rolled_back_calls_;
    return true;
  }

 private:
  FakeFaultScript& script_;
};

inline std::function<std::unique_ptr<op::Fault>(op::v1alpha1::FaultType)> FakeFaultScript::maker() {
  return [this](op::v1alpha1::FaultType type) {
    {
      std::lock_guard lock(mutex_);
      made_types_.push_back(type);
    }
    return std::make_unique<FakeFault>(*this);
  };
}

}  // namespace aftershock::testing
