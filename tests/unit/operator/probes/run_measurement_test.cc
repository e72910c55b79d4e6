// RunMeasurement: detection, recovery and availability from probe checks fed in by hand.
#include "operator/probes/run_measurement.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace aftershock::op {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const common::SteadyTime kZero{std::chrono::hours(1)};

common::SteadyTime at(common::Duration offset) { return kZero + offset; }
CheckResult pass() { return CheckResult{true, ""}; }
CheckResult fail(std::string error = "status 503, want 200") {
  return CheckResult{false, std::move(error)};
}

TEST(RunMeasurementTest, DetectionIsTheFirstFailedCheckAtOrAfterTheInjection) {
  RunMeasurement measurement({"a"}, 1);
  measurement.markInjected(at(seconds(10)));
  measurement.record(0, pass(), at(seconds(10)));
  measurement.record(0, fail(), at(seconds(11)));
  measurement.record(0, fail(), at(seconds(12)));
  ASSERT_TRUE(measurement.detectedAt().has_value());
  EXPECT_EQ(*measurement.detectedAt(), at(seconds(11)));
}

TEST(RunMeasurementTest, AFailureBeforeTheInjectionIsNotADetection) {
  RunMeasurement measurement({"a"}, 1);
  measurement.record(0, fail(), at(seconds(9)));
  measurement.markInjected(at(seconds(10)));
  measurement.record(0, fail(), at(milliseconds(9999)));  // started before, landed after
  EXPECT_FALSE(measurement.detectedAt().has_value());
  measurement.record(0, fail(), at(seconds(10)));
  ASSERT_TRUE(measurement.detectedAt().has_value());
  EXPECT_EQ(*measurement.detectedAt(), at(seconds(10)));
}

TEST(RunMeasurementTest, NothingIsDetectedBeforeTheInjectionIsMarked) {
  RunMeasurement measurement({"a"}, 1);
  measurement.record(0, fail(), at(seconds(1)));
  EXPECT_FALSE(measurement.detectedAt().has_value());
  EXPECT_FALSE(measurement.injectedAt().has_value());
}

TEST(RunMeasurementTest, TheFirstInjectionAndFaultEndMarksStand) {
  RunMeasurement measurement({"a"}, 1);
  measurement.markInjected(at(seconds(1)));
  measurement.markInjected(at(seconds(2)));
  measurement.markFaultEnded(at(seconds(3)));
  measurement.markFaultEnded(at(seconds(4)));
  EXPECT_EQ(*measurement.injectedAt(), at(seconds(1)));
  EXPECT_EQ(*measurement.faultEndedAt(), at(seconds(3)));
}

TEST(RunMeasurementTest, RecoveryNeedsTheConfiguredPassesAfterTheFaultEnd) {
  RunMeasurement measurement({"a"}, 3);
  measurement.markInjected(at(seconds(0)));
  measurement.record(0, fail(), at(seconds(1)));
  measurement.markFaultEnded(at(seconds(2)));
  measurement.record(0, fail(), at(seconds(3)));
  measurement.record(0, pass(), at(seconds(4)));
  measurement.record(0, pass(), at(seconds(5)));
  EXPECT_FALSE(measurement.recoveredAt().has_value());
  measurement.record(0, pass(), at(seconds(6)));
  ASSERT_TRUE(measurement.recoveredAt().has_value());
  // Back at the start of the streak, not when it was confirmed.
  EXPECT_EQ(*measurement.recoveredAt(), at(seconds(4)));
}

TEST(RunMeasurementTest, AProbePassingAcrossTheFaultEndRecoveredAtTheFaultEnd) {
  RunMeasurement measurement({"a"}, 2);
  measurement.markInjected(at(seconds(0)));
  measurement.record(0, pass(), at(seconds(1)));
  measurement.record(0, pass(), at(seconds(2)));
  measurement.markFaultEnded(at(milliseconds(2500)));
  measurement.record(0, pass(), at(seconds(3)));
  // Passes before the fault end do not count towards the streak after it.
  EXPECT_FALSE(measurement.recoveredAt().has_value());
  measurement.record(0, pass(), at(seconds(4)));
  ASSERT_TRUE(measurement.recoveredAt().has_value());
  EXPECT_EQ(*measurement.recoveredAt(), at(milliseconds(2500)));
}

