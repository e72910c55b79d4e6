// RestKubeClient: KubeClient over HTTPS to a real API server (see kube_client.h for the
// contract). Builds request paths and queries, encodes bodies, decodes Status errors.
#pragma once

#include <memory>

#include "common/clock.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/kube_transport.h"
#include "operator/kube/rest_config.h"

namespace aftershock::op {

class RestKubeClient final : public KubeClient {
 public:
  explicit RestKubeClient(std::unique_ptr<KubeTransport> transport,
                          std::chrono::milliseconds request_timeout = std::chrono::seconds(30));

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
  common::Result<json> call(const std::string& method, const std::string& target,
                            const std::string& body = {}, const std::string& content_type = {});

  std::unique_ptr<KubeTransport> transport_;
  const std::chrono::milliseconds request_timeout_;
};

// Builds the transport (TLS material, token file, rate limit) from a resolved RestConfig.
common::Result<std::unique_ptr<RestKubeClient>> makeRestKubeClient(const RestConfig& config,
                                                                   common::Clock& clock);

// Percent-encodes a query parameter value.
std::string escapeQueryValue(std::string_view value);

}  // namespace aftershock::op
