#include "operator/api/v1alpha1/chaos_experiment.h"

#include <array>
#include <utility>

namespace aftershock::op::v1alpha1 {
namespace {

template <typename Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

constexpr NameTable<Phase, 9> kPhaseNames{{
    {Phase::kPending, "Pending"},
    {Phase::kSteadyStateCheck, "SteadyStateCheck"},
    {Phase::kInjecting, "Injecting"},
    {Phase::kFaultActive, "FaultActive"},
    {Phase::kRollingBack, "RollingBack"},
    {Phase::kRecovering, "Recovering"},
    {Phase::kCompleted, "Completed"},
    {Phase::kFailed, "Failed"},
    {Phase::kAborted, "Aborted"},
}};
constexpr NameTable<Verdict, 4> kVerdictNames{{
    {Verdict::kNone, ""},
    {Verdict::kPass, "Pass"},
    {Verdict::kFail, "Fail"},
    {Verdict::kError, "Error"},
}};
constexpr NameTable<FaultType, 8> kFaultTypeNames{{
    {FaultType::kPodDelete, "PodDelete"},
    {FaultType::kScaleDown, "ScaleDown"},
    {FaultType::kRolloutRestart, "RolloutRestart"},
    {FaultType::kBackendFault, "BackendFault"},
    {FaultType::kNetworkPartition, "NetworkPartition"},
    {FaultType::kCpuStress, "CPUStress"},
    {FaultType::kMemoryStress, "MemoryStress"},
    {FaultType::kProcessCrash, "ProcessCrash"},
}};
constexpr NameTable<TargetKind, 3> kTargetKindNames{{
    {TargetKind::kDeployment, "Deployment"},
    {TargetKind::kStatefulSet, "StatefulSet"},
    {TargetKind::kPod, "Pod"},
}};

template <typename Enum, std::size_t N>
std::string_view nameOf(const NameTable<Enum, N>& table, Enum value) {
  for (const auto& [entry, name] : table) {
    if (entry == value) return name;
  }
  return {};
}

template <typename Enum, std::size_t N>
std::optional<Enum> valueOf(const NameTable<Enum, N>& table, std::string_view name) {
  for (const auto& [entry, entry_name] : table) {
    if (entry_name == name) return entry;
  }
  return std::nullopt;
}

}  // namespace

bool isTerminal(Phase phase) {
  return phase == Phase::kCompleted || phase == Phase::kFailed || phase == Phase::kAborted;
}

bool touchesTarget(Phase phase) {
  return phase == Phase::kInjecting || phase == Phase::kFaultActive || phase == Phase::kRollingBack;
}

std::string_view phaseName(Phase phase) { return nameOf(kPhaseNames, phase); }
std::string_view verdictName(Verdict verdict) { return nameOf(kVerdictNames, verdict); }
std::string_view faultTypeName(FaultType type) { return nameOf(kFaultTypeNames, type); }
std::string_view targetKindName(TargetKind kind) { return nameOf(kTargetKindNames, kind); }
std::optional<Phase> parsePhase(std::string_view name) { return valueOf(kPhaseNames, name); }
std::optional<Verdict> parseVerdict(std::string_view name) {
  if (name.empty()) return Verdict::kNone;
  return valueOf(kVerdictNames, name);
}
std::optional<FaultType> parseFaultType(std::string_view name) {
  return valueOf(kFaultTypeNames, name);
}
std::optional<TargetKind> parseTargetKind(std::string_view name) {
  return valueOf(kTargetKindNames, name);
}

}  // namespace aftershock::op::v1alpha1
