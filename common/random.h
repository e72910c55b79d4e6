// Random: the randomness seam (fault probabilities, jitter). Tests pass a seeded or
// scripted source so outcomes are reproducible.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>

namespace aftershock::common {

class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed value in [0, 1). Thread-safe.
  virtual double uniform() = 0;
};

// Mersenne Twister behind a mutex; seeded from std::random_device unless a seed is given.
class SystemRandom final : public Random {
 public:
  SystemRandom();
  explicit SystemRandom(std::uint64_t seed);
  double uniform() override;

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
  std::uniform_real_distribution<double> distribution_{0.0, 1.0};
};

}  // namespace aftershock::common
