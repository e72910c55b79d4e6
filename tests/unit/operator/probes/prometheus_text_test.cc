// The Prometheus text reader: the grammar's corners, errors that name their line, and the
// output of the project's own metrics registry.
#include "operator/probes/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/metrics.h"

namespace aftershock::op {
namespace {

std::vector<Sample> parseOk(std::string_view text) {
  auto samples = parsePrometheusText(text);
  EXPECT_TRUE(samples.ok()) << samples.error().message;
  return samples.ok() ? *samples : std::vector<Sample>{};
}

std::string parseError(std::string_view text) {
  auto samples = parsePrometheusText(text);
  EXPECT_FALSE(samples.ok()) << "parsed: " << text;
  if (samples.ok()) return {};
  EXPECT_EQ(samples.error().code, common::ErrorCode::kInvalid);
  return samples.error().message;
}

const Sample* findSample(const std::vector<Sample>& samples, std::string_view name,
                         const std::map<std::string, std::string>& labels) {
  for (const Sample& sample : samples) {
    if (sample.name == name && sample.labels == labels) return &sample;
  }
  return nullptr;
}

TEST(PrometheusTextTest, ReadsNameLabelsAndValue) {
  const auto samples = parseOk("http_requests_total{method=\"post\",code=\"200\"} 1027\n");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].name, "http_requests_total");
  const std::map<std::string, std::string> labels{{"code", "200"}, {"method", "post"}};
  EXPECT_EQ(samples[0].labels, labels);
  EXPECT_DOUBLE_EQ(samples[0].value, 1027.0);
}

TEST(PrometheusTextTest, ReadsASampleWithoutLabels) {
  const auto samples = parseOk("process_open_fds 12");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].name, "process_open_fds");
  EXPECT_TRUE(samples[0].labels.empty());
  EXPECT_DOUBLE_EQ(samples[0].value, 12.0);
}

TEST(PrometheusTextTest, EmptyTextHasNoSamples) { EXPECT_TRUE(parseOk("").empty()); }

TEST(PrometheusTextTest, SkipsHelpTypeAndOtherCommentsAndBlankLines) {
  const auto samples = parseOk(
      "# HELP up Whether the target is up.\n"
      "# TYPE up gauge\n"
      "\n"
      "   \n"
      "# a free-form comment with {braces} and \"quotes\"\n"
      "  # an indented comment\n"
      "up 1\n"
      "\n");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].name, "up");
}

TEST(PrometheusTextTest, UnescapesQuotesBackslashesAndNewlinesInLabelValues) {
  const auto samples =
      parseOk(R"(msg{path="C:\\dir\\",quote="say \"hi\"",lines="one\ntwo",plain="a,b}c"} 1)");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].labels.at("path"), "C:\\dir\\");
  EXPECT_EQ(samples[0].labels.at("quote"), "say \"hi\"");
  EXPECT_EQ(samples[0].labels.at("lines"), "one\ntwo");
  EXPECT_EQ(samples[0].labels.at("plain"), "a,b}c");
}

TEST(PrometheusTextTest, KeepsUnknownEscapesAsWritten) {
  const auto samples = parseOk(R"(msg{tab="a\tb"} 1)");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].labels.at("tab"), "a\\tb");
}

TEST(PrometheusTextTest, AcceptsBlanksATrailingCommaAndEmptyLabelSets) {
  const auto samples = parseOk(
      "a { x = \"1\" , y=\"2\", } 3\n"
      "b{} 4\n"
      "c\t5\n");
  ASSERT_EQ(samples.size(), 3u);
  const std::map<std::string, std::string> labels{{"x", "1"}, {"y", "2"}};
  EXPECT_EQ(samples[0].labels, labels);
  EXPECT_DOUBLE_EQ(samples[0].value, 3.0);
  EXPECT_TRUE(samples[1].labels.empty());
  EXPECT_DOUBLE_EQ(samples[1].value, 4.0);
  EXPECT_DOUBLE_EQ(samples[2].value, 5.0);
}

