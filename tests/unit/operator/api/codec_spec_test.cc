#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "operator/api/v1alpha1/codec.h"
#include "operator/api/v1alpha1/selector.h"

namespace aftershock::op::v1alpha1 {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

json minimalSpec() {
  return json::parse(R"({
    "target": {"kind": "Deployment", "name": "web"},
    "fault": {"type": "PodDelete"}})");
}

// Every section set, one probe of each kind.
json fullSpec() {
  return json::parse(R"({
    "target": {"kind": "Deployment", "name": "backend-service",
               "selector": {"matchLabels": {"app": "backend-service"}}},
    "fault": {"type": "PodDelete", "podDelete": {"mode": "Fixed", "value": 2, "gracePeriodSeconds": 5}},
    "duration": "45s",
    "steadyState": {"probes": [
      {"name": "client-fetch", "interval": "500ms",
       "http": {"url": "http://client-service:9090/fetch-data", "method": "HEAD",
                "expectStatus": [200, 204], "timeout": "3s", "maxLatency": "500ms",
                "bodyContains": "ok"}},
      {"name": "backend-ready",
       "workload": {"kind": "StatefulSet", "name": "backend-service", "namespace": "other"}},
      {"name": "circuit-closed",
       "metric": {"url": "https://client-service:9090/metrics", "name": "client_circuit_breaker_state",
                  "labels": {"state": "open"}, "op": "<=", "value": 0.5, "timeout": "1s"}}]},
    "hypothesis": {"minAvailability": 0.95, "maxRecoveryTime": "60s"},
    "recovery": {"timeout": "90s", "consecutiveSuccesses": 5},
    "repeat": {"count": 3, "cooldown": "1m"},
    "safety": {"minHealthyReplicas": 1, "concurrencyPolicy": "Allow"},
    "abortWhen": {"consecutiveProbeFailures": 30, "availabilityBelow": 0.5},
    "dryRun": true,
    "abort": false})");
}

json experimentWith(const json& spec) {
  return {{"apiVersion", "chaos.aftershock.dev/v1alpha1"},
          {"kind", "ChaosExperiment"},
          {"metadata", {{"name", "exp"}, {"namespace", "demo"}}},
          {"spec", spec}};
}

ChaosExperimentSpec parsedSpec(const json& spec) {
  common::Result<ChaosExperimentSpec> result = parseSpec(spec, "demo");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : describeError(result.error()));
  return result.ok() ? *result : ChaosExperimentSpec{};
}

common::Error specError(const json& spec) {
  common::Result<ChaosExperiment> result = parseExperiment(experimentWith(spec));
  EXPECT_FALSE(result.ok()) << spec.dump();
  if (result.ok()) return {};
  EXPECT_EQ(result.error().code, common::ErrorCode::kInvalid);
  return result.error();
}

json withValue(json spec, const std::string& pointer, json value) {
  spec[json::json_pointer(pointer)] = std::move(value);
  return spec;
}

json without(json spec, const std::string& pointer) {
  const json::json_pointer path(pointer);
  spec[path.parent_pointer()].erase(path.back());
  return spec;
}

// --- Defaults and reading ----------------------------------------------------------------------

TEST(ParseSpecTest, MinimalSpecGetsEveryDefault) {
  const ChaosExperimentSpec spec = parsedSpec(minimalSpec());
  EXPECT_EQ(spec.target.kind, TargetKind::kDeployment);
  EXPECT_EQ(spec.target.name, "web");
  EXPECT_EQ(spec.target.namespace_name, "demo");
  EXPECT_TRUE(spec.target.selector.empty());
  EXPECT_EQ(spec.fault.type, FaultType::kPodDelete);
  EXPECT_EQ(spec.fault.pod_delete.mode, PodDeleteMode::kOne);
  EXPECT_EQ(spec.fault.pod_delete.value, 1);
  EXPECT_EQ(spec.fault.pod_delete.grace_period_seconds, 0);
  EXPECT_EQ(spec.duration, seconds(30));
  EXPECT_TRUE(spec.probes.empty());
  EXPECT_FALSE(spec.hypothesis.min_availability.has_value());
  EXPECT_FALSE(spec.hypothesis.max_recovery_time.has_value());
  EXPECT_EQ(spec.recovery.timeout, seconds(120));
  EXPECT_EQ(spec.recovery.consecutive_successes, 3);
  EXPECT_EQ(spec.repeat.count, 1);
  EXPECT_EQ(spec.repeat.cooldown, seconds(10));
  EXPECT_EQ(spec.safety.min_healthy_replicas, 0);
  EXPECT_EQ(spec.safety.concurrency_policy, ConcurrencyPolicy::kForbid);
  EXPECT_FALSE(spec.abort_when.consecutive_probe_failures.has_value());
  EXPECT_FALSE(spec.abort_when.availability_below.has_value());
  EXPECT_FALSE(spec.dry_run);
  EXPECT_FALSE(spec.abort);
}

