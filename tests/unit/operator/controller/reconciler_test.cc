// Reconciler: every phase transition of a ChaosExperiment against an in-memory API server, a
// scripted fault and scripted probes. Time moves only by FakeClock::advance(); probe checks
// run inline when the test calls ProbeScheduler::runDue(), so each check's instant is exact.
#include "operator/controller/reconciler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "operator/api/v1alpha1/codec.h"
#include "operator/controller/conditions.h"
#include "operator/kube/kube_time.h"
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
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::deploymentEntry;
using testing::experimentObject;
using testing::failedCheck;
using testing::FakeKubeClient;
using testing::namespaceObject;
using testing::passedCheck;
using v1alpha1::AffectedResource;
using v1alpha1::FaultType;
using v1alpha1::Phase;
using v1alpha1::Verdict;
using Verb = FakeKubeClient::Verb;

constexpr const char* kProbe = "client-fetch";
constexpr const char* kDown = "status 503, want 200";

// A held fault (ScaleDown) on a Deployment with one HTTP probe checked every second.
json baseSpec() {
  return json::parse(R"({
    "target": {"kind": "Deployment", "name": "backend-service"},
    "fault": {"type": "ScaleDown"},
    "duration": "30s",
    "steadyState": {"probes": [
      {"name": "client-fetch", "interval": "1s",
       "http": {"url": "http://client-service:9090/fetch-data"}}]},
    "recovery": {"timeout": "120s", "consecutiveSuccesses": 3}})");
}

json with(json spec, const std::string& pointer, json value) {
  spec[json::json_pointer(pointer)] = std::move(value);
  return spec;
}

bool hasOurFinalizer(const json& object) {
  const json::json_pointer path("/metadata/finalizers");
  if (!object.contains(path)) return false;
  for (const json& finalizer : object.at(path)) {
    if (finalizer == std::string(v1alpha1::kFinalizer)) return true;
  }
  return false;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class ReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    addNamespace("demo", true);
    fault_.setPlan(std::vector<AffectedResource>{deploymentEntry()});
    start_wall_ = clock_.wallNow();
    start();
  }

  // (Re)starts the operator's memory, as a restarted process would have it: a new probe
  // scheduler, a new reconciler, and admission rebuilt from the stored experiments the way
  // Controller::restoreAdmission does.
  void start(int max_active = 10) {
    reconciler_.reset();
    scheduler_.reset();
    scheduler_ = std::make_unique<ProbeScheduler>(
        clock_,
        [this](std::function<void()> task) {
          if (refuse_checks_) return false;
          task();
          return true;
        },
        [this](const std::string& key) { changes_.push_back(key); });
    admission_ = std::make_unique<Admission>(max_active);
    for (const json& object : kube_.storedList(chaosExperimentResource())) {
      common::Result<v1alpha1::ChaosExperiment> parsed = v1alpha1::parseExperiment(object);
      if (!parsed) continue;
      const v1alpha1::ChaosExperimentStatus& status = parsed->status;
      if (!v1alpha1::isTerminal(status.phase) &&
          (status.phase != Phase::kPending || status.current_run > 1)) {
        admission_->restore(parsed->namespace_name + "/" + parsed->name, parsed->spec);
      }
    }
    ReconcilerOptions options;
    options.kill_switch = [this] { return kill_switch_; };
    options.poll_interval = seconds(2);
    options.inject_timeout = seconds(60);
    reconciler_ = std::make_unique<Reconciler>(
        ReconcilerDependencies{kube_, http_, clock_, random_, *scheduler_, *admission_, nullptr,
                               nullptr, probes_.maker(), fault_.maker()},
        options);
  }

  void addNamespace(const std::string& name, bool allowed) {
    ASSERT_TRUE(kube_.create(resources::namespaces(), "", namespaceObject(name, allowed)).ok());
  }
  void create(const json& spec, const std::string& name = "exp") {
    ASSERT_TRUE(kube_.create(chaosExperimentResource(), "demo", experimentObject(spec, name)).ok());
  }
  void patch(const json& patch, const std::string& name = "exp") {
    ASSERT_TRUE(
        kube_.patch(chaosExperimentResource(), "demo", name, PatchType::kMerge, patch).ok());
  }

  ReconcileResult reconcile(const std::string& name = "exp") {
    return reconciler_->reconcile("demo/" + name);
  }
  // `step` passes, the checks that are due run, then the experiment is reconciled.
  ReconcileResult tick(const std::string& name = "exp", common::Duration step = seconds(1)) {
    clock_.advance(step);
    scheduler_->runDue();
    return reconcile(name);
  }
  // Ticks until the experiment is in `phase`; false after `limit` ticks.
  bool tickUntil(Phase wanted, int limit = 200, const std::string& name = "exp") {
    for (int i = 0; i < limit; ++i) {
      if (phase(name) == wanted) return true;
      tick(name);
    }
    return phase(name) == wanted;
  }
  // A new experiment through its steady-state check: Pending -> SteadyStateCheck, then its
  // probes' first checks pass. The next reconcile plans and injects the fault.
  void passSteadyState(const std::string& name = "exp") {
    reconcile(name);
    ASSERT_EQ(phase(name), Phase::kSteadyStateCheck);
    scheduler_->runDue();
  }
  // A new experiment to FaultActive (or Recovering for a fault that is not held), injected
  // at the current instant: Pending -> SteadyStateCheck, its probes' first checks pass, then
  // steady state is met and the fault goes in.
  void injectNow(const std::string& name = "exp") {
    passSteadyState(name);
    reconcile(name);
    ASSERT_TRUE(phase(name) == Phase::kFaultActive || phase(name) == Phase::kRecovering)
        << status(name).message;
  }

  json object(const std::string& name = "exp") {
    const std::optional<json> stored = kube_.stored(chaosExperimentResource(), "demo", name);
    EXPECT_TRUE(stored.has_value()) << name;
    return stored.value_or(json::object());
  }
  v1alpha1::ChaosExperimentStatus status(const std::string& name = "exp") {
    return v1alpha1::parseMetadataAndStatus(object(name)).status;
  }
  Phase phase(const std::string& name = "exp") { return status(name).phase; }
  const v1alpha1::Condition* condition(const v1alpha1::ChaosExperimentStatus& status,
                                       std::string_view type) {
    return findCondition(status.conditions, type);
  }
  // The status timestamp of `offset` after the test began.
  std::string wallAt(common::Duration offset) const {
    return formatMilliTime(start_wall_ +
                           std::chrono::duration_cast<common::SystemTime::duration>(offset));
  }

  testing::FakeClock clock_;
  FakeKubeClient kube_{&clock_};
  testing::FakeHttpClient http_;
  testing::FakeRandom random_{{0.0}};
  testing::FakeFaultScript fault_;
  testing::FakeProbeScript probes_;
  bool kill_switch_ = false;
  bool refuse_checks_ = false;
  std::vector<std::string> changes_;
  common::SystemTime start_wall_;
  std::unique_ptr<ProbeScheduler> scheduler_;
  std::unique_ptr<Admission> admission_;
  std::unique_ptr<Reconciler> reconciler_;
};

// --- Pending ----------------------------------------------------------------------------------

