#include "operator/faults/scale_down.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "operator/faults/target_pods.h"
#include "operator/kube/object_fields.h"
#include "tests/unit/operator/faults/fault_test_support.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using testing::FakeKubeClient;
using v1alpha1::AffectedResource;
using v1alpha1::TargetKind;
using Verb = FakeKubeClient::Verb;

class ScaleDownTest : public FaultTest {
 protected:
  void SetUp() override {
    nameExperiment("backend-scale-down", v1alpha1::FaultType::kScaleDown);
    targetBackendDeployment();
    experiment_.spec.fault.scale_down.replicas = 1;
    fault_ = makeScaleDownFault();
  }

  void seed(int replicas, const Resource& resource = resources::deployments(),
            const std::string& name = "backend-service") {
    ASSERT_TRUE(
        kube_.create(resource, "demo", workloadObject(name, replicas, {{"app", name}})).ok());
  }
  std::int64_t replicas(const Resource& resource = resources::deployments(),
                        const std::string& name = "backend-service") {
    auto stored = kube_.stored(resource, "demo", name);
    return stored ? desiredReplicas(*stored) : -1;
  }
};

TEST_F(ScaleDownTest, IsHeldUntilRollback) { EXPECT_TRUE(fault_->held()); }

TEST_F(ScaleDownTest, PlanRecordsTheWorkloadAndItsOriginalReplicasWithoutWriting) {
  seed(3);
  const auto affected = plan();
  ASSERT_EQ(affected.size(), 1u);
  EXPECT_EQ(affected[0].kind, "Deployment");
  EXPECT_EQ(affected[0].namespace_name, "demo");
  EXPECT_EQ(affected[0].name, "backend-service");
  EXPECT_EQ(
      affected[0].uid,
      metadataString(*kube_.stored(resources::deployments(), "demo", "backend-service"), "uid"));
  EXPECT_EQ(affected[0].original, (json{{"replicas", 3}}));
  EXPECT_EQ(kube_.callCount(Verb::kPatch), 0u);
}

TEST_F(ScaleDownTest, ScaleDownThenRollbackRestoresTheExactOriginal) {
  seed(5);
  const auto affected = plan();
  EXPECT_FALSE(verified(fault_->verifyInjected(context(), affected)));

  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_EQ(replicas(), 1);
  EXPECT_TRUE(verified(fault_->verifyInjected(context(), affected)));
  EXPECT_FALSE(verified(fault_->verifyRolledBack(context(), affected)));
  std::vector<std::string> patched;
  for (const FakeKubeClient::Call& call : kube_.calls()) {
    if (call.verb == Verb::kPatch) patched.push_back(call.path);
  }
  EXPECT_EQ(patched, (std::vector<std::string>{
                         "/apis/apps/v1/namespaces/demo/deployments/backend-service/scale"}));

  ASSERT_TRUE(fault_->rollback(context(), affected).ok());
  EXPECT_EQ(replicas(), 5);
  EXPECT_TRUE(verified(fault_->verifyRolledBack(context(), affected)));
}

TEST_F(ScaleDownTest, InjectAndRollbackAreIdempotent) {
  seed(3);
  const auto affected = plan();
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_EQ(kube_.callCount(Verb::kPatch), 1u);
  ASSERT_TRUE(fault_->rollback(context(), affected).ok());
  ASSERT_TRUE(fault_->rollback(context(), affected).ok());
  EXPECT_EQ(kube_.callCount(Verb::kPatch), 2u);
  EXPECT_EQ(replicas(), 3);
}

TEST_F(ScaleDownTest, ScalingToZeroIsAllowedWithoutASafetyFloor) {
  seed(2);
  experiment_.spec.fault.scale_down.replicas = 0;
  const auto affected = plan();
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_EQ(replicas(), 0);
  EXPECT_TRUE(verified(fault_->verifyInjected(context(), affected)));
}

