// Leader election between real processes (leader-candidate) on a real Lease: failover when
// the leader is SIGKILLed, release on SIGTERM, and a leader that loses its Lease stops.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/kube/kube_test_fixture.h"
#include "tests/support/service_process.h"

namespace aftershock::op {
namespace {

using testing::ChildProcess;
using testing::eventually;

constexpr auto kElectionTimeout = std::chrono::seconds(20);
const std::string kLease = "candidates";

class LeaderElectionTest : public KubeIntegrationTest {
 protected:
  std::unique_ptr<ChildProcess> startCandidate(const std::string& identity) {
    return std::make_unique<ChildProcess>(
        testing::binaryDir() + "/leader-candidate",
        std::vector<std::string>{"--kubeconfig=" + cluster_->kubeconfig(), "--context=aftershock",
                                 "--namespace=" + namespace_, "--lease=" + kLease,
                                 "--identity=" + identity});
  }

  // The Lease's holderIdentity, "" when released, "<none>" when there is no Lease yet.
  std::string holder() {
    auto lease = client_->get(resources::leases(), namespace_, kLease);
    if (!lease.ok()) return "<none>";
    return (*lease)["spec"].value("holderIdentity", "");
  }

  std::int64_t transitions() {
    auto lease = client_->get(resources::leases(), namespace_, kLease);
    return lease.ok() ? (*lease)["spec"].value("leaseTransitions", std::int64_t{-1}) : -1;
  }

  static bool said(const ChildProcess& process, const std::string& line) {
    return process.logs().find(line + "\n") != std::string::npos;
  }
};

TEST_F(LeaderElectionTest, TheOtherCandidateTakesOverWhenTheLeaderIsKilled) {
  std::map<std::string, std::unique_ptr<ChildProcess>> candidates;
  candidates["alpha"] = startCandidate("alpha");
  candidates["beta"] = startCandidate("beta");

  std::string leader;
  ASSERT_TRUE(eventually(
      [&] {
        leader = holder();
        return leader == "alpha" || leader == "beta";
      },
      kElectionTimeout))
      << "holder: " << holder() << "\nalpha:\n"
      << candidates["alpha"]->logs() << "\nbeta:\n"
      << candidates["beta"]->logs();
  const std::string follower = leader == "alpha" ? "beta" : "alpha";
  ASSERT_TRUE(eventually([&] { return said(*candidates[leader], "started leading " + leader); }))
      << candidates[leader]->logs();
  EXPECT_FALSE(said(*candidates[follower], "started leading " + follower));
  EXPECT_TRUE(eventually([&] { return said(*candidates[follower], "new leader " + leader); }))
      << candidates[follower]->logs();
  const std::int64_t transitions_before = transitions();

  candidates[leader]->kill();  // no release: the follower must wait the lease out

  ASSERT_TRUE(eventually([&] { return holder() == follower; }, kElectionTimeout))
      << "holder: " << holder() << "\n"
      << candidates[follower]->logs();
  EXPECT_TRUE(eventually([&] {
    return said(*candidates[follower], "started leading " + follower);
  })) << candidates[follower]->logs();
  EXPECT_EQ(transitions(), transitions_before + 1);
}

TEST_F(LeaderElectionTest, ACleanShutdownReleasesTheLease) {
  auto only = startCandidate("solo");
  ASSERT_TRUE(eventually([&] { return holder() == "solo"; }, kElectionTimeout)) << only->logs();

  auto status = only->terminate();
  ASSERT_TRUE(status.has_value()) << only->logs();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << only->logs();
  EXPECT_EQ(holder(), "");
  EXPECT_TRUE(said(*only, "stopped leading solo")) << only->logs();
}

TEST_F(LeaderElectionTest, ALeaderThatLosesTheLeaseStopsItsWork) {
  auto candidate = startCandidate("usurped");
  ASSERT_TRUE(eventually([&] { return holder() == "usurped"; }, kElectionTimeout))
      << candidate->logs();

  // Someone else writes the Lease, as a replica that judged it expired would.
  auto lease = client_->get(resources::leases(), namespace_, kLease);
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  (*lease)["spec"]["holderIdentity"] = "intruder";
  (*lease)["spec"]["leaseDurationSeconds"] = 30;
  ASSERT_TRUE(client_->update(resources::leases(), namespace_, *lease).ok());

  auto status = candidate->waitForExit(kElectionTimeout);
  ASSERT_TRUE(status.has_value()) << candidate->logs();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 3) << candidate->logs();
  EXPECT_TRUE(said(*candidate, "stopped leading usurped")) << candidate->logs();
  EXPECT_EQ(holder(), "intruder");  // it did not write the Lease back
}

}  // namespace
}  // namespace aftershock::op
