#include "operator/faults/network_partition.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "operator/api/v1alpha1/selector.h"
#include "operator/kube/object_fields.h"
#include "tests/unit/operator/faults/fault_test_support.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using testing::FakeKubeClient;
using v1alpha1::AffectedResource;
using v1alpha1::LabelSelector;
using Verb = FakeKubeClient::Verb;

class NetworkPartitionTest : public FaultTest {
 protected:
  void SetUp() override {
    nameExperiment("client-backend-partition", v1alpha1::FaultType::kNetworkPartition);
    targetBackendDeployment();
    experiment_.spec.fault.network_partition.from.match_labels = {{"app", "client-service"}};
    experiment_.spec.fault.network_partition.to.match_labels = {{"app", "backend-service"}};
    fault_ = makeNetworkPartitionFault();
  }

  json policy() {
    auto built = partitionPolicy(experiment_);
    EXPECT_TRUE(built.ok()) << built.error().message;
    return built.ok() ? *built : json();
  }
  std::optional<json> stored() {
    return kube_.stored(resources::networkPolicies(), "demo",
                        "aftershock-client-backend-partition");
  }

  // Whether the policy's single ingress rule admits a pod of `labels` in the policy's own
  // namespace: some peer's podSelector (without a namespaceSelector) matches it.
  static bool admits(const json& built, const Labels& labels) {
    for (const json& peer : built["spec"]["ingress"][0]["from"]) {
      if (!peer.contains("podSelector") || peer.contains("namespaceSelector")) continue;
      auto selector = v1alpha1::parseSelector(peer["podSelector"], "peer");
      EXPECT_TRUE(selector.ok()) << selector.error().message;
      if (selector.ok() && v1alpha1::selectorMatches(*selector, labels)) return true;
    }
    return false;
  }
};

TEST_F(NetworkPartitionTest, IsHeldUntilRollback) { EXPECT_TRUE(fault_->held()); }

TEST_F(NetworkPartitionTest, ThePolicySelectsToAndAdmitsEverythingButFrom) {
  const json built = policy();
  EXPECT_EQ(built["apiVersion"], "networking.k8s.io/v1");
  EXPECT_EQ(built["kind"], "NetworkPolicy");
  EXPECT_EQ(built["metadata"]["name"], "aftershock-client-backend-partition");
  EXPECT_EQ(built["metadata"]["namespace"], "demo");
  EXPECT_EQ(built["metadata"]["labels"],
            (json{{"app.kubernetes.io/managed-by", "aftershock"},
                  {"chaos.aftershock.dev/experiment", "client-backend-partition"},
                  {"chaos.aftershock.dev/experiment-namespace", "demo"}}));
  EXPECT_EQ(built["spec"]["podSelector"], (json{{"matchLabels", {{"app", "backend-service"}}}}));
  EXPECT_EQ(built["spec"]["policyTypes"], json::array({"Ingress"}));
  ASSERT_EQ(built["spec"]["ingress"].size(), 1u);
  EXPECT_EQ(built["spec"]["ingress"][0]["from"], json::parse(R"([
              {"podSelector": {"matchExpressions":
                  [{"key": "app", "operator": "NotIn", "values": ["client-service"]}]}},
              {"namespaceSelector": {"matchExpressions":
                  [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                    "values": ["demo"]}]}}
            ])"));
}

TEST_F(NetworkPartitionTest, TheOwnerReferencePointsAtTheExperimentWithoutBlockingIt) {
  const json built = policy();
  EXPECT_EQ(built["metadata"]["ownerReferences"],
            json::parse(R"([{"apiVersion": "chaos.aftershock.dev/v1alpha1",
                             "kind": "ChaosExperiment", "name": "client-backend-partition",
                             "uid": "experiment-uid", "blockOwnerDeletion": false}])"));
}

