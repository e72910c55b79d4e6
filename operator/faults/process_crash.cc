// ProcessCrash: the ProcessCrash fault type over BackendApi.
#include "operator/faults/process_crash.h"

#include <string>
#include <vector>

#include "common/logging.h"
#include "operator/faults/backend_api.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using common::Result;
using common::Status;
using v1alpha1::AffectedResource;

// A crashing process closes its connections without a response, or (behind a proxy) leaves
// the request hanging until the deadline: both are the crash taking effect.
bool isDroppedConnection(const common::Error& error) {
  return error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kTimeout;
}

class ProcessCrashFault final : public SingleActFault {
 public:
  // A second crash would be a second fault: at most once per run.
  bool repeatable() const override { return false; }

  Result<std::vector<AffectedResource>> plan(const FaultContext& context) override {
    const std::string& url = context.experiment.spec.fault.stress.url;
    BackendApi api(context.http);
    if (Status healthy = api.health(url); !healthy.ok()) return healthy.error();
    return std::vector<AffectedResource>{backendResource(url, nlohmann::json::object())};
  }

  Status inject(const FaultContext& context,
                const std::vector<AffectedResource>& affected) override {
    BackendApi api(context.http);
    return forEachPlannedBackend(affected, [&](const std::string& url) -> Status {
      Status crashed = api.crash(url);
      if (crashed.ok() || !isDroppedConnection(crashed.error())) return crashed;
      logger_.debug("crash request got no answer, as a crash gives none",
                    {{"url", url}, {"error", crashed.error().message}});
      return {};
    });
  }

  Result<bool> verifyInjected(const FaultContext&,
                              const std::vector<AffectedResource>& affected) override {
    auto urls = plannedBackendUrls(affected);
    if (!urls.ok()) return urls.error();
    return true;
  }

 private:
  common::Logger logger_{"fault-process-crash"};
};

}  // namespace

std::unique_ptr<Fault> makeProcessCrashFault() { return std::make_unique<ProcessCrashFault>(); }

}  // namespace aftershock::op
