#include "operator/faults/load_stress.h"

#include <vector>

namespace aftershock::op {
namespace {

using common::Result;
using common::Status;
using v1alpha1::AffectedResource;

class LoadStressFault final : public Fault {
 public:
  LoadStressFault(LoadKind kind, StartLoad start) : kind_(kind), start_(std::move(start)) {}

  bool held() const override { return true; }

  Result<std::vector<AffectedResource>> plan(const FaultContext& context) override {
    BackendApi api(context.http);
    return planLoadStress(api, context.experiment.spec.fault.stress.url, kind_);
  }

  Status inject(const FaultContext& context,
                const std::vector<AffectedResource>& affected) override {
    BackendApi api(context.http);
    return forEachPlannedBackend(affected, [&](const std::string& url) {
      return acceptRunningLoad(api, url, kind_, start_(api, url, context));
    });
  }

  Result<bool> verifyInjected(const FaultContext& context,
                              const std::vector<AffectedResource>& affected) override {
    auto urls = plannedBackendUrls(affected);
    if (!urls.ok()) return urls.error();
    BackendApi api(context.http);
    return loadsAre(api, *urls, kind_, /*want_active=*/true);
  }

  Status rollback(const FaultContext& context,
                  const std::vector<AffectedResource>& affected) override {
    BackendApi api(context.http);
    return forEachPlannedBackend(affected,
                                 [&](const std::string& url) { return api.stopLoad(url, kind_); });
  }

  Result<bool> verifyRolledBack(const FaultContext& context,
                                const std::vector<AffectedResource>& affected) override {
    auto urls = plannedBackendUrls(affected);
    if (!urls.ok()) return urls.error();
    BackendApi api(context.http);
    return loadsAre(api, *urls, kind_, /*want_active=*/false);
  }

 private:
  const LoadKind kind_;
  const StartLoad start_;
};

}  // namespace

std::unique_ptr<Fault> makeLoadStressFault(LoadKind kind, StartLoad start) {
  return std::make_unique<LoadStressFault>(kind, std::move(start));
}

}  // namespace aftershock::op
