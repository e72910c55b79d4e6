// Reconciler reading from informer caches: the experiment from ReconcilerDependencies::
// cached_experiment instead of a GET, the target namespace from cached_namespace. The caches
// are plain maps the test fills from the in-memory API server, so a test decides exactly how
// far behind the server a cache is, as a watch that has not delivered yet would leave it.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "operator/api/v1alpha1/codec.h"
#include "operator/controller/conditions.h"
#include "operator/controller/reconciler.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_fault.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_kube_client.h"
#include "tests/fakes/fake_probe.h"
#include "tests/fakes/fake_random.h"
#include "tests/unit/operator/controller/reconciler_test_support.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using std::chrono::seconds;
using testing::deploymentEntry;
using testing::experimentObject;
using testing::FakeKubeClient;
using testing::namespaceObject;
using v1alpha1::AffectedResource;
using v1alpha1::Phase;
using Verb = FakeKubeClient::Verb;

constexpr const char* kKey = "demo/exp";

// A held fault on a Deployment, its steady state the Deployment's readiness (the default
// probe, which the fake probes pass): once that probe's first check has run, one reconcile
// plans, injects and records FaultActive.
json deploymentSpec() {
  return json::parse(R"({
    "target": {"kind": "Deployment", "name": "backend-service"},
    "fault": {"type": "ScaleDown"},
    "duration": "30s",
    "recovery": {"timeout": "120s"}})");
}

json withTargetNamespace(json spec, const std::string& namespace_name) {
  spec["target"]["namespace"] = namespace_name;
  return spec;
}

class ReconcilerCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kube_.create(resources::namespaces(), "", namespaceObject("demo", true)).ok());
    fault_.setPlan(std::vector<AffectedResource>{deploymentEntry()});
    scheduler_ = std::make_unique<ProbeScheduler>(
        clock_,
        [](std::function<void()> task) {
          task();
          return true;
        },
        [](const std::string&) {});
    ReconcilerDependencies deps{kube_,      http_,   clock_,  random_,         *scheduler_,
                                admission_, nullptr, nullptr, probes_.maker(), fault_.maker()};
    deps.cached_experiment = [this](const std::string& key) -> std::optional<json> {
      ++experiment_lookups_;
      const auto found = experiment_cache_.find(key);
      if (found == experiment_cache_.end()) return std::nullopt;
      return found->second;
    };
    deps.cached_namespace = [this](const std::string& name) -> std::optional<json> {
      const auto found = namespace_cache_.find(name);
      if (found == namespace_cache_.end()) return std::nullopt;
      return found->second;
    };
    ReconcilerOptions options;
    options.poll_interval = seconds(2);
    reconciler_ = std::make_unique<Reconciler>(std::move(deps), options);
  }

  void create(const json& spec) {
    ASSERT_TRUE(
        kube_.create(chaosExperimentResource(), "demo", experimentObject(spec, "exp")).ok());
  }
  // The experiment cache catches up with the server, as the watch events' arrival would do.
  void syncExperiment() { experiment_cache_[kKey] = stored(); }
  void syncNamespace(const std::string& name) {
    const std::optional<json> object = kube_.stored(resources::namespaces(), "", name);
    ASSERT_TRUE(object.has_value()) << name;
    namespace_cache_[name] = *object;
  }

  ReconcileResult reconcile() { return reconciler_->reconcile(kKey); }

  json stored() {
    const std::optional<json> object = kube_.stored(chaosExperimentResource(), "demo", "exp");
    EXPECT_TRUE(object.has_value());
    return object.value_or(json::object());
  }
  Phase phase() { return v1alpha1::parseMetadataAndStatus(stored()).status.phase; }
  static std::string version(const json& object) {
    return object.at("metadata").at("resourceVersion").get<std::string>();
  }

  std::size_t calls(Verb verb, const std::string& path) const {
    std::size_t count = 0;
    for (const FakeKubeClient::Call& call : kube_.calls()) {
      count += call.verb == verb && call.path == path ? 1 : 0;
    }
    return count;
  }
  std::size_t experimentGets() const {
    return calls(Verb::kGet, resourcePath(chaosExperimentResource(), "demo", "exp"));
  }
  std::size_t namespaceGets(const std::string& name) const {
    return calls(Verb::kGet, resourcePath(resources::namespaces(), "", name));
  }

  // A new experiment, read from an up-to-date cache, to FaultActive: Pending ->
  // SteadyStateCheck, then (the cache caught up) plan, inject and FaultActive. Returns the
  // object as it was stored at the moment of the injection: Injecting, its plan recorded.
  json injectFromCache() {
    create(deploymentSpec());
    syncExperiment();
    syncNamespace("demo");
    reconcile();
    EXPECT_EQ(phase(), Phase::kSteadyStateCheck);
    scheduler_->runDue();
    syncExperiment();
    json at_injection;
    fault_.setOnInject([&](const auto&) { at_injection = stored(); });
    reconcile();
    fault_.setOnInject(nullptr);
    EXPECT_EQ(phase(), Phase::kFaultActive);
    EXPECT_EQ(fault_.injectCalls(), 1);
    return at_injection;
  }

  testing::FakeClock clock_;
  FakeKubeClient kube_{&clock_};
  testing::FakeHttpClient http_;
  testing::FakeRandom random_{{0.0}};
  testing::FakeFaultScript fault_;
  testing::FakeProbeScript probes_;
  Admission admission_{10};
  std::unique_ptr<ProbeScheduler> scheduler_;
  std::unique_ptr<Reconciler> reconciler_;
  std::map<std::string, json> experiment_cache_;
  std::map<std::string, json> namespace_cache_;
  int experiment_lookups_ = 0;
};