TEST(ParseSpecTest, ProbeDefaultsApplyPerKind) {
  json spec = minimalSpec();
  spec["steadyState"]["probes"] = json::parse(R"([
    {"name": "h", "http": {"url": "http://svc/"}},
    {"name": "w", "workload": {"name": "web"}},
    {"name": "m", "metric": {"url": "http://svc/metrics", "name": "up", "value": 1}}])");
  const ChaosExperimentSpec parsed = parsedSpec(spec);
  ASSERT_EQ(parsed.probes.size(), 3u);
  const ProbeSpec& http = parsed.probes[0];
  EXPECT_EQ(http.kind, ProbeKind::kHttp);
  EXPECT_EQ(http.interval, seconds(1));
  EXPECT_EQ(http.http.method, "GET");
  EXPECT_EQ(http.http.expect_status, std::vector<int>{200});
  EXPECT_EQ(http.http.timeout, seconds(2));
  EXPECT_FALSE(http.http.max_latency.has_value());
  EXPECT_EQ(http.http.body_contains, "");
  const ProbeSpec& workload = parsed.probes[1];
  EXPECT_EQ(workload.kind, ProbeKind::kWorkload);
  EXPECT_EQ(workload.workload.kind, TargetKind::kDeployment);
  EXPECT_EQ(workload.workload.namespace_name, "demo");
  const ProbeSpec& metric = parsed.probes[2];
  EXPECT_EQ(metric.kind, ProbeKind::kMetric);
  EXPECT_EQ(metric.metric.op, CompareOp::kEqual);
  EXPECT_EQ(metric.metric.value, 1.0);
  EXPECT_EQ(metric.metric.timeout, seconds(2));
  EXPECT_TRUE(metric.metric.labels.empty());
}

TEST(ParseSpecTest, ReadsEveryFieldOfAFullSpec) {
  const ChaosExperimentSpec spec = parsedSpec(fullSpec());
  EXPECT_EQ(spec.target.selector.match_labels.at("app"), "backend-service");
  EXPECT_EQ(spec.fault.pod_delete.mode, PodDeleteMode::kFixed);
  EXPECT_EQ(spec.fault.pod_delete.value, 2);
  EXPECT_EQ(spec.fault.pod_delete.grace_period_seconds, 5);
  EXPECT_EQ(spec.duration, seconds(45));
  ASSERT_EQ(spec.probes.size(), 3u);
  EXPECT_EQ(spec.probes[0].interval, milliseconds(500));
  EXPECT_EQ(spec.probes[0].http.method, "HEAD");
  EXPECT_EQ(spec.probes[0].http.expect_status, (std::vector<int>{200, 204}));
  EXPECT_EQ(spec.probes[0].http.timeout, seconds(3));
  EXPECT_EQ(spec.probes[0].http.max_latency, milliseconds(500));
  EXPECT_EQ(spec.probes[0].http.body_contains, "ok");
  EXPECT_EQ(spec.probes[1].workload.kind, TargetKind::kStatefulSet);
  EXPECT_EQ(spec.probes[1].workload.namespace_name, "other");
  EXPECT_EQ(spec.probes[2].metric.labels.at("state"), "open");
  EXPECT_EQ(spec.probes[2].metric.op, CompareOp::kLessEqual);
  EXPECT_EQ(spec.probes[2].metric.value, 0.5);
  EXPECT_EQ(spec.probes[2].metric.timeout, seconds(1));
  EXPECT_EQ(spec.hypothesis.min_availability, 0.95);
  EXPECT_EQ(spec.hypothesis.max_recovery_time, seconds(60));
  EXPECT_EQ(spec.recovery.timeout, seconds(90));
  EXPECT_EQ(spec.recovery.consecutive_successes, 5);
  EXPECT_EQ(spec.repeat.count, 3);
  EXPECT_EQ(spec.repeat.cooldown, minutes(1));
  EXPECT_EQ(spec.safety.min_healthy_replicas, 1);
  EXPECT_EQ(spec.safety.concurrency_policy, ConcurrencyPolicy::kAllow);
  EXPECT_EQ(spec.abort_when.consecutive_probe_failures, 30);
  EXPECT_EQ(spec.abort_when.availability_below, 0.5);
  EXPECT_TRUE(spec.dry_run);
}

TEST(ParseSpecTest, ExplicitTargetNamespaceIsKept) {
  EXPECT_EQ(parsedSpec(withValue(minimalSpec(), "/target/namespace", "prod")).target.namespace_name,
            "prod");
}

TEST(ParseSpecTest, WholeFloatsAreAcceptedForIntegers) {
  EXPECT_EQ(parsedSpec(withValue(fullSpec(), "/fault/podDelete/value", 3.0)).fault.pod_delete.value,
            3);
}

TEST(ParseSpecTest, NullMembersMeanAbsent) {
  json spec = minimalSpec();
  spec["duration"] = nullptr;
  spec["steadyState"] = nullptr;
  EXPECT_EQ(parsedSpec(spec).duration, seconds(30));
}

TEST(ParseSpecTest, UnknownMembersAreIgnored) {
  json spec = minimalSpec();
  spec["futureField"] = {{"x", 1}};
  spec["target"]["extra"] = true;
  EXPECT_EQ(parsedSpec(spec).target.name, "web");
}

TEST(ParseSpecTest, PodTargetNeedsASelectorButNoName) {
  const json pods = json::parse(R"({
    "target": {"kind": "Pod", "selector": {"matchLabels": {"app": "web"}}},
    "fault": {"type": "PodDelete", "podDelete": {"mode": "Percent", "value": 50}}})");
  const ChaosExperimentSpec spec = parsedSpec(pods);
  EXPECT_EQ(spec.target.kind, TargetKind::kPod);
  EXPECT_EQ(spec.fault.pod_delete.value, 50);
  const common::Error error = specError(without(pods, "/target/selector"));
  EXPECT_EQ(error.field, "spec.target.selector");
  EXPECT_NE(error.message.find("Pod"), std::string::npos);
}

// --- Range and rule errors, each with its path -------------------------------------------------

struct RangeCase {
  std::string pointer;
  json value;
  std::string field;
  std::string message;  // a part of it
};

class SpecRangeTest : public testing::TestWithParam<RangeCase> {};

