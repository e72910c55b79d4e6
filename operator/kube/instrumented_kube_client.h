// InstrumentedKubeClient: a KubeClient decorator that counts every API call by verb and
// outcome (aftershock_kube_requests_total{verb,code}), so the cost of an experiment in API
// requests can be read off /metrics.
#pragma once

#include "common/metrics.h"
#include "operator/kube/kube_client.h"

namespace aftershock::op {

class InstrumentedKubeClient final : public KubeClient {
 public:
  // `inner` and `registry` must outlive this client.
  InstrumentedKubeClient(KubeClient& inner, common::MetricsRegistry& registry)
      : inner_(inner), registry_(registry) {}

  common::Result<json> get(const Resource& resource, std::string_view namespace_name,
                           std::string_view name, std::string_view subresource = {}) override;
  common::Result<ObjectList> list(const Resource& resource, std::string_view namespace_name,
                                  const ListOptions& options = {}) override;
  common::Result<json> create(const Resource& resource, std::string_view namespace_name,
                              const json& object) override;
  common::Result<json> update(const Resource& resource, std::string_view namespace_name,
                              const json& object, std::string_view subresource = {}) override;
  common::Result<json> patch(const Resource& resource, std::string_view namespace_name,
                             std::string_view name, PatchType type, const json& patch,
                             const PatchOptions& options = {}) override;
  common::Status remove(const Resource& resource, std::string_view namespace_name,
                        std::string_view name, const DeleteOptions& options = {}) override;
  common::Status watch(const Resource& resource, std::string_view namespace_name,
                       const WatchOptions& options,
                       const std::function<bool(const WatchEvent&)>& on_event,
                       WatchCancel& cancel) override;

 private:
  void count(std::string_view verb, const common::Error* error);

  KubeClient& inner_;
  common::MetricsRegistry& registry_;
};

}  // namespace aftershock::op
