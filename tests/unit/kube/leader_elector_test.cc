// Leader election against the in-memory API server. All time is FakeClock time: candidates
// are stepped by hand, and run() sleeps through the fake clock.
#include "operator/kube/leader_elector.h"

#include <gtest/gtest.h>

#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_kube_client.h"

namespace aftershock::op {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Verb = testing::FakeKubeClient::Verb;

constexpr char kNamespace[] = "chaos";
constexpr char kLease[] = "aftershock-operator";

// One replica: its elector and what its callbacks saw.
struct Candidate {
  int started = 0;
  int stopped = 0;
  std::vector<std::string> new_leaders;
  std::unique_ptr<LeaderElector> elector;

  bool step() { return elector->tryAcquireOrRenew(); }
};

class LeaderElectorTest : public ::testing::Test {
 protected:
  std::unique_ptr<Candidate> candidate(const std::string& identity) {
    auto result = std::make_unique<Candidate>();
    Candidate* observer = result.get();
    LeaderElectorConfig config;
    config.lease_namespace = kNamespace;
    config.lease_name = kLease;
    config.identity = identity;
    config.on_started_leading = [observer] { ++observer->started; };
    config.on_stopped_leading = [observer] { ++observer->stopped; };
    config.on_new_leader = [observer](const std::string& leader) {
      observer->new_leaders.push_back(leader);
    };
    result->elector = std::make_unique<LeaderElector>(config, client_, clock_);
    return result;
  }

  json lease() const {
    auto stored = client_.stored(resources::leases(), kNamespace, kLease);
    return stored ? stored->value("spec", json::object()) : json();
  }

  // A lease held by `holder`, written by hand with the given remote renewTime.
  void seedLease(const std::string& holder, const std::string& renew_time) {
    const json object = {{"metadata", {{"name", kLease}}},
                         {"spec",
                          {{"holderIdentity", holder},
                           {"leaseDurationSeconds", 15},
                           {"acquireTime", renew_time},
                           {"renewTime", renew_time},
                           {"leaseTransitions", 4}}}};
    ASSERT_TRUE(client_.create(resources::leases(), kNamespace, object).ok());
  }

  void expectTakeOverAfterLocalLeaseDuration(const std::string& remote_renew_time) {
    seedLease("old-leader", remote_renew_time);
    auto b = candidate("b");

    EXPECT_FALSE(b->step()) << "a record first seen now is fresh, whatever its renewTime";
    clock_.advance(seconds(14));
    EXPECT_FALSE(b->step());
    clock_.advance(seconds(1));
    EXPECT_TRUE(b->step());

    EXPECT_EQ(lease()["holderIdentity"], "b");
    EXPECT_EQ(lease()["leaseTransitions"], 5);
  }