// --- The experiment from the cache ------------------------------------------------------------

TEST_F(ReconcilerCacheTest, ReadsTheExperimentFromTheCacheWithoutAGet) {
  create(deploymentSpec());
  syncExperiment();
  syncNamespace("demo");
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry) << result.error;
  EXPECT_EQ(phase(), Phase::kSteadyStateCheck);
  EXPECT_EQ(experiment_lookups_, 1);
  EXPECT_EQ(experimentGets(), 0u);
}

TEST_F(ReconcilerCacheTest, AnExperimentMissingFromTheCacheIsHandledAsDeleted) {
  create(deploymentSpec());
  syncExperiment();
  syncNamespace("demo");
  reconcile();
  ASSERT_TRUE(admission_.isActive(kKey));
  ASSERT_NE(scheduler_->find(kKey), nullptr);
  // Still on the server (a GET would find it), gone from the cache.
  experiment_cache_.clear();
  kube_.clearCalls();
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry) << result.error;
  EXPECT_FALSE(result.requeue_after.has_value());
  EXPECT_FALSE(admission_.isActive(kKey));
  EXPECT_EQ(scheduler_->find(kKey), nullptr);
  EXPECT_TRUE(kube_.calls().empty());
  EXPECT_EQ(phase(), Phase::kSteadyStateCheck);
}

// --- Never acting on a stale read -------------------------------------------------------------

TEST_F(ReconcilerCacheTest, ACachedCopyItsOwnWriteSupersededIsNotActedOn) {
  const json at_injection = injectFromCache();
  ASSERT_FALSE(at_injection.is_null());
  // The cache still holds the copy that planned the injection (a repeatable fault would be
  // injected again from it); the watch event of the FaultActive write has not arrived.
  experiment_cache_[kKey] = at_injection;
  kube_.clearCalls();
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry) << result.error;
  ASSERT_TRUE(result.requeue_after.has_value());
  EXPECT_EQ(*result.requeue_after, seconds(1));
  EXPECT_EQ(fault_.injectCalls(), 1);
  EXPECT_TRUE(kube_.calls().empty());
  EXPECT_EQ(phase(), Phase::kFaultActive);
}

TEST_F(ReconcilerCacheTest, EveryVersionOneReconcileSupersededIsStale) {
  create(deploymentSpec());
  syncExperiment();
  syncNamespace("demo");
  reconcile();
  scheduler_->runDue();
  syncExperiment();
  // The copy read before the reconcile that wrote three times (Injecting, the plan, then
  // FaultActive): the first of the superseded versions, not only the last.
  const json before = experiment_cache_[kKey];
  reconcile();
  ASSERT_EQ(phase(), Phase::kFaultActive);
  ASSERT_NE(version(before), version(stored()));
  kube_.clearCalls();
  const ReconcileResult result = reconcile();
  ASSERT_TRUE(result.requeue_after.has_value());
  EXPECT_EQ(*result.requeue_after, seconds(1));
  EXPECT_TRUE(kube_.calls().empty());
  EXPECT_EQ(fault_.injectCalls(), 1);
}

TEST_F(ReconcilerCacheTest, ANewerVersionFromTheCacheIsActedOn) {
  const json at_injection = injectFromCache();
  experiment_cache_[kKey] = at_injection;
  ASSERT_EQ(*reconcile().requeue_after, seconds(1));
  // The watch catches up; the fault's duration is over.
  syncExperiment();
  clock_.advance(seconds(31));
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry) << result.error;
  EXPECT_EQ(fault_.rollbackCalls(), 1);
  EXPECT_EQ(phase(), Phase::kRecovering);
  EXPECT_EQ(fault_.injectCalls(), 1);
}

TEST_F(ReconcilerCacheTest, AnotherWritersNewerVersionIsActedOn) {
  const json at_injection = injectFromCache();
  experiment_cache_[kKey] = at_injection;
  ASSERT_EQ(*reconcile().requeue_after, seconds(1));
  // Someone aborts the experiment; the cache gets their version, not the reconciler's own.
  ASSERT_TRUE(kube_
                  .patch(chaosExperimentResource(), "demo", "exp", PatchType::kMerge,
                         json{{"spec", {{"abort", true}}}})
                  .ok());
  syncExperiment();
  reconcile();
  EXPECT_EQ(phase(), Phase::kAborted);
  EXPECT_EQ(fault_.rollbackCalls(), 1);
}

