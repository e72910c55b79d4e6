// A small Prometheus metrics registry: counters, gauges, histograms with labels, and
// gauges computed at scrape time. Text exposition format 0.0.4.
//
// Metric objects are created once and live as long as the registry; hold the returned
// reference on hot paths (updates are lock-free atomics; lookups take a lock).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aftershock::common {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(double by = 1.0) { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void inc(double by = 1.0) { value_.fetch_add(by, std::memory_order_relaxed); }
  void dec(double by = 1.0) { value_.fetch_sub(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `upper_bounds` ascending; a +Inf bucket is implied.
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);

  const std::vector<double>& upperBounds() const { return upper_bounds_; }
  // Non-cumulative count of bucket i (i == upperBounds().size() is the +Inf bucket).
  std::uint64_t bucketCount(std::size_t i) const {
    return counts_[i].load(std::memory_order_relaxed);
  }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

// Latency buckets in seconds, from 100 µs to 10 s.
std::vector<double> defaultLatencyBuckets();

class MetricsRegistry {
 public:
  // Returns the metric with this name and labels, creating it on first use. A name is
  // bound to one type and help text at first registration. Thread-safe.
  Counter& counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help,
                       const std::vector<double>& upper_bounds, const Labels& labels = {});
  // A gauge whose value `read` computes at each scrape. `read` runs without the registry's
  // lock, so it may use the registry.
  void gaugeFunction(std::string_view name, std::string_view help, std::function<double()> read,
                     const Labels& labels = {});

  // The whole registry in Prometheus text format, families in name order.
  std::string render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> read;
  };
  struct Family {
    Type type;
    std::string help;
    std::map<std::string, Series> series;  // keyed by rendered label set
  };

  Series& seriesFor(std::string_view name, std::string_view help, Type type, const Labels& labels);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

// The text content type Prometheus scrapes.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4";

}  // namespace aftershock::common
