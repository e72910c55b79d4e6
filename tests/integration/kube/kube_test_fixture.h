// Shared by the Kubernetes client's integration tests: the local cluster, a client for one of
// its users, and a fresh namespace per test.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "common/clock.h"
#include "operator/kube/rest_config.h"
#include "operator/kube/rest_kube_client.h"
#include "tests/support/local_cluster.h"
#include "tests/support/tcp_proxy.h"

namespace aftershock::op {

class KubeIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = &testing::LocalCluster::shared(); }

  void SetUp() override {
    client_ = clientFor("aftershock");
    static std::atomic<int> counter{0};
    namespace_ = "test-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
    auto created =
        client_->create(resources::namespaces(), "", {{"metadata", {{"name", namespace_}}}});
    ASSERT_TRUE(created.ok()) << created.error().message;
  }

  void TearDown() override {
    if (client_) (void)client_->remove(resources::namespaces(), "", namespace_);
  }

  // A client for one of the kubeconfig's contexts: "aftershock" (client certificate, admin),
  // "aftershock-token" (bearer token, admin), "aftershock-nobody" (bearer token, no rights).
  std::unique_ptr<RestKubeClient> clientFor(const std::string& context,
                                            const std::string& server_override = {}) {
    ConfigEnvironment environment;
    auto config = loadRestConfig({cluster_->kubeconfig(), context}, environment);
    EXPECT_TRUE(config.ok()) << config.error().message;
    if (!config.ok()) return nullptr;
    if (!server_override.empty()) config->server = server_override;
    auto client = makeRestKubeClient(*config, clock_);
    EXPECT_TRUE(client.ok()) << client.error().message;
    return client.ok() ? std::move(client).value() : nullptr;
  }

  // The API server's port, and a server URL that goes through `proxy` to it.
  int apiPort() const {
    const std::string server = cluster_->apiServer();
    return std::stoi(server.substr(server.rfind(':') + 1));
  }
  static std::string proxied(const testing::TcpProxy& proxy) {
    return "https://127.0.0.1:" + std::to_string(proxy.port());
  }

  static json configMap(const std::string& name, json data = json::object(),
                        json labels = json::object()) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"labels", std::move(labels)}}},
            {"data", std::move(data)}};
  }

  static inline testing::LocalCluster* cluster_ = nullptr;
  common::SystemClock clock_;
  std::unique_ptr<RestKubeClient> client_;
  std::string namespace_;
};

}  // namespace aftershock::op
