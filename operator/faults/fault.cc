#include "operator/faults/fault.h"

#include "operator/faults/backend_fault.h"
#include "operator/faults/cpu_stress.h"
#include "operator/faults/memory_stress.h"
#include "operator/faults/network_partition.h"
#include "operator/faults/pod_delete.h"
#include "operator/faults/process_crash.h"
#include "operator/faults/rollout_restart.h"
#include "operator/faults/scale_down.h"

namespace aftershock::op {

std::unique_ptr<Fault> makeFault(v1alpha1::FaultType type) {
  using v1alpha1::FaultType;
  switch (type) {
    case FaultType::kPodDelete:
      return makePodDeleteFault();
    case FaultType::kScaleDown:
      return makeScaleDownFault();
    case FaultType::kRolloutRestart:
      return makeRolloutRestartFault();
    case FaultType::kBackendFault:
      return makeBackendFault();
    case FaultType::kNetworkPartition:
      return makeNetworkPartitionFault();
    case FaultType::kCpuStress:
      return makeCpuStressFault();
    case FaultType::kMemoryStress:
      return makeMemoryStressFault();
    case FaultType::kProcessCrash:
      return makeProcessCrashFault();
  }
  return makePodDeleteFault();  // unreachable: every enumerator is handled above
}

}  // namespace aftershock::op
