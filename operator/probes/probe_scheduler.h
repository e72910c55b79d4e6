// ProbeScheduler: runs the steady-state probes of every active experiment, each probe on its
// own interval, concurrently with the faults and with each other, and feeds the results into
// the experiment's RunMeasurement.
//
// One scheduler thread keeps the due times; checks run on an executor (a bounded WorkerPool
// in production, inline in unit tests). A probe whose previous check is still running is not
// started again (a slow target does not pile up checks). When a check changes what the
// controller decides on (a probe's first result, pass <-> fail), `on_change(key)` asks for a
// reconcile, so detection and recovery are acted on at once instead of at the next poll.
//
// Thread-safety: every public member is thread-safe.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/probes/probe.h"
#include "operator/probes/run_measurement.h"

namespace aftershock::op {

// The probes of one run of one experiment, and what they measured.
class ProbeSession {
 public:
  ProbeSession(std::string run_id, std::vector<v1alpha1::ProbeSpec> specs,
               std::vector<std::unique_ptr<Probe>> probes, int consecutive_successes,
               common::SteadyTime started_at);

  const std::string& runId() const { return run_id_; }
  // When the session was created: a steady-state check counts only checks from then on.
  common::SteadyTime startedAt() const { return started_at_; }
  // Reads or changes the measurement under the session's lock.
  template <typename Function>
  auto withMeasurement(Function&& function) {
    std::lock_guard lock(mutex_);
    return function(measurement_);
  }

 private:
  friend class ProbeScheduler;
  struct Slot {
    v1alpha1::ProbeSpec spec;
    std::unique_ptr<Probe> probe;
    common::SteadyTime next_due{};
    bool running = false;
  };

  const std::string run_id_;
  const common::SteadyTime started_at_;
  std::mutex mutex_;  // guards measurement_ and every slot's next_due/running
  RunMeasurement measurement_;
  std::vector<Slot> slots_;
  bool stopped_ = false;
};

class ProbeScheduler {
 public:
  using Executor = std::function<bool(std::function<void()> task)>;  // false: refused
  using ChangeCallback = std::function<void(const std::string& key)>;

  ProbeScheduler(common::Clock& clock, Executor executor, ChangeCallback on_change);
  ~ProbeScheduler();
  ProbeScheduler(const ProbeScheduler&) = delete;
  ProbeScheduler& operator=(const ProbeScheduler&) = delete;

  // The session of `key` for `run_id`: the running one when it has that run id, else a new one
  // (replacing and stopping any other) whose probes are made by `make_probe` and first run now.
  // `initialize`, when set, runs on a new session's measurement before any of its checks can
  // land (to seed it from the status after a restart); never on an existing session.
  std::shared_ptr<ProbeSession> ensure(
      const std::string& key, const std::string& run_id,
      const std::vector<v1alpha1::ProbeSpec>& specs, int consecutive_successes,
      const std::function<std::unique_ptr<Probe>(const v1alpha1::ProbeSpec&)>& make_probe,
      const std::function<void(RunMeasurement&)>& initialize = {});
  std::shared_ptr<ProbeSession> find(const std::string& key) const;
  // Stops probing `key`; checks in flight finish and are dropped.
  void stop(const std::string& key);
  std::size_t sessions() const;

  // Starts every check that is due by clock.now(); returns how long until the next one is due
  // (nullopt when nothing is scheduled). The thread loop calls it; unit tests call it directly.
  std::optional<common::Duration> runDue();

  // Starts / stops the scheduler thread.
  void start();
  void shutdown();

 private:
  void runCheck(const std::string& key, const std::shared_ptr<ProbeSession>& session,
                std::size_t index);
  void loop(std::stop_token stop);

  common::Clock& clock_;
  const Executor executor_;
  const ChangeCallback on_change_;

  mutable std::mutex mutex_;  // guards sessions_
  std::condition_variable_any wake_;
  std::map<std::string, std::shared_ptr<ProbeSession>> sessions_;
  bool wake_requested_ = false;  // a new session wants its first checks now
  std::jthread thread_;
};

}  // namespace aftershock::op
