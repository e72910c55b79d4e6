// CPUStress: the CPUStress fault type over BackendApi.
#include "operator/faults/cpu_stress.h"

#include "operator/faults/load_stress.h"

namespace aftershock::op {

std::unique_ptr<Fault> makeCpuStressFault() {
  return makeLoadStressFault(
      LoadKind::kCpu, [](BackendApi& api, const std::string& url, const FaultContext& context) {
        return api.startCpu(url, CpuLoadRequest{stressDurationSeconds(context.experiment),
                                                context.experiment.spec.fault.stress.threads});
      });
}

}  // namespace aftershock::op