TEST_F(NetworkPartitionTest, NoOwnerReferenceAcrossNamespacesWhereItWouldDeleteThePolicy) {
  experiment_.spec.target.namespace_name = "shop";
  const json built = policy();
  EXPECT_EQ(built["metadata"]["namespace"], "shop");
  EXPECT_FALSE(built["metadata"].contains("ownerReferences"));
  EXPECT_EQ(built["metadata"]["labels"]["chaos.aftershock.dev/experiment-namespace"], "demo");
}

TEST_F(NetworkPartitionTest, EachFromTermIsNegatedIntoItsOwnPeer) {
  LabelSelector& from = experiment_.spec.fault.network_partition.from;
  from.match_labels.clear();
  from.match_expressions = {{"tier", "In", {"web", "api"}},
                            {"zone", "NotIn", {"a"}},
                            {"canary", "Exists", {}},
                            {"legacy", "DoesNotExist", {}}};
  const json peers = policy()["spec"]["ingress"][0]["from"];
  ASSERT_EQ(peers.size(), 5u);
  const auto requirement = [&](std::size_t i) {
    return peers[i]["podSelector"]["matchExpressions"][0];
  };
  EXPECT_EQ(requirement(0),
            (json{{"key", "tier"}, {"operator", "NotIn"}, {"values", {"web", "api"}}}));
  EXPECT_EQ(requirement(1), (json{{"key", "zone"}, {"operator", "In"}, {"values", {"a"}}}));
  EXPECT_EQ(requirement(2), (json{{"key", "canary"}, {"operator", "DoesNotExist"}}));
  EXPECT_EQ(requirement(3), (json{{"key", "legacy"}, {"operator", "Exists"}}));
}

TEST_F(NetworkPartitionTest, ThePolicyAdmitsExactlyThePodsOutsideFrom) {
  LabelSelector& from = experiment_.spec.fault.network_partition.from;
  from.match_labels = {{"app", "client-service"}};
  from.match_expressions = {{"tier", "In", {"web", "api"}}, {"legacy", "DoesNotExist", {}}};
  const json built = policy();
  const std::vector<Labels> pods = {
      {},
      {{"app", "client-service"}},
      {{"app", "client-service"}, {"tier", "web"}},
      {{"app", "client-service"}, {"tier", "api"}, {"legacy", "yes"}},
      {{"app", "client-service"}, {"tier", "db"}},
      {{"app", "other"}, {"tier", "web"}},
      {{"tier", "web"}},
  };
  for (const Labels& labels : pods) {
    const bool in_from = v1alpha1::selectorMatches(from, labels);
    EXPECT_EQ(admits(built, labels), !in_from) << json(labels).dump();
  }
}

TEST_F(NetworkPartitionTest, ALongExperimentNameIsCutTo63WithAHashThatKeepsNamesApart) {
  experiment_.name = std::string(80, 'a');
  const std::string first = partitionPolicyName(experiment_);
  EXPECT_EQ(first.size(), 63u);
  EXPECT_EQ(first.rfind("aftershock-aaaa", 0), 0u);
  EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(first.back())));
  EXPECT_LE(
      policy()["metadata"]["labels"]["chaos.aftershock.dev/experiment"].get<std::string>().size(),
      63u);

  experiment_.name = std::string(79, 'a') + "b";
  EXPECT_NE(partitionPolicyName(experiment_), first);

  experiment_.name = "short";
  EXPECT_EQ(partitionPolicyName(experiment_), "aftershock-short");
}

TEST_F(NetworkPartitionTest, EmptySelectorsAreRefused) {
  experiment_.spec.fault.network_partition.to = {};
  auto built = partitionPolicy(experiment_);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().field, "spec.fault.networkPartition.to");

  experiment_.spec.fault.network_partition.to.match_labels = {{"app", "backend-service"}};
  experiment_.spec.fault.network_partition.from = {};
  auto planned = fault_->plan(context());
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(planned.error().field, "spec.fault.networkPartition.from");
}

