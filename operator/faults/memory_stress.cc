// MemoryStress: the MemoryStress fault type over BackendApi.
#include "operator/faults/memory_stress.h"

#include <string>
#include <vector>

#include "operator/faults/backend_api.h"

namespace aftershock::op {
namespace {

using common::Result;
using common::Status;
using v1alpha1::AffectedResource;

constexpr LoadKind kKind = LoadKind::kMemory;

class MemoryStressFault final : public Fault {
 public:
  bool held() const override { return true; }

  Result<std::vector<AffectedResource>> plan(const FaultContext& context) override {
    BackendApi api(context.http);
    return planLoadStress(api, context.experiment.spec.fault.stress.url, kKind);
  }

  Status inject(const FaultContext& context,
                const std::vector<AffectedResource>& affected) override {
    auto urls = plannedBackendUrls(affected);
    if (!urls.ok()) return urls.error();
    // Always with a duration: the backend then frees the memory by itself, even if this
    // operator never gets to roll back.
    const MemoryLoadRequest request{context.experiment.spec.fault.stress.memory_mb,
                                    stressDurationSeconds(context.experiment)};
    BackendApi api(context.http);
    for (const std::string& url : *urls) {
      Status started = acceptRunningLoad(api, url, kKind, api.startMemory(url, request));
      if (!started.ok()) return started;
    }
    return {};
  }

  Result<bool> verifyInjected(const FaultContext& context,
                              const std::vector<AffectedResource>& affected) override {
    auto urls = plannedBackendUrls(affected);
    if (!urls.ok()) return urls.error();
    BackendApi api(context.http);
    return loadsAre(api, *urls, kKind, /*want_active=*/true);
  }

  Status rollback(const FaultContext& context,
                  const std::vector<AffectedResource>& affected) override {
    auto urls = plannedBackendUrls(affected);
    if (!urls.ok()) return urls.error();
    BackendApi api(context.http);
    for (const std::string& url : *urls) {
      if (Status stopped = api.stopMemory(url); !stopped.ok()) return stopped;
    }
    return {};
  }

  Result<bool> verifyRolledBack(const FaultContext& context,
                                const std::vector<AffectedResource>& affected) override {
    auto urls = plannedBackendUrls(affected);
    if (!urls.ok()) return urls.error();
    BackendApi api(context.http);
    return loadsAre(api, *urls, kKind, /*want_active=*/false);
  }
};

}  // namespace

std::unique_ptr<Fault> makeMemoryStressFault() { return std::make_unique<MemoryStressFault>(); }

}  // namespace aftershock::op
