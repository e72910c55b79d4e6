#include "operator/faults/pod_delete.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "operator/kube/object_fields.h"
#include "tests/unit/operator/faults/fault_test_support.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using testing::FakeKubeClient;
using testing::FakeRandom;
using v1alpha1::AffectedResource;
using v1alpha1::PodDeleteMode;
using v1alpha1::PodDeleteSpec;
using Verb = FakeKubeClient::Verb;

// Forwards to a FakeKubeClient and keeps the options of every delete, which the fake drops.
class DeleteRecordingKube final : public KubeClient {
 public:
  explicit DeleteRecordingKube(FakeKubeClient& fake) : fake_(fake) {}

  common::Result<json> get(const Resource& r, std::string_view ns, std::string_view name,
                           std::string_view sub = {}) override {
    return fake_.get(r, ns, name, sub);
  }
  common::Result<ObjectList> list(const Resource& r, std::string_view ns,
                                  const ListOptions& options = {}) override {
    return fake_.list(r, ns, options);
  }
  common::Result<json> create(const Resource& r, std::string_view ns, const json& o) override {
    return fake_.create(r, ns, o);
  }
  common::Result<json> update(const Resource& r, std::string_view ns, const json& o,
                              std::string_view sub = {}) override {
    return fake_.update(r, ns, o, sub);
  }
  common::Result<json> patch(const Resource& r, std::string_view ns, std::string_view name,
                             PatchType type, const json& p,
                             const PatchOptions& options = {}) override {
    return fake_.patch(r, ns, name, type, p, options);
  }
  common::Status remove(const Resource& r, std::string_view ns, std::string_view name,
                        const DeleteOptions& options = {}) override {
    deletes.push_back(options);
    return fake_.remove(r, ns, name, options);
  }
  common::Status watch(const Resource& r, std::string_view ns, const WatchOptions& options,
                       const std::function<bool(const WatchEvent&)>& on_event,
                       WatchCancel& cancel) override {
    return fake_.watch(r, ns, options, on_event, cancel);
  }

  std::vector<DeleteOptions> deletes;

 private:
  FakeKubeClient& fake_;
};

TargetPod targetPod(const std::string& name, bool ready = true,
                    const std::string& phase = "Running") {
  TargetPod p;
  p.name = name;
  p.uid = "uid-" + name;
  p.phase = phase;
  p.ready = ready;
  return p;
}

std::vector<std::string> names(const std::vector<TargetPod>& pods) {
  std::vector<std::string> out;
  for (const TargetPod& p : pods) out.push_back(p.name);
  return out;
}

std::vector<std::string> names(const std::vector<AffectedResource>& affected) {
  std::vector<std::string> out;
  for (const AffectedResource& a : affected) out.push_back(a.name);
  return out;
}

PodDeleteSpec spec(PodDeleteMode mode, int value = 1) {
  PodDeleteSpec s;
  s.mode = mode;
  s.value = value;
  return s;
}

TEST(PodDeleteCountTest, EachModePicksItsShareCappedAtTheAvailablePods) {
  const struct {
    PodDeleteMode mode;
    int value;
    std::size_t available;
    std::size_t expected;
  } cases[] = {
      {PodDeleteMode::kOne, 7, 5, 1},       {PodDeleteMode::kAll, 1, 5, 5},
      {PodDeleteMode::kFixed, 3, 5, 3},     {PodDeleteMode::kFixed, 9, 5, 5},
      {PodDeleteMode::kPercent, 50, 5, 3},  {PodDeleteMode::kPercent, 10, 5, 1},
      {PodDeleteMode::kPercent, 1, 3, 1},   {PodDeleteMode::kPercent, 34, 3, 2},
      {PodDeleteMode::kPercent, 33, 3, 1},  {PodDeleteMode::kPercent, 100, 4, 4},
      {PodDeleteMode::kPercent, 250, 4, 4}, {PodDeleteMode::kAll, 1, 0, 0},
      {PodDeleteMode::kOne, 1, 0, 0},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(podDeleteCount(spec(c.mode, c.value), c.available), c.expected)
        << "mode " << static_cast<int>(c.mode) << " value " << c.value << " of " << c.available;
  }
}

