// setCondition: the Kubernetes rule that lastTransitionTime moves only when the status flips.
#include "operator/controller/conditions.h"

#include <gtest/gtest.h>

#include <vector>

namespace aftershock::op {
namespace {

using v1alpha1::Condition;

constexpr const char* kEarlier = "2026-01-01T00:00:00.000Z";
constexpr const char* kLater = "2026-01-01T00:05:00.000Z";

TEST(SetConditionTest, ANewConditionGetsEveryFieldAndTheTransitionTimeNow) {
  std::vector<Condition> conditions;
  setCondition(conditions, condition::kProgressing, true, "SteadyStateCheck", "checking", 3,
               kEarlier);
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].type, "Progressing");
  EXPECT_EQ(conditions[0].status, "True");
  EXPECT_EQ(conditions[0].reason, "SteadyStateCheck");
  EXPECT_EQ(conditions[0].message, "checking");
  EXPECT_EQ(conditions[0].observed_generation, 3);
  EXPECT_EQ(conditions[0].last_transition_time, kEarlier);
}

TEST(SetConditionTest, TheSameStatusKeepsTheTransitionTimeButTakesTheRest) {
  std::vector<Condition> conditions;
  setCondition(conditions, condition::kProgressing, true, "SteadyStateCheck", "checking", 1,
               kEarlier);
  setCondition(conditions, condition::kProgressing, true, "FaultActive", "holding", 2, kLater);
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].last_transition_time, kEarlier);
  EXPECT_EQ(conditions[0].reason, "FaultActive");
  EXPECT_EQ(conditions[0].message, "holding");
  EXPECT_EQ(conditions[0].observed_generation, 2);
}

TEST(SetConditionTest, AFlipMovesTheTransitionTime) {
  std::vector<Condition> conditions;
  setCondition(conditions, condition::kFaultInjected, true, "Injected", "", 1, kEarlier);
  setCondition(conditions, condition::kFaultInjected, false, "RolledBack", "", 1, kLater);
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].status, "False");
  EXPECT_EQ(conditions[0].last_transition_time, kLater);
}

TEST(SetConditionTest, ConditionsOfOtherTypesAreLeftAlone) {
  std::vector<Condition> conditions;
  setCondition(conditions, condition::kProgressing, true, "A", "", 1, kEarlier);
  setCondition(conditions, condition::kRecovered, false, "B", "", 1, kLater);
  ASSERT_EQ(conditions.size(), 2u);
  setCondition(conditions, condition::kRecovered, true, "C", "", 1, kLater);
  const Condition* progressing = findCondition(conditions, condition::kProgressing);
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->reason, "A");
  EXPECT_EQ(progressing->last_transition_time, kEarlier);
  const Condition* recovered = findCondition(conditions, condition::kRecovered);
  ASSERT_NE(recovered, nullptr);
  EXPECT_EQ(recovered->status, "True");
  EXPECT_EQ(findCondition(conditions, condition::kComplete), nullptr);
}

}  // namespace
}  // namespace aftershock::op
