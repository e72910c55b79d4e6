#include "common/metrics.h"

#include <gtest/gtest.h>

namespace aftershock::common {
namespace {

TEST(MetricsRegistryTest, RendersCountersWithLabelsInPrometheusFormat) {
  MetricsRegistry registry;
  registry.counter("requests_total", "Requests.", {{"route", "/data"}, {"code", "200"}}).inc(3);
  const std::string text = registry.render();
  EXPECT_NE(text.find("# HELP requests_total Requests.\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("requests_total{route=\"/data\",code=\"200\"} 3\n"), std::string::npos);
}

TEST(MetricsRegistryTest, ReturnsTheSameSeriesForTheSameLabels) {
  MetricsRegistry registry;
  Counter& first = registry.counter("c", "h", {{"a", "1"}});
  Counter& second = registry.counter("c", "h", {{"a", "1"}});
  EXPECT_EQ(&first, &second);
  EXPECT_NE(&first, &registry.counter("c", "h", {{"a", "2"}}));
}

TEST(MetricsRegistryTest, EscapesLabelValues) {
  MetricsRegistry registry;
  registry.gauge("g", "h", {{"path", "a\"b\\c\nd"}}).set(1);
  EXPECT_NE(registry.render().find(R"(g{path="a\"b\\c\nd"} 1)"), std::string::npos);
}

TEST(MetricsRegistryTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  MetricsRegistry registry;
  Histogram& histogram = registry.histogram("latency_seconds", "h", {0.1, 1.0});
  histogram.observe(0.05);
  histogram.observe(0.1);  // a value equal to a bound belongs to that bucket (le)
  histogram.observe(0.5);
  histogram.observe(7.0);
  const std::string text = registry.render();
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"0.1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"1\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_count 4\n"), std::string::npos);
  EXPECT_NE(text.find("latency_seconds_sum 7.65\n"), std::string::npos);
}

TEST(MetricsRegistryTest, GaugeFunctionIsReadAtRenderTime) {
  MetricsRegistry registry;
  double value = 1;
  registry.gaugeFunction("computed", "h", [&value] { return value; });
  value = 42;
  EXPECT_NE(registry.render().find("computed 42\n"), std::string::npos);
}

TEST(MetricsRegistryTest, GaugeFunctionMayUseTheRegistryWhileBeingRead) {
  MetricsRegistry registry;
  registry.gaugeFunction("reads", "h", [&registry] {
    Counter& scrapes = registry.counter("scrapes_total", "h");
    scrapes.inc();
    return scrapes.value();
  });
  registry.render();
  EXPECT_NE(registry.render().find("reads 2\n"), std::string::npos);
}

}  // namespace
}  // namespace aftershock::common