TEST(RunMeasurementTest, AFailureResetsTheStreak) {
  RunMeasurement measurement({"a"}, 2);
  measurement.markInjected(at(seconds(0)));
  measurement.markFaultEnded(at(seconds(1)));
  measurement.record(0, pass(), at(seconds(2)));
  measurement.record(0, fail(), at(seconds(3)));
  measurement.record(0, pass(), at(seconds(4)));
  EXPECT_FALSE(measurement.recoveredAt().has_value());
  measurement.record(0, pass(), at(seconds(5)));
  ASSERT_TRUE(measurement.recoveredAt().has_value());
  EXPECT_EQ(*measurement.recoveredAt(), at(seconds(4)));
}

TEST(RunMeasurementTest, AConfirmedRecoveryStandsAfterALaterFailure) {
  RunMeasurement measurement({"a"}, 1);
  measurement.markFaultEnded(at(seconds(1)));
  measurement.record(0, pass(), at(seconds(2)));
  measurement.record(0, fail(), at(seconds(3)));
  ASSERT_TRUE(measurement.recoveredAt().has_value());
  EXPECT_EQ(*measurement.recoveredAt(), at(seconds(2)));
}

TEST(RunMeasurementTest, NoRecoveryBeforeTheFaultEnds) {
  RunMeasurement measurement({"a"}, 1);
  measurement.markInjected(at(seconds(0)));
  for (int i = 1; i <= 5; ++i) measurement.record(0, pass(), at(seconds(i)));
  EXPECT_FALSE(measurement.recoveredAt().has_value());
}

TEST(RunMeasurementTest, SteadyStateIsBackWhenTheLatestProbeIsBack) {
  RunMeasurement measurement({"a", "b"}, 1);
  measurement.markInjected(at(seconds(0)));
  measurement.markFaultEnded(at(seconds(1)));
  measurement.record(0, pass(), at(seconds(2)));
  measurement.record(1, fail(), at(seconds(2)));
  EXPECT_FALSE(measurement.recoveredAt().has_value());
  measurement.record(1, pass(), at(seconds(7)));
  ASSERT_TRUE(measurement.recoveredAt().has_value());
  EXPECT_EQ(*measurement.recoveredAt(), at(seconds(7)));
}

TEST(RunMeasurementTest, AvailabilityIsPassedChecksOverAllChecks) {
  RunMeasurement measurement({"a", "b"}, 1);
  EXPECT_FALSE(measurement.availability().has_value());
  measurement.record(0, pass(), at(seconds(1)));
  measurement.record(0, fail(), at(seconds(2)));
  measurement.record(1, pass(), at(seconds(1)));
  measurement.record(1, pass(), at(seconds(2)));
  EXPECT_EQ(measurement.checks(), 4);
  EXPECT_EQ(measurement.failures(), 1);
  ASSERT_TRUE(measurement.availability().has_value());
  EXPECT_DOUBLE_EQ(*measurement.availability(), 0.75);
}

TEST(RunMeasurementTest, TalliesKeepCountsErrorsAndFailureTimes) {
  RunMeasurement measurement({"a"}, 1);
  measurement.record(0, fail("first"), at(seconds(1)));
  measurement.record(0, pass(), at(seconds(2)));
  measurement.record(0, fail("second"), at(seconds(3)));
  measurement.record(0, fail("third"), at(seconds(4)));
  const ProbeTally& tally = measurement.probes()[0];
  EXPECT_EQ(tally.checks, 4);
  EXPECT_EQ(tally.failures, 3);
  EXPECT_EQ(tally.last_error, "third");
  EXPECT_EQ(*tally.first_failure, at(seconds(1)));
  EXPECT_EQ(*tally.last_failure, at(seconds(4)));
  EXPECT_EQ(tally.consecutive_failures, 2);
  EXPECT_EQ(measurement.maxConsecutiveFailures(), 2);
}

