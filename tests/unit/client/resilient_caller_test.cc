// The composed call path with FakeHttpClient, FakeClock and FakeRandom: no network, no sleeps.
#include "services/client/resilient_caller.h"

#include <gtest/gtest.h>

#include <functional>

#include "common/metrics.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_random.h"

namespace aftershock::client {
namespace {

using common::ErrorCode;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kUrl = "http://backend.test:8000/data";
constexpr const char* kPayload = R"({"items":[1,2,3]})";

class ResilientCallerTest : public ::testing::Test {
 protected:
  ResilientCallerTest() { build(ResilienceConfig{}); }

  void build(const ResilienceConfig& config) {
    caller_ = std::make_unique<ResilientCaller>(kUrl, config, http_, clock_, random_, &metrics_);
  }
  void patch(const json& body) {
    const auto updated = caller_->updateConfig(body);
    ASSERT_TRUE(updated.ok()) << updated.error().message;
  }
  // Serves one good answer, so the fallback has something to serve later.
  void warmCache() {
    http_.pushStatus(200, kPayload);
    ASSERT_TRUE(caller_->fetch().served());
  }
  double metric(const std::string& line_prefix) const {
    const std::string text = registry_.render();
    const auto at = text.find("\n" + line_prefix + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + line_prefix.size() + 2));
  }

  testing::FakeClock clock_;
  testing::FakeHttpClient http_{&clock_};
  testing::FakeRandom random_{{0.5}};
  common::MetricsRegistry registry_;
  ClientMetrics metrics_{registry_};
  std::unique_ptr<ResilientCaller> caller_;
};

TEST_F(ResilientCallerTest, AHealthyBackendIsServedFromTheFirstAttempt) {
  http_.pushStatus(200, kPayload);
  const FetchResult result = caller_->fetch();
  EXPECT_EQ(result.http_status, 200);
  EXPECT_EQ(result.source, Source::kBackend);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.circuit_state, CircuitState::kClosed);
  EXPECT_EQ(result.data, json::parse(kPayload));
  EXPECT_FALSE(result.stale);
  EXPECT_TRUE(result.reason.empty());
  ASSERT_EQ(http_.callCount(), 1u);
  EXPECT_EQ(http_.requests()[0].url, kUrl);
  EXPECT_EQ(http_.requests()[0].method, "GET");
}

TEST_F(ResilientCallerTest, RetriesTransientFailuresThenReportsSourceRetry) {
  http_.pushStatus(503);
  http_.pushError(ErrorCode::kUnavailable);
  http_.pushStatus(200, kPayload);
  const FetchResult result = caller_->fetch();
  EXPECT_EQ(result.http_status, 200);
  EXPECT_EQ(result.source, Source::kRetry);
  EXPECT_EQ(result.attempts, 3);
  EXPECT_EQ(result.data, json::parse(kPayload));
  // Full jitter at 0.5: half of 100 ms, then half of 200 ms.
  EXPECT_EQ(clock_.sleeps(), (std::vector<common::Duration>{milliseconds(50), milliseconds(100)}));
  EXPECT_EQ(metric("client_retries_total"), 2);
  EXPECT_EQ(metric("client_calls_total{outcome=\"retry\"}"), 1);
  EXPECT_EQ(toJson(result)["source"], "retry");
}

TEST_F(ResilientCallerTest, DoesNotRetryA500) {
  http_.pushStatus(500, R"({"error":"boom"})");
  const FetchResult result = caller_->fetch();
  EXPECT_EQ(http_.callCount(), 1u);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.reason, stop_reason::kNotRetryable);
  EXPECT_EQ(result.backend_status, 500);
  // No stale data yet: the fallback answers a clear 503.
  EXPECT_EQ(result.http_status, 503);
  EXPECT_EQ(result.source, Source::kFallback);
  EXPECT_TRUE(result.data.is_null());
  EXPECT_NE(result.error.find("500"), std::string::npos);
}

TEST_F(ResilientCallerTest, GivesUpAfterMaxAttemptsAndServesStaleData) {
  warmCache();
  clock_.advance(seconds(7));
  http_.setFallback({common::HttpResponse::text(503, "{}", "application/json"), {}});
  const FetchResult result = caller_->fetch();
  EXPECT_EQ(result.attempts, 3);
  EXPECT_EQ(result.reason, stop_reason::kRetriesExhausted);
  EXPECT_EQ(result.http_status, 200);
  EXPECT_EQ(result.source, Source::kFallback);
  EXPECT_TRUE(result.stale);
  EXPECT_NEAR(result.stale_age_seconds, 7.15, 0.01);  // 7 s + the two backoff waits
  EXPECT_EQ(result.data, json::parse(kPayload));
  const json body = toJson(result);
  EXPECT_EQ(body["stale"], true);
  EXPECT_TRUE(body.contains("stale_age_seconds"));
  EXPECT_EQ(body["error"], "backend answered 503");
}

