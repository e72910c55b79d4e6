#include "common/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

namespace aftershock::common {
namespace {

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string renderLabels(const Labels& labels, std::string_view extra_name = {},
                         std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  auto append = [&](std::string_view name, std::string_view value) {
    if (!first) out.push_back(',');
    first = false;
    out.append(name).append("=\"").append(escapeLabelValue(value)).push_back('"');
  };
  for (const auto& [name, value] : labels) append(name, value);
  if (!extra_name.empty()) append(extra_name, extra_value);
  out.push_back('}');
  return out;
}

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Shortest text that reads back as the same double: 0.1, not 0.10000000000000001.
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, end);
}

std::string_view typeName(int type) {
  switch (type) {
    case 0:
      return "counter";
    case 1:
      return "gauge";
    default:
      return "histogram";
  }
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      counts_(new std::atomic<std::uint64_t>[upper_bounds_.size() + 1]) {
  assert(std::is_sorted(upper_bounds_.begin(), upper_bounds_.end()));
  for (std::size_t i = 0; i <= upper_bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::observe(double value) {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<double> defaultLatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};
}

MetricsRegistry::Series& MetricsRegistry::seriesFor(std::string_view name, std::string_view help,
                                                    Type type, const Labels& labels) {
  auto family = families_.find(name);
  if (family == families_.end()) {
    family = families_.emplace(std::string(name), Family{type, std::string(help), {}}).first;
  }
  assert(family->second.type == type && "a metric name is bound to one type");
  auto [series, inserted] = family->second.series.try_emplace(renderLabels(labels));
  if (inserted) series->second.labels = labels;
  return series->second;
}

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help,
                                  const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& series = seriesFor(name, help, Type::kCounter, labels);
  if (!series.counter) series.counter = std::make_unique<Counter>();
  return *series.counter;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& series = seriesFor(name, help, Type::kGauge, labels);
  if (!series.gauge) series.gauge = std::make_unique<Gauge>();
  return *series.gauge;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                      const std::vector<double>& upper_bounds,
                                      const Labels& labels) {
  std::lock_guard lock(mutex_);
  Series& series = seriesFor(name, help, Type::kHistogram, labels);
  if (!series.histogram) series.histogram = std::make_unique<Histogram>(upper_bounds);
  return *series.histogram;
}

void MetricsRegistry::gaugeFunction(std::string_view name, std::string_view help,
                                    std::function<double()> read, const Labels& labels) {
  std::lock_guard lock(mutex_);
  seriesFor(name, help, Type::kGauge, labels).read = std::move(read);
}

std::string MetricsRegistry::render() const {
  // Scrape-time readers run without the lock: a reader may itself touch the registry
  // (directly or through a callback), which would otherwise deadlock.
  std::vector<std::pair<const Series*, std::function<double()>>> readers;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, family] : families_) {
      for (const auto& [label_text, series] : family.series) {
        if (series.read) readers.emplace_back(&series, series.read);
      }
    }
  }
  std::map<const Series*, double> read_values;
  for (const auto& [series, read] : readers) read_values[series] = read();

  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out.append("# HELP ").append(name).append(" ").append(family.help).push_back('\n');
    out.append("# TYPE ")
        .append(name)
        .append(" ")
        .append(typeName(static_cast<int>(family.type)))
        .push_back('\n');
    for (const auto& [label_text, series] : family.series) {
      if (family.type != Type::kHistogram) {
        double value = 0.0;
        if (series.counter) value = series.counter->value();
        if (series.gauge) value = series.gauge->value();
        if (const auto it = read_values.find(&series); it != read_values.end()) {
          value = it->second;
        }
        out.append(name).append(label_text).append(" ").append(formatValue(value)).push_back('\n');
        continue;
      }
      const Histogram& histogram = *series.histogram;
      std::uint64_t cumulative = 0;
      const auto& bounds = histogram.upperBounds();
      for (std::size_t i = 0; i <= bounds.size(); ++i) {
        cumulative += histogram.bucketCount(i);
        const std::string le = i < bounds.size() ? formatValue(bounds[i]) : "+Inf";
        out.append(name)
            .append("_bucket")
            .append(renderLabels(series.labels, "le", le))
            .append(" ")
            .append(std::to_string(cumulative))
            .push_back('\n');
      }
      out.append(name).append("_sum").append(label_text).append(" ");
      out.append(formatValue(histogram.sum())).push_back('\n');
      out.append(name).append("_count").append(label_text).append(" ");
      out.append(std::to_string(histogram.count())).push_back('\n');
    }
  }
  return out;
}

}  // namespace aftershock::common