TEST_F(ReconcilerTest, PendingStartsTheSteadyStateCheckWithTheFinalizerAndStartTime) {
  create(baseSpec());
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry) << result.error;
  ASSERT_TRUE(result.requeue_after.has_value());
  EXPECT_EQ(*result.requeue_after, seconds(2));
  EXPECT_TRUE(hasOurFinalizer(object()));
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kSteadyStateCheck);
  EXPECT_EQ(now.start_time, wallAt(seconds(0)));
  EXPECT_EQ(now.current_run, 1);
  EXPECT_EQ(now.observed_generation, 1);
  const v1alpha1::Condition* progressing = condition(now, condition::kProgressing);
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->status, "True");
  EXPECT_EQ(progressing->reason, "SteadyStateCheck");
  EXPECT_TRUE(admission_->isActive("demo/exp"));
  EXPECT_NE(scheduler_->find("demo/exp"), nullptr);
  EXPECT_EQ(probes_.made(), std::vector<std::string>{kProbe});
  EXPECT_EQ(fault_.planCalls(), 0);
}

TEST_F(ReconcilerTest, ANamespaceThatHasNotOptedInFailsAndNothingIsTouched) {
  addNamespace("locked", false);
  create(with(baseSpec(), "/target/namespace", "locked"));
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kFailed);
  EXPECT_EQ(now.verdict, Verdict::kError);
  EXPECT_TRUE(contains(now.message, "chaos.aftershock.dev/allow=true")) << now.message;
  EXPECT_TRUE(contains(now.message, "locked")) << now.message;
  const v1alpha1::Condition* complete = condition(now, condition::kComplete);
  ASSERT_NE(complete, nullptr);
  EXPECT_EQ(complete->reason, "NamespaceNotAllowed");
  EXPECT_FALSE(hasOurFinalizer(object()));
  EXPECT_EQ(fault_.planCalls(), 0);
  EXPECT_EQ(fault_.injectCalls(), 0);
  EXPECT_TRUE(probes_.made().empty());
  EXPECT_FALSE(admission_->isActive("demo/exp"));
}

TEST_F(ReconcilerTest, ANamespaceAnnotatedWithAnythingButTrueHasNotOptedIn) {
  json locked = {
      {"metadata",
       {{"name", "maybe"}, {"annotations", {{std::string(v1alpha1::kAllowAnnotation), "yes"}}}}}};
  ASSERT_TRUE(kube_.create(resources::namespaces(), "", locked).ok());
  create(with(baseSpec(), "/target/namespace", "maybe"));
  reconcile();
  EXPECT_EQ(phase(), Phase::kFailed);
  EXPECT_EQ(fault_.planCalls(), 0);
}

TEST_F(ReconcilerTest, AMissingTargetNamespaceFailsWithAMessage) {
  create(with(baseSpec(), "/target/namespace", "nowhere"));
  reconcile();
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kFailed);
  EXPECT_EQ(now.verdict, Verdict::kError);
  EXPECT_EQ(now.message, "the target namespace nowhere does not exist");
  EXPECT_EQ(fault_.planCalls(), 0);
}

TEST_F(ReconcilerTest, AFailedNamespaceReadIsRetried) {
  create(baseSpec());
  kube_.setBeforeCall([this](const FakeKubeClient::Call& call) {
    if (call.path == resourcePath(resources::namespaces(), "", "demo")) {
      kube_.failNext(Verb::kGet, common::makeError(ErrorCode::kTransient, "etcd leader changed"));
    }
  });
  const ReconcileResult result = reconcile();
  kube_.setBeforeCall(nullptr);
  EXPECT_TRUE(result.retry);
  EXPECT_TRUE(contains(result.error, "etcd leader changed")) << result.error;
  EXPECT_EQ(phase(), Phase::kPending);
  reconcile();
  EXPECT_EQ(phase(), Phase::kSteadyStateCheck);
}

TEST_F(ReconcilerTest, AnInvalidSpecFailsWithTheFieldAtFault) {
  create(with(baseSpec(), "/duration", "0s"));
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kFailed);
  EXPECT_EQ(now.verdict, Verdict::kError);
  EXPECT_TRUE(contains(now.message, "invalid spec: spec.duration")) << now.message;
  const v1alpha1::Condition* complete = condition(now, condition::kComplete);
  ASSERT_NE(complete, nullptr);
  EXPECT_EQ(complete->reason, "InvalidSpec");
  EXPECT_EQ(fault_.planCalls(), 0);
}

TEST_F(ReconcilerTest, AnExperimentThatIsGoneIsForgotten) {
  create(baseSpec());
  reconcile();
  ASSERT_TRUE(admission_->isActive("demo/exp"));
  ASSERT_TRUE(kube_.remove(chaosExperimentResource(), "demo", "exp").ok());
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  EXPECT_FALSE(result.requeue_after.has_value());
  EXPECT_FALSE(admission_->isActive("demo/exp"));
  EXPECT_EQ(scheduler_->sessions(), 0u);
}

TEST_F(ReconcilerTest, TheCapKeepsAnExperimentPendingWithAWaitingMessage) {
  start(1);
  create(baseSpec(), "first");
  create(with(baseSpec(), "/target/name", "frontend"), "second");
  reconcile("first");
  const ReconcileResult result = reconcile("second");
  EXPECT_FALSE(result.retry);
  ASSERT_TRUE(result.requeue_after.has_value());
  const v1alpha1::ChaosExperimentStatus waiting = status("second");
  EXPECT_EQ(waiting.phase, Phase::kPending);
  EXPECT_TRUE(contains(waiting.message, "waiting: 1 experiments are active")) << waiting.message;
  const v1alpha1::Condition* progressing = condition(waiting, condition::kProgressing);
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->status, "False");
  EXPECT_EQ(progressing->reason, "WaitingForSlot");
  EXPECT_FALSE(hasOurFinalizer(object("second")));

  // The slot frees when the first one ends.
  patch({{"spec", {{"abort", true}}}}, "first");
  reconcile("first");
  ASSERT_EQ(phase("first"), Phase::kAborted);
  reconcile("second");
  EXPECT_EQ(phase("second"), Phase::kSteadyStateCheck);
}

TEST_F(ReconcilerTest, ForbidMakesASecondExperimentOnTheSameTargetWait) {
  create(baseSpec(), "first");
  create(baseSpec(), "second");
  reconcile("first");
  reconcile("second");
  const v1alpha1::ChaosExperimentStatus waiting = status("second");
  EXPECT_EQ(waiting.phase, Phase::kPending);
  EXPECT_TRUE(contains(waiting.message, "experiment demo/first is active")) << waiting.message;
  const v1alpha1::Condition* progressing = condition(waiting, condition::kProgressing);
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(progressing->reason, "TargetBusy");
  EXPECT_EQ(probes_.made().size(), 1u);
}

TEST_F(ReconcilerTest, AllowLetsTwoExperimentsShareATarget) {
  const json spec = with(baseSpec(), "/safety", {{"concurrencyPolicy", "Allow"}});
  create(spec, "first");
  create(spec, "second");
  reconcile("first");
  reconcile("second");
  EXPECT_EQ(phase("second"), Phase::kSteadyStateCheck);
}

TEST_F(ReconcilerTest, TheKillSwitchKeepsNewExperimentsPending) {
  create(baseSpec());
  kill_switch_ = true;
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  ASSERT_TRUE(result.requeue_after.has_value());
  const v1alpha1::ChaosExperimentStatus waiting = status();
  EXPECT_EQ(waiting.phase, Phase::kPending);
  EXPECT_EQ(waiting.message, "waiting: the kill switch is engaged");
  EXPECT_FALSE(hasOurFinalizer(object()));
  EXPECT_FALSE(admission_->isActive("demo/exp"));
  kill_switch_ = false;
  reconcile();
  EXPECT_EQ(phase(), Phase::kSteadyStateCheck);
}

