#include "operator/kube/resource.h"

#include <gtest/gtest.h>

namespace aftershock::op {
namespace {

TEST(ResourcePathTest, CoreCollectionInANamespace) {
  EXPECT_EQ(resourcePath(resources::pods(), "chaos"), "/api/v1/namespaces/chaos/pods");
}

TEST(ResourcePathTest, GroupedObjectWithSubresource) {
  EXPECT_EQ(resourcePath(resources::deployments(), "chaos", "web", "scale"),
            "/apis/apps/v1/namespaces/chaos/deployments/web/scale");
}

TEST(ResourcePathTest, NamespacedCollectionAcrossAllNamespaces) {
  EXPECT_EQ(resourcePath(resources::leases(), ""), "/apis/coordination.k8s.io/v1/leases");
}

TEST(ResourcePathTest, ClusterScopedResourceIgnoresNamespace) {
  EXPECT_EQ(resourcePath(resources::nodes(), "chaos", "node-1"), "/api/v1/nodes/node-1");
}

TEST(ResourceTest, QualifiedNameAndApiVersion) {
  EXPECT_EQ(resources::networkPolicies().qualifiedName(), "networkpolicies.networking.k8s.io");
  EXPECT_EQ(resources::networkPolicies().apiVersion(), "networking.k8s.io/v1");
  EXPECT_EQ(resources::pods().qualifiedName(), "pods");
  EXPECT_EQ(resources::pods().apiVersion(), "v1");
}

}  // namespace
}  // namespace aftershock::op
