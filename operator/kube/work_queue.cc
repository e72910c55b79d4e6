#include "operator/kube/work_queue.h"

#include <algorithm>
#include <limits>

namespace aftershock::op {
namespace {

// now + delay without overflowing the time point, for caps as large as Duration::max().
common::SteadyTime saturatingAdd(common::SteadyTime now, common::Duration delay) {
  if (delay > common::SteadyTime::max() - now) return common::SteadyTime::max();
  return now + delay;
}

}  // namespace

WorkQueue::WorkQueue(common::Clock& clock, BackoffPolicy policy) : clock_(clock), policy_(policy) {}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  addLocked(key);
}

void WorkQueue::addAfter(const std::string& key, common::Duration delay) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  addAtLocked(key, saturatingAdd(clock_.now(), delay));
}

void WorkQueue::addRateLimited(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (shutting_down_) return;
  int& count = failures_[key];
  if (count < std::numeric_limits<int>::max()) ++count;
  addAtLocked(key, saturatingAdd(clock_.now(), backoffDelay(policy_, count)));
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

int WorkQueue::failures(const std::string& key) const {
  std::lock_guard lock(mutex_);
  const auto found = failures_.find(key);
  return found == failures_.end() ? 0 : found->second;
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  while (true) {
    const common::SteadyTime now = clock_.now();
    promoteDueLocked(now);
    if (!ready_.empty()) return handOutLocked();
    if (shutting_down_ && !requeuePendingLocked()) return std::nullopt;
    ++idle_workers_;
    if (const auto round = waitRoundLocked(now)) {
      changed_.wait_for(lock, *round);
    } else {
      changed_.wait(lock);
    }
    --idle_workers_;
  }
}

std::optional<std::string> WorkQueue::tryGet() {
  std::lock_guard lock(mutex_);
  promoteDueLocked(clock_.now());
  if (ready_.empty()) return std::nullopt;
  return handOutLocked();
}

std::optional<common::Duration> WorkQueue::nextReadyIn() const {
  std::lock_guard lock(mutex_);
  if (delayed_.empty()) return std::nullopt;
  return std::max(delayed_.begin()->first - clock_.now(), common::Duration::zero());
}

void WorkQueue::wake() {
  // Under the lock, so a getter between reading the clock and waiting cannot miss it.
  std::lock_guard lock(mutex_);
  changed_.notify_all();
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (processing_.erase(key) == 0) return;
  if (!dirty_.contains(key)) return;
  ready_.push_back(key);
  changed_.notify_one();
}

void WorkQueue::shutDown() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
  delayed_.clear();
  delayed_at_.clear();
  changed_.notify_all();
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard lock(mutex_);
  return shutting_down_;
}

std::size_t WorkQueue::depth() const {
  std::lock_guard lock(mutex_);
  return ready_.size();
}

std::size_t WorkQueue::delayedCount() const {
  std::lock_guard lock(mutex_);
  return delayed_.size();
}

std::size_t WorkQueue::idleWorkers() const {
  std::lock_guard lock(mutex_);
  return idle_workers_;
}

void WorkQueue::addLocked(const std::string& key) {
  if (!dirty_.insert(key).second) return;  // already waiting, or re-added while processing
  if (processing_.contains(key)) return;   // done() will requeue it
  ready_.push_back(key);
  changed_.notify_one();
}

void WorkQueue::addAtLocked(const std::string& key, common::SteadyTime ready_at) {
  if (ready_at <= clock_.now()) {
    addLocked(key);
    return;
  }
  const auto [found, inserted] = delayed_at_.try_emplace(key, ready_at);
  if (!inserted) {
    if (found->second <= ready_at) return;
    delayed_.erase({found->second, key});
    found->second = ready_at;
  }
  delayed_.emplace(ready_at, key);
  // A getter may be waiting without a timeout, or with one longer than this key's.
  changed_.notify_all();
}

void WorkQueue::promoteDueLocked(common::SteadyTime now) {
  bool promoted = false;
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    const std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    delayed_at_.erase(key);
    addLocked(key);
    promoted = true;
  }
  // The calling thread takes at most one key; other getters must see the rest.
  if (promoted) changed_.notify_all();
}

std::string WorkQueue::handOutLocked() {
  std::string key = std::move(ready_.front());
  ready_.pop_front();
  dirty_.erase(key);
  processing_.insert(key);
  // During shutdown this may have been the last key: other getters must re-check and return.
  if (shutting_down_) changed_.notify_all();
  return key;
}

bool WorkQueue::requeuePendingLocked() const {
  return std::any_of(processing_.begin(), processing_.end(),
                     [this](const std::string& key) { return dirty_.contains(key); });
}

std::optional<common::Duration> WorkQueue::waitRoundLocked(common::SteadyTime now) const {
  if (delayed_.empty()) return std::nullopt;
  const common::Duration until_due = delayed_.begin()->first - now;
  return std::clamp<common::Duration>(until_due, common::Duration::zero(), kMaxWaitRound);
}

}  // namespace aftershock::op