TEST_P(SpecRangeTest, OutOfRangeValueIsAnErrorNamingItsPath) {
  const RangeCase& param = GetParam();
  const common::Error error = specError(withValue(fullSpec(), param.pointer, param.value));
  EXPECT_EQ(error.field, param.field);
  EXPECT_NE(error.message.find(param.message), std::string::npos) << "message: " << error.message;
}

INSTANTIATE_TEST_SUITE_P(
    EveryRange, SpecRangeTest,
    testing::Values(
        RangeCase{"/fault/podDelete/value", 0, "spec.fault.podDelete.value",
                  "must be 1 or more, got 0"},
        RangeCase{"/fault/podDelete/gracePeriodSeconds", -1,
                  "spec.fault.podDelete.gracePeriodSeconds", "must be 0 or more, got -1"},
        RangeCase{"/fault/podDelete/mode", "Some", "spec.fault.podDelete.mode",
                  "must be one of One, All, Fixed or Percent, got \"Some\""},
        RangeCase{"/duration", "500ms", "spec.duration", "must be between 1s and 24h, got 500ms"},
        RangeCase{"/duration", "25h", "spec.duration", "must be between 1s and 24h, got 25h"},
        RangeCase{"/duration", "9999999999h", "spec.duration", "too large"},
        RangeCase{"/duration", "30 seconds", "spec.duration", "unknown unit"},
        RangeCase{"/recovery/timeout", "0s", "spec.recovery.timeout", "between 1s and 24h, got 0s"},
        RangeCase{"/recovery/consecutiveSuccesses", 101, "spec.recovery.consecutiveSuccesses",
                  "must be between 1 and 100, got 101"},
        RangeCase{"/repeat/count", 0, "spec.repeat.count", "must be between 1 and 20, got 0"},
        RangeCase{"/repeat/cooldown", "25h", "spec.repeat.cooldown", "between 0s and 24h"},
        RangeCase{"/safety/minHealthyReplicas", -1, "spec.safety.minHealthyReplicas", "got -1"},
        RangeCase{"/safety/concurrencyPolicy", "Replace", "spec.safety.concurrencyPolicy",
                  "Forbid or Allow"},
        RangeCase{"/abortWhen/consecutiveProbeFailures", 0,
                  "spec.abortWhen.consecutiveProbeFailures", "must be 1 or more, got 0"},
        RangeCase{"/abortWhen/availabilityBelow", 1.5, "spec.abortWhen.availabilityBelow",
                  "must be between 0 and 1, got 1.5"},
        RangeCase{"/hypothesis/minAvailability", -0.1, "spec.hypothesis.minAvailability",
                  "must be between 0 and 1, got -0.1"},
        RangeCase{"/hypothesis/maxRecoveryTime", "25h", "spec.hypothesis.maxRecoveryTime", "24h"},
        RangeCase{"/steadyState/probes/0/interval", "50ms", "spec.steadyState.probes[0].interval",
                  "must be between 100ms and 1h, got 50ms"},
        RangeCase{"/steadyState/probes/0/http/timeout", "10m",
                  "spec.steadyState.probes[0].http.timeout", "must be between 1ms and 5m, got 10m"},
        RangeCase{"/steadyState/probes/0/http/maxLatency", "0s",
                  "spec.steadyState.probes[0].http.maxLatency", "between 1ms and 5m"},
        RangeCase{"/steadyState/probes/0/http/expectStatus", json::array({200, 600}),
                  "spec.steadyState.probes[0].http.expectStatus[1]",
                  "between 100 and 599, got 600"},
        RangeCase{"/steadyState/probes/0/http/expectStatus", json::array(),
                  "spec.steadyState.probes[0].http.expectStatus", "at least one"},
        RangeCase{"/steadyState/probes/0/http/method", "PUT",
                  "spec.steadyState.probes[0].http.method", "GET, HEAD or POST"},
        RangeCase{"/steadyState/probes/0/http/url", "ftp://client/",
                  "spec.steadyState.probes[0].http.url", "http://"},
        RangeCase{"/steadyState/probes/0/http/url", "http://client/a b",
                  "spec.steadyState.probes[0].http.url", "spaces"},
        RangeCase{"/steadyState/probes/0/http/url", "", "spec.steadyState.probes[0].http.url",
                  "is required"},
        RangeCase{"/steadyState/probes/1/name", "client-fetch", "spec.steadyState.probes[1].name",
                  "duplicates"},
        RangeCase{"/steadyState/probes/1/name", "Backend_Ready", "spec.steadyState.probes[1].name",
                  "lower-case"},
        RangeCase{"/steadyState/probes/1/name", std::string(64, 'a'),
                  "spec.steadyState.probes[1].name", "at most 63"},
        RangeCase{"/steadyState/probes/1/workload/kind", "Pod",
                  "spec.steadyState.probes[1].workload.kind", "Deployment or StatefulSet"},
        RangeCase{"/steadyState/probes/1/workload/name", "",
                  "spec.steadyState.probes[1].workload.name", "is required"},
        RangeCase{"/steadyState/probes/2/metric/timeout", "6m",
                  "spec.steadyState.probes[2].metric.timeout", "between 1ms and 5m, got 6m"},
        RangeCase{"/steadyState/probes/2/metric/op", "=<", "spec.steadyState.probes[2].metric.op",
                  "got \"=<\""},
        RangeCase{"/steadyState/probes/2/metric/name", "9lives",
                  "spec.steadyState.probes[2].metric.name", "Prometheus metric name"},
        RangeCase{"/steadyState/probes/2/metric/labels", json{{"bad-label", "x"}},
                  "spec.steadyState.probes[2].metric.labels", "\"bad-label\""},
        RangeCase{"/target/name", "", "spec.target.name", "is required for kind Deployment"},
        RangeCase{"/target/name", "Web_App", "spec.target.name", "Kubernetes object name"},
        RangeCase{"/target/namespace", "Bad NS", "spec.target.namespace", "namespace name"},
        RangeCase{"/target/kind", "ReplicaSet", "spec.target.kind",
                  "must be one of Deployment, StatefulSet or Pod, got \"ReplicaSet\""},
        RangeCase{"/target/selector/matchLabels/app", "a,b", "spec.target.selector.matchLabels",
                  "invalid value"},
        RangeCase{"/fault/type", "Meteor", "spec.fault.type", "got \"Meteor\""}));