// --- Steady state -----------------------------------------------------------------------------

TEST_F(ReconcilerTest, SteadyStateNotMetFailsAndTheFaultIsNeverInjected) {
  create(baseSpec());
  reconcile();
  probes_.set(kProbe, failedCheck(kDown));
  scheduler_->runDue();
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kFailed);
  EXPECT_EQ(now.verdict, Verdict::kError);
  EXPECT_TRUE(contains(now.message, "not in steady state")) << now.message;
  EXPECT_TRUE(contains(now.message, std::string("probe client-fetch: ") + kDown)) << now.message;
  const v1alpha1::Condition* met = condition(now, condition::kSteadyStateMet);
  ASSERT_NE(met, nullptr);
  EXPECT_EQ(met->status, "False");
  EXPECT_EQ(fault_.planCalls(), 0);
  EXPECT_EQ(fault_.injectCalls(), 0);
  EXPECT_FALSE(hasOurFinalizer(object()));
  EXPECT_EQ(scheduler_->sessions(), 0u);
  EXPECT_FALSE(admission_->isActive("demo/exp"));
}

TEST_F(ReconcilerTest, SteadyStateWaitsForTheProbesThenTimesOut) {
  create(baseSpec());
  reconcile();
  refuse_checks_ = true;
  for (int i = 1; i < 10; ++i) {
    tick();
    ASSERT_EQ(phase(), Phase::kSteadyStateCheck) << "after " << i << "s";
  }
  tick();  // 10 s: the floor of the steady-state timeout
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kFailed);
  EXPECT_EQ(now.verdict, Verdict::kError);
  EXPECT_TRUE(contains(now.message, "did not report within the steady-state timeout"))
      << now.message;
  EXPECT_EQ(fault_.injectCalls(), 0);
}

TEST_F(ReconcilerTest, SteadyStateMetWritesTheAffectedObjectsBeforeInjecting) {
  create(baseSpec());
  std::optional<v1alpha1::ChaosExperimentStatus> at_inject;
  fault_.setOnInject([&](const std::vector<AffectedResource>&) { at_inject = status(); });
  injectNow();
  ASSERT_TRUE(at_inject.has_value());
  EXPECT_EQ(at_inject->phase, Phase::kInjecting);
  ASSERT_EQ(at_inject->affected.size(), 1u);
  EXPECT_EQ(at_inject->affected[0].name, "backend-service");
  EXPECT_EQ(at_inject->affected[0].uid, "deployment-uid");
  EXPECT_EQ(at_inject->affected[0].original, json({{"replicas", 3}}));
  EXPECT_EQ(at_inject->affected[0].fault, "ScaleDown");
  EXPECT_EQ(fault_.planCalls(), 1);
  ASSERT_EQ(fault_.injected().size(), 1u);
  EXPECT_EQ(fault_.injected()[0][0].fault, "ScaleDown");
}

TEST_F(ReconcilerTest, EveryAffectedEntryIsTaggedWithTheFault) {
  AffectedResource second = deploymentEntry();
  second.name = "backend-canary";
  second.original = {{"replicas", 1}};
  fault_.setPlan(std::vector<AffectedResource>{deploymentEntry(), second});
  create(baseSpec());
  injectNow();
  const v1alpha1::ChaosExperimentStatus now = status();
  ASSERT_EQ(now.affected.size(), 2u);
  for (const AffectedResource& entry : now.affected) {
    EXPECT_EQ(entry.fault, "ScaleDown") << entry.name;
  }
  // The originals are kept exactly as planned.
  EXPECT_EQ(now.affected[0].original, json({{"replicas", 3}}));
  EXPECT_EQ(now.affected[1].original, json({{"replicas", 1}}));
}

TEST_F(ReconcilerTest, AHeldFaultIsActiveAfterInjection) {
  create(baseSpec());
  injectNow();
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kFaultActive);
  EXPECT_EQ(now.injection_time, wallAt(seconds(0)));
  EXPECT_TRUE(now.fault_end_time.empty());
  const v1alpha1::Condition* injected = condition(now, condition::kFaultInjected);
  ASSERT_NE(injected, nullptr);
  EXPECT_EQ(injected->status, "True");
  EXPECT_EQ(injected->reason, "Injected");
  const v1alpha1::Condition* met = condition(now, condition::kSteadyStateMet);
  ASSERT_NE(met, nullptr);
  EXPECT_EQ(met->status, "True");
  EXPECT_EQ(fault_.injectCalls(), 1);
  EXPECT_EQ(fault_.madeTypes().back(), FaultType::kScaleDown);
}

// --- A whole held run -------------------------------------------------------------------------

TEST_F(ReconcilerTest, AHeldFaultIsRolledBackWhenItsDurationIsOverAndRecoveryIsMeasured) {
  create(baseSpec());
  injectNow();  // t0
  probes_.set(kProbe, failedCheck(kDown));
  for (int second = 1; second <= 29; ++second) {
    const ReconcileResult result = tick();
    ASSERT_FALSE(result.retry) << result.error;
    ASSERT_EQ(phase(), Phase::kFaultActive) << "at " << second << "s";
  }
  EXPECT_EQ(fault_.rollbackCalls(), 0);
  EXPECT_EQ(status().time_to_detect_seconds, 1.0);

  tick();  // t30: the duration is over
  v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kRecovering);
  EXPECT_EQ(fault_.rollbackCalls(), 1);
  EXPECT_EQ(fault_.verifyRolledBackCalls(), 1);
  ASSERT_EQ(fault_.rolledBack().size(), 1u);
  ASSERT_EQ(fault_.rolledBack()[0].size(), 1u);
  EXPECT_EQ(fault_.rolledBack()[0][0].original["replicas"], 3);
  EXPECT_EQ(now.fault_end_time, wallAt(seconds(30)));
  const v1alpha1::Condition* injected = condition(now, condition::kFaultInjected);
  ASSERT_NE(injected, nullptr);
  EXPECT_EQ(injected->status, "False");
  EXPECT_EQ(injected->reason, "RolledBack");

  tick();  // t31: still failing
  probes_.set(kProbe, passedCheck());
  tick();  // t32: the streak starts
  tick();
  EXPECT_EQ(phase(), Phase::kRecovering);
  tick();  // t34: third pass, recovery confirmed
  now = status();
  EXPECT_EQ(now.phase, Phase::kCompleted);
  EXPECT_EQ(now.verdict, Verdict::kPass);
  EXPECT_EQ(now.time_to_detect_seconds, 1.0);
  EXPECT_EQ(now.time_to_recover_seconds, 2.0);
  EXPECT_EQ(now.recovered_time, wallAt(seconds(32)));
  EXPECT_EQ(now.completion_time, wallAt(seconds(34)));
  // 35 checks (t0..t34), 4 passed.
  EXPECT_EQ(now.availability, 0.1143);
  ASSERT_EQ(now.probes.size(), 1u);
  EXPECT_EQ(now.probes[0].checks, 35);
  EXPECT_EQ(now.probes[0].failures, 31);
  EXPECT_EQ(now.probes[0].last_error, kDown);
  EXPECT_EQ(now.probes[0].first_failure_time, wallAt(seconds(1)));
  EXPECT_EQ(now.probes[0].last_failure_time, wallAt(seconds(31)));
  EXPECT_EQ(now.message, "recovered in 2.000s with availability 0.114");
  ASSERT_EQ(now.runs.size(), 1u);
  EXPECT_EQ(now.runs[0].index, 1);
  EXPECT_EQ(now.runs[0].verdict, Verdict::kPass);
  EXPECT_FALSE(now.summary.has_value());
  const v1alpha1::Condition* recovered = condition(now, condition::kRecovered);
  ASSERT_NE(recovered, nullptr);
  EXPECT_EQ(recovered->status, "True");
  EXPECT_FALSE(hasOurFinalizer(object()));
  EXPECT_FALSE(admission_->isActive("demo/exp"));
  EXPECT_EQ(scheduler_->sessions(), 0u);
  EXPECT_EQ(fault_.injectCalls(), 1);
  EXPECT_EQ(fault_.rollbackCalls(), 1);
}