TEST(RunMeasurementTest, FirstFailingProbeIsTheFirstWhoseLatestCheckFailed) {
  RunMeasurement measurement({"a", "b", "c"}, 1);
  EXPECT_EQ(measurement.firstFailingProbe(), nullptr);
  measurement.record(0, fail(), at(seconds(1)));
  measurement.record(0, pass(), at(seconds(2)));
  measurement.record(2, fail("c is down"), at(seconds(2)));
  measurement.record(1, fail("b is down"), at(seconds(2)));
  ASSERT_NE(measurement.firstFailingProbe(), nullptr);
  EXPECT_EQ(measurement.firstFailingProbe()->name, "b");
}

TEST(RunMeasurementTest, EveryProbeCheckedSinceNeedsACheckOfEachProbe) {
  RunMeasurement measurement({"a", "b"}, 1);
  measurement.record(0, pass(), at(seconds(5)));
  measurement.record(1, pass(), at(seconds(3)));
  EXPECT_TRUE(measurement.everyProbeCheckedSince(at(seconds(3))));
  EXPECT_FALSE(measurement.everyProbeCheckedSince(at(seconds(4))));
}

TEST(RunMeasurementTest, RestoreSeedsCountsFailureTimesAndDetectionByName) {
  RunMeasurement measurement({"a", "b"}, 1);
  v1alpha1::ProbeStatus b;
  b.name = "b";
  b.checks = 10;
  b.failures = 4;
  b.last_error = "status 503";
  v1alpha1::ProbeStatus gone;
  gone.name = "no-longer-in-spec";
  gone.checks = 99;
  measurement.restore({b, gone}, {at(seconds(3)), std::nullopt}, {at(seconds(6)), std::nullopt},
                      at(seconds(3)));
  const ProbeTally& tally = measurement.probes()[1];
  EXPECT_EQ(tally.checks, 10);
  EXPECT_EQ(tally.failures, 4);
  EXPECT_EQ(tally.last_error, "status 503");
  EXPECT_EQ(*tally.first_failure, at(seconds(3)));
  EXPECT_EQ(*tally.last_failure, at(seconds(6)));
  EXPECT_EQ(measurement.probes()[0].checks, 0);
  EXPECT_EQ(measurement.checks(), 10);
  EXPECT_DOUBLE_EQ(*measurement.availability(), 0.6);
  EXPECT_EQ(*measurement.detectedAt(), at(seconds(3)));

  // A restored detection is not moved by a later failure.
  measurement.markInjected(at(seconds(1)));
  measurement.record(0, fail(), at(seconds(8)));
  EXPECT_EQ(*measurement.detectedAt(), at(seconds(3)));
  // New checks add to the restored counts.
  measurement.record(1, pass(), at(seconds(8)));
  EXPECT_EQ(measurement.probes()[1].checks, 11);
  EXPECT_EQ(*measurement.probes()[1].first_failure, at(seconds(3)));
}

TEST(RunMeasurementTest, ConsecutiveSuccessesBelowOneCountsAsOne) {
  RunMeasurement measurement({"a"}, 0);
  measurement.markFaultEnded(at(seconds(1)));
  measurement.record(0, pass(), at(seconds(2)));
  ASSERT_TRUE(measurement.recoveredAt().has_value());
  EXPECT_EQ(*measurement.recoveredAt(), at(seconds(2)));
}

TEST(RunMeasurementTest, WithoutProbesSteadyStateIsBackAtTheFaultEnd) {
  RunMeasurement measurement({}, 3);
  EXPECT_FALSE(measurement.recoveredAt().has_value());
  measurement.markFaultEnded(at(seconds(4)));
  ASSERT_TRUE(measurement.recoveredAt().has_value());
  EXPECT_EQ(*measurement.recoveredAt(), at(seconds(4)));
}

}  // namespace
}  // namespace aftershock::op
