// HttpProbe: status, latency (on FakeClock, advanced by the fake client) and body checks, and
// the messages a person reads when one fails.
#include "operator/probes/http_probe.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"

namespace aftershock::op {
namespace {

using std::chrono::milliseconds;

class HttpProbeTest : public ::testing::Test {
 protected:
  HttpProbeTest() { spec_.url = "http://client-service:9090/fetch-data"; }

  CheckResult check() {
    HttpProbe probe(spec_, http_, clock_);
    return probe.check();
  }

  testing::FakeClock clock_;
  testing::FakeHttpClient http_{&clock_};
  v1alpha1::HttpProbeSpec spec_;
};

class ThrowingHttpClient final : public common::HttpClient {
 public:
  common::Result<common::HttpResponse> send(const common::HttpClientRequest&) override {
    throw std::runtime_error("json parse error");
  }
};

TEST_F(HttpProbeTest, PassesWhenTheStatusIsExpected) {
  http_.pushStatus(200);
  const CheckResult result = check();
  EXPECT_TRUE(result.passed);
  EXPECT_EQ(result.error, "");
}

TEST_F(HttpProbeTest, SendsTheSpecsMethodUrlAndTimeout) {
  spec_.method = "HEAD";
  spec_.timeout = std::chrono::seconds(3);
  http_.pushStatus(200);
  (void)check();
  ASSERT_EQ(http_.callCount(), 1u);
  const common::HttpClientRequest request = http_.requests()[0];
  EXPECT_EQ(request.method, "HEAD");
  EXPECT_EQ(request.url, "http://client-service:9090/fetch-data");
  EXPECT_EQ(request.timeout, milliseconds(3000));
}

TEST_F(HttpProbeTest, FailsOnAnUnexpectedStatusNamingBothStatuses) {
  http_.pushStatus(503);
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "status 503, want 200");
}

TEST_F(HttpProbeTest, AcceptsAnyOfSeveralExpectedStatuses) {
  spec_.expect_status = {200, 204};
  http_.pushStatus(204);
  EXPECT_TRUE(check().passed);
  http_.pushStatus(500);
  EXPECT_EQ(check().error, "status 500, want one of 200, 204");
}

TEST_F(HttpProbeTest, FailsWhenLatencyIsOverTheMaximum) {
  spec_.max_latency = milliseconds(500);
  http_.pushStatus(200, "{}", milliseconds(812));
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "latency 812 ms over max 500 ms");
}

TEST_F(HttpProbeTest, PassesWhenLatencyEqualsTheMaximum) {
  spec_.max_latency = milliseconds(500);
  http_.pushStatus(200, "{}", milliseconds(500));
  EXPECT_TRUE(check().passed);
}

TEST_F(HttpProbeTest, RoundsLatencyJustOverTheMaximumUpward) {
  spec_.max_latency = milliseconds(500);
  http_.pushStatus(200, "{}", std::chrono::microseconds(500'100));
  EXPECT_EQ(check().error, "latency 501 ms over max 500 ms");
}

TEST_F(HttpProbeTest, IgnoresLatencyWithoutAMaximum) {
  http_.pushStatus(200, "{}", std::chrono::seconds(10));
  EXPECT_TRUE(check().passed);
}

TEST_F(HttpProbeTest, ReportsTheStatusBeforeTheLatency) {
  spec_.max_latency = milliseconds(500);
  http_.pushStatus(503, "{}", milliseconds(900));
  EXPECT_EQ(check().error, "status 503, want 200");
}

TEST_F(HttpProbeTest, FailsWhenTheBodyLacksTheExpectedText) {
  spec_.body_contains = "ok";
  http_.pushStatus(200, "{\"status\":\"degraded\"}");
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "body does not contain \"ok\"");
}

TEST_F(HttpProbeTest, PassesWhenTheBodyContainsTheExpectedText) {
  spec_.body_contains = "ok";
  http_.pushStatus(200, "{\"status\":\"ok\"}");
  EXPECT_TRUE(check().passed);
}

TEST_F(HttpProbeTest, TransportFailureReadsUnreachableWithItsMessage) {
  http_.pushError(common::ErrorCode::kUnavailable);
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "unreachable: fake transport failure");
}

TEST_F(HttpProbeTest, TimeoutReadsTimedOutAfterTheSpecsTimeout) {
  spec_.timeout = milliseconds(2000);
  http_.pushError(common::ErrorCode::kTimeout, milliseconds(2000));
  const CheckResult result = check();
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "timed out after 2000 ms");
}

TEST_F(HttpProbeTest, MalformedUrlReadsInvalidUrl) {
  http_.push({common::makeError(common::ErrorCode::kInvalid, "no scheme in \"x\""), {}});
  EXPECT_EQ(check().error, "invalid URL: no scheme in \"x\"");
}

TEST_F(HttpProbeTest, AnExceptionFromTheClientBecomesAFailedCheck) {
  ThrowingHttpClient throwing;
  HttpProbe probe(spec_, throwing, clock_);
  CheckResult result;
  EXPECT_NO_THROW(result = probe.check());
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(result.error, "probe error: json parse error");
}

}  // namespace
}  // namespace aftershock::op
