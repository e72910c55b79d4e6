#include "common/random.h"

namespace aftershock::common {

SystemRandom::SystemRandom() : engine_(std::random_device{}()) {}

SystemRandom::SystemRandom(std::uint64_t seed) : engine_(seed) {}

double SystemRandom::uniform() {
  std::lock_guard lock(mutex_);
  return distribution_(engine_);
}

}  // namespace aftershock::common
