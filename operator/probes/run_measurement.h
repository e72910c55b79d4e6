// RunMeasurement: what one run of an experiment measured, fed by probe checks as they land.
//
// - Detection: the first failed check at or after the injection instant; time to detect is
//   that check's start minus the injection.
// - Recovery: after the fault ends, a probe is back once its current run of passing checks
//   holds `consecutive_successes` checks made after the fault end. It came back at the start
//   of that run, or at the fault end itself when it was passing across it (the fault never
//   reached it). Steady state is back when every probe is; the instant is the latest of the
//   probes' instants. So the error against the true heal time is at most one probe interval,
//   always on the late side.
// - Availability: passed checks / all checks of the run.
//
// Times are monotonic (steady clock) with the resolution of the clock. Thread-safety: none;
// ProbeSession guards its measurement with a mutex.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/probes/probe.h"

namespace aftershock::op {

struct ProbeTally {
  std::string name;
  std::int64_t checks = 0;
  std::int64_t failures = 0;
  std::string last_error;
  std::optional<common::SteadyTime> first_failure;
  std::optional<common::SteadyTime> last_failure;
  std::optional<common::SteadyTime> last_check;
  bool last_passed = false;
  int consecutive_failures = 0;
  // The current run of passing checks: how many, when it began, how many of them came after
  // the fault end.
  int streak = 0;
  common::SteadyTime streak_start{};
  int streak_after_fault_end = 0;
  std::optional<common::SteadyTime> recovered_at;
};

class RunMeasurement {
 public:
  RunMeasurement(std::vector<std::string> probe_names, int consecutive_successes);

  // Seeds the counts a previous process wrote to status (after an operator restart).
  // `first_failures`/`last_failures` are already converted to this process's steady clock.
  // Each time vector runs parallel to `probes`.
  void restore(const std::vector<v1alpha1::ProbeStatus>& probes,
               const std::vector<std::optional<common::SteadyTime>>& first_failures,
               const std::vector<std::optional<common::SteadyTime>>& last_failures,
               std::optional<common::SteadyTime> detected_at);

  // One check of probe `index` that started at `at`. Checks of one probe arrive in order.
  void record(std::size_t index, const CheckResult& result, common::SteadyTime at);
  void markInjected(common::SteadyTime at);
  void markFaultEnded(common::SteadyTime at);

  const std::vector<ProbeTally>& probes() const { return probes_; }
  std::optional<common::SteadyTime> injectedAt() const { return injected_at_; }
  std::optional<common::SteadyTime> faultEndedAt() const { return fault_ended_at_; }
  std::optional<common::SteadyTime> detectedAt() const { return detected_at_; }
  // Set once every probe is back after the fault end (never before markFaultEnded()).
  std::optional<common::SteadyTime> recoveredAt() const;
  std::int64_t checks() const;
  std::int64_t failures() const;
  // Passed / all; nullopt before the first check.
  std::optional<double> availability() const;
  // The longest current run of failures over the probes (abortWhen.consecutiveProbeFailures).
  int maxConsecutiveFailures() const;
  // True when every probe has a check that started at or after `since`.
  bool everyProbeCheckedSince(common::SteadyTime since) const;
  // The first probe whose latest check failed, or nullptr.
  const ProbeTally* firstFailingProbe() const;

 private:
  void updateRecovery(ProbeTally& tally) const;

  std::vector<ProbeTally> probes_;
  const int consecutive_successes_;
  std::optional<common::SteadyTime> injected_at_;
  std::optional<common::SteadyTime> fault_ended_at_;
  std::optional<common::SteadyTime> detected_at_;
};

}  // namespace aftershock::op
