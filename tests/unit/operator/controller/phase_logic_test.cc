// The pure decisions of the experiment lifecycle, each with plain values.
#include "operator/controller/phase_logic.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace aftershock::op {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using v1alpha1::ProbeKind;
using v1alpha1::ProbeSpec;
using v1alpha1::RunRecord;
using v1alpha1::TargetKind;
using v1alpha1::Verdict;

const common::SteadyTime kStart{std::chrono::hours(1)};

CheckResult pass() { return CheckResult{true, ""}; }
CheckResult fail(std::string error = "status 503, want 200") {
  return CheckResult{false, std::move(error)};
}

ProbeSpec httpProbe(const std::string& name, common::Duration interval = seconds(1),
                    common::Duration timeout = seconds(2)) {
  ProbeSpec probe;
  probe.name = name;
  probe.kind = ProbeKind::kHttp;
  probe.http.url = "http://client-service:9090/fetch-data";
  probe.http.timeout = timeout;
  probe.interval = interval;
  return probe;
}

RunRecord run(int index, std::optional<double> recovery, Verdict verdict) {
  RunRecord record;
  record.index = index;
  record.time_to_recover_seconds = recovery;
  record.verdict = verdict;
  return record;
}

// --- effectiveProbes --------------------------------------------------------------------------

TEST(EffectiveProbesTest, AWorkloadTargetWithoutProbesGetsAnImplicitTargetReadyProbe) {
  v1alpha1::ChaosExperimentSpec spec;
  spec.target.kind = TargetKind::kStatefulSet;
  spec.target.name = "db";
  spec.target.namespace_name = "demo";
  const std::vector<ProbeSpec> probes = effectiveProbes(spec);
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_EQ(probes[0].name, "target-ready");
  EXPECT_EQ(probes[0].kind, ProbeKind::kWorkload);
  EXPECT_EQ(probes[0].workload.kind, TargetKind::kStatefulSet);
  EXPECT_EQ(probes[0].workload.name, "db");
  EXPECT_EQ(probes[0].workload.namespace_name, "demo");
  EXPECT_EQ(probes[0].interval, seconds(1));
}

TEST(EffectiveProbesTest, TheSpecsProbesAreUsedAsTheyAreWhenThereAreAny) {
  v1alpha1::ChaosExperimentSpec spec;
  spec.target.name = "backend-service";
  spec.probes = {httpProbe("client-fetch"), httpProbe("other")};
  const std::vector<ProbeSpec> probes = effectiveProbes(spec);
  ASSERT_EQ(probes.size(), 2u);
  EXPECT_EQ(probes[0].name, "client-fetch");
  EXPECT_EQ(probes[1].name, "other");
}

TEST(EffectiveProbesTest, APodTargetWithoutProbesHasNone) {
  v1alpha1::ChaosExperimentSpec spec;
  spec.target.kind = TargetKind::kPod;
  spec.target.selector.match_labels = {{"app", "backend"}};
  EXPECT_TRUE(effectiveProbes(spec).empty());
}

// --- steadyStateOutcome -----------------------------------------------------------------------

TEST(SteadyStateOutcomeTest, WaitsUntilEveryProbeHasReportedSinceTheStart) {
  const std::vector<ProbeSpec> probes = {httpProbe("a"), httpProbe("b")};
  RunMeasurement measurement({"a", "b"}, 1);
  measurement.record(0, pass(), kStart + seconds(1));
  EXPECT_EQ(steadyStateOutcome(measurement, kStart, kStart + seconds(1), probes),
            SteadyStateOutcome::kWaiting);
  measurement.record(1, pass(), kStart + seconds(2));
  EXPECT_EQ(steadyStateOutcome(measurement, kStart, kStart + seconds(2), probes),
            SteadyStateOutcome::kMet);
}

TEST(SteadyStateOutcomeTest, ChecksFromBeforeTheStartDoNotCount) {
  const std::vector<ProbeSpec> probes = {httpProbe("a")};
  RunMeasurement measurement({"a"}, 1);
  measurement.record(0, pass(), kStart - seconds(1));
  EXPECT_EQ(steadyStateOutcome(measurement, kStart, kStart + seconds(1), probes),
            SteadyStateOutcome::kWaiting);
}

