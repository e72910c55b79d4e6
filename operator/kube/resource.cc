#include "operator/kube/resource.h"

namespace aftershock::op {

std::string Resource::qualifiedName() const {
  return group.empty() ? resource : resource + "." + group;
}

std::string Resource::apiVersion() const { return group.empty() ? version : group + "/" + version; }

namespace resources {
Resource pods() { return {"", "v1", "pods", true}; }
Resource configMaps() { return {"", "v1", "configmaps", true}; }
Resource services() { return {"", "v1", "services", true}; }
Resource namespaces() { return {"", "v1", "namespaces", false}; }
Resource events() { return {"", "v1", "events", true}; }
Resource nodes() { return {"", "v1", "nodes", false}; }
Resource deployments() { return {"apps", "v1", "deployments", true}; }
Resource statefulSets() { return {"apps", "v1", "statefulsets", true}; }
Resource replicaSets() { return {"apps", "v1", "replicasets", true}; }
Resource networkPolicies() { return {"networking.k8s.io", "v1", "networkpolicies", true}; }
Resource leases() { return {"coordination.k8s.io", "v1", "leases", true}; }
Resource customResourceDefinitions() {
  return {"apiextensions.k8s.io", "v1", "customresourcedefinitions", false};
}
}  // namespace resources

std::string resourcePath(const Resource& resource, std::string_view namespace_name,
                         std::string_view name, std::string_view subresource) {
  std::string path = resource.group.empty() ? "/api/" + resource.version
                                            : "/apis/" + resource.group + "/" + resource.version;
  if (resource.namespaced && !namespace_name.empty()) {
    path += "/namespaces/";
    path += namespace_name;
  }
  path += "/" + resource.resource;
  if (!name.empty()) {
    path += "/";
    path += name;
    if (!subresource.empty()) {
      path += "/";
      path += subresource;
    }
  }
  return path;
}

}  // namespace aftershock::op
