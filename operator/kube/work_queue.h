// WorkQueue: the keyed queue between watch events and reconcile workers, with client-go
// workqueue semantics. A key ("namespace/name") waits at most once; a key being processed is
// never handed to a second worker, and a re-add while it is processed is replayed on done().
// Delayed and rate-limited adds become ready by the injected Clock, so tests drive time with
// FakeClock through tryGet()/nextReadyIn() and never sleep.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/clock.h"
#include "operator/kube/backoff.h"

namespace aftershock::op {

// Every member is thread-safe. A worker loop is:
//   while (auto key = queue.get()) { reconcile(*key) ? queue.forget(*key)
//                                                   : queue.addRateLimited(*key);
//                                    queue.done(*key); }
class WorkQueue {
 public:
  // The longest a blocked get() waits before re-reading the clock while keys are delayed. The
  // condition variable waits by the real steady clock, but due times are by the injected
  // Clock, which may be a FakeClock that moves without notifying anyone; this cap bounds how
  // late such a key is noticed. With nothing delayed, get() waits for a notification only.
  static constexpr std::chrono::milliseconds kMaxWaitRound{50};

  // `clock` must outlive the queue. `policy` sets addRateLimited()'s per-key backoff.
  explicit WorkQueue(common::Clock& clock, BackoffPolicy policy = {});
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Makes `key` ready now. No-op if it is already ready or after shutDown(). If the key is
  // being processed it is marked dirty and becomes ready when done(key) is called.
  void add(const std::string& key);
  // Makes `key` ready once clock.now() reaches now + `delay` (at once if `delay` <= 0). If the
  // key is already delayed, the earlier of the two times is kept. No-op after shutDown().
  void addAfter(const std::string& key, common::Duration delay);
  // Counts one more failure for `key` and adds it after backoffDelay(policy, failures(key)).
  // No-op after shutDown().
  void addRateLimited(const std::string& key);
  // Resets the failure count of `key` (call after a successful reconcile). Does not remove the
  // key from the queue.
  void forget(const std::string& key);
  // Failures counted by addRateLimited() since the last forget(key).
  int failures(const std::string& key) const;

  // Blocks until a key is ready and hands it out; the caller owns it until done(key).
  // Returns nullopt once shutDown() was called and nothing is left to hand out: no ready key
  // and no processed key that was re-added before shutdown (that one is waited for).
  std::optional<std::string> get();
  // Non-blocking get(): promotes delayed keys due by clock.now(), then hands out the oldest
  // ready key, or returns nullopt if none is ready (whether or not the queue is shut down).
  std::optional<std::string> tryGet();
  // How long until the earliest delayed key is due by clock.now() (zero if it already is);
  // nullopt if nothing is delayed.
  std::optional<common::Duration> nextReadyIn() const;
  // Wakes every blocked get() to re-read the clock at once, e.g. after a FakeClock advance,
  // which notifies no one (without wake() a blocked get() notices within kMaxWaitRound).
  void wake();

  // Ends processing of `key` handed out by get()/tryGet(); a key re-added meanwhile becomes
  // ready now. No-op for a key that is not being processed.
  void done(const std::string& key);

  // Stops accepting adds and drops delayed keys; ready keys are still handed out, then get()
  // returns nullopt. Wakes every blocked get(). Idempotent.
  void shutDown();
  bool shuttingDown() const;

  // Keys ready to hand out now; a delayed key counts once get()/tryGet() has promoted it.
  std::size_t depth() const;
  std::size_t delayedCount() const;  // keys waiting for their time
  std::size_t idleWorkers() const;   // threads blocked in get() now

 private:
  void addLocked(const std::string& key);
  void addAtLocked(const std::string& key, common::SteadyTime ready_at);
  void promoteDueLocked(common::SteadyTime now);
  std::string handOutLocked();
  bool requeuePendingLocked() const;
  std::optional<common::Duration> waitRoundLocked(common::SteadyTime now) const;

  common::Clock& clock_;
  const BackoffPolicy policy_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> ready_;               // FIFO of keys to hand out
  std::unordered_set<std::string> dirty_;       // keys in ready_, or processing and re-added
  std::unordered_set<std::string> processing_;  // handed out, done() not yet called
  std::map<std::string, common::SteadyTime> delayed_at_;          // key -> due time
  std::set<std::pair<common::SteadyTime, std::string>> delayed_;  // ordered by due time
  std::unordered_map<std::string, int> failures_;
  std::size_t idle_workers_ = 0;
  bool shutting_down_ = false;
};

}  // namespace aftershock::op
