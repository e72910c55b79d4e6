// MetricProbe: series selection by name and label subset, summing, each comparison, and the
// failures of the scrape itself.
#include "operator/probes/metric_probe.h"

#include <gtest/gtest.h>

#include <limits>

#include "tests/fakes/fake_http_client.h"

namespace aftershock::op {
namespace {

using v1alpha1::CompareOp;

constexpr const char* kClientMetrics =
    "# HELP client_circuit_breaker_state 1 for the circuit breaker's current state, else 0.\n"
    "# TYPE client_circuit_breaker_state gauge\n"
    "client_circuit_breaker_state{state=\"closed\"} 0\n"
    "client_circuit_breaker_state{state=\"half_open\"} 0\n"
    "client_circuit_breaker_state{state=\"open\"} 1\n"
    "# HELP client_backend_requests_total Requests sent to the backend.\n"
    "# TYPE client_backend_requests_total counter\n"
    "client_backend_requests_total{result=\"200\",pod=\"a\"} 90\n"
    "client_backend_requests_total{result=\"503\",pod=\"a\"} 7\n"
    "client_backend_requests_total{result=\"503\",pod=\"b\"} 3\n"
    "client_backend_requests_total_created{result=\"503\",pod=\"a\"} 1700000000\n";

class MetricProbeTest : public ::testing::Test {
 protected:
  MetricProbeTest() {
    spec_.url = "http://client-service:9090/metrics";
    spec_.name = "client_circuit_breaker_state";
    spec_.labels = {{"state", "open"}};
    spec_.op = CompareOp::kEqual;
    spec_.value = 0;
  }

  CheckResult check(std::string body = kClientMetrics, int status = 200) {
    http_.push({common::HttpResponse::text(status, std::move(body), "text/plain"), {}});
    MetricProbe probe(spec_, http_);
    return probe.check();
  }

  testing::FakeHttpClient http_;
  v1alpha1::MetricProbeSpec spec_;
};

TEST_F(MetricProbeTest, PassesWhenTheSampleSatisfiesTheComparison) {
  spec_.labels = {{"state", "closed"}};
  const CheckResult result = check();
  EXPECT_TRUE(result.passed) << result.error;
  EXPECT_EQ(result.error, "");
}

TEST_F(MetricProbeTest, FailureNamesTheSeriesItsValueAndTheWantedComparison) {
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "client_circuit_breaker_state{state=\"open\"} = 1, want == 0");
}

TEST_F(MetricProbeTest, SendsAGetToTheSpecsUrlWithItsTimeout) {
  spec_.timeout = std::chrono::milliseconds(1500);
  (void)check();
  ASSERT_EQ(http_.callCount(), 1u);
  const common::HttpClientRequest request = http_.requests()[0];
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "http://client-service:9090/metrics");
  EXPECT_EQ(request.timeout, std::chrono::milliseconds(1500));
}

TEST_F(MetricProbeTest, MatchesSpecLabelsAsASubsetOfTheSampleLabels) {
  spec_.name = "client_backend_requests_total";
  spec_.labels = {{"result", "200"}};
  spec_.value = 90;
  const CheckResult result = check();
  EXPECT_TRUE(result.passed) << result.error;
}

TEST_F(MetricProbeTest, SumsEverySampleThatMatches) {
  spec_.name = "client_backend_requests_total";
  spec_.labels = {{"result", "503"}};
  spec_.value = 0;
  EXPECT_EQ(check().error, "client_backend_requests_total{result=\"503\"} = 10, want == 0");
}

TEST_F(MetricProbeTest, WithoutLabelsSumsTheWholeFamily) {
  spec_.name = "client_backend_requests_total";
  spec_.labels = {};
  spec_.op = CompareOp::kLess;
  spec_.value = 50;
  EXPECT_EQ(check().error, "client_backend_requests_total = 100, want < 50");
}

TEST_F(MetricProbeTest, FailsWhenNoSampleMatches) {
  spec_.labels = {{"state", "forced_open"}};
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "no sample client_circuit_breaker_state{state=\"forced_open\"}");
}

TEST_F(MetricProbeTest, MatchesTheNameExactly) {
  spec_.name = "client_circuit_breaker";
  EXPECT_EQ(check().error, "no sample client_circuit_breaker{state=\"open\"}");
}

TEST_F(MetricProbeTest, RequiresEverySpecLabel) {
  spec_.name = "client_backend_requests_total";
  spec_.labels = {{"result", "503"}, {"pod", "c"}};
  EXPECT_EQ(check().error, "no sample client_backend_requests_total{pod=\"c\",result=\"503\"}");
}