TEST(SteadyStateOutcomeTest, OneFailedCheckMeansNotMetEvenBeforeTheOthersReport) {
  const std::vector<ProbeSpec> probes = {httpProbe("a"), httpProbe("b")};
  RunMeasurement measurement({"a", "b"}, 1);
  measurement.record(1, fail(), kStart);
  EXPECT_EQ(steadyStateOutcome(measurement, kStart, kStart, probes), SteadyStateOutcome::kNotMet);
}

TEST(SteadyStateOutcomeTest, AFailureBeforeTheStartIsForgottenOnceAProbePassesAgain) {
  const std::vector<ProbeSpec> probes = {httpProbe("a")};
  RunMeasurement measurement({"a"}, 1);
  measurement.record(0, fail(), kStart - seconds(1));
  EXPECT_EQ(steadyStateOutcome(measurement, kStart, kStart, probes), SteadyStateOutcome::kWaiting);
  measurement.record(0, pass(), kStart + seconds(1));
  EXPECT_EQ(steadyStateOutcome(measurement, kStart, kStart + seconds(1), probes),
            SteadyStateOutcome::kMet);
}

TEST(SteadyStateOutcomeTest, TimesOutWhenTheProbesDoNotReportInTime) {
  // interval 1s + timeout 2s, three times: 9s, raised to the 10s floor.
  const std::vector<ProbeSpec> probes = {httpProbe("a")};
  RunMeasurement measurement({"a"}, 1);
  EXPECT_EQ(steadyStateOutcome(measurement, kStart, kStart + milliseconds(9999), probes),
            SteadyStateOutcome::kWaiting);
  EXPECT_EQ(steadyStateOutcome(measurement, kStart, kStart + seconds(10), probes),
            SteadyStateOutcome::kTimedOut);
}

TEST(SteadyStateTimeoutTest, IsThreeOfTheSlowestIntervalPlusTimeoutWithATenSecondFloor) {
  EXPECT_EQ(steadyStateTimeout({}), seconds(10));
  EXPECT_EQ(steadyStateTimeout({httpProbe("a", seconds(1), seconds(2))}), seconds(10));
  EXPECT_EQ(steadyStateTimeout(
                {httpProbe("a", seconds(1), seconds(2)), httpProbe("b", seconds(5), seconds(3))}),
            seconds(24));
  ProbeSpec workload;
  workload.kind = ProbeKind::kWorkload;
  workload.interval = seconds(2);
  // A workload probe counts 5s for its call.
  EXPECT_EQ(steadyStateTimeout({workload}), seconds(21));
}

// --- abortReason ------------------------------------------------------------------------------

TEST(AbortReasonTest, NothingFiresWithoutAbortWhen) {
  RunMeasurement measurement({"a"}, 1);
  for (int i = 0; i < 50; ++i) measurement.record(0, fail(), kStart + seconds(i));
  EXPECT_FALSE(abortReason({}, measurement).has_value());
}

TEST(AbortReasonTest, FiresWhenAProbeFailsTheConfiguredNumberOfChecksInARow) {
  v1alpha1::AbortWhen abort_when;
  abort_when.consecutive_probe_failures = 3;
  RunMeasurement measurement({"a", "b"}, 1);
  measurement.record(1, fail("timeout"), kStart);
  measurement.record(1, fail("timeout"), kStart + seconds(1));
  EXPECT_FALSE(abortReason(abort_when, measurement).has_value());
  measurement.record(1, fail("timeout"), kStart + seconds(2));
  const std::optional<std::string> reason = abortReason(abort_when, measurement);
  ASSERT_TRUE(reason.has_value());
  EXPECT_NE(reason->find("probe b failed 3 checks in a row"), std::string::npos) << *reason;
  EXPECT_NE(reason->find("timeout"), std::string::npos) << *reason;
}

TEST(AbortReasonTest, APassResetsTheRunOfFailures) {
  v1alpha1::AbortWhen abort_when;
  abort_when.consecutive_probe_failures = 2;
  RunMeasurement measurement({"a"}, 1);
  measurement.record(0, fail(), kStart);
  measurement.record(0, pass(), kStart + seconds(1));
  measurement.record(0, fail(), kStart + seconds(2));
  EXPECT_FALSE(abortReason(abort_when, measurement).has_value());
}

