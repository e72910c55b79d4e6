#include "common/clock.h"

#include <thread>

namespace aftershock::common {

SteadyTime SystemClock::now() const { return std::chrono::steady_clock::now(); }

SystemTime SystemClock::wallNow() const { return std::chrono::system_clock::now(); }

void SystemClock::sleepFor(Duration duration) {
  if (duration > Duration::zero()) std::this_thread::sleep_for(duration);
}

}  // namespace aftershock::common
