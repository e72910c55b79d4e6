// The pure decisions of the experiment lifecycle: no I/O, no clock reads. The reconciler
// gathers the inputs (spec, status, measurement, now) and acts on what these return, so every
// transition can be tested with plain values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/probes/run_measurement.h"

namespace aftershock::op {

// The probes a run uses: the spec's, or, when it has none and the target is a workload, an
// implicit workload probe on the target ("target-ready") so recovery is still measured.
std::vector<v1alpha1::ProbeSpec> effectiveProbes(const v1alpha1::ChaosExperimentSpec& spec);

enum class SteadyStateOutcome { kWaiting, kMet, kNotMet, kTimedOut };
// Before injection every probe must have been checked since `since` and its latest check
// passed; one failed check means the system is not in steady state (nothing is touched).
// kTimedOut when the probes have not all reported by `since` + steadyStateTimeout(probes).
SteadyStateOutcome steadyStateOutcome(const RunMeasurement& measurement, common::SteadyTime since,
                                      common::SteadyTime now,
                                      const std::vector<v1alpha1::ProbeSpec>& probes);
// How long the probes get to report before injection: three of the slowest probe's
// interval + timeout, at least 10 s.
common::Duration steadyStateTimeout(const std::vector<v1alpha1::ProbeSpec>& probes);

// Checks needed before abortWhen.availabilityBelow is judged, so one early failure (1 of 1
// checks = 0% available) does not abort a run.
inline constexpr std::int64_t kMinChecksForAvailabilityAbort = 10;
// Why the run must be rolled back early, or nullopt.
std::optional<std::string> abortReason(const v1alpha1::AbortWhen& abort_when,
                                       const RunMeasurement& measurement);

struct RunOutcome {
  std::optional<double> time_to_recover_seconds;  // nullopt: not recovered in time
  std::optional<double> availability;
  bool aborted_early = false;  // abortWhen fired
};
// Pass when the system recovered within hypothesis.maxRecoveryTime, availability stayed at or
// above hypothesis.minAvailability, and abortWhen did not fire; Fail otherwise. The second
// member says why, for a person.
std::pair<v1alpha1::Verdict, std::string> judgeRun(const v1alpha1::Hypothesis& hypothesis,
                                                   const RunOutcome& outcome);

// Mean, p95 (nearest rank) and worst recovery over the runs that recovered, and the share of
// runs that passed.
v1alpha1::Summary summarize(const std::vector<v1alpha1::RunRecord>& runs);

// Appends `run`, keeping only the newest kMaxRuns.
void appendRun(std::vector<v1alpha1::RunRecord>& runs, v1alpha1::RunRecord run);

// The verdict of the whole experiment once its last run ended: Pass when every run passed.
v1alpha1::Verdict finalVerdict(const std::vector<v1alpha1::RunRecord>& runs);

// Seconds with millisecond resolution, as the status shows them.
double roundToMilliseconds(common::Duration duration);

}  // namespace aftershock::op