TEST_F(ResilientCallerTest, AnOpenCircuitFailsFastWithoutCallingTheBackend) {
  warmCache();
  patch({{"circuit_breaker", {{"consecutive_failure_threshold", 2}}}});
  http_.setFallback({common::HttpResponse::text(500, "{}", "application/json"), {}});
  caller_->fetch();
  caller_->fetch();
  ASSERT_EQ(caller_->breaker().state(), CircuitState::kOpen);
  const std::size_t calls_before = http_.callCount();
  clock_.advance(seconds(2));

  const FetchResult result = caller_->fetch();
  EXPECT_EQ(http_.callCount(), calls_before);
  EXPECT_EQ(result.attempts, 0);
  EXPECT_EQ(result.reason, reason::kCircuitOpen);
  EXPECT_EQ(result.circuit_state, CircuitState::kOpen);
  EXPECT_EQ(result.http_status, 200);
  EXPECT_EQ(result.source, Source::kFallback);
  EXPECT_TRUE(result.stale);
  EXPECT_NEAR(result.stale_age_seconds, 2.0, 1e-9);
  EXPECT_EQ(metric("client_circuit_breaker_rejections_total"), 1);
}

TEST_F(ResilientCallerTest, AHalfOpenProbeThatSucceedsClosesTheCircuit) {
  patch({{"circuit_breaker",
          {{"consecutive_failure_threshold", 1}, {"half_open_permitted_calls", 1}}}});
  http_.pushStatus(500);
  caller_->fetch();
  ASSERT_EQ(caller_->breaker().state(), CircuitState::kOpen);
  clock_.advance(seconds(5));
  http_.pushStatus(200, kPayload);
  const FetchResult probe = caller_->fetch();
  EXPECT_EQ(probe.source, Source::kBackend);
  EXPECT_EQ(probe.circuit_state, CircuitState::kClosed);
}

TEST_F(ResilientCallerTest, StopsRetryingWhenTheCircuitOpensMidCall) {
  // A backend client that, while answering the first attempt, lets "another call" force the
  // breaker open — as a concurrent caller tripping it would.
  struct TrippingClient final : common::HttpClient {
    std::function<void()> on_send;
    int calls = 0;
    common::Result<common::HttpResponse> send(const common::HttpClientRequest&) override {
      ++calls;
      on_send();
      return common::HttpResponse::text(503, "{}", "application/json");
    }
  } tripping;
  ResilientCaller caller(kUrl, ResilienceConfig{}, tripping, clock_, random_);
  tripping.on_send = [&caller] {
    ASSERT_TRUE(caller.updateConfig({{"circuit_breaker", {{"forced_state", "forced_open"}}}}).ok());
  };
  const FetchResult result = caller.fetch();
  EXPECT_EQ(tripping.calls, 1);
  EXPECT_EQ(result.reason, reason::kCircuitOpen);
  EXPECT_EQ(result.circuit_state, CircuitState::kForcedOpen);
}

TEST_F(ResilientCallerTest, TheOverallDeadlineEndsTheRetries) {
  patch({{"retry", {{"max_attempts", 10}}},
         {"timeouts", {{"attempt_timeout_ms", 400}, {"overall_deadline_ms", 1000}}}});
  random_.setValues({0.999});
  http_.setFallback({common::HttpResponse::text(503, "{}", "application/json"), milliseconds(400)});
  const FetchResult result = caller_->fetch();
  // 400 ms attempt, ~100 ms wait, 400 ms attempt: at ~900 ms a ~200 ms wait would cross 1 s.
  EXPECT_EQ(result.attempts, 2);
  EXPECT_EQ(result.reason, reason::kDeadlineExceeded);
  EXPECT_EQ(clock_.sleeps().size(), 1u);
  EXPECT_LE(result.duration, milliseconds(1000));
}

TEST_F(ResilientCallerTest, EachAttemptGetsWhatIsLeftOfTheDeadlineAtMost) {
  patch({{"timeouts", {{"attempt_timeout_ms", 500}, {"overall_deadline_ms", 800}}}});
  random_.setValues({0.0});  // no backoff wait
  http_.pushStatus(503, "{}", milliseconds(500));
  http_.pushStatus(200, kPayload);
  const FetchResult result = caller_->fetch();
  EXPECT_EQ(result.source, Source::kRetry);
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].timeout, milliseconds(500));
  EXPECT_EQ(requests[1].timeout, milliseconds(300));
}

