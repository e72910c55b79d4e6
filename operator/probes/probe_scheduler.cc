#include "operator/probes/probe_scheduler.h"

#include <algorithm>

namespace aftershock::op {
namespace {

// The scheduler thread re-reads the clock at least this often, so a FakeClock (which notifies
// no one) or a wall-clock jump is noticed promptly.
constexpr std::chrono::milliseconds kMaxWaitRound{50};

std::vector<std::string> probeNames(const std::vector<v1alpha1::ProbeSpec>& specs) {
  std::vector<std::string> names;
  names.reserve(specs.size());
  for (const v1alpha1::ProbeSpec& spec : specs) names.push_back(spec.name);
  return names;
}

}  // namespace

ProbeSession::ProbeSession(std::string run_id, std::vector<v1alpha1::ProbeSpec> specs,
                           std::vector<std::unique_ptr<Probe>> probes, int consecutive_successes,
                           common::SteadyTime started_at)
    : run_id_(std::move(run_id)),
      started_at_(started_at),
      measurement_(probeNames(specs), consecutive_successes) {
  slots_.reserve(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    slots_.push_back(Slot{std::move(specs[i]), std::move(probes[i]), {}, false});
  }
}

ProbeScheduler::ProbeScheduler(common::Clock& clock, Executor executor, ChangeCallback on_change)
    : clock_(clock), executor_(std::move(executor)), on_change_(std::move(on_change)) {}

ProbeScheduler::~ProbeScheduler() { shutdown(); }

std::shared_ptr<ProbeSession> ProbeScheduler::ensure(
    const std::string& key, const std::string& run_id,
    const std::vector<v1alpha1::ProbeSpec>& specs, int consecutive_successes,
    const std::function<std::unique_ptr<Probe>(const v1alpha1::ProbeSpec&)>& make_probe,
    const std::function<void(RunMeasurement&)>& initialize) {
  {
    std::lock_guard lock(mutex_);
    const auto found = sessions_.find(key);
    if (found != sessions_.end() && found->second->runId() == run_id) return found->second;
  }
  std::vector<std::unique_ptr<Probe>> probes;
  probes.reserve(specs.size());
  for (const v1alpha1::ProbeSpec& spec : specs) probes.push_back(make_probe(spec));
  const common::SteadyTime now = clock_.now();
  auto session =
      std::make_shared<ProbeSession>(run_id, specs, std::move(probes), consecutive_successes, now);
  for (ProbeSession::Slot& slot : session->slots_) slot.next_due = now;
  // Before the session is published: the scheduler thread cannot record a check into it yet.
  if (initialize) initialize(session->measurement_);

  std::shared_ptr<ProbeSession> replaced;
  {
    std::lock_guard lock(mutex_);
    auto& entry = sessions_[key];
    replaced = std::move(entry);
    entry = session;
    wake_requested_ = true;
  }
  if (replaced) {
    std::lock_guard lock(replaced->mutex_);
    replaced->stopped_ = true;
  }
  wake_.notify_all();
  return session;
}

std::shared_ptr<ProbeSession> ProbeScheduler::find(const std::string& key) const {
  std::lock_guard lock(mutex_);
  const auto found = sessions_.find(key);
  return found == sessions_.end() ? nullptr : found->second;
}

void ProbeScheduler::stop(const std::string& key) {
  std::shared_ptr<ProbeSession> session;
  {
    std::lock_guard lock(mutex_);
    const auto found = sessions_.find(key);
    if (found == sessions_.end()) return;
    session = std::move(found->second);
    sessions_.erase(found);
  }
  std::lock_guard lock(session->mutex_);
  session->stopped_ = true;
}

std::size_t ProbeScheduler::sessions() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::optional<common::Duration> ProbeScheduler::runDue() {
  std::vector<std::pair<std::string, std::shared_ptr<ProbeSession>>> snapshot;
  {
    std::lock_guard lock(mutex_);
    snapshot.assign(sessions_.begin(), sessions_.end());
  }
  const common::SteadyTime now = clock_.now();
  std::optional<common::SteadyTime> next;
  for (const auto& [key, session] : snapshot) {
    std::vector<std::size_t> due;
    {
      std::lock_guard lock(session->mutex_);
      if (session->stopped_) continue;
      for (std::size_t i = 0; i < session->slots_.size(); ++i) {
        ProbeSession::Slot& slot = session->slots_[i];
        if (slot.running) continue;
        if (slot.next_due <= now) {
          slot.running = true;
          slot.next_due = now + slot.spec.interval;
          due.push_back(i);
        }
        next = next ? std::min(*next, slot.next_due) : slot.next_due;
      }
    }
    for (std::size_t index : due) {
      const bool accepted =
          executor_([this, key = key, session = session, index] { runCheck(key, session, index); });
      if (!accepted) {
        // The pool is saturated: try again on the next round rather than queue without bound.
        std::lock_guard lock(session->mutex_);
        session->slots_[index].running = false;
        session->slots_[index].next_due = now;
      }
    }
  }
  if (!next) return std::nullopt;
  return std::max<common::Duration>(common::Duration::zero(), *next - now);
}

void ProbeScheduler::runCheck(const std::string& key, const std::shared_ptr<ProbeSession>& session,
                              std::size_t index) {
  const common::SteadyTime started = clock_.now();
  // check() makes its own bounded call; the slot's `running` flag keeps it the only one.
  const CheckResult result = session->slots_[index].probe->check();
  bool changed = false;
  {
    std::lock_guard lock(session->mutex_);
    session->slots_[index].running = false;
    if (session->stopped_) return;
    const ProbeTally& before = session->measurement_.probes()[index];
    changed = !before.last_check || before.last_passed != result.passed;
    const bool was_recovered = session->measurement_.recoveredAt().has_value();
    session->measurement_.record(index, result, started);
    changed = changed || was_recovered != session->measurement_.recoveredAt().has_value();
  }
  if (changed && on_change_) on_change_(key);
}

void ProbeScheduler::start() {
  thread_ = std::jthread([this](std::stop_token stop) { loop(stop); });
}

void ProbeScheduler::shutdown() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  wake_.notify_all();
  thread_.join();
}

void ProbeScheduler::loop(std::stop_token stop) {
  while (!stop.stop_requested()) {
    const std::optional<common::Duration> next = runDue();
    const auto wait = std::min<common::Duration>(next.value_or(kMaxWaitRound), kMaxWaitRound);
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, stop, wait, [this] { return wake_requested_; });
    wake_requested_ = false;
  }
}

}  // namespace aftershock::op