TEST(ChoosePodsTest, TheRandomDrawsDecideWhichPods) {
  const std::vector<TargetPod> pods = {targetPod("a"), targetPod("b"), targetPod("c")};
  FakeRandom first({0.0});
  EXPECT_EQ(names(choosePods(pods, 1, first)), (std::vector<std::string>{"a"}));
  FakeRandom last({0.99});
  EXPECT_EQ(names(choosePods(pods, 1, last)), (std::vector<std::string>{"c"}));
  // 0.5 of 3 picks "b" (swapped to the front), then 0.0 of the remaining [a, c] picks "a".
  FakeRandom mixed({0.5, 0.0});
  EXPECT_EQ(names(choosePods(pods, 2, mixed)), (std::vector<std::string>{"b", "a"}));
}

TEST(ChoosePodsTest, TheChoiceDoesNotDependOnTheOrderPodsArriveIn) {
  FakeRandom one({0.5, 0.0});
  FakeRandom other({0.5, 0.0});
  const auto forward = choosePods({targetPod("a"), targetPod("b"), targetPod("c")}, 2, one);
  const auto backward = choosePods({targetPod("c"), targetPod("b"), targetPod("a")}, 2, other);
  EXPECT_EQ(names(forward), names(backward));
}

TEST(ChoosePodsTest, RunningAndReadyPodsArePreferred) {
  const std::vector<TargetPod> pods = {targetPod("a", false, "Pending"), targetPod("b"),
                                       targetPod("c", false, "Running")};
  FakeRandom zero({0.0});
  EXPECT_EQ(names(choosePods(pods, 1, zero)), (std::vector<std::string>{"b"}));
  EXPECT_EQ(names(choosePods(pods, 2, zero)), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(names(choosePods(pods, 5, zero)).size(), 3u);
}

class PodDeleteTest : public FaultTest {
 protected:
  void SetUp() override {
    nameExperiment("backend-pod-delete", v1alpha1::FaultType::kPodDelete);
    targetBackendDeployment();
    experiment_.spec.fault.pod_delete.grace_period_seconds = 5;
    fault_ = makePodDeleteFault();
    fault_kube_ = &recording_;
    ASSERT_TRUE(kube_
                    .create(resources::deployments(), "demo",
                            workloadObject("backend-service", 3, backend_))
                    .ok());
  }

  void seedPods(int count) {
    for (int i = 0; i < count; ++i)
      seedPod(podObject("backend-" + std::string(1, char('a' + i)), backend_));
  }
  void seedPod(const json& object) {
    ASSERT_TRUE(kube_.create(resources::pods(), "demo", object).ok());
  }
  std::string uidOf(const std::string& name) {
    auto stored = kube_.stored(resources::pods(), "demo", name);
    return stored ? metadataString(*stored, "uid") : std::string();
  }

  DeleteRecordingKube recording_{kube_};
  const Labels backend_{{"app", "backend-service"}};
};

TEST_F(PodDeleteTest, IsASingleActNotAHeldFault) { EXPECT_FALSE(fault_->held()); }

TEST_F(PodDeleteTest, PlanRecordsTheChosenPodWithItsUidAndWorkload) {
  seedPods(3);
  random_.setValues({0.99});
  const auto affected = plan();
  ASSERT_EQ(affected.size(), 1u);
  EXPECT_EQ(affected[0].kind, "Pod");
  EXPECT_EQ(affected[0].namespace_name, "demo");
  EXPECT_EQ(affected[0].name, "backend-c");
  EXPECT_EQ(affected[0].uid, uidOf("backend-c"));
  EXPECT_EQ(affected[0].original, (json{{"workload", "Deployment/backend-service"}}));
  EXPECT_EQ(kube_.callCount(Verb::kRemove), 0u);
}

TEST_F(PodDeleteTest, PlanSelectsByModeAllFixedAndPercent) {
  seedPods(3);
  experiment_.spec.fault.pod_delete = spec(PodDeleteMode::kAll);
  EXPECT_EQ(names(plan()), (std::vector<std::string>{"backend-a", "backend-b", "backend-c"}));

  experiment_.spec.fault.pod_delete = spec(PodDeleteMode::kFixed, 5);
  EXPECT_EQ(plan().size(), 3u);

  experiment_.spec.fault.pod_delete = spec(PodDeleteMode::kFixed, 2);
  EXPECT_EQ(plan().size(), 2u);

  experiment_.spec.fault.pod_delete = spec(PodDeleteMode::kPercent, 50);  // 1.5 -> 2
  EXPECT_EQ(plan().size(), 2u);

  experiment_.spec.fault.pod_delete = spec(PodDeleteMode::kPercent, 10);  // 0.3 -> 1
  EXPECT_EQ(plan().size(), 1u);
}

TEST_F(PodDeleteTest, PodKindRecordsTheSelectorItChoseBy) {
  experiment_.spec.target.kind = v1alpha1::TargetKind::kPod;
  experiment_.spec.target.name.clear();
  experiment_.spec.target.selector.match_labels = backend_;
  seedPods(2);
  const auto affected = plan();
  ASSERT_EQ(affected.size(), 1u);
  EXPECT_EQ(affected[0].original, (json{{"selector", "app=backend-service"}}));
}

TEST_F(PodDeleteTest, SafetyRefusesAPlanThatLeavesTooFewReadyPodsAndSaysByHowMuch) {
  seedPods(3);
  experiment_.spec.fault.pod_delete = spec(PodDeleteMode::kAll);
  experiment_.spec.safety.min_healthy_replicas = 1;
  auto planned = fault_->plan(context());
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(planned.error().field, "spec.safety.minHealthyReplicas");
  EXPECT_NE(
      planned.error().message.find("would leave 0 ready pods of 3, safety.minHealthyReplicas is 1"),
      std::string::npos)
      << planned.error().message;
  EXPECT_EQ(kube_.callCount(Verb::kRemove), 0u);
}

TEST_F(PodDeleteTest, SafetyCountsOnlyReadyPods) {
  seedPod(podObject("backend-a", backend_));
  seedPod(podObject("backend-b", backend_));
  seedPod(podObject("backend-c", backend_, "Running", false));
  experiment_.spec.safety.min_healthy_replicas = 2;
  auto refused = fault_->plan(context());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("would leave 1 ready pods of 3"), std::string::npos)
      << refused.error().message;

  experiment_.spec.safety.min_healthy_replicas = 1;
  EXPECT_EQ(plan().size(), 1u);
}

