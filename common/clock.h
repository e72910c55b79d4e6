// Clock: the time seam. Production code reads time and waits only through a Clock so
// unit tests can drive time with FakeClock (tests/fakes) and never sleep.
#pragma once

#include <chrono>

namespace aftershock::common {

using SteadyTime = std::chrono::steady_clock::time_point;
using SystemTime = std::chrono::system_clock::time_point;
using Duration = std::chrono::nanoseconds;

class Clock {
 public:
  virtual ~Clock() = default;

  // Monotonic time, for measuring intervals and deadlines.
  virtual SteadyTime now() const = 0;
  // Wall-clock time, for timestamps shown to people.
  virtual SystemTime wallNow() const = 0;
  // Blocks the calling thread for `duration` (a fake clock advances instead).
  // Thread-safe. Only for code that runs on its own worker thread, never on an I/O thread.
  virtual void sleepFor(Duration duration) = 0;
};

class SystemClock final : public Clock {
 public:
  SteadyTime now() const override;
  SystemTime wallNow() const override;
  void sleepFor(Duration duration) override;
};

// Seconds as a double, the base unit of every metric and status field.
inline double toSeconds(Duration duration) {
  return std::chrono::duration<double>(duration).count();
}

}  // namespace aftershock::common
