// The condition types and reasons the controller writes to status.conditions, and the one
// function that sets a condition the Kubernetes way (lastTransitionTime moves only when the
// status flips).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "operator/api/v1alpha1/chaos_experiment.h"

namespace aftershock::op {

namespace condition {
// Types.
inline constexpr std::string_view kProgressing = "Progressing";        // True while running
inline constexpr std::string_view kSteadyStateMet = "SteadyStateMet";  // before injection
inline constexpr std::string_view kFaultInjected = "FaultInjected";    // True until rolled back
inline constexpr std::string_view kRecovered = "Recovered";            // steady state back
inline constexpr std::string_view kComplete = "Complete";              // terminal, with verdict
// True when the run's fault was rolled back early (abortWhen fired, or the inject failed); the
// reason says which and decides how the run ends.
inline constexpr std::string_view kEndedEarly = "EndedEarly";

// Reasons.
inline constexpr std::string_view kInvalidSpec = "InvalidSpec";
inline constexpr std::string_view kNamespaceNotAllowed = "NamespaceNotAllowed";
inline constexpr std::string_view kWaitingForSlot = "WaitingForSlot";
inline constexpr std::string_view kTargetBusy = "TargetBusy";
inline constexpr std::string_view kKillSwitch = "KillSwitchEngaged";
inline constexpr std::string_view kCheckingSteadyState = "CheckingSteadyState";
inline constexpr std::string_view kSteadyStateNotMet = "SteadyStateNotMet";
inline constexpr std::string_view kProbesMet = "ProbesPassed";
inline constexpr std::string_view kPlanFailed = "PlanFailed";
inline constexpr std::string_view kInjectFailed = "InjectFailed";
inline constexpr std::string_view kInjected = "Injected";
inline constexpr std::string_view kAbortConditionMet = "AbortConditionMet";
inline constexpr std::string_view kRollingBack = "RollingBack";
inline constexpr std::string_view kRollbackFailing = "RollbackFailing";
inline constexpr std::string_view kRolledBack = "RolledBack";
inline constexpr std::string_view kWaitingForRecovery = "WaitingForRecovery";
inline constexpr std::string_view kRecoveredInTime = "SteadyStateRestored";
inline constexpr std::string_view kRecoveryTimedOut = "RecoveryTimedOut";
inline constexpr std::string_view kCoolingDown = "CoolingDown";
inline constexpr std::string_view kAborted = "Aborted";
inline constexpr std::string_view kDryRun = "DryRun";
inline constexpr std::string_view kPassed = "Passed";
inline constexpr std::string_view kFailed = "Failed";
inline constexpr std::string_view kError = "Error";
}  // namespace condition

// Sets the condition of `type`: updates reason, message and observedGeneration; moves
// lastTransitionTime to `now` only when the status changes or the condition is new.
void setCondition(std::vector<v1alpha1::Condition>& conditions, std::string_view type, bool status,
                  std::string_view reason, std::string_view message, std::int64_t generation,
                  const std::string& now);
const v1alpha1::Condition* findCondition(const std::vector<v1alpha1::Condition>& conditions,
                                         std::string_view type);

}  // namespace aftershock::op
