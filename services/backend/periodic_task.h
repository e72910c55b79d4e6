// PeriodicTask: runs a function on its own thread at a fixed cadence until stopped, for
// housekeeping such as releasing memory stress whose hold time has passed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace aftershock::backend {

// The period is only a polling cadence; what the task decides must come from a Clock.
// stop() (or destruction) wakes the thread at once and joins it. Thread-safe.
class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds period, std::function<void()> task);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

  void stop();

 private:
  void run();

  const std::chrono::milliseconds period_;
  const std::function<void()> task_;
  std::mutex join_mutex_;  // serialises joins when stop() races with the destructor
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above is initialised
};

}  // namespace aftershock::backend