TEST_F(ResilientCallerTest, TimeSpentQueuedCountsAgainstTheDeadline) {
  http_.pushStatus(200, kPayload);
  const common::SteadyTime accepted_at = clock_.now() - milliseconds(1200);  // 1.5 s deadline
  const FetchResult result = caller_->fetch(accepted_at);
  EXPECT_EQ(result.source, Source::kBackend);
  ASSERT_EQ(http_.callCount(), 1u);
  EXPECT_EQ(http_.requests()[0].timeout, milliseconds(300));
  EXPECT_EQ(result.duration, milliseconds(1200));
}

TEST_F(ResilientCallerTest, ACallWhoseDeadlinePassedInTheQueueIsNeverSent) {
  warmCache();
  const FetchResult result = caller_->fetch(clock_.now() - seconds(2));
  EXPECT_EQ(http_.callCount(), 1u);  // the warm-up only
  EXPECT_EQ(result.attempts, 0);
  EXPECT_EQ(result.reason, reason::kDeadlineExceeded);
  EXPECT_EQ(result.source, Source::kFallback);
  EXPECT_TRUE(result.stale);
  EXPECT_EQ(caller_->breaker().snapshot().calls, 1u);  // the warm-up only
}

TEST_F(ResilientCallerTest, BaselineModeMakesExactlyOneAttempt) {
  warmCache();
  patch({{"mode", "baseline"}});
  http_.setFallback({common::HttpResponse::text(503, "{}", "application/json"), {}});
  const std::size_t before = http_.callCount();
  const FetchResult result = caller_->fetch();
  EXPECT_EQ(http_.callCount(), before + 1);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_TRUE(result.baseline);
  EXPECT_EQ(result.circuit_state, CircuitState::kDisabled);
  // No fallback either: the raw failure shows (as a gateway would report it).
  EXPECT_EQ(result.source, Source::kNone);
  EXPECT_FALSE(result.stale);
  EXPECT_EQ(result.http_status, 502);
  EXPECT_EQ(toJson(result)["mode"], "baseline");
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(ResilientCallerTest, BaselineModeNeverTouchesTheBreaker) {
  patch({{"mode", "baseline"}});
  http_.setFallback({common::HttpResponse::text(500, "{}", "application/json"), {}});
  for (int i = 0; i < 50; ++i) caller_->fetch();
  EXPECT_EQ(caller_->breaker().state(), CircuitState::kClosed);
  EXPECT_EQ(caller_->breaker().snapshot().calls, 0u);
  EXPECT_EQ(http_.callCount(), 50u);
}

TEST_F(ResilientCallerTest, AnEmptyRetryBudgetStopsRetries) {
  patch({{"retry_budget", {{"max_tokens", 1}, {"ratio", 0}, {"min_retries_per_second", 0}}}});
  http_.setFallback({common::HttpResponse::text(503, "{}", "application/json"), {}});
  const FetchResult first = caller_->fetch();
  EXPECT_EQ(first.attempts, 2);  // the one token pays for one retry
  EXPECT_EQ(first.reason, reason::kRetryBudgetExhausted);
  const FetchResult second = caller_->fetch();
  EXPECT_EQ(second.attempts, 1);
  EXPECT_EQ(metric("client_retry_budget_exhausted_total"), 2);
}

TEST_F(ResilientCallerTest, HonoursRetryAfterOnA429) {
  common::HttpResponse throttled = common::HttpResponse::text(429, "{}", "application/json");
  throttled.headers.emplace_back("Retry-After", "1");
  http_.push({throttled, {}});
  http_.pushStatus(200, kPayload);
  patch({{"timeouts", {{"overall_deadline_ms", 3000}}}});
  const FetchResult result = caller_->fetch();
  EXPECT_EQ(result.source, Source::kRetry);
  EXPECT_EQ(clock_.sleeps(), (std::vector<common::Duration>{seconds(1)}));
}

TEST_F(ResilientCallerTest, TimeoutsAreRetriedAndReportedAsGatewayTimeoutWithoutFallback) {
  patch({{"fallback", {{"enabled", false}}}});
  http_.setFallback({common::makeError(ErrorCode::kTimeout, "no answer"), milliseconds(100)});
  const FetchResult result = caller_->fetch();
  EXPECT_EQ(result.attempts, 3);
  EXPECT_EQ(result.source, Source::kNone);
  EXPECT_EQ(result.http_status, 504);
  EXPECT_EQ(result.error, "timeout: no answer");
  EXPECT_EQ(metric("client_backend_requests_total{result=\"timeout\"}"), 3);
}

TEST_F(ResilientCallerTest, StaleDataOlderThanTheLimitIsNotServed) {
  warmCache();
  patch({{"fallback", {{"max_stale_age_ms", 1000}}}});
  clock_.advance(seconds(2));
  http_.setFallback({common::HttpResponse::text(500, "{}", "application/json"), {}});
  const FetchResult result = caller_->fetch();
  EXPECT_EQ(result.http_status, 503);
  EXPECT_FALSE(result.stale);
}

TEST_F(ResilientCallerTest, ARefusedCallIsAnsweredByTheFallback) {
  warmCache();
  const FetchResult result = caller_->refuse(reason::kBulkheadFull, "bulkhead is full");
  EXPECT_EQ(result.http_status, 200);
  EXPECT_EQ(result.source, Source::kFallback);
  EXPECT_EQ(result.reason, "bulkhead_full");
  EXPECT_TRUE(result.stale);
  EXPECT_EQ(result.attempts, 0);
}

TEST_F(ResilientCallerTest, FourHundredsAreNotRetriedAndDoNotCountAgainstTheBackend) {
  patch({{"circuit_breaker", {{"consecutive_failure_threshold", 1}}}});
  http_.pushStatus(404);
  const FetchResult result = caller_->fetch();
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.reason, stop_reason::kNotRetryable);
  EXPECT_EQ(caller_->breaker().state(), CircuitState::kClosed);
}