TEST_F(ReconcilerCacheTest, AConflictedWriteLeavesTheCachedCopyCurrent) {
  create(deploymentSpec());
  syncExperiment();
  syncNamespace("demo");
  kube_.failNext(Verb::kUpdate,
                 common::makeError(ErrorCode::kConflict, "the object has been modified"));
  const ReconcileResult conflicted = reconcile();
  EXPECT_TRUE(conflicted.retry);
  EXPECT_EQ(phase(), Phase::kPending);
  // Nothing was written, so the same cached copy is still the newest and is acted on.
  const ReconcileResult retried = reconcile();
  EXPECT_FALSE(retried.retry) << retried.error;
  EXPECT_EQ(phase(), Phase::kSteadyStateCheck);
}

TEST_F(ReconcilerCacheTest, AStaleCopyOfADeletedExperimentIsNotRolledBackTwice) {
  const json at_injection = injectFromCache();
  syncExperiment();
  // Deleted: the reconcile rolls back and removes the finalizer, so the API drops the object.
  ASSERT_TRUE(kube_
                  .patch(chaosExperimentResource(), "demo", "exp", PatchType::kMerge,
                         json{{"metadata", {{"deletionTimestamp", "2026-01-01T00:00:00Z"}}}})
                  .ok());
  syncExperiment();
  reconcile();
  ASSERT_EQ(fault_.rollbackCalls(), 1);
  // The cache still has the deleting copy from before the finalizer went.
  kube_.clearCalls();
  const ReconcileResult result = reconcile();
  ASSERT_TRUE(result.requeue_after.has_value());
  EXPECT_EQ(*result.requeue_after, seconds(1));
  EXPECT_EQ(fault_.rollbackCalls(), 1);
  EXPECT_TRUE(kube_.calls().empty());
  // Then it leaves the cache: gone, forgotten.
  experiment_cache_.clear();
  EXPECT_FALSE(reconcile().requeue_after.has_value());
}

// --- The namespace opt-in from the cache ------------------------------------------------------

TEST_F(ReconcilerCacheTest, AnOptedInNamespaceIsReadFromTheCacheWithoutAGet) {
  create(deploymentSpec());
  syncExperiment();
  syncNamespace("demo");
  reconcile();
  EXPECT_EQ(phase(), Phase::kSteadyStateCheck);
  EXPECT_EQ(namespaceGets("demo"), 0u);
}

TEST_F(ReconcilerCacheTest, ANamespaceMissingFromTheCacheIsReadFromTheApi) {
  create(deploymentSpec());
  syncExperiment();
  reconcile();
  EXPECT_EQ(namespaceGets("demo"), 1u);
  EXPECT_EQ(phase(), Phase::kSteadyStateCheck);
}

TEST_F(ReconcilerCacheTest, ANamespaceInNeitherCacheNorApiFailsTheExperiment) {
  create(withTargetNamespace(deploymentSpec(), "nowhere"));
  syncExperiment();
  syncNamespace("demo");
  reconcile();
  EXPECT_EQ(namespaceGets("nowhere"), 1u);
  const v1alpha1::ChaosExperimentStatus now = v1alpha1::parseMetadataAndStatus(stored()).status;
  EXPECT_EQ(now.phase, Phase::kFailed);
  EXPECT_EQ(now.message, "the target namespace nowhere does not exist");
}

TEST_F(ReconcilerCacheTest, ACachedNamespaceWithoutTheOptInIsCheckedWithTheApiBeforeFailing) {
  // The cache predates the annotation the server already has.
  namespace_cache_["demo"] = namespaceObject("demo", false);
  create(deploymentSpec());
  syncExperiment();
  reconcile();
  EXPECT_EQ(namespaceGets("demo"), 1u);
  EXPECT_EQ(phase(), Phase::kSteadyStateCheck);
}

TEST_F(ReconcilerCacheTest, ANamespaceThatHasNotOptedInFailsTheExperiment) {
  ASSERT_TRUE(kube_.create(resources::namespaces(), "", namespaceObject("locked", false)).ok());
  syncNamespace("locked");
  create(withTargetNamespace(deploymentSpec(), "locked"));
  syncExperiment();
  reconcile();
  const v1alpha1::ChaosExperimentStatus now = v1alpha1::parseMetadataAndStatus(stored()).status;
  EXPECT_EQ(now.phase, Phase::kFailed);
  const v1alpha1::Condition* complete = findCondition(now.conditions, condition::kComplete);
  ASSERT_NE(complete, nullptr);
  EXPECT_EQ(complete->reason, "NamespaceNotAllowed");
  EXPECT_EQ(fault_.planCalls(), 0);
}

}  // namespace
}  // namespace aftershock::op