TEST(ValidateSpecTest, PercentModeIsLimitedToOneHundred) {
  json spec = withValue(fullSpec(), "/fault/podDelete/mode", "Percent");
  const common::Error error = specError(withValue(spec, "/fault/podDelete/value", 250));
  EXPECT_EQ(error.field, "spec.fault.podDelete.value");
  EXPECT_EQ(error.message, "must be between 1 and 100, got 250");
  EXPECT_EQ(describeError(error), "spec.fault.podDelete.value: must be between 1 and 100, got 250");
}

TEST(ValidateSpecTest, FixedModeAllowsMoreThanOneHundredPods) {
  EXPECT_EQ(parsedSpec(withValue(fullSpec(), "/fault/podDelete/value", 250)).fault.pod_delete.value,
            250);
}

TEST(ValidateSpecTest, RangesAtTheirBoundsAreAccepted) {
  json spec = fullSpec();
  spec["duration"] = "24h";
  spec["recovery"] = {{"timeout", "1s"}, {"consecutiveSuccesses", 100}};
  spec["repeat"] = {{"count", 20}, {"cooldown", "0s"}};
  spec["hypothesis"] = {{"minAvailability", 1}, {"maxRecoveryTime", "24h"}};
  spec["steadyState"]["probes"][0]["interval"] = "100ms";
  spec["steadyState"]["probes"][0]["http"]["timeout"] = "5m";
  spec["steadyState"]["probes"][0]["http"]["expectStatus"] = {100, 599};
  spec["steadyState"]["probes"][1]["interval"] = "1h";
  spec["steadyState"]["probes"][2]["metric"]["timeout"] = "1ms";
  const ChaosExperimentSpec parsed = parsedSpec(spec);
  EXPECT_EQ(parsed.duration, hours(24));
  EXPECT_EQ(parsed.repeat.cooldown, seconds(0));
}

TEST(ValidateSpecTest, ChecksSpecsBuiltInCodeToo) {
  ChaosExperimentSpec spec;
  spec.target.name = "web";
  EXPECT_TRUE(validateSpec(spec).ok());
  spec.duration = hours(48);
  const common::Status status = validateSpec(spec);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().field, "spec.duration");
  spec.duration = seconds(30);
  spec.target.selector.match_expressions = {{"tier", "In", {}}};
  const common::Status selector = validateSpec(spec);
  ASSERT_FALSE(selector.ok());
  EXPECT_EQ(selector.error().field, "spec.target.selector.matchExpressions[0].values");
}

TEST(ValidateSpecTest, MoreThanSixteenProbesAreRejected) {
  json spec = minimalSpec();
  for (int i = 0; i < 17; ++i) {
    spec["steadyState"]["probes"].push_back(
        {{"name", "p" + std::to_string(i)}, {"http", {{"url", "http://svc/"}}}});
  }
  const common::Error error = specError(spec);
  EXPECT_EQ(error.field, "spec.steadyState.probes");
  EXPECT_NE(error.message.find("at most 16"), std::string::npos);
  spec["steadyState"]["probes"].erase(16);
  EXPECT_EQ(parsedSpec(spec).probes.size(), 16u);
}

// --- Fault types and their parameter objects ---------------------------------------------------

json faultSpec(const json& fault) {
  json spec = minimalSpec();
  spec["fault"] = fault;
  return spec;
}