TEST(AbortReasonTest, AvailabilityIsJudgedOnlyAfterEnoughChecks) {
  v1alpha1::AbortWhen abort_when;
  abort_when.availability_below = 0.5;
  RunMeasurement measurement({"a"}, 1);
  for (std::int64_t i = 0; i < kMinChecksForAvailabilityAbort - 1; ++i) {
    measurement.record(0, fail(), kStart + seconds(i));
  }
  EXPECT_FALSE(abortReason(abort_when, measurement).has_value());
  measurement.record(0, fail(), kStart + seconds(30));
  const std::optional<std::string> reason = abortReason(abort_when, measurement);
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(*reason, "availability 0.000 fell below abortWhen.availabilityBelow 0.500");
}

TEST(AbortReasonTest, AvailabilityAtTheThresholdDoesNotAbort) {
  v1alpha1::AbortWhen abort_when;
  abort_when.availability_below = 0.5;
  RunMeasurement measurement({"a"}, 1);
  for (int i = 0; i < 10; ++i) measurement.record(0, i % 2 == 0 ? pass() : fail(), kStart);
  EXPECT_FALSE(abortReason(abort_when, measurement).has_value());
  measurement.record(0, fail(), kStart);
  EXPECT_TRUE(abortReason(abort_when, measurement).has_value());
}

// --- judgeRun ---------------------------------------------------------------------------------

TEST(JudgeRunTest, AnEarlyAbortFails) {
  RunOutcome outcome;
  outcome.time_to_recover_seconds = 1.0;
  outcome.aborted_early = true;
  const auto [verdict, why] = judgeRun({}, outcome);
  EXPECT_EQ(verdict, Verdict::kFail);
  EXPECT_EQ(why, "abortWhen fired during the fault");
}

TEST(JudgeRunTest, NoRecoveryFails) {
  const auto [verdict, why] = judgeRun({}, RunOutcome{});
  EXPECT_EQ(verdict, Verdict::kFail);
  EXPECT_EQ(why, "steady state did not come back");
}

TEST(JudgeRunTest, RecoveringSlowerThanTheHypothesisFails) {
  v1alpha1::Hypothesis hypothesis;
  hypothesis.max_recovery_time = seconds(30);
  RunOutcome outcome;
  outcome.time_to_recover_seconds = 30.001;
  const auto [verdict, why] = judgeRun(hypothesis, outcome);
  EXPECT_EQ(verdict, Verdict::kFail);
  EXPECT_EQ(why, "recovery took 30.001s, hypothesis.maxRecoveryTime is 30.000s");
}

TEST(JudgeRunTest, RecoveringExactlyAtTheLimitPasses) {
  v1alpha1::Hypothesis hypothesis;
  hypothesis.max_recovery_time = seconds(30);
  RunOutcome outcome;
  outcome.time_to_recover_seconds = 30.0;
  EXPECT_EQ(judgeRun(hypothesis, outcome).first, Verdict::kPass);
}

TEST(JudgeRunTest, AvailabilityBelowTheHypothesisFails) {
  v1alpha1::Hypothesis hypothesis;
  hypothesis.min_availability = 0.95;
  RunOutcome outcome;
  outcome.time_to_recover_seconds = 2.0;
  outcome.availability = 0.9;
  const auto [verdict, why] = judgeRun(hypothesis, outcome);
  EXPECT_EQ(verdict, Verdict::kFail);
  EXPECT_EQ(why, "availability 0.900, hypothesis.minAvailability is 0.950");
}

TEST(JudgeRunTest, APassSaysHowLongRecoveryTookAndTheAvailability) {
  v1alpha1::Hypothesis hypothesis;
  hypothesis.min_availability = 0.9;
  hypothesis.max_recovery_time = seconds(60);
  RunOutcome outcome;
  outcome.time_to_recover_seconds = 12.5;
  outcome.availability = 0.95;
  const auto [verdict, why] = judgeRun(hypothesis, outcome);
  EXPECT_EQ(verdict, Verdict::kPass);
  EXPECT_EQ(why, "recovered in 12.500s with availability 0.950");
}

TEST(JudgeRunTest, APassWithoutAvailabilityLeavesItOut) {
  RunOutcome outcome;
  outcome.time_to_recover_seconds = 0.25;
  EXPECT_EQ(judgeRun({}, outcome).second, "recovered in 0.250s");
}

// --- summarize, appendRun, finalVerdict -------------------------------------------------------

