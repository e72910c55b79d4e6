// RestKubeClient against a real kube-apiserver: CRUD, errors as values, subresources, users.
#include <gtest/gtest.h>

#include "operator/kube/rest_kube_client.h"
#include "tests/integration/kube/kube_test_fixture.h"
#include "tests/support/service_process.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using testing::eventually;

class RestClientTest : public KubeIntegrationTest {};

TEST_F(RestClientTest, CreatesReadsUpdatesAndDeletesAConfigMap) {
  auto created =
      client_->create(resources::configMaps(), namespace_, configMap("settings", {{"mode", "a"}}));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_FALSE((*created)["metadata"]["resourceVersion"].get<std::string>().empty());

  auto read = client_->get(resources::configMaps(), namespace_, "settings");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ((*read)["data"]["mode"], "a");

  json changed = *read;
  changed["data"]["mode"] = "b";
  auto updated = client_->update(resources::configMaps(), namespace_, changed);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ((*updated)["data"]["mode"], "b");

  ASSERT_TRUE(client_->remove(resources::configMaps(), namespace_, "settings").ok());
  auto gone = client_->get(resources::configMaps(), namespace_, "settings");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_NE(gone.error().message.find("not found"), std::string::npos) << gone.error().message;
}

TEST_F(RestClientTest, CreatingATakenNameIsAlreadyExists) {
  ASSERT_TRUE(client_->create(resources::configMaps(), namespace_, configMap("twice")).ok());
  auto again = client_->create(resources::configMaps(), namespace_, configMap("twice"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(RestClientTest, UpdateWithAStaleResourceVersionIsAConflict) {
  auto created = client_->create(resources::configMaps(), namespace_, configMap("race"));
  ASSERT_TRUE(created.ok());
  json first = *created;
  first["data"] = {{"writer", "first"}};
  ASSERT_TRUE(client_->update(resources::configMaps(), namespace_, first).ok());

  json stale = *created;  // still carries the original resourceVersion
  stale["data"] = {{"writer", "second"}};
  auto conflict = client_->update(resources::configMaps(), namespace_, stale);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(conflict.error().retryable());
}

TEST_F(RestClientTest, InvalidObjectNamesTheField) {
  auto invalid = client_->create(resources::configMaps(), namespace_, configMap("Not_A_Name"));
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(invalid.error().field, "metadata.name");
}

TEST_F(RestClientTest, ListsWithALabelSelectorInPages) {
  for (int i = 0; i < 5; ++i) {
    json labels = i < 3 ? json{{"tier", "chaos"}} : json{{"tier", "other"}};
    ASSERT_TRUE(client_
                    ->create(resources::configMaps(), namespace_,
                             configMap("item-" + std::to_string(i), json::object(), labels))
                    .ok());
  }
  ListOptions options;
  options.label_selector = "tier=chaos";
  options.limit = 2;
  std::vector<std::string> names;
  int pages = 0;
  do {
    auto page = client_->list(resources::configMaps(), namespace_, options);
    ASSERT_TRUE(page.ok()) << page.error().message;
    ++pages;
    for (const auto& item : page->items) names.push_back(item["metadata"]["name"]);
    EXPECT_FALSE(page->resource_version.empty());
    options.continue_token = page->continue_token;
  } while (!options.continue_token.empty());
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(names, (std::vector<std::string>{"item-0", "item-1", "item-2"}));
}

TEST_F(RestClientTest, MergePatchAndServerSideApplyChangeOnlyWhatTheyName) {
  ASSERT_TRUE(client_
                  ->create(resources::configMaps(), namespace_,
                           configMap("patched", {{"keep", "1"}, {"change", "old"}}))
                  .ok());
  auto merged = client_->patch(resources::configMaps(), namespace_, "patched", PatchType::kMerge,
                               {{"data", {{"change", "new"}}}});
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ((*merged)["data"]["keep"], "1");
  EXPECT_EQ((*merged)["data"]["change"], "new");

  json applied_object = configMap("applied", {{"owner", "aftershock"}});
  PatchOptions apply;
  apply.field_manager = "aftershock-test";
  apply.force = true;
  auto applied = client_->patch(resources::configMaps(), namespace_, "applied", PatchType::kApply,
                                applied_object, apply);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ((*applied)["data"]["owner"], "aftershock");
  bool managed = false;
  for (const auto& entry : (*applied)["metadata"]["managedFields"]) {
    managed |= entry["manager"] == "aftershock-test" && entry["operation"] == "Apply";
  }
  EXPECT_TRUE(managed);
}

TEST_F(RestClientTest, ScaleSubresourceDrivesARealDeployment) {
  json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "web"}}},
      {"spec",
       {{"replicas", 2},
        {"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", {{{"name", "web"}, {"image", "backend-service"}}}}}}}}}}};
  ASSERT_TRUE(client_->create(resources::deployments(), namespace_, deployment).ok());
  auto ready = [&](int replicas) {
    auto current = client_->get(resources::deployments(), namespace_, "web");
    return current.ok() &&
           current->value("status", json::object()).value("readyReplicas", 0) == replicas;
  };
  // The controller manager makes a ReplicaSet and pods, the scheduler binds them, KWOK runs them.
  ASSERT_TRUE(eventually([&] { return ready(2); }, std::chrono::seconds(60)));

  auto scale = client_->get(resources::deployments(), namespace_, "web", "scale");
  ASSERT_TRUE(scale.ok()) << scale.error().message;
  EXPECT_EQ((*scale)["spec"]["replicas"], 2);
  PatchOptions on_scale;
  on_scale.subresource = "scale";
  ASSERT_TRUE(client_
                  ->patch(resources::deployments(), namespace_, "web", PatchType::kMerge,
                          {{"spec", {{"replicas", 0}}}}, on_scale)
                  .ok());
  ListOptions web_pods;
  web_pods.label_selector = "app=web";
  auto pods_gone = [&] {
    auto pods = client_->list(resources::pods(), namespace_, web_pods);
    return pods.ok() && pods->items.empty();
  };
  EXPECT_TRUE(eventually(pods_gone, std::chrono::seconds(60)));
}

