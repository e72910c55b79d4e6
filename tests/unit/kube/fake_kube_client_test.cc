// The fake API server's concurrency rules and test hooks, which other tests rely on.
#include "tests/fakes/fake_kube_client.h"

#include <gtest/gtest.h>

namespace aftershock::testing {
namespace {

using common::ErrorCode;
using op::json;
using Verb = FakeKubeClient::Verb;

json configMap(const std::string& name) {
  return {{"metadata", {{"name", name}, {"labels", {{"app", "web"}}}}}, {"data", {{"k", "v"}}}};
}

op::ListOptions labelSelector(std::string selector) {
  op::ListOptions options;
  options.label_selector = std::move(selector);
  return options;
}

TEST(FakeKubeClientTest, CreateOfATakenNameIsAlreadyExists) {
  FakeKubeClient client;
  ASSERT_TRUE(client.create(op::resources::configMaps(), "chaos", configMap("a")).ok());

  auto again = client.create(op::resources::configMaps(), "chaos", configMap("a"));

  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  // The same name in another namespace is a different object.
  EXPECT_TRUE(client.create(op::resources::configMaps(), "other", configMap("a")).ok());
}

TEST(FakeKubeClientTest, UpdateWithAStaleResourceVersionIsAConflict) {
  FakeKubeClient client;
  auto created = client.create(op::resources::configMaps(), "chaos", configMap("a"));
  ASSERT_TRUE(created.ok());
  json first = *created;
  first["data"]["k"] = "first";
  auto updated = client.update(op::resources::configMaps(), "chaos", first);
  ASSERT_TRUE(updated.ok());
  EXPECT_NE(updated->at("metadata").at("resourceVersion"),
            created->at("metadata").at("resourceVersion"));

  json stale = *created;
  stale["data"]["k"] = "stale";
  auto conflicted = client.update(op::resources::configMaps(), "chaos", stale);

  ASSERT_FALSE(conflicted.ok());
  EXPECT_EQ(conflicted.error().code, ErrorCode::kConflict);
  EXPECT_EQ(client.stored(op::resources::configMaps(), "chaos", "a")->at("data").at("k"), "first");
}

TEST(FakeKubeClientTest, UpdateWithoutResourceVersionIsUnconditionalAndKeepsServerFields) {
  FakeKubeClient client;
  auto created = client.create(op::resources::configMaps(), "chaos", configMap("a"));
  ASSERT_TRUE(created.ok());

  auto updated = client.update(op::resources::configMaps(), "chaos", configMap("a"));

  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->at("metadata").at("uid"), created->at("metadata").at("uid"));
}

TEST(FakeKubeClientTest, UpdateOfAMissingObjectIsNotFound) {
  FakeKubeClient client;
  auto updated = client.update(op::resources::configMaps(), "chaos", configMap("missing"));
  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, ErrorCode::kNotFound);
}

TEST(FakeKubeClientTest, MergePatchChangesFieldsAndBumpsTheResourceVersion) {
  FakeKubeClient client;
  auto created = client.create(op::resources::configMaps(), "chaos", configMap("a"));
  ASSERT_TRUE(created.ok());

  auto patched = client.patch(op::resources::configMaps(), "chaos", "a", op::PatchType::kMerge,
                              {{"data", {{"k", nullptr}, {"n", "1"}}}});

  ASSERT_TRUE(patched.ok());
  EXPECT_EQ(patched->at("data"), json({{"n", "1"}}));
  EXPECT_NE(patched->at("metadata").at("resourceVersion"),
            created->at("metadata").at("resourceVersion"));
}

TEST(FakeKubeClientTest, ListFiltersByNamespaceAndLabelEquality) {
  FakeKubeClient client;
  json other = configMap("b");
  other["metadata"]["labels"]["app"] = "db";
  ASSERT_TRUE(client.create(op::resources::configMaps(), "chaos", configMap("a")).ok());
  ASSERT_TRUE(client.create(op::resources::configMaps(), "chaos", other).ok());
  ASSERT_TRUE(client.create(op::resources::configMaps(), "elsewhere", configMap("c")).ok());

  auto web = client.list(op::resources::configMaps(), "chaos", labelSelector("app=web"));
  auto everywhere = client.list(op::resources::configMaps(), "", labelSelector("app==web"));
  auto not_web = client.list(op::resources::configMaps(), "chaos", labelSelector("app!=web"));

  ASSERT_TRUE(web.ok() && everywhere.ok() && not_web.ok());
  ASSERT_EQ(web->items.size(), 1u);
  EXPECT_EQ(web->items[0]["metadata"]["name"], "a");
  EXPECT_EQ(everywhere->items.size(), 2u);
  ASSERT_EQ(not_web->items.size(), 1u);
  EXPECT_EQ(not_web->items[0]["metadata"]["name"], "b");
}

TEST(FakeKubeClientTest, ScriptedFailuresHitOnlyTheNextCallsOfThatVerb) {
  FakeKubeClient client;
  ASSERT_TRUE(client.create(op::resources::configMaps(), "chaos", configMap("a")).ok());
  client.failNext(Verb::kGet, common::makeError(ErrorCode::kUnavailable, "outage"), 2);

  auto first = client.get(op::resources::configMaps(), "chaos", "a");
  auto list = client.list(op::resources::configMaps(), "chaos");
  auto second = client.get(op::resources::configMaps(), "chaos", "a");
  auto third = client.get(op::resources::configMaps(), "chaos", "a");

  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(list.ok());
  EXPECT_FALSE(second.ok());
  EXPECT_TRUE(third.ok());
  EXPECT_EQ(client.callCount(Verb::kGet), 3u);
  EXPECT_EQ(client.calls().back().path, "/api/v1/namespaces/chaos/configmaps/a");
}

TEST(FakeKubeClientTest, BeforeCallHookCanInterleaveAConcurrentWriter) {
  FakeKubeClient client;
  auto created = client.create(op::resources::configMaps(), "chaos", configMap("a"));
  ASSERT_TRUE(created.ok());
  client.setBeforeCall([&client](const FakeKubeClient::Call& call) {
    if (call.verb != Verb::kUpdate) return;
    client.setBeforeCall(nullptr);
    ASSERT_TRUE(client
                    .patch(op::resources::configMaps(), "chaos", "a", op::PatchType::kMerge,
                           {{"data", {{"k", "racer"}}}})
                    .ok());
  });

  auto updated = client.update(op::resources::configMaps(), "chaos", *created);

  ASSERT_FALSE(updated.ok());
  EXPECT_EQ(updated.error().code, ErrorCode::kConflict);
}

}  // namespace
}  // namespace aftershock::testing
