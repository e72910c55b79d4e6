#include "operator/controller/phase_logic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace aftershock::op {

using v1alpha1::Verdict;

std::vector<v1alpha1::ProbeSpec> effectiveProbes(const v1alpha1::ChaosExperimentSpec& spec) {
  if (!spec.probes.empty() || spec.target.kind == v1alpha1::TargetKind::kPod) return spec.probes;
  v1alpha1::ProbeSpec probe;
  probe.name = "target-ready";
  probe.kind = v1alpha1::ProbeKind::kWorkload;
  probe.workload.kind = spec.target.kind;
  probe.workload.name = spec.target.name;
  probe.workload.namespace_name = spec.target.namespace_name;
  probe.interval = std::chrono::seconds(1);
  return {probe};
}

common::Duration steadyStateTimeout(const std::vector<v1alpha1::ProbeSpec>& probes) {
  common::Duration slowest{0};
  for (const v1alpha1::ProbeSpec& probe : probes) {
    const common::Duration timeout = probe.kind == v1alpha1::ProbeKind::kHttp ? probe.http.timeout
                                     : probe.kind == v1alpha1::ProbeKind::kMetric
                                         ? probe.metric.timeout
                                         : std::chrono::seconds(5);
    slowest = std::max(slowest, probe.interval + timeout);
  }
  return std::max<common::Duration>(3 * slowest, std::chrono::seconds(10));
}

SteadyStateOutcome steadyStateOutcome(const RunMeasurement& measurement, common::SteadyTime since,
                                      common::SteadyTime now,
                                      const std::vector<v1alpha1::ProbeSpec>& probes) {
  for (const ProbeTally& tally : measurement.probes()) {
    // Any failure since the check began counts, even one a later pass hid between reconciles.
    if (tally.first_failure && *tally.first_failure >= since) return SteadyStateOutcome::kNotMet;
    if (tally.last_check && *tally.last_check >= since && !tally.last_passed) {
      return SteadyStateOutcome::kNotMet;
    }
  }
  if (measurement.everyProbeCheckedSince(since)) return SteadyStateOutcome::kMet;
  if (now - since >= steadyStateTimeout(probes)) return SteadyStateOutcome::kTimedOut;
  return SteadyStateOutcome::kWaiting;
}

std::optional<std::string> abortReason(const v1alpha1::AbortWhen& abort_when,
                                       const RunMeasurement& measurement) {
  if (abort_when.consecutive_probe_failures) {
    for (const ProbeTally& tally : measurement.probes()) {
      if (tally.consecutive_failures >= *abort_when.consecutive_probe_failures) {
        return "probe " + tally.name + " failed " + std::to_string(tally.consecutive_failures) +
               " checks in a row (abortWhen.consecutiveProbeFailures is " +
               std::to_string(*abort_when.consecutive_probe_failures) + "): " + tally.last_error;
      }
    }
  }
  if (abort_when.availability_below && measurement.checks() >= kMinChecksForAvailabilityAbort) {
    const double availability = measurement.availability().value_or(1.0);
    if (availability < *abort_when.availability_below) {
      char text[160];
      std::snprintf(text, sizeof(text),
                    "availability %.3f fell below abortWhen.availabilityBelow %.3f", availability,
                    *abort_when.availability_below);
      return std::string(text);
    }
  }
  return std::nullopt;
}

std::pair<Verdict, std::string> judgeRun(const v1alpha1::Hypothesis& hypothesis,
                                         const RunOutcome& outcome) {
  char text[200];
  if (outcome.aborted_early) return {Verdict::kFail, "abortWhen fired during the fault"};
  if (!outcome.time_to_recover_seconds) return {Verdict::kFail, "steady state did not come back"};
  if (hypothesis.max_recovery_time) {
    const double limit = common::toSeconds(*hypothesis.max_recovery_time);
    if (*outcome.time_to_recover_seconds > limit) {
      std::snprintf(text, sizeof(text), "recovery took %.3fs, hypothesis.maxRecoveryTime is %.3fs",
                    *outcome.time_to_recover_seconds, limit);
      return {Verdict::kFail, text};
    }
  }
  if (hypothesis.min_availability && outcome.availability &&
      *outcome.availability < *hypothesis.min_availability) {
    std::snprintf(text, sizeof(text), "availability %.3f, hypothesis.minAvailability is %.3f",
                  *outcome.availability, *hypothesis.min_availability);
    return {Verdict::kFail, text};
  }
  std::snprintf(text, sizeof(text), "recovered in %.3fs", *outcome.time_to_recover_seconds);
  if (outcome.availability) {
    std::snprintf(text + std::strlen(text), sizeof(text) - std::strlen(text),
                  " with availability %.3f", *outcome.availability);
  }
  return {Verdict::kPass, text};
}

v1alpha1::Summary summarize(const std::vector<v1alpha1::RunRecord>& runs) {
  v1alpha1::Summary summary;
  std::vector<double> recoveries;
  int passed = 0;
  for (const v1alpha1::RunRecord& run : runs) {
    if (run.time_to_recover_seconds) recoveries.push_back(*run.time_to_recover_seconds);
    if (run.verdict == Verdict::kPass) ++passed;
  }
  if (!runs.empty()) summary.slo_compliance = static_cast<double>(passed) / runs.size();
  if (recoveries.empty()) return summary;
  std::sort(recoveries.begin(), recoveries.end());
  double total = 0.0;
  for (double value : recoveries) total += value;
  summary.mean_recovery_seconds = std::round(total / recoveries.size() * 1000.0) / 1000.0;
  const auto rank = static_cast<std::size_t>(std::ceil(0.95 * recoveries.size()));
  summary.p95_recovery_seconds = recoveries[std::max<std::size_t>(rank, 1) - 1];
  summary.worst_recovery_seconds = recoveries.back();
  return summary;
}

void appendRun(std::vector<v1alpha1::RunRecord>& runs, v1alpha1::RunRecord run) {
  runs.push_back(std::move(run));
  if (runs.size() > v1alpha1::kMaxRuns) {
    runs.erase(runs.begin(), runs.begin() + static_cast<long>(runs.size() - v1alpha1::kMaxRuns));
  }
}

Verdict finalVerdict(const std::vector<v1alpha1::RunRecord>& runs) {
  if (runs.empty()) return Verdict::kError;
  const bool all_passed = std::all_of(
      runs.begin(), runs.end(), [](const auto& run) { return run.verdict == Verdict::kPass; });
  return all_passed ? Verdict::kPass : Verdict::kFail;
}

double roundToMilliseconds(common::Duration duration) {
  return static_cast<double>(std::chrono::round<std::chrono::milliseconds>(duration).count()) /
         1000.0;
}

}  // namespace aftershock::op