TEST(FaultRulesTest, BackendFaultNeedsAUrlAndAtLeastOneSetting) {
  const ChaosExperimentSpec spec = parsedSpec(faultSpec(json::parse(
      R"({"type": "BackendFault", "backendFault": {"url": "http://backend:8000", "delayMs": 2000}})")));
  EXPECT_EQ(spec.fault.backend_fault.delay_ms, 2000);
  EXPECT_FALSE(spec.fault.backend_fault.failure_rate.has_value());

  EXPECT_EQ(
      specError(faultSpec(json::parse(
                    R"({"type": "BackendFault", "backendFault": {"url": "http://backend:8000"}})")))
          .field,
      "spec.fault.backendFault");
  EXPECT_EQ(specError(faultSpec(json::parse(
                          R"({"type": "BackendFault", "backendFault": {"failureRate": 0.5}})")))
                .field,
            "spec.fault.backendFault.url");
  EXPECT_EQ(
      specError(
          faultSpec(json::parse(
              R"({"type": "BackendFault", "backendFault": {"url": "backend:8000", "failureRate": 0.5}})")))
          .field,
      "spec.fault.backendFault.url");
  const common::Error missing = specError(faultSpec({{"type", "BackendFault"}}));
  EXPECT_EQ(missing.field, "spec.fault.backendFault");
  EXPECT_NE(missing.message.find("required"), std::string::npos);
}

TEST(FaultRulesTest, BackendFaultRangesNameTheirField) {
  const std::vector<std::pair<std::string, json>> cases = {
      {"failureRate", 2}, {"statusCode", 99}, {"delayMs", 600001}, {"delayRate", -0.1}};
  for (const auto& [key, value] : cases) {
    json fault = {{"type", "BackendFault"},
                  {"backendFault", {{"url", "http://backend:8000"}, {key, value}}}};
    EXPECT_EQ(specError(faultSpec(fault)).field, "spec.fault.backendFault." + key);
  }
}

TEST(FaultRulesTest, ParameterObjectOfAnotherTypeIsRejected) {
  json scale = faultSpec(json::parse(R"({"type": "PodDelete", "scaleDown": {"replicas": 0}})"));
  const common::Error error = specError(scale);
  EXPECT_EQ(error.field, "spec.fault.scaleDown");
  EXPECT_NE(error.message.find("only allowed with type ScaleDown"), std::string::npos);
  EXPECT_NE(error.message.find("PodDelete"), std::string::npos);
  EXPECT_EQ(
      specError(faultSpec(json::parse(R"({"type": "RolloutRestart", "podDelete": {}})"))).field,
      "spec.fault.podDelete");
  EXPECT_EQ(parsedSpec(faultSpec({{"type", "RolloutRestart"}})).fault.type,
            FaultType::kRolloutRestart);
}

TEST(FaultRulesTest, ScaleDownReadsReplicas) {
  EXPECT_EQ(
      parsedSpec(faultSpec(json::parse(R"({"type": "ScaleDown", "scaleDown": {"replicas": 1}})")))
          .fault.scale_down.replicas,
      1);
  EXPECT_EQ(parsedSpec(faultSpec({{"type", "ScaleDown"}})).fault.scale_down.replicas, 0);
  EXPECT_EQ(
      specError(faultSpec(json::parse(R"({"type": "ScaleDown", "scaleDown": {"replicas": -1}})")))
          .field,
      "spec.fault.scaleDown.replicas");
}

TEST(FaultRulesTest, NetworkPartitionNeedsBothSelectorsNonEmpty) {
  const json good = json::parse(R"({"type": "NetworkPartition", "networkPartition": {
      "from": {"matchLabels": {"app": "client"}}, "to": {"matchLabels": {"app": "backend"}}}})");
  const ChaosExperimentSpec spec = parsedSpec(faultSpec(good));
  EXPECT_EQ(spec.fault.network_partition.from.match_labels.at("app"), "client");
  EXPECT_EQ(spec.fault.network_partition.to.match_labels.at("app"), "backend");

  EXPECT_EQ(specError(faultSpec(withValue(good, "/networkPartition/from", json::object()))).field,
            "spec.fault.networkPartition.from");
  EXPECT_EQ(specError(faultSpec(without(good, "/networkPartition/to"))).field,
            "spec.fault.networkPartition.to");
  EXPECT_EQ(specError(faultSpec({{"type", "NetworkPartition"}})).field,
            "spec.fault.networkPartition");
}

TEST(FaultRulesTest, StressTypesNeedAUrlAndStayInRange) {
  for (const char* type : {"CPUStress", "MemoryStress", "ProcessCrash"}) {
    json fault = {{"type", type}, {"stress", {{"url", "http://backend:8000"}}}};
    const ChaosExperimentSpec spec = parsedSpec(faultSpec(fault));
    EXPECT_EQ(spec.fault.stress.memory_mb, 100) << type;
    EXPECT_EQ(spec.fault.stress.duration_seconds, 0) << type;
    EXPECT_EQ(specError(faultSpec({{"type", type}, {"stress", json::object()}})).field,
              "spec.fault.stress.url")
        << type;
    EXPECT_EQ(specError(faultSpec({{"type", type}})).field, "spec.fault.stress") << type;
  }
  const std::vector<std::pair<std::string, json>> cases = {
      {"durationSeconds", 3601}, {"memoryMB", 0}, {"memoryMB", 65537}, {"threads", 65}};
  for (const auto& [key, value] : cases) {
    json fault = {{"type", "CPUStress"},
                  {"stress", {{"url", "http://backend:8000"}, {key, value}}}};
    EXPECT_EQ(specError(faultSpec(fault)).field, "spec.fault.stress." + key);
  }
}

// --- Malformed JSON is an error, never an exception ------------------------------------------

TEST(MalformedSpecTest, WrongTypesAreCleanErrors) {
  const common::Error duration = specError(withValue(minimalSpec(), "/duration", 5));
  EXPECT_EQ(duration.field, "spec.duration");
  EXPECT_NE(duration.message.find("got a number"), std::string::npos);

  const common::Error probes =
      specError(withValue(minimalSpec(), "/steadyState", {{"probes", json::object()}}));
  EXPECT_EQ(probes.field, "spec.steadyState.probes");
  EXPECT_EQ(probes.message, "must be a list, got an object");

  EXPECT_EQ(specError(withValue(minimalSpec(), "/target", "web")).field, "spec.target");
  EXPECT_EQ(specError(withValue(fullSpec(), "/fault/podDelete/value", "3")).field,
            "spec.fault.podDelete.value");
  EXPECT_EQ(specError(withValue(minimalSpec(), "/dryRun", "yes")).field, "spec.dryRun");
  EXPECT_EQ(specError(withValue(minimalSpec(), "/recovery", json::array())).field, "spec.recovery");
  EXPECT_EQ(
      specError(withValue(fullSpec(), "/steadyState/probes/0/http/expectStatus/0", "200")).field,
      "spec.steadyState.probes[0].http.expectStatus[0]");
  EXPECT_EQ(specError(withValue(fullSpec(), "/steadyState/probes/2/metric/labels/state", 1)).field,
            "spec.steadyState.probes[2].metric.labels.state");
}

TEST(MalformedSpecTest, FractionsAndHugeNumbersAreNotIntegers) {
  const common::Error fraction = specError(withValue(fullSpec(), "/fault/podDelete/value", 1.5));
  EXPECT_EQ(fraction.field, "spec.fault.podDelete.value");
  EXPECT_NE(fraction.message.find("whole number"), std::string::npos);
  const common::Error huge = specError(withValue(fullSpec(), "/fault/podDelete/value", 1e12));
  EXPECT_EQ(huge.field, "spec.fault.podDelete.value");
  EXPECT_NE(huge.message.find("out of range"), std::string::npos);
  EXPECT_EQ(specError(withValue(fullSpec(), "/fault/podDelete/value", 18446744073709551615u)).field,
            "spec.fault.podDelete.value");
}

TEST(MalformedSpecTest, ProbeNeedsExactlyOneKind) {
  json both = fullSpec();
  both["steadyState"]["probes"][0]["metric"] = both["steadyState"]["probes"][2]["metric"];
  const common::Error two = specError(both);
  EXPECT_EQ(two.field, "spec.steadyState.probes[0]");
  EXPECT_NE(two.message.find("both http and metric"), std::string::npos);

  const common::Error none = specError(without(fullSpec(), "/steadyState/probes/1/workload"));
  EXPECT_EQ(none.field, "spec.steadyState.probes[1]");
  EXPECT_NE(none.message.find("exactly one of http, workload or metric"), std::string::npos);

  EXPECT_EQ(specError(withValue(fullSpec(), "/steadyState/probes/1", "backend-ready")).field,
            "spec.steadyState.probes[1]");
  EXPECT_EQ(specError(withValue(fullSpec(), "/steadyState/probes/1/workload", 1)).field,
            "spec.steadyState.probes[1].workload");
  EXPECT_EQ(specError(without(fullSpec(), "/steadyState/probes/2/metric/value")).field,
            "spec.steadyState.probes[2].metric.value");
  EXPECT_EQ(specError(without(fullSpec(), "/steadyState/probes/2/name")).field,
            "spec.steadyState.probes[2].name");
}

TEST(MalformedSpecTest, RequiredSectionsAreNamed) {
  EXPECT_EQ(specError(without(minimalSpec(), "/target")).field, "spec.target");
  EXPECT_EQ(specError(without(minimalSpec(), "/target/kind")).field, "spec.target.kind");
  EXPECT_EQ(specError(without(minimalSpec(), "/fault")).field, "spec.fault");
  EXPECT_EQ(specError(without(minimalSpec(), "/fault/type")).field, "spec.fault.type");
  EXPECT_EQ(specError(json::array()).field, "spec");

  json no_spec = experimentWith(minimalSpec());
  no_spec.erase("spec");
  common::Result<ChaosExperiment> missing = parseExperiment(no_spec);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "spec");
  EXPECT_FALSE(parseExperiment(json("not an object")).ok());
  EXPECT_FALSE(parseExperiment(json()).ok());
}

// Every member of a full spec and experiment replaced by each kind of wrong value: the codec
// answers with a value every time.
TEST(MalformedSpecTest, NoInputMakesTheCodecThrow) {
  const json experiment = experimentWith(fullSpec());
  std::vector<json::json_pointer> pointers;
  // flatten() is kept in a variable: items() refers to it.
  const json leaves = experiment.flatten();
  for (const auto& [path, leaf] : leaves.items()) {
    json::json_pointer pointer(path);
    while (!pointer.empty()) {
      pointers.push_back(pointer);
      pointer = pointer.parent_pointer();
    }
  }
  const std::vector<json> wrong_values = {nullptr,
                                          true,
                                          -1,
                                          0,
                                          1.5,
                                          1e300,
                                          18446744073709551615u,
                                          "",
                                          "x\xC3",
                                          json::array(),
                                          json::array({1, "a"}),
                                          json::object(),
                                          json{{"a", 1}}};
  int parsed = 0;
  for (const json::json_pointer& pointer : pointers) {
    for (const json& value : wrong_values) {
      json broken = experiment;
      broken[pointer] = value;
      EXPECT_NO_THROW({
        common::Result<ChaosExperiment> result = parseExperiment(broken);
        // Messages carry user text; they must stay valid UTF-8 to go into status JSON.
        if (!result.ok()) (void)json(describeError(result.error())).dump();
        ++parsed;
      }) << pointer.to_string();
    }
  }
  EXPECT_GT(parsed, 500);
}

// --- Metadata ----------------------------------------------------------------------------------

TEST(ParseExperimentTest, ReadsMetadata) {
  json object = experimentWith(minimalSpec());
  object["metadata"] = json::parse(R"({
    "name": "exp", "namespace": "demo", "uid": "u-1", "generation": 4, "resourceVersion": "77",
    "creationTimestamp": "2026-01-02T03:04:05Z", "deletionTimestamp": "2026-01-02T03:05:00Z",
    "finalizers": ["other.io/x", "chaos.aftershock.dev/rollback"]})");
  common::Result<ChaosExperiment> experiment = parseExperiment(object);
  ASSERT_TRUE(experiment.ok()) << describeError(experiment.error());
  EXPECT_EQ(experiment->name, "exp");
  EXPECT_EQ(experiment->namespace_name, "demo");
  EXPECT_EQ(experiment->uid, "u-1");
  EXPECT_EQ(experiment->generation, 4);
  EXPECT_EQ(experiment->resource_version, "77");
  EXPECT_EQ(experiment->creation_timestamp, "2026-01-02T03:04:05Z");
  EXPECT_TRUE(experiment->deleting);
  EXPECT_TRUE(experiment->has_finalizer);
  EXPECT_EQ(experiment->spec.target.namespace_name, "demo");
}

TEST(ParseExperimentTest, NoDeletionTimestampOrFinalizerReadsAsFalse) {
  json object = experimentWith(minimalSpec());
  object["metadata"]["finalizers"] = {"other.io/x"};
  common::Result<ChaosExperiment> experiment = parseExperiment(object);
  ASSERT_TRUE(experiment.ok());
  EXPECT_FALSE(experiment->deleting);
  EXPECT_FALSE(experiment->has_finalizer);
  EXPECT_EQ(experiment->status.phase, Phase::kPending);
}

TEST(ParseExperimentTest, MetadataAndStatusSurviveAnInvalidSpec) {
  json object = experimentWith(withValue(minimalSpec(), "/duration", "forever"));
  object["metadata"]["finalizers"] = {std::string(kFinalizer)};
  object["metadata"]["generation"] = 3;
  object["status"] = json::parse(R"({"phase": "FaultActive",
      "affected": [{"kind": "Deployment", "namespace": "demo", "name": "web",
                    "original": {"replicas": 3}}]})");
  ASSERT_FALSE(parseExperiment(object).ok());
  const ChaosExperiment experiment = parseMetadataAndStatus(object);
  EXPECT_EQ(experiment.name, "exp");
  EXPECT_EQ(experiment.generation, 3);
  EXPECT_TRUE(experiment.has_finalizer);
  EXPECT_EQ(experiment.status.phase, Phase::kFaultActive);
  ASSERT_EQ(experiment.status.affected.size(), 1u);
  EXPECT_EQ(experiment.status.affected[0].original["replicas"], 3);
}

// --- Writing the spec --------------------------------------------------------------------------

TEST(SpecToJsonTest, FullSpecRoundTrips) {
  const ChaosExperimentSpec original = parsedSpec(fullSpec());
  const json written = specToJson(original);
  const ChaosExperimentSpec read = parsedSpec(written);
  EXPECT_EQ(specToJson(read), written);
  EXPECT_EQ(read.probes[0].http.max_latency, original.probes[0].http.max_latency);
  EXPECT_EQ(read.hypothesis.max_recovery_time, original.hypothesis.max_recovery_time);
  EXPECT_EQ(written["duration"], "45s");
  EXPECT_EQ(written["steadyState"]["probes"][2]["metric"]["op"], "<=");
  EXPECT_EQ(written["target"]["namespace"], "demo");
}

TEST(SpecToJsonTest, WritesOnlyTheParameterObjectOfTheFaultType) {
  const std::vector<json> faults = {
      json::parse(R"({"type": "ScaleDown", "scaleDown": {"replicas": 1}})"),
      json::parse(R"({"type": "RolloutRestart"})"),
      json::parse(R"({"type": "BackendFault", "backendFault": {"url": "http://b:8000",
                      "failureRate": 0.25, "statusCode": 503, "delayMs": 10, "delayRate": 1}})"),
      json::parse(R"({"type": "NetworkPartition", "networkPartition": {
                      "from": {"matchLabels": {"app": "c"}},
                      "to": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["b"]}]}}})"),
      json::parse(R"({"type": "MemoryStress", "stress": {"url": "http://b:8000", "memoryMB": 64,
                      "durationSeconds": 10, "threads": 2}})"),
  };
  for (const json& fault : faults) {
    const json written = specToJson(parsedSpec(faultSpec(fault)));
    EXPECT_EQ(written["fault"], fault) << fault.dump();
  }
}