TEST_F(ReconcilerTest, FaultActiveLooksAgainWhenTheDurationEnds) {
  create(with(baseSpec(), "/duration", "5s"));
  injectNow();
  clock_.advance(milliseconds(4500));
  const ReconcileResult result = reconcile();
  ASSERT_TRUE(result.requeue_after.has_value());
  EXPECT_EQ(*result.requeue_after, milliseconds(500));
}

TEST_F(ReconcilerTest, RecoveryTimeIsMeasuredToTheMillisecond) {
  create(with(baseSpec(), "/duration", "5s"));
  injectNow();
  probes_.set(kProbe, failedCheck(kDown));
  for (int i = 0; i < 4; ++i) tick();
  // The rollback lands between two checks, at 5.25 s.
  clock_.advance(milliseconds(1250));
  reconcile();
  ASSERT_EQ(phase(), Phase::kRecovering);
  EXPECT_EQ(status().fault_end_time, wallAt(milliseconds(5250)));
  probes_.set(kProbe, passedCheck());
  // The checks are due at whole seconds: 6, 7, 8.
  clock_.advance(milliseconds(750));
  scheduler_->runDue();
  reconcile();
  tick();
  tick();
  const v1alpha1::ChaosExperimentStatus now = status();
  ASSERT_EQ(now.phase, Phase::kCompleted) << now.message;
  EXPECT_EQ(now.time_to_recover_seconds, 0.75);
}

TEST_F(ReconcilerTest, AFaultThatIsNotHeldGoesStraightToRecovering) {
  fault_.setHeld(false);
  create(with(baseSpec(), "/fault/type", "PodDelete"));
  injectNow();
  v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kRecovering);
  EXPECT_FALSE(now.injection_time.empty());
  EXPECT_EQ(now.fault_end_time, now.injection_time);
  const v1alpha1::Condition* injected = condition(now, condition::kFaultInjected);
  ASSERT_NE(injected, nullptr);
  EXPECT_EQ(injected->status, "False");

  probes_.set(kProbe, failedCheck(kDown));
  tick();
  tick();
  probes_.set(kProbe, passedCheck());
  tick();  // t3: back
  tick();
  tick();
  now = status();
  EXPECT_EQ(now.phase, Phase::kCompleted);
  EXPECT_EQ(now.verdict, Verdict::kPass);
  EXPECT_EQ(now.time_to_detect_seconds, 1.0);
  EXPECT_EQ(now.time_to_recover_seconds, 3.0);
  EXPECT_EQ(fault_.rollbackCalls(), 0);
  EXPECT_EQ(fault_.madeTypes().front(), FaultType::kPodDelete);
}

TEST_F(ReconcilerTest, APodTargetWithoutProbesInjectsAtOnceAndRecoversAtTheFaultEnd) {
  fault_.setHeld(false);
  create(json::parse(R"({
    "target": {"kind": "Pod", "selector": {"matchLabels": {"app": "backend"}}},
    "fault": {"type": "PodDelete"}})"));
  reconcile();
  ASSERT_EQ(phase(), Phase::kSteadyStateCheck);
  reconcile();
  EXPECT_EQ(phase(), Phase::kRecovering);
  EXPECT_EQ(fault_.injectCalls(), 1);
  reconcile();
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kCompleted);
  EXPECT_EQ(now.verdict, Verdict::kPass);
  EXPECT_EQ(now.time_to_recover_seconds, 0.0);
}

TEST_F(ReconcilerTest, RecoverySlowerThanTheHypothesisFails) {
  fault_.setHeld(false);
  create(with(baseSpec(), "/hypothesis", {{"maxRecoveryTime", "2s"}}));
  injectNow();
  probes_.set(kProbe, failedCheck(kDown));
  tick();
  tick();
  tick();
  probes_.set(kProbe, passedCheck());
  ASSERT_TRUE(tickUntil(Phase::kCompleted, 10));
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.verdict, Verdict::kFail);
  EXPECT_EQ(now.time_to_recover_seconds, 4.0);
  EXPECT_EQ(now.message, "recovery took 4.000s, hypothesis.maxRecoveryTime is 2.000s");
  const v1alpha1::Condition* complete = condition(now, condition::kComplete);
  ASSERT_NE(complete, nullptr);
  EXPECT_EQ(complete->reason, "Failed");
}

TEST_F(ReconcilerTest, AvailabilityBelowTheHypothesisFails) {
  fault_.setHeld(false);
  create(with(baseSpec(), "/hypothesis", {{"minAvailability", 0.9}}));
  injectNow();
  probes_.set(kProbe, failedCheck(kDown));
  tick();
  probes_.set(kProbe, passedCheck());
  ASSERT_TRUE(tickUntil(Phase::kCompleted, 10));
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.verdict, Verdict::kFail);
  // t0 pass, t1 fail, t2..t4 pass.
  EXPECT_EQ(now.availability, 0.8);
  EXPECT_TRUE(contains(now.message, "hypothesis.minAvailability")) << now.message;
}

TEST_F(ReconcilerTest, RecoveryThatDoesNotComeBackInTimeFails) {
  fault_.setHeld(false);
  create(with(baseSpec(), "/recovery/timeout", "5s"));
  injectNow();
  probes_.set(kProbe, failedCheck(kDown));
  for (int second = 1; second <= 4; ++second) {
    const ReconcileResult result = tick();
    ASSERT_EQ(phase(), Phase::kRecovering);
    ASSERT_TRUE(result.requeue_after.has_value());
    EXPECT_LE(*result.requeue_after, seconds(2));
  }
  tick();  // t5: recovery.timeout after the fault end
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kCompleted);
  EXPECT_EQ(now.verdict, Verdict::kFail);
  EXPECT_FALSE(now.time_to_recover_seconds.has_value());
  EXPECT_TRUE(now.recovered_time.empty());
  EXPECT_EQ(now.message, std::string("steady state not back within recovery.timeout (probe "
                                     "client-fetch: ") +
                             kDown + ")");
  const v1alpha1::Condition* recovered = condition(now, condition::kRecovered);
  ASSERT_NE(recovered, nullptr);
  EXPECT_EQ(recovered->status, "False");
  EXPECT_EQ(recovered->reason, "RecoveryTimedOut");
}

// --- Ending early -----------------------------------------------------------------------------

