// LatencyHistogram: percentiles of call latencies in bounded memory, whatever the number of
// calls (a 600 s run at 5000 rps is three million samples). Log-spaced buckets 2 % wide from
// 10 µs to 1000 s, so a reported percentile is within 2 % of the true one; max is exact.
#pragma once

#include <cstdint>
#include <vector>

namespace aftershock::client {

// Not thread-safe: the owner locks.
class LatencyHistogram {
 public:
  LatencyHistogram();

  void record(double seconds);
  std::uint64_t count() const { return count_; }
  // The value under which a share `quantile` (0..1] of the samples fall (the bucket's upper
  // bound, never above the maximum seen); 0 when empty.
  double percentile(double quantile) const;
  double max() const { return max_; }

 private:
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  double max_ = 0.0;
};

}  // namespace aftershock::client