  testing::FakeClock clock_;
  testing::FakeKubeClient client_{&clock_};
};

TEST_F(LeaderElectorTest, CreatesTheLeaseWhenItIsMissing) {
  auto a = candidate("a");

  EXPECT_TRUE(a->step());

  EXPECT_TRUE(a->elector->isLeader());
  EXPECT_EQ(a->started, 1);
  EXPECT_EQ(a->new_leaders, std::vector<std::string>{"a"});
  const json spec = lease();
  EXPECT_EQ(spec["holderIdentity"], "a");
  EXPECT_EQ(spec["leaseDurationSeconds"], 15);
  EXPECT_EQ(spec["acquireTime"], "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(spec["renewTime"], "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(spec["leaseTransitions"], 0);
}

TEST_F(LeaderElectorTest, RenewalMovesRenewTimeAndKeepsAcquireTime) {
  auto a = candidate("a");
  ASSERT_TRUE(a->step());
  clock_.advance(milliseconds(2500));

  EXPECT_TRUE(a->step());

  EXPECT_EQ(lease()["acquireTime"], "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(lease()["renewTime"], "2026-01-01T00:00:02.500000Z");
  EXPECT_EQ(lease()["leaseTransitions"], 0);
  EXPECT_EQ(a->started, 1);
}

TEST_F(LeaderElectorTest, SecondCandidateDoesNotTakeAFreshLease) {
  auto a = candidate("a");
  auto b = candidate("b");
  ASSERT_TRUE(a->step());

  EXPECT_FALSE(b->step());
  clock_.advance(seconds(14));
  EXPECT_FALSE(b->step());

  EXPECT_FALSE(b->elector->isLeader());
  EXPECT_EQ(b->started, 0);
  EXPECT_EQ(b->elector->observedLeader(), "a");
  EXPECT_EQ(b->new_leaders, std::vector<std::string>{"a"});
  EXPECT_EQ(lease()["holderIdentity"], "a");
}

TEST_F(LeaderElectorTest, TakesOverAfterLeaseDurationOfAnUnchangedRecord) {
  auto a = candidate("a");
  auto b = candidate("b");
  ASSERT_TRUE(a->step());
  ASSERT_FALSE(b->step());
  clock_.advance(seconds(15));

  EXPECT_TRUE(b->step());

  EXPECT_TRUE(b->elector->isLeader());
  EXPECT_EQ(b->started, 1);
  EXPECT_EQ(b->new_leaders, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(lease()["holderIdentity"], "b");
  EXPECT_EQ(lease()["acquireTime"], "2026-01-01T00:00:15.000000Z");
  EXPECT_EQ(lease()["leaseTransitions"], 1);
}

TEST_F(LeaderElectorTest, ExpiryIgnoresARemoteRenewTimeFarInThePast) {
  expectTakeOverAfterLocalLeaseDuration("2000-01-01T00:00:00.000000Z");
}

TEST_F(LeaderElectorTest, ExpiryIgnoresARemoteRenewTimeFarInTheFuture) {
  expectTakeOverAfterLocalLeaseDuration("2100-01-01T00:00:00.000000Z");
}

TEST_F(LeaderElectorTest, DoesNotTakeOverWhileTheHolderKeepsRenewing) {
  auto a = candidate("a");
  auto b = candidate("b");
  ASSERT_TRUE(a->step());
  ASSERT_FALSE(b->step());

  for (int round = 0; round < 15; ++round) {  // 30 s, twice the lease duration
    clock_.advance(seconds(2));
    ASSERT_TRUE(a->step());
    ASSERT_FALSE(b->step()) << "round " << round;
  }

  EXPECT_TRUE(a->elector->isLeader());
  EXPECT_EQ(b->started, 0);
  EXPECT_EQ(lease()["holderIdentity"], "a");
}

TEST_F(LeaderElectorTest, ConflictOnTakeoverMeansAnotherCandidateWon) {
  auto a = candidate("a");
  auto b = candidate("b");
  auto c = candidate("c");
  ASSERT_TRUE(a->step());
  ASSERT_FALSE(b->step());
  ASSERT_FALSE(c->step());
  clock_.advance(seconds(15));
  // c's takeover lands between b's read and b's conditional update.
  client_.setBeforeCall([this, &c](const testing::FakeKubeClient::Call& call) {
    if (call.verb != Verb::kUpdate) return;
    client_.setBeforeCall(nullptr);
    EXPECT_TRUE(c->step());
  });

  EXPECT_FALSE(b->step());

  EXPECT_FALSE(b->elector->isLeader());
  EXPECT_EQ(b->started, 0);
  EXPECT_TRUE(c->elector->isLeader());
  EXPECT_EQ(lease()["holderIdentity"], "c");
  EXPECT_EQ(lease()["leaseTransitions"], 1);
}

TEST_F(LeaderElectorTest, LosesLeadershipWhenRenewalsFailPastTheRenewDeadline) {
  auto a = candidate("a");
  ASSERT_TRUE(a->step());
  client_.failNext(Verb::kUpdate, common::makeError(common::ErrorCode::kUnavailable, "outage"),
                   100);

  for (int second = 2; second < 10; second += 2) {
    clock_.advance(seconds(2));
    EXPECT_FALSE(a->step());
    EXPECT_TRUE(a->elector->isLeader()) << "still within the deadline at " << second << " s";
  }
  clock_.advance(seconds(2));
  EXPECT_FALSE(a->step());

  EXPECT_FALSE(a->elector->isLeader());
  EXPECT_TRUE(a->elector->done());
  EXPECT_EQ(a->stopped, 1);
  const std::size_t calls = client_.calls().size();
  client_.clearFailures();
  clock_.advance(seconds(2));
  EXPECT_FALSE(a->step()) << "a stopped elector stays stopped";
  EXPECT_EQ(a->stopped, 1);
  EXPECT_EQ(client_.calls().size(), calls);
}

TEST_F(LeaderElectorTest, StepsDownAtOnceWhenAnotherHolderIsObserved) {
  auto a = candidate("a");
  ASSERT_TRUE(a->step());
  ASSERT_TRUE(client_
                  .patch(resources::leases(), kNamespace, kLease, PatchType::kMerge,
                         {{"spec", {{"holderIdentity", "intruder"}}}})
                  .ok());

  EXPECT_FALSE(a->step());

  EXPECT_FALSE(a->elector->isLeader());
  EXPECT_EQ(a->stopped, 1);
  EXPECT_EQ(a->elector->observedLeader(), "intruder");
}

TEST_F(LeaderElectorTest, RunReturnsAfterLosingLeadershipAndStopsLeadingOnce) {
  auto a = candidate("a");
  client_.failNext(Verb::kUpdate, common::makeError(common::ErrorCode::kUnavailable, "outage"),
                   1000);
  std::stop_source stop;
  int calls = 0;
  // A safety net so a broken loop fails the test instead of hanging it.
  client_.setBeforeCall([&](const testing::FakeKubeClient::Call&) {
    if (++calls > 200) stop.request_stop();
  });
  const common::SteadyTime start = clock_.now();

  a->elector->run(stop.get_token());

  EXPECT_FALSE(stop.stop_requested());
  EXPECT_EQ(a->started, 1);
  EXPECT_EQ(a->stopped, 1);
  EXPECT_FALSE(a->elector->isLeader());
  EXPECT_GE(clock_.now() - start, seconds(10));
  EXPECT_LE(clock_.now() - start, seconds(12));
}

TEST_F(LeaderElectorTest, RunReleasesTheLeaseWhenStopped) {
  auto a = candidate("a");
  std::stop_source stop;
  client_.setBeforeCall([&](const testing::FakeKubeClient::Call& call) {
    if (call.verb == Verb::kUpdate && client_.callCount(Verb::kUpdate) == 3) stop.request_stop();
  });

  a->elector->run(stop.get_token());

  EXPECT_EQ(a->started, 1);
  EXPECT_EQ(a->stopped, 1);
  EXPECT_EQ(lease()["holderIdentity"], "");
}

TEST_F(LeaderElectorTest, ReleaseEmptiesTheHolderAndAnotherCandidateAcquiresAtOnce) {
  auto a = candidate("a");
  auto b = candidate("b");
  ASSERT_TRUE(a->step());
  ASSERT_FALSE(b->step());

  ASSERT_TRUE(a->elector->release().ok());

  EXPECT_FALSE(a->elector->isLeader());
  EXPECT_EQ(a->stopped, 1);
  EXPECT_EQ(lease()["holderIdentity"], "");
  EXPECT_EQ(lease()["leaseDurationSeconds"], 1);
  EXPECT_TRUE(b->step()) << "no clock advance needed";
  EXPECT_EQ(lease()["holderIdentity"], "b");
}

TEST_F(LeaderElectorTest, ReleaseLeavesAnotherHoldersLeaseAlone) {
  auto a = candidate("a");
  auto b = candidate("b");
  ASSERT_TRUE(a->step());
  ASSERT_FALSE(b->step());

  ASSERT_TRUE(b->elector->release().ok());

  EXPECT_EQ(lease()["holderIdentity"], "a");
  EXPECT_EQ(b->stopped, 0);
  EXPECT_TRUE(b->elector->done());
}

TEST_F(LeaderElectorTest, TransitionsCountHolderChangesOnly) {
  auto a = candidate("a");
  auto b = candidate("b");
  auto c = candidate("c");
  ASSERT_TRUE(a->step());
  ASSERT_FALSE(b->step());
  for (int round = 0; round < 3; ++round) {
    clock_.advance(seconds(2));
    ASSERT_TRUE(a->step());
    ASSERT_FALSE(b->step());
  }
  EXPECT_EQ(lease()["leaseTransitions"], 0);

  clock_.advance(seconds(15));  // a has stopped renewing
  ASSERT_TRUE(b->step());
  EXPECT_EQ(lease()["leaseTransitions"], 1);
  ASSERT_TRUE(b->elector->release().ok());
  EXPECT_EQ(lease()["leaseTransitions"], 1);
  ASSERT_TRUE(c->step());
  EXPECT_EQ(lease()["leaseTransitions"], 2);
}

TEST_F(LeaderElectorTest, ReadFailureBeforeLeadingIsJustNotLeader) {
  auto a = candidate("a");
  client_.failNext(Verb::kGet, common::makeError(common::ErrorCode::kUnavailable, "outage"));

  EXPECT_FALSE(a->step());
  EXPECT_FALSE(a->elector->done());
  EXPECT_TRUE(a->step());
}

TEST(LeaderElectorConfigTest, RejectsARenewDeadlineNotShorterThanTheLeaseDuration) {
  LeaderElectorConfig config;
  config.lease_namespace = kNamespace;
  config.lease_name = kLease;
  config.identity = "a";
  ASSERT_TRUE(validateLeaderElectorConfig(config).ok());
  config.renew_deadline = config.lease_duration;

  const common::Status status = validateLeaderElectorConfig(config);

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().field, "lease_duration");
}

TEST(LeaderElectorConfigTest, RequestTimeoutLetsAStepOfTwoCallsEndWithinTheRenewDeadline) {
  LeaderElectorConfig config;
  config.lease_duration = std::chrono::seconds(15);
  config.renew_deadline = std::chrono::seconds(10);
  config.retry_period = std::chrono::seconds(2);
  const common::Duration timeout = leaderElectionRequestTimeout(config);
  EXPECT_EQ(timeout, std::chrono::seconds(4));
  EXPECT_LE(config.retry_period + 2 * timeout, config.renew_deadline);
}

}  // namespace
}  // namespace aftershock::op