TEST_F(ReconcilerTest, AbortWhenRollsBackEarlyAndTheRunFails) {
  create(with(baseSpec(), "/abortWhen", {{"consecutiveProbeFailures", 3}}));
  injectNow();
  probes_.set(kProbe, failedCheck(kDown));
  tick();
  tick();
  EXPECT_EQ(phase(), Phase::kFaultActive);
  tick();  // t3: the third failure in a row
  v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kRecovering);
  EXPECT_EQ(fault_.rollbackCalls(), 1);
  EXPECT_EQ(now.fault_end_time, wallAt(seconds(3)));
  probes_.set(kProbe, passedCheck());
  ASSERT_TRUE(tickUntil(Phase::kCompleted, 10));
  now = status();
  EXPECT_EQ(now.verdict, Verdict::kFail);
  // The message says why the run was cut short, not only that it was.
  EXPECT_NE(now.message.find("abortWhen.consecutiveProbeFailures is 3"), std::string::npos)
      << now.message;
  const v1alpha1::Condition* ended_early = findCondition(now.conditions, "EndedEarly");
  ASSERT_NE(ended_early, nullptr);
  EXPECT_EQ(ended_early->reason, "AbortConditionMet");
  EXPECT_EQ(now.time_to_recover_seconds, 1.0);
  EXPECT_EQ(fault_.rollbackCalls(), 1);
}

TEST_F(ReconcilerTest, SpecAbortDuringTheFaultRollsBackAndEndsAborted) {
  create(baseSpec());
  injectNow();
  tick();
  tick();
  patch({{"spec", {{"abort", true}}}});
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kAborted);
  EXPECT_EQ(now.verdict, Verdict::kNone);
  EXPECT_EQ(now.message, "spec.abort is true; the fault was rolled back");
  EXPECT_EQ(now.fault_end_time, wallAt(seconds(2)));
  EXPECT_EQ(fault_.rollbackCalls(), 1);
  const v1alpha1::Condition* complete = condition(now, condition::kComplete);
  ASSERT_NE(complete, nullptr);
  EXPECT_EQ(complete->reason, "Aborted");
  EXPECT_FALSE(hasOurFinalizer(object()));
  EXPECT_FALSE(admission_->isActive("demo/exp"));
  EXPECT_EQ(scheduler_->sessions(), 0u);
}

TEST_F(ReconcilerTest, SpecAbortBeforeAnythingWasTouchedEndsAbortedWithoutRollback) {
  create(baseSpec());
  reconcile();
  patch({{"spec", {{"abort", true}}}});
  reconcile();
  EXPECT_EQ(phase(), Phase::kAborted);
  EXPECT_EQ(status().message, "spec.abort is true");
  EXPECT_EQ(fault_.rollbackCalls(), 0);
}

TEST_F(ReconcilerTest, TheKillSwitchRollsBackAnActiveExperimentAndEndsItAborted) {
  create(baseSpec());
  injectNow();
  tick();
  kill_switch_ = true;
  reconcile();
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kAborted);
  EXPECT_EQ(now.message, "the kill switch is engaged; the fault was rolled back");
  const v1alpha1::Condition* complete = condition(now, condition::kComplete);
  ASSERT_NE(complete, nullptr);
  EXPECT_EQ(complete->reason, "KillSwitchEngaged");
  EXPECT_EQ(fault_.rollbackCalls(), 1);
}

TEST_F(ReconcilerTest, AnAbortWhoseRollbackFailsKeepsRetrying) {
  create(baseSpec());
  injectNow();
  fault_.failRollback(common::makeError(ErrorCode::kTransient, "apiserver unavailable"), 2);
  kill_switch_ = true;
  for (int i = 0; i < 2; ++i) {
    const ReconcileResult result = tick();
    EXPECT_TRUE(result.retry);
    const v1alpha1::ChaosExperimentStatus now = status();
    EXPECT_EQ(now.phase, Phase::kRollingBack);
    const v1alpha1::Condition* injected = condition(now, condition::kFaultInjected);
    ASSERT_NE(injected, nullptr);
    EXPECT_EQ(injected->reason, "RollbackFailing");
  }
  tick();
  EXPECT_EQ(phase(), Phase::kAborted);
  EXPECT_EQ(fault_.rollbackCalls(), 3);
}

TEST_F(ReconcilerTest, DeletionMidRunRollsBackThenRemovesTheFinalizer) {
  create(baseSpec());
  injectNow();
  tick();
  ASSERT_TRUE(hasOurFinalizer(object()));
  patch({{"metadata", {{"deletionTimestamp", "2026-01-01T00:00:01Z"}}}});
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  EXPECT_EQ(fault_.rollbackCalls(), 1);
  EXPECT_FALSE(hasOurFinalizer(object()));
  EXPECT_FALSE(admission_->isActive("demo/exp"));
  EXPECT_EQ(scheduler_->sessions(), 0u);
}

TEST_F(ReconcilerTest, DeletionKeepsTheFinalizerWhileTheRollbackFails) {
  create(baseSpec());
  injectNow();
  fault_.failRollback(common::makeError(ErrorCode::kTransient, "apiserver unavailable"));
  patch({{"metadata", {{"deletionTimestamp", "2026-01-01T00:00:01Z"}}}});
  const ReconcileResult failed = reconcile();
  EXPECT_TRUE(failed.retry);
  EXPECT_TRUE(hasOurFinalizer(object()));
  const ReconcileResult done = reconcile();
  EXPECT_FALSE(done.retry);
  EXPECT_FALSE(hasOurFinalizer(object()));
  EXPECT_EQ(fault_.rollbackCalls(), 2);
}

TEST_F(ReconcilerTest, DeletionBeforeInjectionOnlyRemovesTheFinalizer) {
  create(baseSpec());
  reconcile();
  ASSERT_TRUE(hasOurFinalizer(object()));
  patch({{"metadata", {{"deletionTimestamp", "2026-01-01T00:00:01Z"}}}});
  reconcile();
  EXPECT_FALSE(hasOurFinalizer(object()));
  EXPECT_EQ(fault_.rollbackCalls(), 0);
}

TEST_F(ReconcilerTest, ASpecThatBecomesInvalidMidRunIsRolledBackAndFails) {
  create(baseSpec());
  injectNow();
  patch({{"spec", {{"duration", "0s"}}}});
  reconcile();
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kFailed);
  EXPECT_EQ(now.verdict, Verdict::kError);
  EXPECT_TRUE(contains(now.message, "became invalid mid-run")) << now.message;
  EXPECT_EQ(fault_.rollbackCalls(), 1);
  EXPECT_EQ(fault_.madeTypes().back(), FaultType::kScaleDown);
}

TEST_F(ReconcilerTest, RollbackUsesTheFaultRecordedInTheStatusNotTheCurrentSpec) {
  create(with(baseSpec(), "/duration", "3s"));
  injectNow();
  patch({{"spec", {{"fault", {{"type", "RolloutRestart"}}}}}});
  tick();
  tick();
  tick();
  ASSERT_EQ(phase(), Phase::kRecovering);
  EXPECT_EQ(fault_.rollbackCalls(), 1);
  EXPECT_EQ(fault_.madeTypes().back(), FaultType::kScaleDown);
}

// --- Failures to act --------------------------------------------------------------------------

TEST_F(ReconcilerTest, AFailingRollbackIsRetriedAndNeverReachesCompleted) {
  create(with(baseSpec(), "/recovery/timeout", "5s"));
  fault_.failRollback(common::makeError(ErrorCode::kTransient, "backend unreachable"), 10);
  injectNow();
  for (int second = 1; second <= 29; ++second) tick();
  for (int attempt = 0; attempt < 10; ++attempt) {
    const ReconcileResult result = tick();
    EXPECT_TRUE(result.retry);
    EXPECT_TRUE(contains(result.error, "backend unreachable")) << result.error;
    const v1alpha1::ChaosExperimentStatus now = status();
    ASSERT_EQ(now.phase, Phase::kRollingBack) << "attempt " << attempt;
    EXPECT_EQ(now.message, "rollback failing, retrying: backend unreachable");
    const v1alpha1::Condition* injected = condition(now, condition::kFaultInjected);
    ASSERT_NE(injected, nullptr);
    EXPECT_EQ(injected->status, "True");
    EXPECT_EQ(injected->reason, "RollbackFailing");
    EXPECT_TRUE(hasOurFinalizer(object()));
  }
  tick();  // t40: the rollback goes through; the fault ended now, not at t30
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kRecovering);
  EXPECT_EQ(now.fault_end_time, wallAt(seconds(40)));
  EXPECT_EQ(fault_.rollbackCalls(), 11);
  ASSERT_TRUE(tickUntil(Phase::kCompleted, 10));
}