TEST(SpecToJsonTest, UnsetOptionalsAreOmitted) {
  const json written = specToJson(parsedSpec(minimalSpec()));
  EXPECT_FALSE(written.contains("steadyState"));
  EXPECT_FALSE(written.contains("hypothesis"));
  EXPECT_FALSE(written.contains("abortWhen"));
  EXPECT_FALSE(written["target"].contains("selector"));
  EXPECT_EQ(written["fault"]["podDelete"]["mode"], "One");
}

// --- The design brief's example ------------------------------------------------------------------

// DESIGN.md's sample in JSON, with only the fault parameters of its type (PodDelete); the brief
// lists all of them to show the choices, which the CRD's rule (and the codec) would reject.
constexpr std::string_view kDesignExample = R"({
  "apiVersion": "chaos.aftershock.dev/v1alpha1",
  "kind": "ChaosExperiment",
  "metadata": {"name": "backend-pod-delete", "namespace": "demo"},
  "spec": {
    "target": {"kind": "Deployment", "name": "backend-service",
               "selector": {"matchLabels": {"app": "backend-service"}}},
    "fault": {"type": "PodDelete", "podDelete": {"mode": "One", "value": 1, "gracePeriodSeconds": 0}},
    "duration": "30s",
    "steadyState": {"probes": [
      {"name": "client-fetch",
       "http": {"url": "http://client-service:9090/fetch-data", "expectStatus": [200],
                "timeout": "2s", "maxLatency": "500ms"},
       "interval": "1s"},
      {"name": "backend-ready", "workload": {"kind": "Deployment", "name": "backend-service"}},
      {"name": "circuit-closed",
       "metric": {"url": "http://client-service:9090/metrics", "name": "client_circuit_breaker_state",
                  "labels": {"state": "open"}, "op": "==", "value": 0}}]},
    "hypothesis": {"minAvailability": 0.95, "maxRecoveryTime": "60s"},
    "recovery": {"timeout": "120s", "consecutiveSuccesses": 3},
    "repeat": {"count": 1, "cooldown": "10s"},
    "safety": {"minHealthyReplicas": 1, "concurrencyPolicy": "Forbid"},
    "abortWhen": {"consecutiveProbeFailures": 30, "availabilityBelow": 0.5},
    "dryRun": false,
    "abort": false}})";

