#include "tests/support/local_cluster.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <stdexcept>

#include "tests/support/text.h"

namespace aftershock::testing {
namespace {

class ClusterEnvironment : public ::testing::Environment {
 public:
  explicit ClusterEnvironment(LocalCluster& cluster) : cluster_(cluster) {}
  void TearDown() override { cluster_.tearDown(); }

 private:
  LocalCluster& cluster_;
};

}  // namespace

std::string runCommand(const std::string& command, int* exit_code) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    output.append(buffer.data(), n);
  }
  const int status = pclose(pipe);
  if (exit_code != nullptr) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

LocalCluster& LocalCluster::shared() {
  static LocalCluster* cluster = [] {
    auto* created = new LocalCluster();
    created->bringUp();
    ::testing::AddGlobalTestEnvironment(new ClusterEnvironment(*created));
    return created;
  }();
  return *cluster;
}

void LocalCluster::bringUp() {
  char pattern[] = "/tmp/aftershock-test-cluster.XXXXXX";
  if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  state_dir_ = pattern;
  const std::string command = "AFTERSHOCK_CLUSTER_OWNER_PID=" + std::to_string(getpid()) + " " +
                              sourceDir().string() + "/scripts/cluster/up.sh " + state_dir_ +
                              " 2>&1";
  int exit_code = 0;
  const std::string output = runCommand(command, &exit_code);
  if (exit_code != 0) throw std::runtime_error("cluster did not come up:\n" + output);
  std::ifstream env_file(state_dir_ + "/cluster.env");
  for (std::string line; std::getline(env_file, line);) {
    const auto equals = line.find('=');
    if (equals != std::string::npos) env_[line.substr(0, equals)] = line.substr(equals + 1);
  }
  if (env_.empty()) throw std::runtime_error("cluster came up without cluster.env:\n" + output);
}

std::string LocalCluster::value(const std::string& key) const {
  auto it = env_.find(key);
  return it == env_.end() ? std::string() : it->second;
}

std::string LocalCluster::kubectl(const std::string& arguments, int* exit_code) const {
  return runCommand("kubectl --kubeconfig=" + kubeconfig() + " " + arguments, exit_code);
}

void LocalCluster::tearDown() {
  if (state_dir_.empty()) return;
  runCommand(sourceDir().string() + "/scripts/cluster/down.sh " + state_dir_ + " 2>&1");
  state_dir_.clear();
}

}  // namespace aftershock::testing