TEST_F(ReconcilerTest, AConflictOnAStatusWriteAsksForARetry) {
  create(baseSpec());
  injectNow();
  const std::int64_t checks_before = status().probes[0].checks;
  kube_.failNext(Verb::kUpdate,
                 common::makeError(ErrorCode::kConflict, "the object has been modified"));
  const ReconcileResult result = tick();
  EXPECT_TRUE(result.retry);
  EXPECT_TRUE(contains(result.error, "the object has been modified")) << result.error;
  EXPECT_EQ(status().probes[0].checks, checks_before);
  const ReconcileResult again = reconcile();
  EXPECT_FALSE(again.retry) << again.error;
  EXPECT_EQ(status().probes[0].checks, checks_before + 1);
  EXPECT_EQ(phase(), Phase::kFaultActive);
}

TEST_F(ReconcilerTest, AConflictBeforeInjectionLeavesNothingInjected) {
  create(baseSpec());
  passSteadyState();
  kube_.failNext(Verb::kUpdate, common::makeError(ErrorCode::kConflict, "modified"));
  const ReconcileResult result = reconcile();
  EXPECT_TRUE(result.retry);
  EXPECT_EQ(phase(), Phase::kSteadyStateCheck);
  EXPECT_EQ(fault_.injectCalls(), 0);
  reconcile();
  EXPECT_EQ(phase(), Phase::kFaultActive);
  EXPECT_EQ(fault_.injectCalls(), 1);
}

TEST_F(ReconcilerTest, APlanThatFindsNoTargetFailsAndNothingIsTouched) {
  fault_.setPlan(
      common::makeError(ErrorCode::kNotFound, "deployments.apps \"backend-service\" not found"));
  create(baseSpec());
  passSteadyState();
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kFailed);
  EXPECT_EQ(now.verdict, Verdict::kError);
  EXPECT_EQ(now.message,
            "the fault cannot be injected, nothing was touched: deployments.apps "
            "\"backend-service\" not found");
  const v1alpha1::Condition* complete = condition(now, condition::kComplete);
  ASSERT_NE(complete, nullptr);
  EXPECT_EQ(complete->reason, "PlanFailed");
  EXPECT_EQ(fault_.injectCalls(), 0);
  EXPECT_FALSE(hasOurFinalizer(object()));
}

TEST_F(ReconcilerTest, APlanThatFindsNothingFails) {
  fault_.setPlan(std::vector<AffectedResource>{});
  create(baseSpec());
  passSteadyState();
  reconcile();
  EXPECT_EQ(phase(), Phase::kFailed);
  EXPECT_EQ(status().message, "the fault found nothing to act on; nothing was touched");
  EXPECT_EQ(fault_.injectCalls(), 0);
}

TEST_F(ReconcilerTest, APlanThatTimesOutIsRetried) {
  fault_.setPlan(common::makeError(ErrorCode::kTimeout, "GET deployments: timed out"));
  create(baseSpec());
  passSteadyState();
  const ReconcileResult result = reconcile();
  EXPECT_TRUE(result.retry);
  EXPECT_EQ(phase(), Phase::kInjecting);
  fault_.setPlan(std::vector<AffectedResource>{deploymentEntry()});
  tick();
  EXPECT_EQ(phase(), Phase::kFaultActive);
  EXPECT_EQ(fault_.injectCalls(), 1);
}

TEST_F(ReconcilerTest, APlanThatKeepsFailingGivesUpAfterTheInjectTimeout) {
  fault_.setPlan(common::makeError(ErrorCode::kUnavailable, "connection refused"));
  create(baseSpec());
  passSteadyState();
  EXPECT_TRUE(reconcile().retry);
  clock_.advance(seconds(60));
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  EXPECT_EQ(phase(), Phase::kFailed);
  EXPECT_TRUE(contains(status().message, "connection refused")) << status().message;
  EXPECT_EQ(fault_.injectCalls(), 0);
}

TEST_F(ReconcilerTest, ARetryableInjectFailureIsRetried) {
  fault_.failInject(common::makeError(ErrorCode::kTransient, "503 from the backend"));
  create(baseSpec());
  passSteadyState();
  const ReconcileResult result = reconcile();
  EXPECT_TRUE(result.retry);
  EXPECT_EQ(phase(), Phase::kInjecting);
  EXPECT_EQ(status().affected.size(), 1u);
  tick();
  EXPECT_EQ(phase(), Phase::kFaultActive);
  EXPECT_EQ(fault_.injectCalls(), 2);
  EXPECT_EQ(fault_.planCalls(), 1);
}

TEST_F(ReconcilerTest, TheVerdictStaysEmptyWhileAFailedInjectIsRolledBack) {
  fault_.failInject(common::makeError(ErrorCode::kForbidden, "cannot patch deployments"));
  fault_.failRollback(common::makeError(ErrorCode::kTransient, "backend unreachable"), 2);
  create(baseSpec());
  passSteadyState();
  EXPECT_TRUE(reconcile().retry);
  v1alpha1::ChaosExperimentStatus now = status();
  ASSERT_EQ(now.phase, Phase::kRollingBack);
  EXPECT_EQ(now.verdict, Verdict::kNone);
  const v1alpha1::Condition* ended_early = condition(now, condition::kEndedEarly);
  ASSERT_NE(ended_early, nullptr);
  EXPECT_EQ(ended_early->reason, "InjectFailed");
  EXPECT_TRUE(reconcile().retry);
  EXPECT_FALSE(reconcile().retry);
  now = status();
  EXPECT_EQ(now.phase, Phase::kFailed);
  EXPECT_EQ(now.verdict, Verdict::kError);
}

TEST_F(ReconcilerTest, AnInjectThatCannotWorkIsRolledBackAndFails) {
  fault_.failInject(common::makeError(ErrorCode::kForbidden, "cannot patch deployments"));
  create(baseSpec());
  passSteadyState();
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kFailed);
  EXPECT_EQ(now.verdict, Verdict::kError);
  EXPECT_TRUE(contains(now.message, "injecting ScaleDown failed: cannot patch deployments"))
      << now.message;
  EXPECT_TRUE(contains(now.message, "rolled back")) << now.message;
  const v1alpha1::Condition* complete = condition(now, condition::kComplete);
  ASSERT_NE(complete, nullptr);
  EXPECT_EQ(complete->reason, "InjectFailed");
  EXPECT_EQ(fault_.rollbackCalls(), 1);
  EXPECT_FALSE(hasOurFinalizer(object()));
}

// --- Restarts ---------------------------------------------------------------------------------