TEST(PrometheusTextTest, ReadsInfinitiesAndNaN) {
  const auto samples = parseOk(
      "a +Inf\n"
      "b -Inf\n"
      "c NaN\n"
      "d Inf\n"
      "e nan\n");
  ASSERT_EQ(samples.size(), 5u);
  EXPECT_EQ(samples[0].value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(samples[1].value, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(samples[2].value));
  EXPECT_EQ(samples[3].value, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(samples[4].value));
}

TEST(PrometheusTextTest, ReadsSignedDecimalAndExponentValues) {
  const auto samples = parseOk(
      "a -2.5E+2\n"
      "b 1e-3\n"
      "c +0.25\n"
      "d .5\n");
  ASSERT_EQ(samples.size(), 4u);
  EXPECT_DOUBLE_EQ(samples[0].value, -250.0);
  EXPECT_DOUBLE_EQ(samples[1].value, 0.001);
  EXPECT_DOUBLE_EQ(samples[2].value, 0.25);
  EXPECT_DOUBLE_EQ(samples[3].value, 0.5);
}

TEST(PrometheusTextTest, ReadsAndDropsOptionalTimestamps) {
  const auto samples = parseOk(
      "a{x=\"1\"} 7 1700000000000\n"
      "b 8 -1000   \n");
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_DOUBLE_EQ(samples[0].value, 7.0);
  EXPECT_DOUBLE_EQ(samples[1].value, 8.0);
}

TEST(PrometheusTextTest, AcceptsCarriageReturnLineEnds) {
  const auto samples = parseOk("# TYPE a gauge\r\na 1\r\nb 2\r\n");
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_DOUBLE_EQ(samples[1].value, 2.0);
}

TEST(PrometheusTextTest, MalformedLineIsAnErrorNamingItsLineNumber) {
  const std::string error = parseError(
      "# HELP a help\n"
      "a 1\n"
      "\n"
      "b not-a-number\n"
      "c 3\n");
  EXPECT_EQ(error, "line 4: invalid value \"not-a-number\"");
}

TEST(PrometheusTextTest, EachKindOfMalformedLineIsReported) {
  struct Case {
    std::string line;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"a", "line 1: missing value for \"a\""},
      {"a{x=\"1\"}", "line 1: missing value for \"a\""},
      {"{x=\"1\"} 1", "line 1: expected a metric name at column 1 ('{')"},
      {"9lives 1", "line 1: expected a metric name at column 1 ('9')"},
      {"a{x=\"1\" 2",
       "line 1: expected ',' or '}' after the value of label \"x\" at column 9 ('2')"},
      {"a{x=\"1} 2", "line 1: unterminated value of label \"x\""},
      {"a{x \"1\"} 2", "line 1: expected '=' after label name \"x\""},
      {"a{x=1} 2", "line 1: expected '\"' to open the value of label \"x\""},
      {"a{1x=\"1\"} 2", "line 1: expected a label name or '}' at column 3 ('1')"},
      {"a{x=\"1\",x=\"2\"} 2", "line 1: duplicate label \"x\""},
      {"a --1", "line 1: invalid value \"--1\""},
      {"a +NaN", "line 1: invalid value \"+NaN\""},
      {"a 1x", "line 1: invalid value \"1x\""},
      {"a 1 1.5", "line 1: invalid timestamp \"1.5\" (want integer milliseconds)"},
      {"a 1 2 3", "line 1: unexpected column 7 ('3') after the timestamp"},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(test_case.line);
    EXPECT_EQ(parseError(test_case.line), test_case.error);
  }
}

// What services/client exposes, built with the same registry calls as ClientMetrics, so the
// probe is known to read the format the bundled services write.
TEST(PrometheusTextTest, ReadsTheMetricsRegistrysOwnOutput) {
  common::MetricsRegistry registry;
  registry.counter("client_calls_total", "Calls by outcome.", {{"outcome", "backend"}}).inc(41);
  registry.counter("client_calls_total", "Calls by outcome.", {{"outcome", "fallback"}}).inc(2);
  for (const char* state : {"closed", "open", "half_open"}) {
    registry.gaugeFunction(
        "client_circuit_breaker_state", "1 for the circuit breaker's current state, else 0.",
        [state] { return std::string(state) == "open" ? 1.0 : 0.0; }, {{"state", state}});
  }
  registry.gauge("client_odd_label", "Escapes.", {{"reason", "a \"b\"\\c\nd"}}).set(0.1);
  registry.gauge("client_not_a_number", "NaN.").set(std::numeric_limits<double>::quiet_NaN());
  common::Histogram& histogram = registry.histogram("client_fetch_duration_seconds", "Latency.",
                                                    common::defaultLatencyBuckets());
  histogram.observe(0.003);
  histogram.observe(20.0);

  const auto samples = parseOk(registry.render());

  const Sample* backend = findSample(samples, "client_calls_total", {{"outcome", "backend"}});
  ASSERT_NE(backend, nullptr);
  EXPECT_DOUBLE_EQ(backend->value, 41.0);
  const Sample* open = findSample(samples, "client_circuit_breaker_state", {{"state", "open"}});
  ASSERT_NE(open, nullptr);
  EXPECT_DOUBLE_EQ(open->value, 1.0);
  const Sample* closed = findSample(samples, "client_circuit_breaker_state", {{"state", "closed"}});
  ASSERT_NE(closed, nullptr);
  EXPECT_DOUBLE_EQ(closed->value, 0.0);
  const Sample* odd = findSample(samples, "client_odd_label", {{"reason", "a \"b\"\\c\nd"}});
  ASSERT_NE(odd, nullptr);
  EXPECT_DOUBLE_EQ(odd->value, 0.1);
  const Sample* nan = findSample(samples, "client_not_a_number", {});
  ASSERT_NE(nan, nullptr);
  EXPECT_TRUE(std::isnan(nan->value));
  const Sample* inf_bucket =
      findSample(samples, "client_fetch_duration_seconds_bucket", {{"le", "+Inf"}});
  ASSERT_NE(inf_bucket, nullptr);
  EXPECT_DOUBLE_EQ(inf_bucket->value, 2.0);
  const Sample* small_bucket =
      findSample(samples, "client_fetch_duration_seconds_bucket", {{"le", "0.005"}});
  ASSERT_NE(small_bucket, nullptr);
  EXPECT_DOUBLE_EQ(small_bucket->value, 1.0);
  const Sample* sum = findSample(samples, "client_fetch_duration_seconds_sum", {});
  ASSERT_NE(sum, nullptr);
  EXPECT_DOUBLE_EQ(sum->value, 20.003);
}

}  // namespace
}  // namespace aftershock::op