TEST_F(NetworkPartitionTest, PlanRecordsThePolicyWithoutCreatingIt) {
  const auto affected = plan();
  ASSERT_EQ(affected.size(), 1u);
  EXPECT_EQ(affected[0].kind, "NetworkPolicy");
  EXPECT_EQ(affected[0].namespace_name, "demo");
  EXPECT_EQ(affected[0].name, "aftershock-client-backend-partition");
  EXPECT_EQ(affected[0].original, json::object());
  EXPECT_EQ(kube_.callCount(Verb::kCreate), 0u);
}

TEST_F(NetworkPartitionTest, InjectCreatesThePolicyOnceAndRollbackDeletesIt) {
  const auto affected = plan();
  EXPECT_FALSE(verified(fault_->verifyInjected(context(), affected)));
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  ASSERT_TRUE(stored().has_value());
  EXPECT_EQ((*stored())["spec"], policy()["spec"]);
  EXPECT_TRUE(verified(fault_->verifyInjected(context(), affected)));
  EXPECT_FALSE(verified(fault_->verifyRolledBack(context(), affected)));

  ASSERT_TRUE(fault_->inject(context(), affected).ok());  // AlreadyExists, ours, unchanged
  EXPECT_EQ(kube_.callCount(Verb::kUpdate), 0u);

  ASSERT_TRUE(fault_->rollback(context(), affected).ok());
  EXPECT_FALSE(stored().has_value());
  EXPECT_TRUE(verified(fault_->verifyRolledBack(context(), affected)));
  EXPECT_TRUE(fault_->rollback(context(), affected).ok());  // already gone
}

TEST_F(NetworkPartitionTest, InjectBringsAStalePolicyOfOursUpToDate) {
  const auto affected = plan();
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  experiment_.spec.fault.network_partition.to.match_labels = {{"app", "cache"}};
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_EQ((*stored())["spec"]["podSelector"], (json{{"matchLabels", {{"app", "cache"}}}}));
  EXPECT_EQ(kube_.callCount(Verb::kUpdate), 1u);
}

TEST_F(NetworkPartitionTest, APolicyOfTheSameNameThatIsNotOursIsNeverTouched) {
  const json foreign = {{"metadata", {{"name", "aftershock-client-backend-partition"}}},
                        {"spec", {{"podSelector", json::object()}}}};
  ASSERT_TRUE(kube_.create(resources::networkPolicies(), "demo", foreign).ok());

  auto planned = fault_->plan(context());
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.error().code, ErrorCode::kAlreadyExists);
  EXPECT_NE(planned.error().message.find(
                "NetworkPolicy demo/aftershock-client-backend-partition already exists"),
            std::string::npos);

  const std::vector<AffectedResource> affected = {
      {"NetworkPolicy", "demo", "aftershock-client-backend-partition", "", json::object(), ""}};
  common::Status injected = fault_->inject(context(), affected);
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.error().code, ErrorCode::kAlreadyExists);
  EXPECT_FALSE(verified(fault_->verifyInjected(context(), affected)));

  EXPECT_TRUE(fault_->rollback(context(), affected).ok());
  EXPECT_TRUE(stored().has_value());
  EXPECT_TRUE(verified(fault_->verifyRolledBack(context(), affected)));
  EXPECT_EQ(kube_.callCount(Verb::kRemove), 0u);
  EXPECT_EQ(kube_.callCount(Verb::kUpdate), 0u);
}

TEST_F(NetworkPartitionTest, AFailedDeleteIsReturnedSoRollbackIsRetried) {
  const auto affected = plan();
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  kube_.failNext(Verb::kRemove, common::makeError(ErrorCode::kUnavailable, "connection refused"));
  common::Status status = fault_->rollback(context(), affected);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(status.error().message,
            "deleting NetworkPolicy demo/aftershock-client-backend-partition: connection refused");
  EXPECT_TRUE(stored().has_value());
  EXPECT_TRUE(fault_->rollback(context(), affected).ok());
  EXPECT_FALSE(stored().has_value());
}

}  // namespace
}  // namespace aftershock::op
