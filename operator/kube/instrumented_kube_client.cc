#include "operator/kube/instrumented_kube_client.h"

namespace aftershock::op {
namespace {

template <typename T>
const common::Error* errorOf(const common::Result<T>& result) {
  return result.ok() ? nullptr : &result.error();
}
const common::Error* errorOf(const common::Status& status) {
  return status.ok() ? nullptr : &status.error();
}

}  // namespace

void InstrumentedKubeClient::count(std::string_view verb, const common::Error* error) {
  registry_
      .counter(
          "aftershock_kube_requests_total", "Kubernetes API requests, by verb and outcome.",
          {{"verb", std::string(verb)},
           {"code", error == nullptr ? "OK" : std::string(common::errorCodeName(error->code))}})
      .inc();
}

common::Result<json> InstrumentedKubeClient::get(const Resource& resource,
                                                 std::string_view namespace_name,
                                                 std::string_view name,
                                                 std::string_view subresource) {
  auto result = inner_.get(resource, namespace_name, name, subresource);
  count("get", errorOf(result));
  return result;
}

common::Result<ObjectList> InstrumentedKubeClient::list(const Resource& resource,
                                                        std::string_view namespace_name,
                                                        const ListOptions& options) {
  auto result = inner_.list(resource, namespace_name, options);
  count("list", errorOf(result));
  return result;
}

common::Result<json> InstrumentedKubeClient::create(const Resource& resource,
                                                    std::string_view namespace_name,
                                                    const json& object) {
  auto result = inner_.create(resource, namespace_name, object);
  count("create", errorOf(result));
  return result;
}

common::Result<json> InstrumentedKubeClient::update(const Resource& resource,
                                                    std::string_view namespace_name,
                                                    const json& object,
                                                    std::string_view subresource) {
  auto result = inner_.update(resource, namespace_name, object, subresource);
  count("update", errorOf(result));
  return result;
}

common::Result<json> InstrumentedKubeClient::patch(const Resource& resource,
                                                   std::string_view namespace_name,
                                                   std::string_view name, PatchType type,
                                                   const json& patch, const PatchOptions& options) {
  auto result = inner_.patch(resource, namespace_name, name, type, patch, options);
  count("patch", errorOf(result));
  return result;
}

common::Status InstrumentedKubeClient::remove(const Resource& resource,
                                              std::string_view namespace_name,
                                              std::string_view name, const DeleteOptions& options) {
  auto result = inner_.remove(resource, namespace_name, name, options);
  count("delete", errorOf(result));
  return result;
}

common::Status InstrumentedKubeClient::watch(const Resource& resource,
                                             std::string_view namespace_name,
                                             const WatchOptions& options,
                                             const std::function<bool(const WatchEvent&)>& on_event,
                                             WatchCancel& cancel) {
  auto result = inner_.watch(resource, namespace_name, options, on_event, cancel);
  count("watch", errorOf(result));
  return result;
}

}  // namespace aftershock::op