TEST_F(PodDeleteTest, NoMatchingPodsIsNotFoundNamingTheSelector) {
  seedPod(podObject("client-a", {{"app", "client-service"}}));
  auto planned = fault_->plan(context());
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.error().code, ErrorCode::kNotFound);
  EXPECT_NE(planned.error().message.find("app=backend-service"), std::string::npos)
      << planned.error().message;
  EXPECT_NE(planned.error().message.find("Deployment demo/backend-service"), std::string::npos);
}

TEST_F(PodDeleteTest, AMissingDeploymentIsNotFoundNamingIt) {
  experiment_.spec.target.name = "gone";
  auto planned = fault_->plan(context());
  ASSERT_FALSE(planned.ok());
  EXPECT_EQ(planned.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(planned.error().message, "Deployment demo/gone not found");
}

TEST_F(PodDeleteTest, InjectDeletesEachPlannedPodWithTheGracePeriod) {
  seedPods(3);
  experiment_.spec.fault.pod_delete = spec(PodDeleteMode::kFixed, 2);
  experiment_.spec.fault.pod_delete.grace_period_seconds = 5;
  const auto affected = plan();
  ASSERT_TRUE(fault_->inject(context(), affected).ok());

  for (const AffectedResource& entry : affected) {
    EXPECT_FALSE(kube_.stored(resources::pods(), "demo", entry.name).has_value()) << entry.name;
  }
  EXPECT_EQ(kube_.storedList(resources::pods(), "demo").size(), 1u);
  ASSERT_EQ(recording_.deletes.size(), 2u);
  for (const DeleteOptions& options : recording_.deletes) {
    EXPECT_EQ(options.grace_period_seconds, 5);
    EXPECT_FALSE(options.precondition_resource_version.empty());
  }
}

TEST_F(PodDeleteTest, InjectTwiceDeletesOnce) {
  seedPods(3);
  const auto affected = plan();
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_EQ(kube_.callCount(Verb::kRemove), 1u);
}

TEST_F(PodDeleteTest, ARepeatedInjectNeverDeletesAReplacementWithTheSameName) {
  seedPods(2);
  const auto affected = plan();
  ASSERT_EQ(affected.size(), 1u);
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  // A StatefulSet's replacement keeps the name; the fake gives it a new uid.
  seedPod(podObject(affected[0].name, backend_));
  ASSERT_NE(uidOf(affected[0].name), affected[0].uid);

  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_TRUE(kube_.stored(resources::pods(), "demo", affected[0].name).has_value());
  EXPECT_EQ(kube_.callCount(Verb::kRemove), 1u);
}

TEST_F(PodDeleteTest, APodChangingBetweenReadAndDeleteIsReReadAndDeleted) {
  seedPods(1);
  const auto affected = plan();
  bool changed = false;
  kube_.setBeforeCall([&](const FakeKubeClient::Call& call) {
    if (call.verb != Verb::kRemove || changed) return;
    changed = true;
    ASSERT_TRUE(kube_
                    .patch(resources::pods(), "demo", "backend-a", PatchType::kMerge,
                           {{"status", {{"podIP", "10.0.0.9"}}}})
                    .ok());
  });
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_FALSE(kube_.stored(resources::pods(), "demo", "backend-a").has_value());
  EXPECT_EQ(kube_.callCount(Verb::kRemove), 2u);
}

TEST_F(PodDeleteTest, APodThatKeepsChangingIsARetryableConflict) {
  seedPods(1);
  const auto affected = plan();
  kube_.failNext(Verb::kRemove, common::makeError(ErrorCode::kConflict, "modified"), 10);
  common::Status status = fault_->inject(context(), affected);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(status.error().retryable());
  EXPECT_NE(status.error().message.find("pod demo/backend-a"), std::string::npos);
}

TEST_F(PodDeleteTest, APodAlreadyTerminatingIsNotDeletedAgain) {
  seedPods(1);
  const auto affected = plan();
  ASSERT_TRUE(kube_
                  .patch(resources::pods(), "demo", "backend-a", PatchType::kMerge,
                         {{"metadata", {{"deletionTimestamp", "2026-01-01T00:00:00Z"}}}})
                  .ok());
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  EXPECT_EQ(kube_.callCount(Verb::kRemove), 0u);
  auto injected = fault_->verifyInjected(context(), affected);
  ASSERT_TRUE(injected.ok());
  EXPECT_TRUE(*injected);
}

TEST_F(PodDeleteTest, VerifyInjectedHoldsOnlyOnceEveryRecordedPodIsGone) {
  seedPods(3);
  experiment_.spec.fault.pod_delete = spec(PodDeleteMode::kFixed, 2);
  const auto affected = plan();
  auto before = fault_->verifyInjected(context(), affected);
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(*before);

  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  seedPod(podObject(affected[0].name, backend_));  // a replacement is not the recorded pod
  auto after = fault_->verifyInjected(context(), affected);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);
}

