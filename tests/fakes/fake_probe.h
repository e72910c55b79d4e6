// FakeProbe: a scripted steady-state probe for scheduler and controller tests. Probes are named
// by their spec; every FakeProbe of one name answers from the same script in a shared
// FakeProbeScript (queued results first, then that name's current result, which starts as a
// pass), so a test can flip a probe from passing to failing while the code under test holds it.
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/probes/probe.h"

namespace aftershock::testing {

inline op::CheckResult passedCheck() { return op::CheckResult{true, ""}; }
inline op::CheckResult failedCheck(std::string error) {
  return op::CheckResult{false, std::move(error)};
}

class FakeProbeScript {
 public:
  // The next checks of probe `name` answer these, in order.
  void push(const std::string& name, op::CheckResult result) {
    std::lock_guard lock(mutex_);
    entries_[name].queued.push_back(std::move(result));
  }
  // What probe `name` answers once its queue is empty.
  void set(const std::string& name, op::CheckResult result) {
    std::lock_guard lock(mutex_);
    entries_[name].current = std::move(result);
  }
  // Sets every probe's current answer, the ones not made yet included.
  void setAll(op::CheckResult result) {
    std::lock_guard lock(mutex_);
    default_ = result;
    for (auto& [name, entry] : entries_) entry.current = result;
  }
  // Runs inside every check of any probe, with the probe's name, before it answers.
  void setOnCheck(std::function<void(const std::string&)> hook) {
    std::lock_guard lock(mutex_);
    on_check_ = std::move(hook);
  }

  int checks(const std::string& name) const {
    std::lock_guard lock(mutex_);
    const auto found = entries_.find(name);
    return found == entries_.end() ? 0 : found->second.checks;
  }
  // The names of the probes made, in order.
  std::vector<std::string> made() const {
    std::lock_guard lock(mutex_);
    return made_;
  }

  // The make_probe of ReconcilerDependencies / ProbeScheduler::ensure.
  std::function<std::unique_ptr<op::Probe>(const op::v1alpha1::ProbeSpec&)> maker();

 private:
  friend class FakeProbe;
  struct Entry {
    std::deque<op::CheckResult> queued;
    op::CheckResult current = passedCheck();
    int checks = 0;
  };

  Entry& entry(const std::string& name) {
    auto [found, inserted] = entries_.try_emplace(name);
    if (inserted) found->second.current = default_;
    return found->second;
  }

  op::CheckResult next(const std::string& name) {
    std::function<void(const std::string&)> hook;
    {
      std::lock_guard lock(mutex_);
      hook = on_check_;
    }
    if (hook) hook(name);
    std::lock_guard lock(mutex_);
    Entry& found = entry(name);
    ++found.checks;
    if (found.queued.empty()) return found.current;
    op::CheckResult result = std::move(found.queued.front());
    found.queued.pop_front();
    return result;
  }

  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  op::CheckResult default_ = passedCheck();
  std::function<void(const std::string&)> on_check_;
  std::vector<std::string> made_;
};

class FakeProbe final : public op::Probe {
 public:
  FakeProbe(FakeProbeScript& script, std::string name) : script_(script), name_(std::move(name)) {}
  op::CheckResult check() override { return script_.next(name_); }

 private:
  FakeProbeScript& script_;
  const std::string name_;
};

inline std::function<std::unique_ptr<op::Probe>(const op::v1alpha1::ProbeSpec&)>
FakeProbeScript::maker() {
  return [this](const op::v1alpha1::ProbeSpec& spec) {
    {
      std::lock_guard lock(mutex_);
      made_.push_back(spec.name);
      entry(spec.name);
    }
    return std::make_unique<FakeProbe>(*this, spec.name);
  };
}

}  // namespace aftershock::testing