TEST(DesignExampleTest, ParsesWithEveryValueInPlace) {
  common::Result<ChaosExperiment> parsed = parseExperiment(json::parse(kDesignExample));
  ASSERT_TRUE(parsed.ok()) << describeError(parsed.error());
  const ChaosExperiment& experiment = *parsed;
  EXPECT_EQ(experiment.name, "backend-pod-delete");
  const ChaosExperimentSpec& spec = experiment.spec;
  EXPECT_EQ(spec.target.kind, TargetKind::kDeployment);
  EXPECT_EQ(spec.target.name, "backend-service");
  EXPECT_EQ(spec.target.namespace_name, "demo");
  EXPECT_EQ(selectorString(spec.target.selector), "app=backend-service");
  EXPECT_EQ(spec.fault.type, FaultType::kPodDelete);
  EXPECT_EQ(spec.fault.pod_delete.mode, PodDeleteMode::kOne);
  EXPECT_EQ(spec.duration, seconds(30));
  ASSERT_EQ(spec.probes.size(), 3u);
  EXPECT_EQ(spec.probes[0].name, "client-fetch");
  EXPECT_EQ(spec.probes[0].http.url, "http://client-service:9090/fetch-data");
  EXPECT_EQ(spec.probes[0].http.max_latency, milliseconds(500));
  EXPECT_EQ(spec.probes[1].workload.name, "backend-service");
  EXPECT_EQ(spec.probes[1].workload.namespace_name, "demo");
  EXPECT_EQ(spec.probes[1].interval, seconds(1));
  EXPECT_EQ(spec.probes[2].metric.name, "client_circuit_breaker_state");
  EXPECT_EQ(spec.probes[2].metric.labels.at("state"), "open");
  EXPECT_EQ(spec.probes[2].metric.op, CompareOp::kEqual);
  EXPECT_EQ(spec.probes[2].metric.value, 0.0);
  EXPECT_EQ(spec.hypothesis.min_availability, 0.95);
  EXPECT_EQ(spec.hypothesis.max_recovery_time, seconds(60));
  EXPECT_EQ(spec.recovery.timeout, seconds(120));
  EXPECT_EQ(spec.repeat.cooldown, seconds(10));
  EXPECT_EQ(spec.safety.min_healthy_replicas, 1);
  EXPECT_EQ(spec.abort_when.consecutive_probe_failures, 30);
  EXPECT_EQ(spec.abort_when.availability_below, 0.5);
  EXPECT_FALSE(spec.dry_run);
}

