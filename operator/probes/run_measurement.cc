#include "operator/probes/run_measurement.h"

#include <algorithm>
#include <cassert>

namespace aftershock::op {

RunMeasurement::RunMeasurement(std::vector<std::string> probe_names, int consecutive_successes)
    : consecutive_successes_(std::max(1, consecutive_successes)) {
  probes_.reserve(probe_names.size());
  for (std::string& name : probe_names) {
    ProbeTally tally;
    tally.name = std::move(name);
    probes_.push_back(std::move(tally));
  }
}

void RunMeasurement::restore(const std::vector<v1alpha1::ProbeStatus>& probes,
                             const std::vector<std::optional<common::SteadyTime>>& first_failures,
                             const std::vector<std::optional<common::SteadyTime>>& last_failures,
                             std::optional<common::SteadyTime> detected_at) {
  for (std::size_t i = 0; i < probes.size(); ++i) {
    for (ProbeTally& tally : probes_) {
      if (tally.name != probes[i].name) continue;
      tally.checks = probes[i].checks;
      tally.failures = probes[i].failures;
      tally.last_error = probes[i].last_error;
      if (i < first_failures.size()) tally.first_failure = first_failures[i];
      if (i < last_failures.size()) tally.last_failure = last_failures[i];
    }
  }
  if (detected_at) detected_at_ = detected_at;
}

void RunMeasurement::record(std::size_t index, const CheckResult& result, common::SteadyTime at) {
  assert(index < probes_.size());
  ProbeTally& tally = probes_[index];
  ++tally.checks;
  tally.last_check = at;
  tally.last_passed = result.passed;
  if (result.passed) {
    tally.consecutive_failures = 0;
    if (tally.streak == 0) tally.streak_start = at;
    ++tally.streak;
    if (fault_ended_at_ && at >= *fault_ended_at_) ++tally.streak_after_fault_end;
    updateRecovery(tally);
    return;
  }
  ++tally.failures;
  ++tally.consecutive_failures;
  tally.last_error = result.error;
  if (!tally.first_failure) tally.first_failure = at;
  tally.last_failure = at;
  // A failure before recovery was confirmed resets the run; a confirmed recovery stands.
  tally.streak = 0;
  tally.streak_after_fault_end = 0;
  if (injected_at_ && at >= *injected_at_ && !detected_at_) detected_at_ = at;
}

void RunMeasurement::markInjected(common::SteadyTime at) {
  if (!injected_at_) injected_at_ = at;
}

void RunMeasurement::markFaultEnded(common::SteadyTime at) {
  if (fault_ended_at_) return;
  fault_ended_at_ = at;
  for (ProbeTally& tally : probes_) {
    tally.streak_after_fault_end = 0;
    updateRecovery(tally);
  }
}

void RunMeasurement::updateRecovery(ProbeTally& tally) const {
  if (!fault_ended_at_ || tally.recovered_at) return;
  if (tally.streak_after_fault_end < consecutive_successes_) return;
  tally.recovered_at = std::max(tally.streak_start, *fault_ended_at_);
}

std::optional<common::SteadyTime> RunMeasurement::recoveredAt() const {
  if (!fault_ended_at_) return std::nullopt;
  common::SteadyTime latest = *fault_ended_at_;
  for (const ProbeTally& tally : probes_) {
    if (!tally.recovered_at) return std::nullopt;
    latest = std::max(latest, *tally.recovered_at);
  }
  return latest;
}

std::int64_t RunMeasurement::checks() const {
  std::int64_t total = 0;
  for (const ProbeTally& tally : probes_) total += tally.checks;
  return total;
}

std::int64_t RunMeasurement::failures() const {
  std::int64_t total = 0;
  for (const ProbeTally& tally : probes_) total += tally.failures;
  return total;
}

std::optional<double> RunMeasurement::availability() const {
  const std::int64_t total = checks();
  if (total == 0) return std::nullopt;
  return static_cast<double>(total - failures()) / static_cast<double>(total);
}

int RunMeasurement::maxConsecutiveFailures() const {
  int longest = 0;
  for (const ProbeTally& tally : probes_) longest = std::max(longest, tally.consecutive_failures);
  return longest;
}

bool RunMeasurement::everyProbeCheckedSince(common::SteadyTime since) const {
  return std::all_of(probes_.begin(), probes_.end(), [since](const ProbeTally& tally) {
    return tally.last_check && *tally.last_check >= since;
  });
}

const ProbeTally* RunMeasurement::firstFailingProbe() const {
  for (const ProbeTally& tally : probes_) {
    if (tally.last_check && !tally.last_passed) return &tally;
  }
  return nullptr;
}

}  // namespace aftershock::op