TEST_F(ReconcilerTest, ARestartedOperatorContinuesAnActiveFaultAndRollsBackOnTime) {
  create(baseSpec());
  injectNow();
  probes_.set(kProbe, failedCheck(kDown));
  for (int second = 1; second <= 10; ++second) tick();
  const v1alpha1::ChaosExperimentStatus before = status();
  ASSERT_EQ(before.phase, Phase::kFaultActive);
  ASSERT_EQ(before.time_to_detect_seconds, 1.0);

  start();  // a new process: new scheduler, admission and reconciler
  EXPECT_TRUE(admission_->isActive("demo/exp"));
  tick();  // t11
  v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kFaultActive);
  EXPECT_EQ(now.time_to_detect_seconds, 1.0);
  ASSERT_EQ(now.probes.size(), 1u);
  EXPECT_EQ(now.probes[0].checks, before.probes[0].checks);
  EXPECT_EQ(now.probes[0].first_failure_time, wallAt(seconds(1)));
  EXPECT_EQ(now.probes[0].last_failure_time, wallAt(seconds(10)));

  for (int second = 12; second <= 29; ++second) {
    tick();
    ASSERT_EQ(phase(), Phase::kFaultActive) << "at " << second << "s";
  }
  EXPECT_EQ(fault_.rollbackCalls(), 0);
  tick();  // t30
  now = status();
  EXPECT_EQ(now.phase, Phase::kRecovering);
  EXPECT_EQ(now.fault_end_time, wallAt(seconds(30)));
  EXPECT_EQ(fault_.injectCalls(), 1);
  EXPECT_EQ(fault_.rollbackCalls(), 1);
  EXPECT_GT(now.probes[0].checks, before.probes[0].checks);
  probes_.set(kProbe, passedCheck());
  ASSERT_TRUE(tickUntil(Phase::kCompleted, 10));
  EXPECT_EQ(status().time_to_detect_seconds, 1.0);
  EXPECT_EQ(status().time_to_recover_seconds, 1.0);  // back at t31
}

TEST_F(ReconcilerTest, ARestartDuringRecoveryMeasuresFromTheRecordedFaultEnd) {
  fault_.setHeld(false);
  create(baseSpec());
  injectNow();
  probes_.set(kProbe, failedCheck(kDown));
  tick();
  tick();
  start();
  probes_.set(kProbe, passedCheck());
  tick();  // t3: the new session starts here
  ASSERT_TRUE(tickUntil(Phase::kCompleted, 10));
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.verdict, Verdict::kPass);
  EXPECT_EQ(now.time_to_detect_seconds, 1.0);
  // The new session's first check is at t4; the fault ended at t0.
  EXPECT_EQ(now.time_to_recover_seconds, 4.0);
}

TEST_F(ReconcilerTest, ARestartKeepsTheMillisecondsOfTheDetection) {
  create(baseSpec());
  passSteadyState();
  clock_.advance(milliseconds(999));
  reconcile();  // injected at 0.999 s
  ASSERT_EQ(phase(), Phase::kFaultActive);
  clock_.advance(milliseconds(1));
  scheduler_->runDue();  // the check at 1 s still passes
  reconcile();
  probes_.set(kProbe, failedCheck(kDown));
  tick();  // the check at 2 s fails
  // 1.001 is 1.000999.. as a double: a restart must not turn it into 1.000.
  ASSERT_EQ(status().time_to_detect_seconds, 1.001);
  start();
  tick();
  tick();
  EXPECT_EQ(status().time_to_detect_seconds, 1.001);
}

TEST_F(ReconcilerTest, AnInjectRepeatedAfterAFailedWriteKeepsTheFirstInjectionTime) {
  create(baseSpec());
  passSteadyState();
  fault_.setOnInject([this](const std::vector<AffectedResource>&) {
    kube_.failNext(Verb::kUpdate, common::makeError(ErrorCode::kConflict, "modified"));
  });
  EXPECT_TRUE(reconcile().retry);  // injected at t0, not recorded
  fault_.setOnInject(nullptr);
  probes_.set(kProbe, failedCheck(kDown));
  tick();  // t1: injected again (idempotent); the check at t1 fails
  const v1alpha1::ChaosExperimentStatus now = status();
  ASSERT_EQ(now.phase, Phase::kFaultActive);
  EXPECT_EQ(fault_.injectCalls(), 2);
  EXPECT_EQ(now.injection_time, wallAt(seconds(0)));
  EXPECT_EQ(now.time_to_detect_seconds, 1.0);
}

TEST_F(ReconcilerTest, ARollbackRepeatedAfterAFailedWriteKeepsTheFirstFaultEnd) {
  create(with(baseSpec(), "/duration", "2s"));
  injectNow();
  tick();
  clock_.advance(seconds(1));
  scheduler_->runDue();
  // The rollback at t2 works; the write of RollingBack too; the write of Recovering fails.
  int updates = 0;
  kube_.setBeforeCall([&](const FakeKubeClient::Call& call) {
    if (call.verb == Verb::kUpdate && ++updates == 2) {
      kube_.failNext(Verb::kUpdate, common::makeError(ErrorCode::kConflict, "modified"));
    }
  });
  EXPECT_TRUE(reconcile().retry);
  kube_.setBeforeCall(nullptr);
  ASSERT_EQ(phase(), Phase::kRollingBack);
  tick();  // t3: rolled back again
  const v1alpha1::ChaosExperimentStatus now = status();
  ASSERT_EQ(now.phase, Phase::kRecovering);
  EXPECT_EQ(fault_.rollbackCalls(), 2);
  EXPECT_EQ(now.fault_end_time, wallAt(seconds(2)));
}

TEST_F(ReconcilerTest, AFaultThatMustNotRepeatIsNotInjectedAgainAfterARestart) {
  fault_.setRepeatable(false);
  create(baseSpec());
  passSteadyState();
  // The process dies between the inject and the status write that records it.
  fault_.setOnInject([this](const std::vector<AffectedResource>&) {
    kube_.failNext(Verb::kUpdate, common::makeError(ErrorCode::kTransient, "connection reset"));
  });
  EXPECT_TRUE(reconcile().retry);
  fault_.setOnInject(nullptr);
  ASSERT_EQ(phase(), Phase::kInjecting);
  ASSERT_EQ(status().affected.size(), 1u);
  ASSERT_EQ(fault_.injectCalls(), 1);

  start();
  tick();
  EXPECT_EQ(phase(), Phase::kFaultActive);
  EXPECT_EQ(fault_.injectCalls(), 1);
  EXPECT_EQ(fault_.planCalls(), 1);
  EXPECT_EQ(status().injection_time, wallAt(seconds(1)));
}

TEST_F(ReconcilerTest, ARepeatableFaultIsInjectedAgainAfterARestartInInjecting) {
  create(baseSpec());
  passSteadyState();
  fault_.setOnInject([this](const std::vector<AffectedResource>&) {
    kube_.failNext(Verb::kUpdate, common::makeError(ErrorCode::kTransient, "connection reset"));
  });
  EXPECT_TRUE(reconcile().retry);
  fault_.setOnInject(nullptr);
  start();
  tick();
  EXPECT_EQ(phase(), Phase::kFaultActive);
  EXPECT_EQ(fault_.injectCalls(), 2);
  EXPECT_EQ(fault_.planCalls(), 1);
}

// --- Repeats and dry runs ---------------------------------------------------------------------