TEST(SummarizeTest, GivesMeanNearestRankP95WorstAndCompliance) {
  std::vector<RunRecord> runs;
  // 1..20 seconds: nearest-rank p95 is the 19th value.
  for (int i = 1; i <= 20; ++i)
    runs.push_back(run(i, 21 - i, i <= 15 ? Verdict::kPass : Verdict::kFail));
  const v1alpha1::Summary summary = summarize(runs);
  EXPECT_DOUBLE_EQ(summary.mean_recovery_seconds, 10.5);
  EXPECT_DOUBLE_EQ(summary.p95_recovery_seconds, 19.0);
  EXPECT_DOUBLE_EQ(summary.worst_recovery_seconds, 20.0);
  EXPECT_DOUBLE_EQ(summary.slo_compliance, 0.75);
}

TEST(SummarizeTest, P95OfFewRunsIsTheWorst) {
  const v1alpha1::Summary summary = summarize(
      {run(1, 3.0, Verdict::kPass), run(2, 1.0, Verdict::kPass), run(3, 2.0, Verdict::kPass)});
  EXPECT_DOUBLE_EQ(summary.p95_recovery_seconds, 3.0);
  EXPECT_DOUBLE_EQ(summary.mean_recovery_seconds, 2.0);
  EXPECT_DOUBLE_EQ(summary.slo_compliance, 1.0);
}

TEST(SummarizeTest, MeanIsRoundedToMilliseconds) {
  const v1alpha1::Summary summary = summarize(
      {run(1, 1.0, Verdict::kPass), run(2, 1.0, Verdict::kPass), run(3, 2.0, Verdict::kPass)});
  EXPECT_DOUBLE_EQ(summary.mean_recovery_seconds, 1.333);
}

TEST(SummarizeTest, RunsWithoutRecoveryCountAgainstComplianceButNotInTheRecoveryFigures) {
  const v1alpha1::Summary summary =
      summarize({run(1, 4.0, Verdict::kPass), run(2, std::nullopt, Verdict::kFail)});
  EXPECT_DOUBLE_EQ(summary.mean_recovery_seconds, 4.0);
  EXPECT_DOUBLE_EQ(summary.p95_recovery_seconds, 4.0);
  EXPECT_DOUBLE_EQ(summary.worst_recovery_seconds, 4.0);
  EXPECT_DOUBLE_EQ(summary.slo_compliance, 0.5);
}

TEST(SummarizeTest, NoRecoveredRunsGiveZeroFigures) {
  const v1alpha1::Summary summary = summarize({run(1, std::nullopt, Verdict::kFail)});
  EXPECT_DOUBLE_EQ(summary.mean_recovery_seconds, 0.0);
  EXPECT_DOUBLE_EQ(summary.worst_recovery_seconds, 0.0);
  EXPECT_DOUBLE_EQ(summary.slo_compliance, 0.0);
}

TEST(AppendRunTest, KeepsOnlyTheNewestRuns) {
  std::vector<RunRecord> runs;
  for (int i = 1; i <= static_cast<int>(v1alpha1::kMaxRuns) + 3; ++i) {
    appendRun(runs, run(i, 1.0, Verdict::kPass));
  }
  ASSERT_EQ(runs.size(), v1alpha1::kMaxRuns);
  EXPECT_EQ(runs.front().index, 4);
  EXPECT_EQ(runs.back().index, static_cast<int>(v1alpha1::kMaxRuns) + 3);
}

TEST(FinalVerdictTest, PassesOnlyWhenEveryRunPassed) {
  EXPECT_EQ(finalVerdict({run(1, 1.0, Verdict::kPass), run(2, 1.0, Verdict::kPass)}),
            Verdict::kPass);
  EXPECT_EQ(finalVerdict({run(1, 1.0, Verdict::kPass), run(2, 9.0, Verdict::kFail)}),
            Verdict::kFail);
  EXPECT_EQ(finalVerdict({}), Verdict::kError);
}

TEST(RoundToMillisecondsTest, RoundsToTheNearestMillisecond) {
  EXPECT_DOUBLE_EQ(roundToMilliseconds(milliseconds(37200)), 37.2);
  EXPECT_DOUBLE_EQ(roundToMilliseconds(std::chrono::microseconds(1234567)), 1.235);
  EXPECT_DOUBLE_EQ(roundToMilliseconds(std::chrono::microseconds(1234499)), 1.234);
  EXPECT_DOUBLE_EQ(roundToMilliseconds(common::Duration::zero()), 0.0);
}

}  // namespace
}  // namespace aftershock::op
