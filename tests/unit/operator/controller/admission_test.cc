// Admission: the global cap and one active experiment per target under Forbid.
#include "operator/controller/admission.h"

#include <gtest/gtest.h>

#include <string>

namespace aftershock::op {
namespace {

using v1alpha1::ConcurrencyPolicy;
using v1alpha1::TargetKind;

v1alpha1::ChaosExperimentSpec specOn(const std::string& name,
                                     ConcurrencyPolicy policy = ConcurrencyPolicy::kForbid) {
  v1alpha1::ChaosExperimentSpec spec;
  spec.target.kind = TargetKind::kDeployment;
  spec.target.name = name;
  spec.target.namespace_name = "demo";
  spec.safety.concurrency_policy = policy;
  return spec;
}

TEST(TargetIdentityTest, NamesAWorkloadByKindNamespaceAndName) {
  EXPECT_EQ(targetIdentity(specOn("backend-service").target), "Deployment/demo/backend-service");
}

TEST(TargetIdentityTest, NamesAPodTargetByItsSelector) {
  v1alpha1::TargetSpec target;
  target.kind = TargetKind::kPod;
  target.namespace_name = "demo";
  target.selector.match_labels = {{"app", "backend"}, {"tier", "api"}};
  EXPECT_EQ(targetIdentity(target), "Pod/demo/app=backend,tier=api");
}

TEST(TargetIdentityTest, TheSameNameInAnotherNamespaceIsAnotherTarget) {
  v1alpha1::ChaosExperimentSpec other = specOn("backend-service");
  other.target.namespace_name = "staging";
  EXPECT_NE(targetIdentity(other.target), targetIdentity(specOn("backend-service").target));
}

TEST(AdmissionTest, AdmitsUpToTheCapThenSaysWhy) {
  Admission admission(2);
  EXPECT_FALSE(admission.tryAdmit("demo/a", specOn("a")).has_value());
  EXPECT_FALSE(admission.tryAdmit("demo/b", specOn("b")).has_value());
  const std::optional<std::string> wait = admission.tryAdmit("demo/c", specOn("c"));
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, "waiting: 2 experiments are active, the cap (--max-active-experiments) is 2");
  EXPECT_EQ(admission.activeCount(), 2u);
  EXPECT_FALSE(admission.isActive("demo/c"));
  EXPECT_EQ(admission.maxActive(), 2);
}

TEST(AdmissionTest, TryAdmitIsIdempotentForAnAdmittedKey) {
  Admission admission(1);
  EXPECT_FALSE(admission.tryAdmit("demo/a", specOn("a")).has_value());
  // At the cap and on its own target, and still admitted.
  EXPECT_FALSE(admission.tryAdmit("demo/a", specOn("a")).has_value());
  EXPECT_EQ(admission.activeCount(), 1u);
}

TEST(AdmissionTest, ForbidKeepsASecondExperimentOffTheSameTarget) {
  Admission admission(10);
  EXPECT_FALSE(admission.tryAdmit("demo/first", specOn("backend")).has_value());
  const std::optional<std::string> wait = admission.tryAdmit("demo/second", specOn("backend"));
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait,
            "waiting: experiment demo/first is active on Deployment/demo/backend "
            "(safety.concurrencyPolicy Forbid)");
  EXPECT_FALSE(admission.tryAdmit("demo/other", specOn("frontend")).has_value());
}

TEST(AdmissionTest, AllowLetsExperimentsShareATargetOnlyWhenEveryOneAllowsIt) {
  Admission admission(10);
  EXPECT_FALSE(
      admission.tryAdmit("demo/a", specOn("backend", ConcurrencyPolicy::kAllow)).has_value());
  EXPECT_FALSE(
      admission.tryAdmit("demo/b", specOn("backend", ConcurrencyPolicy::kAllow)).has_value());
  // A Forbid experiment does not join them ...
  EXPECT_TRUE(admission.tryAdmit("demo/c", specOn("backend")).has_value());
  admission.release("demo/a");
  admission.release("demo/b");
  // ... and an Allow experiment does not join a Forbid one.
  EXPECT_FALSE(admission.tryAdmit("demo/c", specOn("backend")).has_value());
  EXPECT_TRUE(
      admission.tryAdmit("demo/d", specOn("backend", ConcurrencyPolicy::kAllow)).has_value());
}

TEST(AdmissionTest, ReleaseFreesTheSlotAndTheTarget) {
  Admission admission(1);
  EXPECT_FALSE(admission.tryAdmit("demo/a", specOn("backend")).has_value());
  EXPECT_TRUE(admission.tryAdmit("demo/b", specOn("backend")).has_value());
  admission.release("demo/a");
  EXPECT_FALSE(admission.isActive("demo/a"));
  EXPECT_FALSE(admission.tryAdmit("demo/b", specOn("backend")).has_value());
  EXPECT_TRUE(admission.isActive("demo/b"));
  admission.release("demo/unknown");  // harmless
  EXPECT_EQ(admission.activeCount(), 1u);
}

TEST(AdmissionTest, RestoreRegistersWithoutChecksAndThenBlocksNewcomers) {
  Admission admission(1);
  admission.restore("demo/running", specOn("backend"));
  admission.restore("demo/also-running", specOn("frontend"));  // over the cap: kept anyway
  EXPECT_EQ(admission.activeCount(), 2u);
  EXPECT_TRUE(admission.isActive("demo/running"));
  EXPECT_TRUE(admission.tryAdmit("demo/new", specOn("other")).has_value());
  admission.release("demo/also-running");
  const std::optional<std::string> wait = admission.tryAdmit("demo/new", specOn("backend"));
  ASSERT_TRUE(wait.has_value());
  EXPECT_NE(wait->find("cap"), std::string::npos) << *wait;
  // A restored experiment that is admitted again stays admitted.
  EXPECT_FALSE(admission.tryAdmit("demo/running", specOn("backend")).has_value());
}

}  // namespace
}  // namespace aftershock::op
