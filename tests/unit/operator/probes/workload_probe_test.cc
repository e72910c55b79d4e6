// WorkloadProbe against FakeKubeClient: replica counts, rollout state, pod readiness, and the
// failures of the API itself.
#include "operator/probes/workload_probe.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "operator/kube/resource.h"
#include "tests/fakes/fake_kube_client.h"

namespace aftershock::op {
namespace {

using testing::FakeKubeClient;

constexpr const char* kNamespace = "demo";

// A Deployment in steady state: 3 replicas, all ready and updated, generation observed.
json deployment(const std::string& name = "web") {
  return json{{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata", {{"name", name}, {"generation", 4}}},
              {"spec", {{"replicas", 3}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}},
              {"status",
               {{"observedGeneration", 4},
                {"replicas", 3},
                {"readyReplicas", 3},
                {"updatedReplicas", 3},
                {"availableReplicas", 3}}}};
}

json pod(const std::string& name, const std::string& phase = "Running",
         const std::string& ready = "True", const std::string& app = "web") {
  return json{{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"labels", {{"app", app}, {"pod", name}}}}},
              {"status",
               {{"phase", phase},
                {"conditions", json::array({{{"type", "PodScheduled"}, {"status", "True"}},
                                            {{"type", "Ready"}, {"status", ready}}})}}}};
}

class WorkloadProbeTest : public ::testing::Test {
 protected:
  WorkloadProbeTest() {
    spec_.kind = v1alpha1::TargetKind::kDeployment;
    spec_.name = "web";
    spec_.namespace_name = kNamespace;
  }

  void addDeployment(const json& object) {
    ASSERT_TRUE(kube_.create(resources::deployments(), kNamespace, object).ok());
  }
  void addPods(int count) {
    for (int i = 0; i < count; ++i) addPod(pod("web-" + std::to_string(i)));
  }
  void addPod(const json& object) {
    ASSERT_TRUE(kube_.create(resources::pods(), kNamespace, object).ok());
  }

  CheckResult check() {
    WorkloadProbe probe(spec_, kube_);
    return probe.check();
  }

  FakeKubeClient kube_;
  v1alpha1::WorkloadProbeSpec spec_;
};

TEST_F(WorkloadProbeTest, PassesWhenEveryReplicaAndPodIsReady) {
  addDeployment(deployment());
  addPods(3);
  const CheckResult result = check();
  EXPECT_TRUE(result.passed) << result.error;
  EXPECT_EQ(result.error, "");
}

TEST_F(WorkloadProbeTest, FailsWhenFewerReplicasAreReady) {
  json object = deployment();
  object["status"]["readyReplicas"] = 2;
  addDeployment(object);
  addPods(3);
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "2 of 3 replicas ready");
}

TEST_F(WorkloadProbeTest, FailsWhenMoreReplicasAreReadyThanDesired) {
  json object = deployment();
  object["status"]["readyReplicas"] = 4;
  addDeployment(object);
  addPods(4);
  EXPECT_EQ(check().error, "4 replicas ready, want 3 (rollout in progress)");
}

TEST_F(WorkloadProbeTest, TreatsAbsentReadyReplicasAsZero) {
  json object = deployment();
  object["status"].erase("readyReplicas");
  addDeployment(object);
  addPods(3);
  EXPECT_EQ(check().error, "0 of 3 replicas ready");
}

TEST_F(WorkloadProbeTest, TreatsAbsentSpecReplicasAsOne) {
  json object = deployment();
  object["spec"].erase("replicas");
  object["status"]["readyReplicas"] = 1;
  object["status"]["updatedReplicas"] = 1;
  addDeployment(object);
  addPods(1);
  const CheckResult result = check();
  EXPECT_TRUE(result.passed) << result.error;
}

TEST_F(WorkloadProbeTest, FailsWhenScaledToZero) {
  json object = deployment();
  object["spec"]["replicas"] = 0;
  object["status"]["readyReplicas"] = 0;
  object["status"]["updatedReplicas"] = 0;
  addDeployment(object);
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "Deployment demo/web is scaled to zero");
}

TEST_F(WorkloadProbeTest, FailsWhileTheRolloutIsNotObservedYet) {
  json object = deployment();
  object["metadata"]["generation"] = 5;
  addDeployment(object);
  addPods(3);
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error,
            "Deployment demo/web rollout not observed yet (observedGeneration 4, generation 5)");
}

TEST_F(WorkloadProbeTest, SkipsTheGenerationCheckWhenObservedGenerationIsAbsent) {
  json object = deployment();
  object["status"].erase("observedGeneration");
  addDeployment(object);
  addPods(3);
  EXPECT_TRUE(check().passed);
}

TEST_F(WorkloadProbeTest, FailsWhileUpdatedReplicasLagBehind) {
  json object = deployment();
  object["status"]["updatedReplicas"] = 2;
  addDeployment(object);
  addPods(3);
  EXPECT_EQ(check().error, "2 of 3 replicas updated (rollout in progress)");
}

TEST_F(WorkloadProbeTest, ChecksAStatefulSetWithoutItsUpdatedReplicas) {
  spec_.kind = v1alpha1::TargetKind::kStatefulSet;
  json object = deployment();
  object["kind"] = "StatefulSet";
  // A partitioned rolling update keeps updatedReplicas below replicas on purpose.
  object["status"]["updatedReplicas"] = 1;
  ASSERT_TRUE(kube_.create(resources::statefulSets(), kNamespace, object).ok());
  addPods(3);
  const CheckResult result = check();
  EXPECT_TRUE(result.passed) << result.error;
}

