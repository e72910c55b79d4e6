#include "operator/faults/target_pods.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "operator/kube/object_fields.h"
#include "tests/fakes/fake_kube_client.h"
#include "tests/unit/operator/faults/fault_test_support.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using testing::FakeKubeClient;
using v1alpha1::TargetKind;

class TargetPodsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    target_.kind = TargetKind::kDeployment;
    target_.name = "backend-service";
    target_.namespace_name = "demo";
  }

  void seed(const Resource& resource, const json& object, const std::string& ns = "demo") {
    ASSERT_TRUE(kube_.create(resource, ns, object).ok());
  }

  std::vector<std::string> names(const ResolvedTarget& resolved) {
    std::vector<std::string> out;
    for (const TargetPod& p : resolved.pods) out.push_back(p.name);
    return out;
  }

  FakeKubeClient kube_;
  v1alpha1::TargetSpec target_;
  const Labels backend_{{"app", "backend-service"}};
};

TEST_F(TargetPodsTest, ResolvesADeploymentsPodsByItsOwnSelectorSortedByName) {
  seed(resources::deployments(), workloadObject("backend-service", 3, backend_));
  seed(resources::pods(), podObject("backend-b", backend_));
  seed(resources::pods(), podObject("backend-a", backend_));
  seed(resources::pods(), podObject("client-a", {{"app", "client-service"}}));
  seed(resources::pods(), podObject("backend-other-ns", backend_), "elsewhere");

  auto resolved = resolveTargetPods(kube_, target_);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(names(*resolved), (std::vector<std::string>{"backend-a", "backend-b"}));
  EXPECT_EQ(resolved->desired_replicas, 3);
  EXPECT_EQ(resolved->workload_name, "backend-service");
  EXPECT_EQ(
      resolved->workload_uid,
      metadataString(*kube_.stored(resources::deployments(), "demo", "backend-service"), "uid"));
  EXPECT_EQ(resolved->selector_text, "app=backend-service");
  EXPECT_EQ(resolved->describe(), "Deployment demo/backend-service");
}

TEST_F(TargetPodsTest, TheTargetsSelectorWinsOverTheWorkloadsSelector) {
  seed(resources::deployments(), workloadObject("backend-service", 2, backend_));
  seed(resources::pods(), podObject("backend-a", {{"app", "backend-service"}, {"zone", "a"}}));
  seed(resources::pods(), podObject("backend-b", {{"app", "backend-service"}, {"zone", "b"}}));
  target_.selector.match_labels = {{"app", "backend-service"}, {"zone", "b"}};

  auto resolved = resolveTargetPods(kube_, target_);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(names(*resolved), (std::vector<std::string>{"backend-b"}));
}

TEST_F(TargetPodsTest, AMissingDeploymentIsNotFoundNamingKindNamespaceAndName) {
  auto resolved = resolveTargetPods(kube_, target_);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(resolved.error().message, "Deployment demo/backend-service not found");
}

TEST_F(TargetPodsTest, AStatefulSetIsReadFromItsOwnCollection) {
  target_.kind = TargetKind::kStatefulSet;
  target_.name = "db";
  seed(resources::deployments(), workloadObject("db", 9, {{"app", "db"}}));  // the wrong kind
  auto missing = resolveTargetPods(kube_, target_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "StatefulSet demo/db not found");

  seed(resources::statefulSets(), workloadObject("db", 2, {{"app", "db"}}));
  seed(resources::pods(), podObject("db-0", {{"app", "db"}}));
  auto resolved = resolveTargetPods(kube_, target_);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(resolved->desired_replicas, 2);
  EXPECT_EQ(names(*resolved), (std::vector<std::string>{"db-0"}));
}

TEST_F(TargetPodsTest, PodKindListsPodsBySelectorAndCountsThemAsDesired) {
  target_.kind = TargetKind::kPod;
  target_.name.clear();
  target_.selector.match_labels = backend_;
  seed(resources::pods(), podObject("backend-a", backend_));
  seed(resources::pods(), podObject("backend-b", backend_));
  seed(resources::pods(), podObject("client-a", {{"app", "client-service"}}));

  auto resolved = resolveTargetPods(kube_, target_);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(names(*resolved), (std::vector<std::string>{"backend-a", "backend-b"}));
  EXPECT_EQ(resolved->desired_replicas, 2);
  EXPECT_EQ(resolved->describe(), "pods matching app=backend-service in namespace demo");
  EXPECT_EQ(kube_.callCount(FakeKubeClient::Verb::kGet), 0u);
}

