#include "operator/faults/rollout_restart.h"

#include <gtest/gtest.h>

#include <string>

#include "operator/kube/object_fields.h"
#include "tests/unit/operator/faults/fault_test_support.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using testing::FakeKubeClient;
using v1alpha1::AffectedResource;
using v1alpha1::TargetKind;
using Verb = FakeKubeClient::Verb;

const std::string kAnnotation(kRestartedAtAnnotation);

json deployment(const json& template_annotations = json()) {
  json object = workloadObject("backend-service", 2, {{"app", "backend-service"}});
  if (!template_annotations.is_null()) {
    object["spec"]["template"]["metadata"]["annotations"] = template_annotations;
  }
  return object;
}

class RolloutRestartTest : public FaultTest {
 protected:
  void SetUp() override {
    nameExperiment("backend-restart", v1alpha1::FaultType::kRolloutRestart);
    targetBackendDeployment();
    experiment_.status.current_run = 1;
    fault_ = makeRolloutRestartFault();
  }

  void seed(const json& object) {
    ASSERT_TRUE(kube_.create(resources::deployments(), "demo", object).ok());
  }
  json templateAnnotations() {
    auto stored = kube_.stored(resources::deployments(), "demo", "backend-service");
    if (!stored) return nullptr;
    return stored->value(json::json_pointer("/spec/template/metadata/annotations"), json());
  }
};

TEST_F(RolloutRestartTest, IsASingleActNotAHeldFault) { EXPECT_FALSE(fault_->held()); }

TEST_F(RolloutRestartTest, PlanRecordsTheAbsentOriginalAsNullAndThePlannedValue) {
  seed(deployment());
  const auto affected = plan();
  ASSERT_EQ(affected.size(), 1u);
  EXPECT_EQ(affected[0].kind, "Deployment");
  EXPECT_EQ(affected[0].name, "backend-service");
  EXPECT_FALSE(affected[0].uid.empty());
  EXPECT_EQ(affected[0].original,
            (json{{"restartedAt", nullptr},
                  {"plannedRestartedAt", "aftershock/demo/backend-restart/experiment-uid/run-1"}}));
  EXPECT_EQ(kube_.callCount(Verb::kPatch), 0u);
}

TEST_F(RolloutRestartTest, PlanRecordsAnEarlierRestartValue) {
  seed(deployment({{kAnnotation, "2026-01-01T00:00:00Z"}}));
  const auto affected = plan();
  ASSERT_EQ(affected.size(), 1u);
  EXPECT_EQ(affected[0].original["restartedAt"], "2026-01-01T00:00:00Z");
}

TEST_F(RolloutRestartTest, InjectSetsTheAnnotationAndKeepsTheOthers) {
  seed(deployment({{"team", "payments"}}));
  const auto affected = plan();
  EXPECT_FALSE(verified(fault_->verifyInjected(context(), affected)));
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_EQ(templateAnnotations(),
            (json{{"team", "payments"},
                  {kAnnotation, "aftershock/demo/backend-restart/experiment-uid/run-1"}}));
  EXPECT_TRUE(verified(fault_->verifyInjected(context(), affected)));
}

TEST_F(RolloutRestartTest, InjectTwiceRestartsOnce) {
  seed(deployment());
  const auto affected = plan();
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_EQ(kube_.callCount(Verb::kPatch), 1u);
}

TEST_F(RolloutRestartTest, InjectWritesTheRecordedValueNotANewOne) {
  seed(deployment());
  const auto affected = plan();
  experiment_.status.current_run = 2;  // a later reconcile sees the next run already
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_EQ(templateAnnotations()[kAnnotation],
            "aftershock/demo/backend-restart/experiment-uid/run-1");
}

TEST_F(RolloutRestartTest, ARePlanOfTheSameRunGivesTheSameValueAndTheNextRunANewOne) {
  const std::string first = plannedRestartValue(experiment_);
  EXPECT_EQ(plannedRestartValue(experiment_), first);
  experiment_.status.current_run = 2;
  EXPECT_NE(plannedRestartValue(experiment_), first);
  experiment_.status.current_run = 0;  // before the first run starts
  EXPECT_EQ(plannedRestartValue(experiment_), first);
}

TEST_F(RolloutRestartTest, APausedDeploymentIsRefusedBecauseItWouldNotRollOut) {
  json paused = deployment();
  paused["spec"]["paused"] = true;
  seed(paused);
  auto planned = fault_->plan(context());
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.error().code, ErrorCode::kInvalid);
  EXPECT_NE(planned.error().message.find("Deployment demo/backend-service is paused"),
            std::string::npos);
}

TEST_F(RolloutRestartTest, AMissingDeploymentIsNotFoundAndAPodTargetInvalid) {
  auto missing = fault_->plan(context());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "Deployment demo/backend-service not found");

  experiment_.spec.target.kind = TargetKind::kPod;
  auto pod = fault_->plan(context());
  ASSERT_FALSE(pod.ok());
  EXPECT_EQ(pod.error().code, ErrorCode::kInvalid);
}

TEST_F(RolloutRestartTest, InjectWithoutAPlannedValueIsAnError) {
  seed(deployment());
  auto affected = plan();
  affected[0].original = {{"restartedAt", nullptr}};
  common::Status status = fault_->inject(context(), affected);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInternal);
  EXPECT_EQ(kube_.callCount(Verb::kPatch), 0u);
}

TEST_F(RolloutRestartTest, RollbackHasNothingToUndo) {
  seed(deployment());
  const auto affected = plan();
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  kube_.clearCalls();
  EXPECT_TRUE(fault_->rollback(context(), affected).ok());
  EXPECT_TRUE(verified(fault_->verifyRolledBack(context(), affected)));
  EXPECT_TRUE(kube_.calls().empty());
  EXPECT_EQ(templateAnnotations()[kAnnotation],
            "aftershock/demo/backend-restart/experiment-uid/run-1");
}

}  // namespace
}  // namespace aftershock::op
