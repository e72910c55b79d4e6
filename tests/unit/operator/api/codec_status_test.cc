#include <gtest/gtest.h>

#include "operator/api/v1alpha1/codec.h"

namespace aftershock::op::v1alpha1 {
namespace {

// A status with every field set to a value other than its default.
ChaosExperimentStatus fullStatus() {
  ChaosExperimentStatus status;
  status.phase = Phase::kRecovering;
  status.verdict = Verdict::kFail;
  status.observed_generation = 7;
  status.conditions = {
      {"Ready", "False", "Recovering", "waiting for steady state", "2026-11-24T10:00:00Z", 7},
      {"FaultInjected", "True", "Injected", "", "2026-11-24T09:59:00Z", 6},
  };
  status.start_time = "2026-11-24T09:58:00.001Z";
  status.injection_time = "2026-11-24T09:59:00.002Z";
  status.fault_end_time = "2026-11-24T09:59:30.003Z";
  status.recovered_time = "2026-11-24T10:00:07.004Z";
  status.completion_time = "2026-11-24T10:00:08.005Z";
  status.time_to_detect_seconds = 0.8;
  status.time_to_recover_seconds = 37.2;
  status.availability = 0.966;
  status.probes = {
      {"client-fetch", 120, 4, "status 503", "2026-11-24T09:59:01.000Z",
       "2026-11-24T09:59:20.000Z"},
      {"backend-ready", 60, 0, "", "", ""},
  };
  status.affected = {
      {"Deployment", "demo", "backend", "uid-1", json{{"replicas", 3}}, "ScaleDown"},
      {"Backend", "", "http://backend:8000", "",
       json::parse(R"({"failure_rate": 0, "nested": {"list": [1, "two", null]}})"), ""},
  };
  status.current_run = 2;
  status.runs = {
      {1, 0.5, 30.0, 0.97, Verdict::kPass},
      {2, std::nullopt, std::nullopt, 0.4, Verdict::kError},
      {3, 1.0, std::nullopt, std::nullopt, Verdict::kNone},
  };
  status.summary = Summary{30.5, 36.1, 37.2, 0.5};
  status.next_run_time = "2026-11-24T10:00:18.000Z";
  status.message = "steady state back after 37.2s";
  return status;
}

void expectSameStatus(const ChaosExperimentStatus& a, const ChaosExperimentStatus& b) {
  EXPECT_EQ(a.phase, b.phase);
  EXPECT_EQ(a.verdict, b.verdict);
  EXPECT_EQ(a.observed_generation, b.observed_generation);
  ASSERT_EQ(a.conditions.size(), b.conditions.size());
  for (std::size_t i = 0; i < a.conditions.size(); ++i) {
    EXPECT_EQ(a.conditions[i].type, b.conditions[i].type);
    EXPECT_EQ(a.conditions[i].status, b.conditions[i].status);
    EXPECT_EQ(a.conditions[i].reason, b.conditions[i].reason);
    EXPECT_EQ(a.conditions[i].message, b.conditions[i].message);
    EXPECT_EQ(a.conditions[i].last_transition_time, b.conditions[i].last_transition_time);
    EXPECT_EQ(a.conditions[i].observed_generation, b.conditions[i].observed_generation);
  }
  EXPECT_EQ(a.start_time, b.start_time);
  EXPECT_EQ(a.injection_time, b.injection_time);
  EXPECT_EQ(a.fault_end_time, b.fault_end_time);
  EXPECT_EQ(a.recovered_time, b.recovered_time);
  EXPECT_EQ(a.completion_time, b.completion_time);
  EXPECT_EQ(a.time_to_detect_seconds, b.time_to_detect_seconds);
  EXPECT_EQ(a.time_to_recover_seconds, b.time_to_recover_seconds);
  EXPECT_EQ(a.availability, b.availability);
  ASSERT_EQ(a.probes.size(), b.probes.size());
  for (std::size_t i = 0; i < a.probes.size(); ++i) {
    EXPECT_EQ(a.probes[i].name, b.probes[i].name);
    EXPECT_EQ(a.probes[i].checks, b.probes[i].checks);
    EXPECT_EQ(a.probes[i].failures, b.probes[i].failures);
    EXPECT_EQ(a.probes[i].last_error, b.probes[i].last_error);
    EXPECT_EQ(a.probes[i].first_failure_time, b.probes[i].first_failure_time);
    EXPECT_EQ(a.probes[i].last_failure_time, b.probes[i].last_failure_time);
  }
  ASSERT_EQ(a.affected.size(), b.affected.size());
  for (std::size_t i = 0; i < a.affected.size(); ++i) {
    EXPECT_EQ(a.affected[i].kind, b.affected[i].kind);
    EXPECT_EQ(a.affected[i].namespace_name, b.affected[i].namespace_name);
    EXPECT_EQ(a.affected[i].name, b.affected[i].name);
    EXPECT_EQ(a.affected[i].uid, b.affected[i].uid);
    EXPECT_EQ(a.affected[i].fault, b.affected[i].fault);
    EXPECT_EQ(a.affected[i].original, b.affected[i].original);
  }
  EXPECT_EQ(a.current_run, b.current_run);
  ASSERT_EQ(a.runs.size(), b.runs.size());
  for (std::size_t i = 0; i < a.runs.size(); ++i) {
    EXPECT_EQ(a.runs[i].index, b.runs[i].index);
    EXPECT_EQ(a.runs[i].time_to_detect_seconds, b.runs[i].time_to_detect_seconds);
    EXPECT_EQ(a.runs[i].time_to_recover_seconds, b.runs[i].time_to_recover_seconds);
    EXPECT_EQ(a.runs[i].availability, b.runs[i].availability);
    EXPECT_EQ(a.runs[i].verdict, b.runs[i].verdict);
  }
  ASSERT_EQ(a.summary.has_value(), b.summary.has_value());
  if (a.summary) {
    EXPECT_EQ(a.summary->mean_recovery_seconds, b.summary->mean_recovery_seconds);
    EXPECT_EQ(a.summary->p95_recovery_seconds, b.summary->p95_recovery_seconds);
    EXPECT_EQ(a.summary->worst_recovery_seconds, b.summary->worst_recovery_seconds);
    EXPECT_EQ(a.summary->slo_compliance, b.summary->slo_compliance);
  }
  EXPECT_EQ(a.next_run_time, b.next_run_time);
  EXPECT_EQ(a.message, b.message);
}

TEST(StatusCodecTest, EveryFieldRoundTrips) {
  const ChaosExperimentStatus original = fullStatus();
  expectSameStatus(parseStatus(statusToJson(original)), original);
}

TEST(StatusCodecTest, EveryFieldRoundTripsThroughSerializedText) {
  const ChaosExperimentStatus original = fullStatus();
  expectSameStatus(parseStatus(json::parse(statusToJson(original).dump())), original);
}

TEST(StatusCodecTest, DefaultStatusRoundTripsAndWritesOnlyThePhase) {
  const json written = statusToJson(ChaosExperimentStatus{});
  EXPECT_EQ(written, json({{"phase", "Pending"}}));
  expectSameStatus(parseStatus(written), ChaosExperimentStatus{});
}

TEST(StatusCodecTest, WritesTheApiShapeInCamelCase) {
  const json written = statusToJson(fullStatus());
  EXPECT_EQ(written["phase"], "Recovering");
  EXPECT_EQ(written["verdict"], "Fail");
  EXPECT_EQ(written["observedGeneration"], 7);
  EXPECT_EQ(written["conditions"][0]["lastTransitionTime"], "2026-11-24T10:00:00Z");
  EXPECT_EQ(written["conditions"][1]["message"], "");  // metav1.Condition requires it
  EXPECT_EQ(written["timeToRecoverSeconds"], 37.2);
  EXPECT_EQ(written["probes"][0]["lastError"], "status 503");
  EXPECT_FALSE(written["probes"][1].contains("lastError"));
  EXPECT_EQ(written["probes"][1]["failures"], 0);
  EXPECT_EQ(written["affected"][0]["original"], json({{"replicas", 3}}));
  EXPECT_FALSE(written["affected"][1].contains("namespace"));
  EXPECT_EQ(written["currentRun"], 2);
  EXPECT_EQ(written["runs"][0]["verdict"], "Pass");
  EXPECT_FALSE(written["runs"][1].contains("timeToRecoverSeconds"));
  EXPECT_FALSE(written["runs"][2].contains("verdict"));
  EXPECT_EQ(written["summary"]["p95RecoverySeconds"], 36.1);
  EXPECT_EQ(written["nextRunTime"], "2026-11-24T10:00:18.000Z");
}

TEST(StatusCodecTest, UnsetVerdictAndEmptyFieldsAreOmitted) {
  ChaosExperimentStatus status;
  status.phase = Phase::kFaultActive;
  status.start_time = "2026-11-24T10:00:00.000Z";
  const json written = statusToJson(status);
  EXPECT_EQ(written, json({{"phase", "FaultActive"}, {"startTime", "2026-11-24T10:00:00.000Z"}}));
}

TEST(StatusCodecTest, UnknownPhaseAndVerdictFallBackToDefaults) {
  const ChaosExperimentStatus status = parseStatus(json::parse(
      R"({"phase": "Exploding", "verdict": "Maybe", "runs": [{"index": 1, "verdict": 5}]})"));
  EXPECT_EQ(status.phase, Phase::kPending);
  EXPECT_EQ(status.verdict, Verdict::kNone);
  ASSERT_EQ(status.runs.size(), 1u);
  EXPECT_EQ(status.runs[0].verdict, Verdict::kNone);
}

TEST(StatusCodecTest, WrongTypesFallBackFieldByField) {
  const ChaosExperimentStatus status = parseStatus(json::parse(R"({
    "phase": 3, "observedGeneration": "7", "availability": "high", "currentRun": 1.5,
    "conditions": {"type": "Ready"},
    "probes": ["client-fetch", {"name": "ok", "checks": "many", "failures": 2}],
    "affected": [{"kind": "Deployment", "original": [1, 2]}],
    "summary": "good", "message": 42, "timeToDetectSeconds": 0.5})"));
  EXPECT_EQ(status.phase, Phase::kPending);
  EXPECT_EQ(status.observed_generation, 0);
  EXPECT_FALSE(status.availability.has_value());
  EXPECT_EQ(status.current_run, 0);
  EXPECT_TRUE(status.conditions.empty());
  ASSERT_EQ(status.probes.size(), 1u);
  EXPECT_EQ(status.probes[0].name, "ok");
  EXPECT_EQ(status.probes[0].checks, 0);
  EXPECT_EQ(status.probes[0].failures, 2);
  ASSERT_EQ(status.affected.size(), 1u);
  EXPECT_EQ(status.affected[0].original, json::array({1, 2}));  // passed through as written
  EXPECT_FALSE(status.summary.has_value());
  EXPECT_EQ(status.message, "");
  EXPECT_EQ(status.time_to_detect_seconds, 0.5);  // the good fields are still read
}

TEST(StatusCodecTest, NonObjectStatusIsTheDefault) {
  EXPECT_EQ(parseStatus(json::array()).phase, Phase::kPending);
  EXPECT_EQ(parseStatus(json("Completed")).phase, Phase::kPending);
  EXPECT_EQ(parseStatus(json()).runs.size(), 0u);
}

TEST(StatusCodecTest, OutOfRangeIntegersFallBack) {
  const ChaosExperimentStatus status = parseStatus(json::parse(
      R"({"currentRun": 99999999999, "observedGeneration": 18446744073709551615,
          "runs": [{"index": -99999999999}]})"));
  EXPECT_EQ(status.current_run, 0);
  EXPECT_EQ(status.observed_generation, 0);
  EXPECT_EQ(status.runs[0].index, 0);
}

TEST(StatusCodecTest, AffectedWithoutOriginalGetsAnEmptyObject) {
  const ChaosExperimentStatus status =
      parseStatus(json::parse(R"({"affected": [{"kind": "Pod", "name": "web-1"}]})"));
  ASSERT_EQ(status.affected.size(), 1u);
  EXPECT_EQ(status.affected[0].original, json::object());
}

TEST(StatusCodecTest, MalformedUtf8InStringsIsReplacedSoTheStatusSerializes) {
  ChaosExperimentStatus status;
  status.message = "backend said \xFF\xFE";
  status.probes = {{"p", 1, 1, "body \xC3", "", ""}};
  status.conditions = {{"Ready", "False", "ProbeFailed", "cut \xE2\x82", "t", 1}};
  const json written = statusToJson(status);
  std::string text;
  ASSERT_NO_THROW(text = written.dump());
  EXPECT_NE(text.find("backend said"), std::string::npos);
}

TEST(StatusCodecTest, NoStatusInputMakesParseStatusThrow) {
  const json status = statusToJson(fullStatus());
  const std::vector<json> wrong_values = {
      nullptr, true, -1, 1e300, 18446744073709551615u, "x", json::array({1}), json{{"a", 1}}};
  int parsed = 0;
  // flatten() is kept in a variable: items() refers to it.
  const json leaves = status.flatten();
  for (const auto& [path, leaf] : leaves.items()) {
    json::json_pointer pointer(path);
    while (!pointer.empty()) {
      for (const json& value : wrong_values) {
        json broken = status;
        broken[pointer] = value;
        EXPECT_NO_THROW({
          (void)statusToJson(parseStatus(broken)).dump();
          ++parsed;
        }) << pointer.to_string();
      }
      pointer = pointer.parent_pointer();
    }
  }
  EXPECT_GT(parsed, 300);
}

}  // namespace
}  // namespace aftershock::op::v1alpha1