TEST_F(MetricProbeTest, EachOperatorComparesTheSumWithTheValue) {
  struct Case {
    CompareOp op;
    double value;
    bool passes;
  };
  // The open state's sample is 1.
  const std::vector<Case> cases = {
      {CompareOp::kEqual, 1, true},        {CompareOp::kEqual, 0, false},
      {CompareOp::kNotEqual, 0, true},     {CompareOp::kNotEqual, 1, false},
      {CompareOp::kLess, 2, true},         {CompareOp::kLess, 1, false},
      {CompareOp::kLessEqual, 1, true},    {CompareOp::kLessEqual, 0.5, false},
      {CompareOp::kGreater, 0.5, true},    {CompareOp::kGreater, 1, false},
      {CompareOp::kGreaterEqual, 1, true}, {CompareOp::kGreaterEqual, 1.5, false},
  };
  for (const Case& test_case : cases) {
    spec_.op = test_case.op;
    spec_.value = test_case.value;
    SCOPED_TRACE(std::string(compareOpSymbol(test_case.op)) + " " +
                 std::to_string(test_case.value));
    EXPECT_EQ(check().passed, test_case.passes);
  }
}

TEST_F(MetricProbeTest, FailureMessageSpellsEachOperator) {
  spec_.value = 0.25;
  spec_.op = CompareOp::kLessEqual;
  EXPECT_EQ(check().error, "client_circuit_breaker_state{state=\"open\"} = 1, want <= 0.25");
  spec_.op = CompareOp::kNotEqual;
  spec_.value = 1;
  EXPECT_EQ(check().error, "client_circuit_breaker_state{state=\"open\"} = 1, want != 1");
  spec_.op = CompareOp::kGreaterEqual;
  spec_.value = 2;
  EXPECT_EQ(check().error, "client_circuit_breaker_state{state=\"open\"} = 1, want >= 2");
  spec_.op = CompareOp::kGreater;
  EXPECT_EQ(check().error, "client_circuit_breaker_state{state=\"open\"} = 1, want > 2");
}

TEST_F(MetricProbeTest, NaNSampleFailsEveryComparisonButNotEqual) {
  spec_.name = "ratio";
  spec_.labels = {};
  spec_.op = CompareOp::kGreaterEqual;
  EXPECT_EQ(check("ratio NaN\n").error, "ratio = NaN, want >= 0");
  spec_.op = CompareOp::kNotEqual;
  EXPECT_TRUE(check("ratio NaN\n").passed);
}

TEST_F(MetricProbeTest, ComparesInfinities) {
  spec_.name = "le";
  spec_.labels = {};
  spec_.op = CompareOp::kLess;
  spec_.value = 1e9;
  EXPECT_EQ(check("le +Inf\n").error, "le = +Inf, want < 1e+09");
}

TEST_F(MetricProbeTest, LabelValuesInMessagesAreEscapedAsPrometheusWritesThem) {
  spec_.labels = {{"path", "a\"b\\c"}};
  EXPECT_EQ(check().error, R"(no sample client_circuit_breaker_state{path="a\"b\\c"})");
}

TEST_F(MetricProbeTest, NonSuccessStatusFails) {
  const CheckResult result = check("backend down", 503);
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "status 503 from http://client-service:9090/metrics, want 2xx");
}

TEST_F(MetricProbeTest, MalformedBodyFailsNamingTheLine) {
  const CheckResult result = check("# TYPE up gauge\nup{job=\"x\" 1\n");
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error,
            "malformed metrics: line 2: expected ',' or '}' after the value of label \"job\" at "
            "column 12 ('1')");
}

TEST_F(MetricProbeTest, TransportFailureAndTimeoutAreReported) {
  MetricProbe probe(spec_, http_);
  http_.pushError(common::ErrorCode::kUnavailable);
  EXPECT_EQ(probe.check().error, "unreachable: fake transport failure");
  http_.pushError(common::ErrorCode::kTimeout);
  EXPECT_EQ(probe.check().error, "timed out after 2000 ms");
}

TEST(DescribeSeriesTest, IsTheBareNameWithoutLabels) {
  EXPECT_EQ(describeSeries("up", {}), "up");
  EXPECT_EQ(describeSeries("up", {{"b", "2"}, {"a", "1"}}), "up{a=\"1\",b=\"2\"}");
}

TEST(CompareValuesTest, FollowsIeeeRulesForNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(compareValues(nan, CompareOp::kEqual, nan));
  EXPECT_TRUE(compareValues(nan, CompareOp::kNotEqual, 0));
  EXPECT_FALSE(compareValues(nan, CompareOp::kLessEqual, 0));
  EXPECT_FALSE(compareValues(nan, CompareOp::kGreaterEqual, 0));
}

}  // namespace
}  // namespace aftershock::op
