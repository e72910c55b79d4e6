#include "services/client/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace aftershock::client {
namespace {

constexpr double kMinSeconds = 1e-5;
constexpr double kMaxSeconds = 1e3;
constexpr double kGrowth = 1.02;

std::size_t bucketCount() {
  return static_cast<std::size_t>(
             std::ceil(std::log(kMaxSeconds / kMinSeconds) / std::log(kGrowth))) +
         1;
}

double upperBound(std::size_t bucket) {
  return kMinSeconds * std::pow(kGrowth, static_cast<double>(bucket));
}

}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(bucketCount(), 0) {}

void LatencyHistogram::record(double seconds) {
  seconds = std::max(seconds, 0.0);
  std::size_t bucket = 0;
  if (seconds > kMinSeconds) {
    // Bucket i holds (kMin * g^(i-1), kMin * g^i].
    bucket =
        static_cast<std::size_t>(std::ceil(std::log(seconds / kMinSeconds) / std::log(kGrowth)));
    bucket = std::min(bucket, buckets_.size() - 1);
  }
  ++buckets_[bucket];
  ++count_;
  max_ = std::max(max_, seconds);
}

double LatencyHistogram::percentile(double quantile) const {
  if (count_ == 0) return 0.0;
  const auto rank = static_cast<std::uint64_t>(
      std::max(1.0, std::ceil(std::clamp(quantile, 0.0, 1.0) * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < buckets_.size(); ++bucket) {
    seen += buckets_[bucket];
    if (seen >= rank) return std::min(upperBound(bucket), max_);
  }
  return max_;
}

}  // namespace aftershock::client