TEST_F(WorkloadProbeTest, MissingDeploymentFailsWithItsName) {
  spec_.name = "x";
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "Deployment demo/x not found");
}

TEST_F(WorkloadProbeTest, MissingStatefulSetFailsWithItsName) {
  spec_.kind = v1alpha1::TargetKind::kStatefulSet;
  addDeployment(deployment());  // same name, other kind: not what was asked for
  EXPECT_EQ(check().error, "StatefulSet demo/web not found");
}

TEST_F(WorkloadProbeTest, ApiErrorFailsWithItsMessage) {
  addDeployment(deployment());
  addPods(3);
  kube_.failNext(FakeKubeClient::Verb::kGet,
                 common::makeError(common::ErrorCode::kForbidden,
                                   "deployments.apps \"web\" is forbidden: no RBAC"));
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error,
            "cannot read Deployment demo/web: deployments.apps \"web\" is forbidden: no RBAC");
}

TEST_F(WorkloadProbeTest, PodListErrorFailsWithItsMessage) {
  addDeployment(deployment());
  addPods(3);
  kube_.failNext(FakeKubeClient::Verb::kList,
                 common::makeError(common::ErrorCode::kUnavailable, "connection refused"));
  EXPECT_EQ(check().error, "cannot list pods of Deployment demo/web: connection refused");
}

TEST_F(WorkloadProbeTest, CountsOnlyPodsThatAreRunningAndReady) {
  addDeployment(deployment());
  addPod(pod("web-0"));
  addPod(pod("web-1"));
  addPod(pod("web-2", "Running", "False"));
  addPod(pod("web-3", "Pending", "False"));
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "2 of 3 pods Running and Ready");
}

TEST_F(WorkloadProbeTest, DoesNotCountAPodWithoutAReadyCondition) {
  addDeployment(deployment());
  addPods(2);
  json unready = pod("web-2");
  unready["status"]["conditions"] = json::array({{{"type", "PodScheduled"}, {"status", "True"}}});
  addPod(unready);
  EXPECT_EQ(check().error, "2 of 3 pods Running and Ready");
}

TEST_F(WorkloadProbeTest, DoesNotCountAPodBeingDeleted) {
  addDeployment(deployment());
  addPods(2);
  json terminating = pod("web-2");
  terminating["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  addPod(terminating);
  EXPECT_EQ(check().error, "2 of 3 pods Running and Ready");
}

TEST_F(WorkloadProbeTest, CountsOnlyPodsMatchingTheWorkloadsSelector) {
  addDeployment(deployment());
  addPods(2);
  addPod(pod("other-0", "Running", "True", "other"));
  ASSERT_TRUE(kube_.create(resources::pods(), "elsewhere", pod("web-9")).ok());
  EXPECT_EQ(check().error, "2 of 3 pods Running and Ready");
}

TEST_F(WorkloadProbeTest, RequiresEveryMatchLabel) {
  json object = deployment();
  object["spec"]["selector"]["matchLabels"]["pod"] = "web-0";
  addDeployment(object);
  addPods(3);
  EXPECT_EQ(check().error, "1 of 3 pods Running and Ready");
}

TEST_F(WorkloadProbeTest, FailsForAWorkloadWithoutAPodSelector) {
  json object = deployment();
  object["spec"].erase("selector");
  addDeployment(object);
  addPods(3);
  EXPECT_EQ(check().error, "Deployment demo/web has no pod selector");
}

TEST_F(WorkloadProbeTest, MalformedObjectFailsWithoutThrowing) {
  addDeployment(json{{"metadata", {{"name", "web"}, {"generation", "four"}}},
                     {"spec", "not an object"},
                     {"status", json::array({1, 2})}});
  CheckResult result;
  EXPECT_NO_THROW(result = check());
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "0 of 1 replicas ready");
}

TEST_F(WorkloadProbeTest, AnExceptionFromTheClientBecomesAFailedCheck) {
  addDeployment(deployment());
  kube_.setBeforeCall([](const FakeKubeClient::Call&) { throw std::runtime_error("boom"); });
  CheckResult result;
  EXPECT_NO_THROW(result = check());
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "probe error on Deployment demo/web: boom");
}

TEST(LabelSelectorStringTest, JoinsMatchLabelsInKeyOrder) {
  const json selector = {{"matchLabels", {{"tier", "front"}, {"app", "web"}}}};
  EXPECT_EQ(labelSelectorString(selector), "app=web,tier=front");
}

TEST(LabelSelectorStringTest, WritesMatchExpressionsInSetSyntax) {
  const json selector = {
      {"matchLabels", {{"app", "web"}}},
      {"matchExpressions",
       json::array({{{"key", "env"}, {"operator", "In"}, {"values", {"prod", "stage"}}},
                    {{"key", "canary"}, {"operator", "NotIn"}, {"values", {"true"}}},
                    {{"key", "team"}, {"operator", "Exists"}},
                    {{"key", "legacy"}, {"operator", "DoesNotExist"}}})}};
  EXPECT_EQ(labelSelectorString(selector),
            "app=web,env in (prod,stage),canary notin (true),team,!legacy");
}

TEST(LabelSelectorStringTest, IsEmptyForAnEmptyOrMalformedSelector) {
  EXPECT_EQ(labelSelectorString(json()), "");
  EXPECT_EQ(labelSelectorString(json::object()), "");
  EXPECT_EQ(labelSelectorString(json{{"matchLabels", "app=web"}}), "");
}

}  // namespace
}  // namespace aftershock::op
