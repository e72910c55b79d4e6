// Resource: which API collection a request is about (group, version, plural resource), and the
// URL paths the API server serves it under.
#pragma once

#include <string>
#include <string_view>

namespace aftershock::op {

struct Resource {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, lower case: "pods", "deployments", "chaosexperiments"
  bool namespaced = true;

  // "deployments.apps", "pods": the name kubectl and API messages use.
  std::string qualifiedName() const;
  // "apps/v1", "v1".
  std::string apiVersion() const;
  friend bool operator==(const Resource&, const Resource&) = default;
};

// Well-known resources the operator touches.
namespace resources {
Resource pods();
Resource configMaps();
Resource services();
Resource namespaces();
Resource events();
Resource nodes();
Resource deployments();
Resource statefulSets();
Resource replicaSets();
Resource networkPolicies();
Resource leases();
Resource customResourceDefinitions();
}  // namespace resources

// The path of a collection or of one object, with an optional subresource:
//   /api/v1/namespaces/ns/pods, /apis/apps/v1/namespaces/ns/deployments/web/scale.
// An empty `namespace_name` on a namespaced resource means every namespace.
std::string resourcePath(const Resource& resource, std::string_view namespace_name,
                         std::string_view name = {}, std::string_view subresource = {});

}  // namespace aftershock::op