TEST_F(ScaleDownTest, AStatefulSetIsScaledThroughItsOwnScale) {
  experiment_.spec.target.kind = TargetKind::kStatefulSet;
  experiment_.spec.target.name = "db";
  seed(3, resources::statefulSets(), "db");
  const auto affected = plan();
  ASSERT_EQ(affected.size(), 1u);
  EXPECT_EQ(affected[0].kind, "StatefulSet");
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_EQ(replicas(resources::statefulSets(), "db"), 1);
  ASSERT_TRUE(fault_->rollback(context(), affected).ok());
  EXPECT_EQ(replicas(resources::statefulSets(), "db"), 3);
}

TEST_F(ScaleDownTest, AMissingDeploymentIsNotFoundWithItsName) {
  auto planned = fault_->plan(context());
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(planned.error().message, "Deployment demo/backend-service not found");
}

TEST_F(ScaleDownTest, APodTargetIsInvalid) {
  experiment_.spec.target.kind = TargetKind::kPod;
  auto planned = fault_->plan(context());
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(planned.error().field, "spec.target.kind");
}

TEST_F(ScaleDownTest, SafetyRefusesATargetBelowMinHealthyReplicas) {
  seed(3);
  experiment_.spec.fault.scale_down.replicas = 0;
  experiment_.spec.safety.min_healthy_replicas = 1;
  auto planned = fault_->plan(context());
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(planned.error().message,
            "scaling Deployment demo/backend-service to 0 replicas would leave fewer than "
            "safety.minHealthyReplicas (1)");
}

TEST_F(ScaleDownTest, AWorkloadAlreadyAtOrBelowTheTargetIsInvalid) {
  seed(1);
  auto planned = fault_->plan(context());
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.error().code, ErrorCode::kInvalid);
  EXPECT_NE(planned.error().message.find("already at 1 replicas, nothing to scale down"),
            std::string::npos)
      << planned.error().message;
}

TEST_F(ScaleDownTest, InjectOnAWorkloadDeletedSincePlanIsNotFound) {
  seed(3);
  const auto affected = plan();
  ASSERT_TRUE(kube_.remove(resources::deployments(), "demo", "backend-service").ok());
  common::Status status = fault_->inject(context(), affected);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  EXPECT_NE(status.error().message.find("Deployment demo/backend-service not found"),
            std::string::npos);
}

TEST_F(ScaleDownTest, RollbackLeavesAWorkloadRecreatedUnderTheSameNameAlone) {
  seed(3);
  const auto affected = plan();
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  ASSERT_TRUE(kube_.remove(resources::deployments(), "demo", "backend-service").ok());
  seed(7);
  kube_.clearCalls();

  ASSERT_TRUE(fault_->rollback(context(), affected).ok());
  EXPECT_EQ(replicas(), 7);
  EXPECT_EQ(kube_.callCount(Verb::kPatch), 0u);
  EXPECT_TRUE(verified(fault_->verifyRolledBack(context(), affected)));
}

TEST_F(ScaleDownTest, RollbackOfAWorkloadThatIsGoneSucceeds) {
  seed(3);
  const auto affected = plan();
  ASSERT_TRUE(kube_.remove(resources::deployments(), "demo", "backend-service").ok());
  EXPECT_TRUE(fault_->rollback(context(), affected).ok());
  EXPECT_TRUE(verified(fault_->verifyRolledBack(context(), affected)));
}

TEST_F(ScaleDownTest, RollbackWithoutRecordedReplicasIsAnErrorNotAGuess) {
  seed(3);
  auto affected = plan();
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  affected[0].original = json::object();
  common::Status status = fault_->rollback(context(), affected);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInternal);
  EXPECT_EQ(replicas(), 1);
}

TEST_F(ScaleDownTest, AFailedScalePatchKeepsItsCodeAndNamesTheWorkload) {
  seed(3);
  const auto affected = plan();
  kube_.failNext(Verb::kPatch, common::makeError(ErrorCode::kForbidden, "cannot patch scale"));
  common::Status status = fault_->inject(context(), affected);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(status.error().message,
            "scaling Deployment demo/backend-service to 1 replicas: cannot patch scale");
}

}  // namespace
}  // namespace aftershock::op
