// What a fault changes comes back: a deleted pod is replaced, replicas and the backend's config
// are restored exactly, and so they are when the operator is SIGKILLed mid-fault, when the
// experiment is deleted or aborted mid-run, and when the kill switch is engaged.
#include <set>

#include "tests/e2e/e2e_fixture.h"

namespace aftershock::op::e2e {
namespace {

using std::chrono::seconds;

class RollbackTest : public E2eTest {
 protected:
  // The scale-down sample held for `duration` and already in FaultActive (backend at 0).
  std::string startScaleDown(const std::string& duration) {
    const std::string name = apply(localized(sample("scale-down.yaml"), duration));
    const json active = waitForPhase(name, "FaultActive", seconds(60));
    EXPECT_EQ(desiredReplicas(kBackendDeployment), 0) << "the fault is not in place";
    return name;
  }

  // The records of the current operator's log saying `experiment` entered `phase`.
  std::vector<json> transitionsInto(const std::string& experiment, const std::string& phase) {
    std::vector<json> found;
    for (const json& record : operatorLogRecords()) {
      if (record.value("msg", "") == "phase changed" &&
          record.value("experiment", "") == std::string(kNamespace) + "/" + experiment &&
          record.value("to", "") == phase) {
        found.push_back(record);
      }
    }
    return found;
  }
};

TEST_F(RollbackTest, ADeletedPodIsReplacedByTheReplicaSetAndTheRecoveryIsMeasured) {
  std::set<std::string> uids_before;
  for (const auto& [uid, name] : runningBackendPods()) uids_before.insert(uid);
  ASSERT_EQ(uids_before.size(), static_cast<std::size_t>(kBackendReplicas));

  const std::string name = apply(localized(sample("pod-delete.yaml")));
  const json finished = waitUntilFinished(name, seconds(60));
  ASSERT_EQ(phaseOf(finished), "Completed") << finished.dump(1);
  const json& status = finished["status"];
  EXPECT_EQ(status.value("verdict", ""), "Pass");

  ASSERT_EQ(status["affected"].size(), 1u) << status.dump(1);
  const json& deleted = status["affected"][0];
  EXPECT_EQ(deleted.value("kind", ""), "Pod");
  const std::string deleted_uid = deleted.value("uid", "");
  EXPECT_TRUE(uids_before.count(deleted_uid))
      << "deleted a pod that was not the backend's: " << deleted.dump();

  // The ReplicaSet made a new pod in its place; the deleted one is gone for good.
  std::vector<std::pair<std::string, std::string>> pods;
  const bool replaced = pollUntil(
      [&] {
        pods = runningBackendPods();
        bool has_new = false, has_deleted = false;
        for (const auto& [uid, pod_name] : pods) {
          has_new = has_new || !uids_before.count(uid);
          has_deleted = has_deleted || uid == deleted_uid;
        }
        return pods.size() == static_cast<std::size_t>(kBackendReplicas) && has_new && !has_deleted;
      },
      seconds(30));
  EXPECT_TRUE(replaced) << pods.size() << " backend pods Running";
  EXPECT_FALSE(contains(
      kubectl("get pods -o jsonpath='{.items[*].metadata.uid}' -n " + std::string(kNamespace)),
      deleted_uid));

  // The recovery was measured: from the delete (the fault's end) to the steady state.
  ASSERT_TRUE(status.contains("timeToRecoverSeconds")) << status.dump(1);
  EXPECT_GE(status["timeToRecoverSeconds"].get<double>(), 0.0);
  EXPECT_LE(status["timeToRecoverSeconds"].get<double>(), 60.0);  // hypothesis.maxRecoveryTime
  EXPECT_FALSE(status.value("recoveredTime", "").empty());
  EXPECT_EQ(status.value("faultEndTime", ""), status.value("injectionTime", "-"));
}

TEST_F(RollbackTest, AScaleDownIsRestoredToTheOriginalReplicas) {
  // Three, not the Deployment's usual two: the restore must use what it found.
  scaleAndWait(kBackendDeployment, 3);
  const std::string name = startScaleDown("4s");
  const json active = experiment(name);
  ASSERT_EQ(active["status"]["affected"].size(), 1u) << active.dump(1);
  EXPECT_EQ(active["status"]["affected"][0]["original"]["replicas"], 3);

  const json finished = waitUntilFinished(name, seconds(60));
  EXPECT_EQ(phaseOf(finished), "Completed") << finished.dump(1);
  EXPECT_EQ(finished["status"].value("verdict", ""), "Pass");
  EXPECT_EQ(desiredReplicas(kBackendDeployment), 3);
  EXPECT_TRUE(pollUntil([] { return readyReplicas(kBackendDeployment) == 3; }, seconds(30)));
}

TEST_F(RollbackTest, ABackendFaultRestoresTheExactPreviousConfig) {
  const std::string backend = world().backend->url();
  // Nothing like the defaults, so a reset or a partial restore would show.
  const json distinctive = {
      {"failure_rate", 0.01}, {"status_code", 502}, {"delay_ms", 3}, {"delay_rate", 0.02}};
  httpJson("PUT", backend + "/config", distinctive.dump());
  const json before = httpJson("GET", backend + "/config");
  ASSERT_EQ(before, distinctive);

  const std::string name = apply(localized(sample("backend-fault.yaml"), "4s"));
  const json active = waitForPhase(name, "FaultActive", seconds(60));
  const json during = httpJson("GET", backend + "/config");
  EXPECT_EQ(during["failure_rate"], 0.5) << during.dump();
  EXPECT_EQ(during["status_code"], 503) << during.dump();
  EXPECT_EQ(during["delay_ms"], 3) << "a setting the fault does not name was changed";
  ASSERT_EQ(active["status"]["affected"].size(), 1u) << active.dump(1);
  EXPECT_EQ(active["status"]["affected"][0]["original"], before);

  const json finished = waitUntilFinished(name, seconds(60));
  EXPECT_EQ(phaseOf(finished), "Completed") << finished.dump(1);
  EXPECT_EQ(httpJson("GET", backend + "/config"), before);
}

TEST_F(RollbackTest,
       AnOperatorKilledDuringTheFaultFinishesTheRunAfterARestartWithoutInjectingAgain) {
  const std::string name = startScaleDown("10s");
  ASSERT_FALSE(HasFailure());
  const std::string injection_time = experiment(name)["status"].value("injectionTime", "");
  // What a second injection would look like, seen in the first operator.
  ASSERT_EQ(transitionsInto(name, "FaultActive").size(), 1u) << operatorLogs();
  ASSERT_EQ(operatorMetric("aftershock_fault_injections_total", "{fault=\"ScaleDown\"}"), 1.0);

  ASSERT_NO_FATAL_FAILURE(killOperator());
  // Nobody restores the target while no operator runs: the fault is still in place.
  EXPECT_EQ(desiredReplicas(kBackendDeployment), 0);
  EXPECT_EQ(phaseOf(experiment(name)), "FaultActive");

  ASSERT_NO_FATAL_FAILURE(startOperator());
  const json finished = waitUntilFinished(name, seconds(60));
  EXPECT_EQ(phaseOf(finished), "Completed") << finished.dump(1);
  EXPECT_EQ(finished["status"].value("verdict", ""), "Pass") << finished["status"].dump(1);
  EXPECT_EQ(desiredReplicas(kBackendDeployment), kBackendReplicas);
  EXPECT_TRUE(
      pollUntil([] { return readyReplicas(kBackendDeployment) == kBackendReplicas; }, seconds(30)));

  // The restarted operator carried on from the status: the same injection, rolled back once,
  // and never a second one.
  EXPECT_EQ(finished["status"].value("injectionTime", ""), injection_time);
  EXPECT_EQ(
      operatorMetric("aftershock_fault_injections_total", "{fault=\"ScaleDown\"}").value_or(0.0),
      0.0);
  EXPECT_TRUE(transitionsInto(name, "Injecting").empty()) << operatorLogs();
  EXPECT_TRUE(transitionsInto(name, "FaultActive").empty()) << operatorLogs();
  EXPECT_EQ(transitionsInto(name, "RollingBack").size(), 1u) << operatorLogs();
  EXPECT_GE(operatorMetric("aftershock_rollbacks_total", "{result=\"success\"}").value_or(0.0),
            1.0);
}

TEST_F(RollbackTest, DeletingAnExperimentMidRunRollsItBackAndTheObjectGoes) {
  const std::string name = startScaleDown("60s");
  ASSERT_FALSE(HasFailure());

  kubectlOk("delete chaosexperiment --wait=false -n " + std::string(kNamespace) + " " + name);
  ASSERT_TRUE(waitUntilGone(name, seconds(30)));
  // The finalizer went only after the rollback.
  EXPECT_EQ(desiredReplicas(kBackendDeployment), kBackendReplicas);
  EXPECT_TRUE(
      pollUntil([] { return readyReplicas(kBackendDeployment) == kBackendReplicas; }, seconds(30)));
}

TEST_F(RollbackTest, SettingAbortMidRunRollsBackAndEndsAborted) {
  const std::string name = startScaleDown("60s");
  ASSERT_FALSE(HasFailure());

  kubectlOk("patch chaosexperiment -n " + std::string(kNamespace) + " " + name +
            " --type=merge -p '{\"spec\":{\"abort\":true}}'");
  const json finished = waitUntilFinished(name, seconds(30));
  EXPECT_EQ(phaseOf(finished), "Aborted") << finished.dump(1);
  EXPECT_FALSE(finished["status"].contains("verdict")) << finished["status"].dump(1);
  EXPECT_TRUE(contains(finished["status"].value("message", ""), "rolled back"))
      << finished["status"].value("message", "");
  EXPECT_EQ(desiredReplicas(kBackendDeployment), kBackendReplicas);
  // Still there: abort keeps the record, unlike a delete.
  EXPECT_TRUE(experiment(name).is_object());
}

TEST_F(RollbackTest, TheKillSwitchRollsBackAnActiveExperimentAndStartsNoOther) {
  const std::string name = startScaleDown("60s");
  ASSERT_FALSE(HasFailure());

  setKillSwitch(true);
  const json aborted = waitUntilFinished(name, seconds(30));
  EXPECT_EQ(phaseOf(aborted), "Aborted") << aborted.dump(1);
  EXPECT_TRUE(contains(aborted["status"].value("message", ""), "kill switch"))
      << aborted["status"].value("message", "");
  EXPECT_EQ(desiredReplicas(kBackendDeployment), kBackendReplicas);

  // While it is engaged a new experiment waits, untouched; released, it runs.
  const std::string waiting = apply(localized(sample("pod-delete.yaml")));
  const json held = waitFor(
      waiting, "wait for the kill switch",
      [](const json& object) {
        return object.is_object() && object.contains("status") &&
               contains(object["status"].value("message", ""), "kill switch");
      },
      seconds(30));
  EXPECT_EQ(phaseOf(held), "Pending") << held.dump(1);
  EXPECT_FALSE(held["status"].contains("injectionTime")) << held["status"].dump(1);

  setKillSwitch(false);
  const json finished = waitUntilFinished(waiting, seconds(60));
  EXPECT_EQ(phaseOf(finished), "Completed") << finished.dump(1);
}

}  // namespace
}  // namespace aftershock::op::e2e