// A backend that fails each request with probability `failure_rate`, with `status`.
class CoinFlipBackend final : public common::HttpClient {
 public:
  CoinFlipBackend(double failure_rate, int status) : failure_rate_(failure_rate), status_(status) {}
  common::Result<common::HttpResponse> send(const common::HttpClientRequest&) override {
    ++requests;
    const bool fail = coin_.uniform() < failure_rate_;
    return common::HttpResponse::text(fail ? status_ : 200, kPayload, "application/json");
  }
  int requests = 0;

 private:
  common::SystemRandom coin_{7};
  double failure_rate_;
  int status_;
};

TEST_F(ResilientCallerTest, FiftyPercent503sAreAbsorbedByRetriesAndKeepTheCircuitClosed) {
  CoinFlipBackend backend(0.5, 503);
  ResilientCaller caller(kUrl, ResilienceConfig{}, backend, clock_, random_);
  constexpr int kCalls = 2000;
  int fresh = 0;
  for (int i = 0; i < kCalls; ++i) {
    const Source source = caller.fetch().source;
    fresh += source == Source::kBackend || source == Source::kRetry ? 1 : 0;
  }
  // 1 - 0.5^3 = 87.5 % expected; the breaker (one outcome per call, 12.5 % failing) and the
  // budget (0.75 retries per call needed, 0.8 earned) both stay out of the way.
  EXPECT_NEAR(static_cast<double>(fresh) / kCalls, 0.875, 0.03);
  EXPECT_EQ(caller.breaker().snapshot().transitions, 0u);
  EXPECT_NEAR(static_cast<double>(backend.requests) / kCalls, 1.75, 0.1);
}

TEST_F(ResilientCallerTest, ThirtyPercent503sLeaveAlmostEveryCallFresh) {
  CoinFlipBackend backend(0.3, 503);
  ResilientCaller caller(kUrl, ResilienceConfig{}, backend, clock_, random_);
  constexpr int kCalls = 2000;
  int fresh = 0;
  for (int i = 0; i < kCalls; ++i) fresh += caller.fetch().source != Source::kFallback ? 1 : 0;
  EXPECT_NEAR(static_cast<double>(fresh) / kCalls, 0.973, 0.015);  // 1 - 0.3^3
}

TEST_F(ResilientCallerTest, OneHundredPercent500sOpenTheCircuitAndStopTheTraffic) {
  CoinFlipBackend backend(1.0, 500);
  ResilientCaller caller(kUrl, ResilienceConfig{}, backend, clock_, random_);
  for (int i = 0; i < 100; ++i) caller.fetch();
  EXPECT_EQ(caller.breaker().state(), CircuitState::kOpen);
  // Opened after 10 consecutive failures (500s are not retried: one request each).
  EXPECT_EQ(backend.requests, 10);
}

TEST_F(ResilientCallerTest, ARejectedConfigUpdateLeavesTheConfigInForce) {
  const auto before = caller_->config();
  const auto result = caller_->updateConfig({{"retry", {{"max_attempts", 0}}}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().field, "retry.max_attempts");
  EXPECT_EQ(*caller_->config(), *before);
}

TEST_F(ResilientCallerTest, AConfigUpdateReachesTheBreakerAndTheBudget) {
  patch(
      {{"circuit_breaker", {{"forced_state", "disabled"}}}, {"retry_budget", {{"max_tokens", 7}}}});
  EXPECT_EQ(caller_->breaker().state(), CircuitState::kDisabled);
  EXPECT_DOUBLE_EQ(caller_->retryBudget().tokens(), 7.0);
  EXPECT_EQ(caller_->config()->retry_budget.max_tokens, 7.0);
}

}  // namespace
}  // namespace aftershock::client