TEST(DesignExampleTest, ListingEveryFaultParameterObjectIsRejectedAtTheFirstStrayOne) {
  json object = json::parse(kDesignExample);
  object["spec"]["fault"]["scaleDown"] = {{"replicas", 0}};
  object["spec"]["fault"]["backendFault"] = {{"url", "http://backend-service:8000"},
                                             {"failureRate", 0.5}};
  common::Result<ChaosExperiment> parsed = parseExperiment(object);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().field, "spec.fault.scaleDown");
}

// --- Names of enum values ----------------------------------------------------------------------

TEST(CodecNamesTest, CompareOpsRoundTripAndCompare) {
  for (const CompareOp op :
       {CompareOp::kEqual, CompareOp::kNotEqual, CompareOp::kLess, CompareOp::kLessEqual,
        CompareOp::kGreater, CompareOp::kGreaterEqual}) {
    EXPECT_EQ(parseCompareOp(compareOpName(op)), op);
  }
  EXPECT_EQ(compareOpName(CompareOp::kGreaterEqual), ">=");
  EXPECT_FALSE(parseCompareOp("=").has_value());
  EXPECT_TRUE(compare(1, CompareOp::kEqual, 1));
  EXPECT_TRUE(compare(1, CompareOp::kNotEqual, 2));
  EXPECT_TRUE(compare(1, CompareOp::kLess, 2));
  EXPECT_FALSE(compare(2, CompareOp::kLess, 2));
  EXPECT_TRUE(compare(2, CompareOp::kLessEqual, 2));
  EXPECT_TRUE(compare(3, CompareOp::kGreater, 2));
  EXPECT_FALSE(compare(2, CompareOp::kGreater, 2));
  EXPECT_TRUE(compare(2, CompareOp::kGreaterEqual, 2));
}

TEST(CodecNamesTest, ProbeKindsAndModesHaveTheirJsonNames) {
  EXPECT_EQ(probeKindName(ProbeKind::kHttp), "http");
  EXPECT_EQ(probeKindName(ProbeKind::kWorkload), "workload");
  EXPECT_EQ(probeKindName(ProbeKind::kMetric), "metric");
  EXPECT_EQ(podDeleteModeName(PodDeleteMode::kPercent), "Percent");
  EXPECT_EQ(parsePodDeleteMode("All"), PodDeleteMode::kAll);
  EXPECT_EQ(concurrencyPolicyName(ConcurrencyPolicy::kAllow), "Allow");
  EXPECT_EQ(parseConcurrencyPolicy("Forbid"), ConcurrencyPolicy::kForbid);
  EXPECT_FALSE(parseConcurrencyPolicy("forbid").has_value());
}

}  // namespace
}  // namespace aftershock::op::v1alpha1
