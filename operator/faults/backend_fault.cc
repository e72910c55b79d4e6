// BackendFault: the BackendFault fault type over BackendApi.
#include "operator/faults/backend_fault.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "operator/faults/backend_api.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using common::makeError;
using common::Result;
using common::Status;
using nlohmann::json;
using v1alpha1::AffectedResource;
using v1alpha1::BackendFaultSpec;

// The backend stores what it was sent and answers it back through a JSON round trip, so
// only a representation error separates the two doubles.
constexpr double kRateTolerance = 1e-9;

FailurePatch failurePatch(const BackendFaultSpec& spec) {
  return FailurePatch{spec.failure_rate, spec.status_code};
}

LatencyPatch latencyPatch(const BackendFaultSpec& spec) {
  return LatencyPatch{spec.delay_ms, spec.delay_rate};
}

bool memberEquals(const json& config, std::string_view name, double want) {
  auto member = config.find(name);
  return member != config.end() && member->is_number() &&
         std::fabs(member->get<double>() - want) <= kRateTolerance;
}

// Whether `config` shows every field the spec sets.
bool showsSpec(const json& config, const BackendFaultSpec& spec) {
  if (spec.failure_rate && !memberEquals(config, kConfigFailureRate, *spec.failure_rate)) {
    return false;
  }
  if (spec.status_code && !memberEquals(config, kConfigStatusCode, *spec.status_code)) {
    return false;
  }
  if (spec.delay_ms && !memberEquals(config, kConfigDelayMs, *spec.delay_ms)) return false;
  if (spec.delay_rate && !memberEquals(config, kConfigDelayRate, *spec.delay_rate)) return false;
  return true;
}

class BackendFault final : public Fault {
 public:
  bool held() const override { return true; }

  Result<std::vector<AffectedResource>> plan(const FaultContext& context) override {
    const BackendFaultSpec& spec = context.experiment.spec.fault.backend_fault;
    if (failurePatch(spec).empty() && latencyPatch(spec).empty()) {
      return common::fieldError(
          "spec.fault.backendFault",
          "backendFault sets none of failureRate, statusCode, delayMs, delayRate");
    }
    BackendApi api(context.http);
    auto config = api.getConfig(spec.url);
    if (!config.ok()) return config.error();
    return std::vector<AffectedResource>{backendResource(spec.url, std::move(*config))};
  }

  Status inject(const FaultContext& context,
                const std::vector<AffectedResource>& affected) override {
    const BackendFaultSpec& spec = context.experiment.spec.fault.backend_fault;
    const FailurePatch failure = failurePatch(spec);
    const LatencyPatch latency = latencyPatch(spec);
    BackendApi api(context.http);
    return forEachPlannedBackend(affected, [&](const std::string& url) -> Status {
      if (!failure.empty()) {
        if (Status posted = api.postFailure(url, failure); !posted.ok()) return posted;
      }
      if (!latency.empty()) return api.postLatency(url, latency);
      return {};
    });
  }

  Result<bool> verifyInjected(const FaultContext& context,
                              const std::vector<AffectedResource>& affected) override {
    auto urls = plannedBackendUrls(affected);
    if (!urls.ok()) return urls.error();
    BackendApi api(context.http);
    for (const std::string& url : *urls) {
      auto config = api.getConfig(url);
      if (!config.ok()) return config.error();
      if (!showsSpec(*config, context.experiment.spec.fault.backend_fault)) return false;
    }
    return true;
  }

  Status rollback(const FaultContext& context,
                  const std::vector<AffectedResource>& affected) override {
    auto backends = plannedBackends(affected);
    if (!backends.ok()) return backends.error();
    BackendApi api(context.http);
    for (const AffectedResource* resource : *backends) {
      // A record that is not a whole config (status edited by hand, or written by another
      // version) would be refused by PUT /config; saying why beats the backend's 400.
      if (Status valid = checkBackendConfig(resource->original); !valid.ok()) {
        return makeError(ErrorCode::kInvalid, "cannot restore backend " + resource->name +
                                                  ": the recorded original " +
                                                  valid.error().message);
      }
      if (Status put = api.putConfig(resource->name, resource->original); !put.ok()) return put;
    }
    return {};
  }

  Result<bool> verifyRolledBack(const FaultContext& context,
                                const std::vector<AffectedResource>& affected) override {
    auto backends = plannedBackends(affected);
    if (!backends.ok()) return backends.error();
    BackendApi api(context.http);
    for (const AffectedResource* resource : *backends) {
      auto config = api.getConfig(resource->name);
      if (!config.ok()) return config.error();
      // json's == compares numbers by value, so 0 (as status storage may hand the record
      // back) equals 0.0 (as the backend answers).
      if (*config != resource->original) return false;
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<Fault> makeBackendFault() { return std::make_unique<BackendFault>(); }

}  // namespace aftershock::op