TEST_F(ReconcilerTest, RepeatedRunsAreEachRecordedAndSummarized) {
  fault_.setHeld(false);
  json spec = with(baseSpec(), "/repeat", {{"count", 3}, {"cooldown", "10s"}});
  spec = with(spec, "/hypothesis", {{"maxRecoveryTime", "2s"}});
  create(spec);

  // Run 1: the probe never fails; back at the fault end.
  injectNow();  // t0
  tick();
  tick();
  tick();  // t3: third pass after the fault end
  v1alpha1::ChaosExperimentStatus now = status();
  ASSERT_EQ(now.phase, Phase::kPending) << now.message;
  EXPECT_EQ(now.current_run, 2);
  EXPECT_EQ(now.next_run_time, wallAt(seconds(13)));
  ASSERT_EQ(now.runs.size(), 1u);
  EXPECT_EQ(now.runs[0].verdict, Verdict::kPass);
  EXPECT_EQ(now.verdict, Verdict::kNone);
  EXPECT_TRUE(admission_->isActive("demo/exp"));
  EXPECT_TRUE(hasOurFinalizer(object()));

  // The cooldown: nothing starts before t13.
  for (int second = 4; second <= 12; ++second) {
    tick();
    ASSERT_EQ(phase(), Phase::kPending) << "at " << second << "s";
  }
  EXPECT_EQ(fault_.injectCalls(), 1);
  tick();  // t13
  EXPECT_EQ(phase(), Phase::kSteadyStateCheck);
  EXPECT_TRUE(status().probes.empty());
  tick();  // t14: injected
  ASSERT_EQ(phase(), Phase::kRecovering);
  EXPECT_EQ(status().injection_time, wallAt(seconds(14)));

  // Run 2: 5 s to recover, over the hypothesis' 2 s.
  probes_.set(kProbe, failedCheck(kDown));
  for (int second = 15; second <= 18; ++second) tick();
  probes_.set(kProbe, passedCheck());
  ASSERT_TRUE(tickUntil(Phase::kPending, 5));
  now = status();
  ASSERT_EQ(now.runs.size(), 2u);
  EXPECT_EQ(now.runs[1].index, 2);
  EXPECT_EQ(now.runs[1].verdict, Verdict::kFail);
  EXPECT_EQ(now.runs[1].time_to_recover_seconds, 5.0);
  EXPECT_EQ(now.runs[1].time_to_detect_seconds, 1.0);

  // Run 3: passes again.
  ASSERT_TRUE(tickUntil(Phase::kCompleted, 30));
  now = status();
  EXPECT_EQ(fault_.injectCalls(), 3);
  ASSERT_EQ(now.runs.size(), 3u);
  EXPECT_EQ(now.runs[2].index, 3);
  EXPECT_EQ(now.runs[2].verdict, Verdict::kPass);
  EXPECT_EQ(now.verdict, Verdict::kFail);
  ASSERT_TRUE(now.summary.has_value());
  EXPECT_DOUBLE_EQ(now.summary->mean_recovery_seconds, 1.667);
  EXPECT_DOUBLE_EQ(now.summary->p95_recovery_seconds, 5.0);
  EXPECT_DOUBLE_EQ(now.summary->worst_recovery_seconds, 5.0);
  EXPECT_DOUBLE_EQ(now.summary->slo_compliance, 2.0 / 3.0);
  EXPECT_TRUE(contains(now.message, "67% of runs met the hypothesis; last run 3 of 3"))
      << now.message;
  EXPECT_EQ(now.start_time, wallAt(seconds(0)));
  EXPECT_FALSE(hasOurFinalizer(object()));
  EXPECT_FALSE(admission_->isActive("demo/exp"));
}

TEST_F(ReconcilerTest, RepeatedRunsThatAllPassEndWithPass) {
  fault_.setHeld(false);
  create(with(baseSpec(), "/repeat", {{"count", 2}, {"cooldown", "0s"}}));
  injectNow();
  ASSERT_TRUE(tickUntil(Phase::kCompleted, 30));
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.verdict, Verdict::kPass);
  EXPECT_EQ(now.runs.size(), 2u);
  ASSERT_TRUE(now.summary.has_value());
  EXPECT_DOUBLE_EQ(now.summary->slo_compliance, 1.0);
  EXPECT_EQ(fault_.injectCalls(), 2);
}

TEST_F(ReconcilerTest, ARestartDuringTheCooldownKeepsTheTargetReserved) {
  fault_.setHeld(false);
  create(with(baseSpec(), "/repeat", {{"count", 2}, {"cooldown", "10s"}}));
  injectNow();
  ASSERT_TRUE(tickUntil(Phase::kPending, 5));
  start();
  EXPECT_TRUE(admission_->isActive("demo/exp"));
  create(baseSpec(), "rival");
  reconcile("rival");
  EXPECT_EQ(phase("rival"), Phase::kPending);
  ASSERT_TRUE(tickUntil(Phase::kCompleted, 30));
  EXPECT_EQ(status().runs.size(), 2u);
}

TEST_F(ReconcilerTest, TheKillSwitchEndsAnExperimentCoolingDownBetweenRuns) {
  fault_.setHeld(false);
  create(with(baseSpec(), "/repeat", {{"count", 2}, {"cooldown", "10s"}}));
  injectNow();
  ASSERT_TRUE(tickUntil(Phase::kPending, 5));
  ASSERT_TRUE(admission_->isActive("demo/exp"));
  kill_switch_ = true;
  reconcile();
  EXPECT_EQ(phase(), Phase::kAborted);
  EXPECT_FALSE(admission_->isActive("demo/exp"));
  EXPECT_EQ(fault_.injectCalls(), 1);
}

TEST_F(ReconcilerTest, ADryRunListsWhatItWouldTouchAndTouchesNothing) {
  create(with(baseSpec(), "/dryRun", true));
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kCompleted);
  EXPECT_EQ(now.verdict, Verdict::kPass);
  EXPECT_EQ(now.message,
            "dry run: would inject ScaleDown into Deployment demo/backend-service; nothing was "
            "touched");
  ASSERT_EQ(now.affected.size(), 1u);
  EXPECT_EQ(now.affected[0].name, "backend-service");
  const v1alpha1::Condition* complete = condition(now, condition::kComplete);
  ASSERT_NE(complete, nullptr);
  EXPECT_EQ(complete->reason, "DryRun");
  EXPECT_EQ(fault_.planCalls(), 1);
  EXPECT_EQ(fault_.injectCalls(), 0);
  EXPECT_EQ(fault_.rollbackCalls(), 0);
  EXPECT_TRUE(probes_.made().empty());
  EXPECT_FALSE(hasOurFinalizer(object()));
  EXPECT_EQ(kube_.callCount(Verb::kUpdate), 1u);  // the status, nothing else
}

TEST_F(ReconcilerTest, ADryRunWhoseTargetIsMissingFails) {
  fault_.setPlan(common::makeError(ErrorCode::kNotFound, "deployment not found"));
  create(with(baseSpec(), "/dryRun", true));
  reconcile();
  const v1alpha1::ChaosExperimentStatus now = status();
  EXPECT_EQ(now.phase, Phase::kFailed);
  EXPECT_EQ(now.verdict, Verdict::kError);
  EXPECT_EQ(now.message, "dry run: the fault cannot be planned: deployment not found");
}

TEST_F(ReconcilerTest, AFinishedExperimentIsLeftAlone) {
  create(with(baseSpec(), "/dryRun", true));
  reconcile();
  const json finished = object();
  kube_.clearCalls();
  const ReconcileResult result = reconcile();
  EXPECT_FALSE(result.retry);
  EXPECT_FALSE(result.requeue_after.has_value());
  EXPECT_EQ(kube_.callCount(Verb::kUpdate), 0u);
  EXPECT_EQ(object(), finished);
}

}  // namespace
}  // namespace aftershock::op
