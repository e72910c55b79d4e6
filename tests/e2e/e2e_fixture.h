// The end-to-end fixture: the real local control plane (brought up once per binary), the
// ChaosExperiment CRD and the demo services' Deployments installed with kubectl, backend-service
// (in a restart loop, standing in for the kubelet) and client-service as processes on loopback,
// and a fresh aftershock-operator process per test. Experiments are the samples of
// config/samples applied with `kubectl apply -f`, their in-cluster URLs pointed at the local
// processes and their durations shortened; results are read back with kubectl.
//
// Every test leaves the cluster as it found it (TearDown deletes the experiments through the
// running operator, restores the backend's replicas, config and kill switch), so tests do not
// depend on each other's order.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/local_cluster.h"
#include "tests/support/restarting_service.h"
#include "tests/support/service_process.h"
#include "tests/support/text.h"

namespace aftershock::op::e2e {

using nlohmann::json;
using testing::contains;
using testing::headerValue;
using testing::lines;
using testing::shellQuote;
using testing::words;

// The experiments' namespace (config/services/namespace.yaml, opted in to chaos) and target.
inline constexpr const char* kNamespace = "demo";
inline constexpr const char* kBackendDeployment = "backend-service";
// The replicas config/services gives the backend.
inline constexpr int kBackendReplicas = 2;

bool isTerminalPhase(const std::string& phase);
// Calls `condition` every 200 ms until it holds or `timeout` passes; true if it held. (Often
// enough to see a 3 s phase several times, rarely enough that kubectl does not load the two
// shared cores.)
bool pollUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout);
// A path in the source tree (AFTERSHOCK_SOURCE_DIR overrides the build's).
std::string sourcePath(const std::string& relative);

// What the whole binary shares: started on first use, stopped at exit.
struct World {
  testing::LocalCluster* cluster = nullptr;
  // The operator's kubeconfig: a token of its ServiceAccount, so it has exactly config/rbac's
  // rights and a permission the faults need but the ClusterRole lacks fails these tests.
  std::string operator_kubeconfig;
  std::unique_ptr<testing::RestartingService> backend;
  std::unique_ptr<testing::ServiceProcess> client;
};

class E2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  void SetUp() override;
  void TearDown() override;

  static World& world();

  // --- kubectl -----------------------------------------------------------------------------
  // kubectl against the test cluster, with a discovery cache of its own; stderr is part of the
  // output.
  static std::string kubectl(const std::string& arguments, int* exit_code = nullptr);
  // As kubectl(), adding a test failure when kubectl fails.
  static std::string kubectlOk(const std::string& arguments);
  // `kubectl get <arguments> -o json`, parsed; null when the object does not exist.
  static json getJson(const std::string& arguments);

  // --- experiments -------------------------------------------------------------------------
  // A sample of config/samples (file name), read with kubectl (client side) as JSON.
  static json sample(const std::string& file);
  // `experiment` with the samples' in-cluster URLs pointed at the local backend and client,
  // the fault held for `duration` (a stress lasting as long), and repeats one second apart.
  static json localized(json experiment, const std::string& duration = "3s");
  // Writes `experiment` to a file and runs `kubectl apply -f` on it; returns its name.
  static std::string apply(const json& experiment);
  // The experiment as stored, or null once it is gone.
  static json experiment(const std::string& name);
  static std::string phaseOf(const json& experiment);
  // Polls the experiment until `done` holds or `timeout` passes; returns the last object read
  // (null if it was gone). On timeout, adds a failure naming `what`, with the status and the
  // operator's recent log.
  json waitFor(const std::string& name, const std::string& what,
               const std::function<bool(const json&)>& done, std::chrono::seconds timeout);
  json waitForPhase(const std::string& name, const std::string& phase,
                    std::chrono::seconds timeout);
  // Waits for Completed, Failed or Aborted.
  json waitUntilFinished(const std::string& name, std::chrono::seconds timeout);
  // Waits until the experiment no longer exists; false (and a failure) on timeout.
  bool waitUntilGone(const std::string& name, std::chrono::seconds timeout);

  // --- the target ------------------------------------------------------------------------------
  // spec.replicas and status.readyReplicas of a demo Deployment (-1 if unreadable).
  static int desiredReplicas(const std::string& deployment);
  static int readyReplicas(const std::string& deployment);
  // Scales a demo Deployment and waits until that many replicas are ready.
  void scaleAndWait(const std::string& deployment, int replicas);
  // The backend's pods that are Running and not being deleted: uid -> name.
  static std::vector<std::pair<std::string, std::string>> runningBackendPods();

  // --- HTTP (curl) ------------------------------------------------------------------------------
  // The body of `method url` (with a JSON body if given); sets *status to the HTTP status, or
  // 0 when there was no answer.
  static std::string http(const std::string& method, const std::string& url,
                          const std::string& body = "", int* status = nullptr);
  static json httpJson(const std::string& method, const std::string& url,
                       const std::string& body = "");

  // --- the operator ------------------------------------------------------------------------------
  // Starts aftershock-operator (JSON logs, metrics and health on loopback) and waits until it
  // is ready; any previous instance must have been stopped.
  void startOperator();
  // SIGKILL: no chance to clean up or roll back.
  void killOperator();
  std::string operatorLogs() const;
  // Parsed JSON log records of the current operator.
  std::vector<json> operatorLogRecords() const;
  // A sample of the operator's /metrics (labels as `{a="b"}` text, "" for none); nullopt when
  // the series is absent.
  std::optional<double> operatorMetric(const std::string& name, const std::string& labels = "");

  // The kill-switch key of the operator's control ConfigMap.
  static void setKillSwitch(bool engaged);

 private:
  // Brings up what every test shares; returns why it failed, or "" on success.
  static std::string installOnce();
  // Writes a kubeconfig for the operator's ServiceAccount (a token from the TokenRequest API)
  // into the cluster's state folder; returns its path, or "" with *error set.
  static std::string writeOperatorKubeconfig(std::string* error);
  void cleanUp();

  std::unique_ptr<testing::ChildProcess> operator_;
  int metrics_port_ = 0;
};

}  // namespace aftershock::op::e2e