TEST_F(RestClientTest, CustomResourceWithStatusSubresource) {
  json crd = {
      {"apiVersion", "apiextensions.k8s.io/v1"},
      {"kind", "CustomResourceDefinition"},
      {"metadata", {{"name", "widgets.test.aftershock.dev"}}},
      {"spec",
       {{"group", "test.aftershock.dev"},
        {"scope", "Namespaced"},
        {"names", {{"plural", "widgets"}, {"singular", "widget"}, {"kind", "Widget"}}},
        {"versions",
         {{{"name", "v1"},
           {"served", true},
           {"storage", true},
           {"subresources", {{"status", json::object()}}},
           {"schema",
            {{"openAPIV3Schema",
              {{"type", "object"},
               {"properties",
                {{"spec", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}},
                 {"status",
                  {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}}}}}}}}}};
  auto created = client_->create(resources::customResourceDefinitions(), "", crd);
  ASSERT_TRUE(created.ok() || created.error().code == ErrorCode::kAlreadyExists)
      << created.error().message;
  const Resource widgets{"test.aftershock.dev", "v1", "widgets", true};
  json widget = {{"apiVersion", "test.aftershock.dev/v1"},
                 {"kind", "Widget"},
                 {"metadata", {{"name", "w1"}}},
                 {"spec", {{"size", 3}}}};
  // The new resource is served a moment after the CRD is established.
  common::Result<json> stored = common::makeError(ErrorCode::kNotFound, "not yet");
  ASSERT_TRUE(eventually(
      [&] {
        stored = client_->create(widgets, namespace_, widget);
        return stored.ok();
      },
      std::chrono::seconds(30)))
      << stored.error().message;

  json with_status = *stored;
  with_status["status"] = {{"phase", "Running"}};
  with_status["spec"]["size"] = 99;  // ignored: /status writes only status
  auto status_written = client_->update(widgets, namespace_, with_status, "status");
  ASSERT_TRUE(status_written.ok()) << status_written.error().message;
  auto read = client_->get(widgets, namespace_, "w1");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ((*read)["status"]["phase"], "Running");
  EXPECT_EQ((*read)["spec"]["size"], 3);
}

TEST_F(RestClientTest, BearerTokenUserIsServed) {
  auto token_client = clientFor("aftershock-token");
  ASSERT_NE(token_client, nullptr);
  auto listed = token_client->list(resources::configMaps(), namespace_);
  EXPECT_TRUE(listed.ok()) << listed.error().message;
}

TEST_F(RestClientTest, UserWithoutRightsGetsForbiddenAsAValue) {
  auto nobody = clientFor("aftershock-nobody");
  ASSERT_NE(nobody, nullptr);
  auto listed = nobody->list(resources::configMaps(), namespace_);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, ErrorCode::kForbidden);
  EXPECT_NE(listed.error().message.find("aftershock-nobody"), std::string::npos)
      << listed.error().message;
}

TEST_F(RestClientTest, UnreachableServerIsUnavailable) {
  auto unreachable = clientFor("aftershock", "https://127.0.0.1:1");
  ASSERT_NE(unreachable, nullptr);
  auto listed = unreachable->list(resources::configMaps(), namespace_);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, ErrorCode::kUnavailable);
}

// The pool must notice a kept-alive connection the peer has closed before it writes a create
// on it: a create that fails on a dead connection cannot be replayed (it might have been
// applied), so without that check this create would come back Unavailable.
TEST_F(RestClientTest, APooledConnectionThePeerClosedIsNotUsedForAWrite) {
  testing::TcpProxy proxy(apiPort());
  auto proxied_client = clientFor("aftershock", proxied(proxy));
  ASSERT_NE(proxied_client, nullptr);
  ASSERT_TRUE(proxied_client->get(resources::namespaces(), "", namespace_).ok());
  ASSERT_EQ(proxy.accepted(), 1);

  proxy.cutAll();  // the pooled connection is now closed at the far end
  auto created = proxied_client->create(resources::configMaps(), namespace_, configMap("once"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(proxy.accepted(), 2);  // a fresh connection carried the create
  auto read = client_->get(resources::configMaps(), namespace_, "once");
  EXPECT_TRUE(read.ok());
}

TEST_F(RestClientTest, ServerCertificateFromAnotherAuthorityIsRejected) {
  auto config = loadRestConfig({cluster_->kubeconfig(), ""}, ConfigEnvironment{});
  ASSERT_TRUE(config.ok());
  config->ca_pem = config->client_cert_pem;  // a certificate, but not the cluster's CA
  auto client = makeRestKubeClient(*config, clock_);
  ASSERT_TRUE(client.ok()) << client.error().message;
  auto listed = (*client)->list(resources::configMaps(), namespace_);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(listed.error().message.find("certificate verify failed"), std::string::npos)
      << listed.error().message;
}

}  // namespace
}  // namespace aftershock::op