TEST_F(PodDeleteTest, AnApiFailureDuringInjectIsReturnedWithItsCode) {
  seedPods(1);
  const auto affected = plan();
  kube_.failNext(Verb::kRemove, common::makeError(ErrorCode::kUnavailable, "connection reset"));
  common::Status status = fault_->inject(context(), affected);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(status.error().message, "deleting pod demo/backend-a: connection reset");
}

TEST_F(PodDeleteTest, AnEntryWithoutAUidIsNeverDeleted) {
  seedPods(1);
  std::vector<AffectedResource> affected = {{"Pod", "demo", "backend-a", "", json::object(), ""}};
  common::Status status = fault_->inject(context(), affected);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kInternal);
  EXPECT_TRUE(kube_.stored(resources::pods(), "demo", "backend-a").has_value());

  affected[0].kind = "Deployment";
  affected[0].uid = uidOf("backend-a");
  EXPECT_FALSE(fault_->inject(context(), affected).ok());
  EXPECT_EQ(kube_.callCount(Verb::kRemove), 0u);
}

TEST_F(PodDeleteTest, RollbackHasNothingToDo) {
  seedPods(2);
  const auto affected = plan();
  ASSERT_TRUE(fault_->inject(context(), affected).ok());
  kube_.clearCalls();
  EXPECT_TRUE(fault_->rollback(context(), affected).ok());
  auto rolled_back = fault_->verifyRolledBack(context(), affected);
  ASSERT_TRUE(rolled_back.ok());
  EXPECT_TRUE(*rolled_back);
  EXPECT_TRUE(kube_.calls().empty());
}

}  // namespace
}  // namespace aftershock::op
