// LocalCluster: the real local control plane (scripts/cluster/up.sh) for integration tests.
// One cluster per test binary: the first call to shared() brings it up, a gtest Environment
// tears it down at exit, and a watchdog in up.sh stops it if the test process dies.
#pragma once

#include <map>
#include <string>

namespace aftershock::testing {

class LocalCluster {
 public:
  // Brings the cluster up on first use (throws std::runtime_error with up.sh's output if it
  // cannot). Thread-safe.
  static LocalCluster& shared();

  const std::string& stateDir() const { return state_dir_; }
  std::string kubeconfig() const { return value("KUBECONFIG"); }
  std::string apiServer() const { return value("API_SERVER"); }
  std::string etcdEndpoint() const { return value("ETCD_ENDPOINT"); }
  // A value from the cluster's cluster.env (ADMIN_TOKEN, NOBODY_TOKEN, ...).
  std::string value(const std::string& key) const;

  // Runs `kubectl --kubeconfig=<ours> <arguments>` through the shell; returns its output and
  // sets `exit_code`.
  std::string kubectl(const std::string& arguments, int* exit_code = nullptr) const;

  void tearDown();

 private:
  LocalCluster() = default;
  void bringUp();

  std::string state_dir_;
  std::map<std::string, std::string> env_;
};

// Runs a shell command and returns its stdout (stderr goes to the test's stderr).
std::string runCommand(const std::string& command, int* exit_code = nullptr);

}  // namespace aftershock::testing