TEST_F(TargetPodsTest, PodsAlreadyTerminatingAreLeftOut) {
  seed(resources::deployments(), workloadObject("backend-service", 2, backend_));
  json leaving = podObject("backend-a", backend_);
  leaving["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  seed(resources::pods(), leaving);
  seed(resources::pods(), podObject("backend-b", backend_));

  auto resolved = resolveTargetPods(kube_, target_);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(names(*resolved), (std::vector<std::string>{"backend-b"}));
}

TEST_F(TargetPodsTest, MatchExpressionsOfTheWorkloadSelectorAreApplied) {
  json deployment = workloadObject("backend-service", 2, backend_);
  deployment["spec"]["selector"]["matchExpressions"] =
      json::array({{{"key", "tier"}, {"operator", "In"}, {"values", {"web", "api"}}}});
  seed(resources::deployments(), deployment);
  seed(resources::pods(), podObject("backend-api", {{"app", "backend-service"}, {"tier", "api"}}));
  seed(resources::pods(), podObject("backend-db", {{"app", "backend-service"}, {"tier", "db"}}));
  seed(resources::pods(), podObject("backend-none", backend_));

  auto resolved = resolveTargetPods(kube_, target_);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(names(*resolved), (std::vector<std::string>{"backend-api"}));
  EXPECT_EQ(resolved->selector_text, "app=backend-service,tier in (web,api)");
}

TEST_F(TargetPodsTest, AnEmptySelectorIsRefusedRatherThanSelectingTheWholeNamespace) {
  target_.kind = TargetKind::kPod;
  target_.name.clear();
  seed(resources::pods(), podObject("anything", backend_));

  auto resolved = resolveTargetPods(kube_, target_);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code, ErrorCode::kInvalid);
  EXPECT_NE(resolved.error().message.find("every pod in namespace demo"), std::string::npos);
  EXPECT_EQ(kube_.callCount(FakeKubeClient::Verb::kList), 0u);
}

TEST_F(TargetPodsTest, AWorkloadWithoutASelectorAsksForTheTargetSelector) {
  seed(resources::deployments(),
       {{"metadata", {{"name", "backend-service"}}}, {"spec", json::object()}});
  auto resolved = resolveTargetPods(kube_, target_);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code, ErrorCode::kInvalid);
  EXPECT_NE(resolved.error().message.find("set spec.target.selector"), std::string::npos);
}

TEST_F(TargetPodsTest, DesiredReplicasDefaultsToOneWhenTheSpecLeavesThemOut) {
  seed(resources::deployments(), workloadObject("backend-service", std::nullopt, backend_));
  auto resolved = resolveTargetPods(kube_, target_);
  ASSERT_TRUE(resolved.ok()) << resolved.error().message;
  EXPECT_EQ(resolved->desired_replicas, 1);
  EXPECT_EQ(desiredReplicas(json{{"spec", {{"replicas", "three"}}}}), 1);
  EXPECT_EQ(desiredReplicas(json::array()), 1);
}

TEST_F(TargetPodsTest, AnApiFailureWhileListingKeepsItsCodeAndSaysWhatWasBeingDone) {
  seed(resources::deployments(), workloadObject("backend-service", 1, backend_));
  kube_.failNext(FakeKubeClient::Verb::kList,
                 common::makeError(ErrorCode::kUnavailable, "connection refused"));
  auto resolved = resolveTargetPods(kube_, target_);
  ASSERT_FALSE(resolved.ok());
  EXPECT_EQ(resolved.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(resolved.error().message,
            "listing the pods of Deployment demo/backend-service: connection refused");
}

TEST(PodFromObjectTest, ReadsNameUidPhaseReadinessAndDeletion) {
  json object = podObject("p", {}, "Running", true);
  object["metadata"]["uid"] = "u-1";
  TargetPod read = podFromObject(object);
  EXPECT_EQ(read.name, "p");
  EXPECT_EQ(read.uid, "u-1");
  EXPECT_EQ(read.phase, "Running");
  EXPECT_TRUE(read.ready);
  EXPECT_FALSE(read.terminating);
  EXPECT_TRUE(read.runningAndReady());

  object["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  object["status"]["conditions"][0]["status"] = "False";
  read = podFromObject(object);
  EXPECT_FALSE(read.ready);
  EXPECT_TRUE(read.terminating);
}

TEST(PodFromObjectTest, AMalformedPodReadsAsEmptyWithoutThrowing) {
  const TargetPod read = podFromObject(
      json{{"metadata", "oops"}, {"status", {{"conditions", {{"type", 1}}}, {"phase", 2}}}});
  EXPECT_TRUE(read.name.empty());
  EXPECT_TRUE(read.phase.empty());
  EXPECT_FALSE(read.ready);
  EXPECT_FALSE(read.terminating);
}

TEST_F(TargetPodsTest, ARecordedWorkloadReplacedUnderTheSameNameReadsAsAbsent) {
  seed(resources::deployments(), workloadObject("backend-service", 3, backend_));
  v1alpha1::AffectedResource entry{
      "Deployment",
      "demo",
      "backend-service",
      metadataString(*kube_.stored(resources::deployments(), "demo", "backend-service"), "uid"),
      json::object(),
      ""};
  auto recorded = getRecordedWorkload(kube_, entry);
  ASSERT_TRUE(recorded.ok());
  EXPECT_TRUE(recorded->object.has_value());

  ASSERT_TRUE(kube_.remove(resources::deployments(), "demo", "backend-service").ok());
  recorded = getRecordedWorkload(kube_, entry);
  ASSERT_TRUE(recorded.ok());
  EXPECT_FALSE(recorded->object.has_value());
  EXPECT_EQ(recorded->absence, "not found");

  seed(resources::deployments(), workloadObject("backend-service", 3, backend_));
  recorded = getRecordedWorkload(kube_, entry);
  ASSERT_TRUE(recorded.ok());
  EXPECT_FALSE(recorded->object.has_value());
  EXPECT_NE(recorded->absence.find("recreated"), std::string::npos);

  entry.kind = "Pod";
  EXPECT_EQ(getRecordedWorkload(kube_, entry).error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace aftershock::op
