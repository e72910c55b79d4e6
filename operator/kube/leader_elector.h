// LeaderElector: leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics,
// so at most one operator replica reconciles at a time.
//
// A candidate takes the Lease when it is missing, released (empty holderIdentity), or expired.
// Expiry is judged only by the local monotonic clock: the Lease is expired when its record
// (spec and resourceVersion, as a whole) has not changed for the holder's leaseDurationSeconds
// since this candidate first observed that record (client-go's observedTime). The remote
// renewTime is written for people and never compared with our clock, so clock skew between
// nodes does not matter. A takeover is an update conditional on the observed resourceVersion;
// a kConflict means another candidate won.
//
// The leader renews every retry_period. When no renewal has succeeded for renew_deadline, or
// another holder is observed, leadership is lost: on_stopped_leading runs and run() returns;
// the process is expected to stop its work (exit), as with client-go. renew_deadline must be
// shorter than lease_duration so a leader stops before anyone else may take over.
//
// An elector is single-use: once leadership is lost or released it stays a follower (every
// later step returns false). Campaign again with a new elector.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/logging.h"
#include "common/result.h"
#include "operator/kube/kube_client.h"

namespace aftershock::op {

struct LeaderElectorConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // this candidate's holderIdentity, unique per replica (the pod name)
  common::Duration lease_duration = std::chrono::seconds(15);
  common::Duration renew_deadline = std::chrono::seconds(10);
  common::Duration retry_period = std::chrono::seconds(2);

  // Callbacks run on the thread that drives the elector (run(), tryAcquireOrRenew() or
  // release()), with no elector lock held; they must return promptly (start work on another
  // thread). on_stopped_leading runs once per on_started_leading, when leadership is lost or
  // released. on_new_leader runs when the observed non-empty holder changes, ourselves included.
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  std::function<void(const std::string& identity)> on_new_leader;
};

// Checks the config: names and identity present, 0 < retry_period < renew_deadline <
// lease_duration, lease_duration a whole number of seconds of at least one.
common::Status validateLeaderElectorConfig(const LeaderElectorConfig& config);

// The request timeout the elector's client should have (RestConfig::request_timeout):
// (renew_deadline - retry_period) / 2. A step is a read and a write, so a leader whose calls
// hang still learns it lost the lease within renew_deadline of its last renewal, before
// lease_duration lets another candidate in (client-go bounds each renewal the same way).
// isLeader() turns false at renew_deadline whatever the client does.
common::Duration leaderElectionRequestTimeout(const LeaderElectorConfig& config);

class LeaderElector {
 public:
  // `client` and `clock` must outlive the elector. The config must pass
  // validateLeaderElectorConfig() (asserted).
  LeaderElector(LeaderElectorConfig config, KubeClient& client, common::Clock& clock);

  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // One election step: read the Lease, then create it, renew it, or take it over when it is
  // ours, missing, released or expired. Returns true when we hold the Lease after this step.
  // Updates isLeader() and runs the callbacks on transitions. While leading, leadership is
  // lost by a step that observes another valid holder, or that starts or fails once
  // renew_deadline has passed since the last successful write. Returns false without calling
  // the API once the elector is done. Thread-safe; steps and release() are serialized.
  bool tryAcquireOrRenew();

  // Campaigns, then renews, calling tryAcquireOrRenew() every retry_period, until leadership
  // is lost (returns at once: the elector is done) or `stop` is requested (releases the Lease
  // if held, then returns). Waits with clock.sleepFor() in slices of at most 100 ms, checking
  // `stop` between slices, so a FakeClock drives it without real sleeping and a stop request
  // is seen within 100 ms. Blocks the calling thread.
  void run(std::stop_token stop);

  // On clean shutdown: when we hold the Lease, writes holderIdentity "" and
  // leaseDurationSeconds 1 (conditional on the resourceVersion read) so another candidate
  // takes over at once. Leaves a Lease held by another candidate alone. Ends leadership
  // (on_stopped_leading) and the elector even when the write fails. Thread-safe.
  common::Status release();

  // True between a successful acquisition and the end of leadership, and only while the last
  // successful write is younger than renew_deadline (so a step stuck in a slow API call does
  // not keep claiming a lease others may take). Thread-safe.
  bool isLeader() const;
  // True once leadership was lost or released: run() has returned or is returning.
  bool done() const;
  // The holder we last observed ("" when none or not yet read). Thread-safe.
  std::string observedLeader() const;

 private:
  // Callbacks collected under the locks and run after they are released.
  using Notifications = std::vector<std::function<void()>>;

  // Caller holds step_mutex_.
  bool step(Notifications& notifications);
  bool createLease(common::SteadyTime started, Notifications& notifications);
  // Records the Lease as observed now when its record changed; reports a new holder.
  void observe(const json& lease, Notifications& notifications);
  bool observedLeaseValid(const json& lease, common::SteadyTime now) const;
  // `started`: when the step that wrote `lease` began, the conservative renewal time.
  void succeeded(const json& lease, common::SteadyTime started, Notifications& notifications);
  void failed(Notifications& notifications);
  // Outcome of a create or conditional update of the lease; lost_race is the code that means
  // another candidate wrote first.
  bool settleWrite(const common::Result<json>& written, common::ErrorCode lost_race,
                   std::string_view verb, common::SteadyTime started, Notifications& notifications);
  // Ends leadership (if held) and the elector. Caller holds state_mutex_.
  void finish(std::string_view reason, bool lost, Notifications& notifications);
  // Caller holds state_mutex_.
  bool renewDeadlinePassed(common::SteadyTime now) const;
  // Waits `duration` in slices; false when `stop` was requested.
  bool waitFor(const std::stop_token& stop, common::Duration duration);

  const LeaderElectorConfig config_;
  KubeClient& client_;
  common::Clock& clock_;
  common::Logger logger_{"leader-elector"};

  // Serializes steps and release(), held across API calls.
  std::mutex step_mutex_;
  // Guards the state below; never held across API calls or callbacks.
  mutable std::mutex state_mutex_;
  bool leading_ = false;
  bool done_ = false;
  std::optional<json> observed_record_;  // {"spec":..., "resourceVersion":...}
  common::SteadyTime observed_time_{};   // local time the observed record last changed
  common::SteadyTime last_renew_{};      // local time of the last successful write
  std::string observed_holder_;
  std::string reported_leader_;
};

}  // namespace aftershock::op
