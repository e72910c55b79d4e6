// WorkerPool: a fixed set of threads with a bounded queue. When both are full, trySubmit()
// refuses instead of queueing without bound — the bulkhead that keeps one slow dependency
// from taking every thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace aftershock::common {

class WorkerPool {
 public:
  // `threads` workers; at most `max_queued` tasks wait beyond those running.
  WorkerPool(std::size_t threads, std::size_t max_queued);
  ~WorkerPool();  // runs every accepted task, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False (and `task` not run) when every worker is busy and the queue is full, or after
  // shutdown(). Thread-safe.
  bool trySubmit(std::function<void()> task);
  // Stops accepting, finishes accepted tasks, joins. Idempotent.
  void shutdown();

  std::size_t busy() const;    // tasks running now
  std::size_t queued() const;  // tasks waiting
  std::size_t threads() const { return threads_.size(); }

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  std::size_t max_queued_;
  std::size_t busy_ = 0;
  bool stopping_ = false;
};

}  // namespace aftershock::common
