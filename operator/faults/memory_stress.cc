// MemoryStress: the MemoryStress fault type over BackendApi.
#include "operator/faults/memory_stress.h"

#include "operator/faults/load_stress.h"

namespace aftershock::op {

std::unique_ptr<Fault> makeMemoryStressFault() {
  return makeLoadStressFault(LoadKind::kMemory, [](BackendApi& api, const std::string& url,
                                                   const FaultContext& context) {
    // Always with a duration: the backend then frees the memory by itself, even if this
    // operator never gets to roll back.
    return api.startMemory(url, MemoryLoadRequest{context.experiment.spec.fault.stress.memory_mb,
                                                  stressDurationSeconds(context.experiment)});
  });
}

}  // namespace aftershock::op
