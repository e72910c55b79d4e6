// The HTTP handlers, called directly (no server): status codes and JSON shapes.
#include "services/client/routes.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <vector>

#include "common/worker_pool.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_random.h"

namespace aftershock::client {
namespace {

using common::HttpRequest;
using common::HttpResponse;
using nlohmann::json;

class ClientRoutesTest : public ::testing::Test {
 protected:
  static HttpRequest post(std::string path, std::string body) {
    HttpRequest request;
    request.method = "POST";
    request.path = std::move(path);
    request.body = std::move(body);
    return request;
  }
  static json bodyOf(const HttpResponse& response) { return json::parse(response.body); }

  HttpResponse fetch() {
    std::promise<HttpResponse> answered;
    routes_.fetchData(HttpRequest{}, [&answered](HttpResponse response) {
      answered.set_value(std::move(response));
    });
    return answered.get_future().get();
  }

  testing::FakeClock clock_;
  testing::FakeHttpClient http_{&clock_};
  testing::FakeRandom random_{{0.0}};
  common::MetricsRegistry registry_;
  ClientMetrics metrics_{registry_};
  ResilientCaller caller_{
      "http://backend.test/data", ResilienceConfig{}, http_, clock_, random_, &metrics_};
  common::WorkerPool pool_{2, 2};
  Bulkhead bulkhead_{caller_, pool_, clock_, &metrics_};
  // Load-generator calls wait in `pending_` until the test finishes them, so a run stays
  // active as long as the test needs (FakeClock paces a whole run instantly).
  std::mutex pending_mutex_;
  std::vector<std::function<void(FetchResult)>> pending_;
  LoadGenerator load_{[this](std::function<void(FetchResult)> done) {
                        std::lock_guard lock(pending_mutex_);
                        pending_.push_back(std::move(done));
                      },
                      clock_, 8};
  ClientRoutes routes_{caller_, bulkhead_, load_, registry_};
};

TEST_F(ClientRoutesTest, FetchDataAnswersWithTheBackendPayloadAndHowItWasServed) {
  http_.pushStatus(200, R"({"value":42})");
  const HttpResponse response = fetch();
  EXPECT_EQ(response.status, 200);
  const json body = bodyOf(response);
  EXPECT_EQ(body["source"], "backend");
  EXPECT_EQ(body["attempts"], 1);
  EXPECT_EQ(body["circuit_state"], "closed");
  EXPECT_EQ(body["data"]["value"], 42);
  EXPECT_EQ(body["stale"], false);
}

TEST_F(ClientRoutesTest, FetchDataWithoutAnyDataAnswersAClear503) {
  http_.setFallback({common::HttpResponse::text(500, "{}", "application/json"), {}});
  const HttpResponse response = fetch();
  EXPECT_EQ(response.status, 503);
  const json body = bodyOf(response);
  EXPECT_EQ(body["source"], "fallback");
  EXPECT_TRUE(body["data"].is_null());
  EXPECT_EQ(body["reason"], "not_retryable");
  EXPECT_TRUE(body.contains("error"));
}

TEST_F(ClientRoutesTest, ConfigPostMergesAndGetShowsTheResult) {
  const HttpResponse posted = routes_.postResilienceConfig(
      post("/config/resilience", R"({"retry":{"max_attempts":4},"mode":"baseline"})"));
  ASSERT_EQ(posted.status, 200) << posted.body;
  const json config = bodyOf(routes_.getResilienceConfig(HttpRequest{}));
  EXPECT_EQ(config["retry"]["max_attempts"], 4);
  EXPECT_EQ(config["mode"], "baseline");
  EXPECT_EQ(config["patterns_enabled"], false);
  EXPECT_EQ(config["timeouts"]["overall_deadline_ms"], 1500);
}

TEST_F(ClientRoutesTest, BadConfigIsA400NamingTheFieldAndChangesNothing) {
  const json before = bodyOf(routes_.getResilienceConfig(HttpRequest{}));
  HttpResponse response = routes_.postResilienceConfig(
      post("/config/resilience", R"({"circuit_breaker":{"failure_rate_threshold":2}})"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(bodyOf(response)["field"], "circuit_breaker.failure_rate_threshold");
  response = routes_.postResilienceConfig(post("/config/resilience", "{not json"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(bodyOf(response)["field"], "body");
  EXPECT_EQ(bodyOf(routes_.getResilienceConfig(HttpRequest{})), before);
}

TEST_F(ClientRoutesTest, CircuitStatusShowsStateCountersAndTimeUntilHalfOpen) {
  ASSERT_EQ(routes_
                .postResilienceConfig(post("/config/resilience",
                                           R"({"circuit_breaker":{"forced_state":"forced_open"}})"))
                .status,
            200);
  json status = bodyOf(routes_.circuitStatus(HttpRequest{}));
  EXPECT_EQ(status["state"], "forced_open");
  EXPECT_EQ(status["forced_state"], "forced_open");
  for (const char* key :
       {"calls", "failures", "slow_calls", "rejections", "failure_rate", "consecutive_failures",
        "seconds_until_half_open", "window", "half_open", "retry_budget_tokens"}) {
    EXPECT_TRUE(status.contains(key)) << key;
  }
  EXPECT_TRUE(status["seconds_until_half_open"].is_null());
}

TEST_F(ClientRoutesTest, LoadStartValidatesAndRefusesASecondRun) {
  HttpResponse response = routes_.startLoad(post("/load/start", R"({"rps":0})"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(bodyOf(response)["field"], "rps");
  response = routes_.startLoad(post("/load/start", R"({"rps":10,"duration_seconds":700})"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(bodyOf(response)["field"], "duration_seconds");

  response = routes_.startLoad(post("/load/start", R"({"rps":1,"duration_seconds":600})"));
  EXPECT_EQ(response.status, 202);
  load_.waitUntilPaced();
  EXPECT_EQ(routes_.startLoad(post("/load/start", R"({"rps":1,"duration_seconds":1})")).status,
            409);
  EXPECT_EQ(bodyOf(routes_.loadStats(HttpRequest{}))["running"], true);
  response = routes_.stopLoad(post("/load/stop", ""));
  EXPECT_EQ(response.status, 200);
  {
    std::lock_guard lock(pending_mutex_);
    for (auto& done : pending_) done(FetchResult{});
  }
  load_.waitForIdle();
  const json stats = bodyOf(routes_.loadStats(HttpRequest{}));
  EXPECT_EQ(stats["running"], false);
  EXPECT_EQ(stats["requests"], 600);
  EXPECT_EQ(stats["rejected"], 592);
}

TEST_F(ClientRoutesTest, ReadyTurns503WhenDraining) {
  EXPECT_EQ(routes_.ready(HttpRequest{}).status, 200);
  EXPECT_EQ(routes_.health(HttpRequest{}).status, 200);
  routes_.markDraining();
  EXPECT_EQ(routes_.ready(HttpRequest{}).status, 503);
}

TEST_F(ClientRoutesTest, MetricsExposeTheClientSeries) {
  http_.pushStatus(200, "{}");
  fetch();
  metrics_.bindBreakerState([this] { return caller_.breaker().peekState(); });
  metrics_.bindRetryBudgetTokens([this] { return caller_.retryBudget().tokens(); });
  const HttpResponse response = routes_.metrics(HttpRequest{});
  EXPECT_EQ(response.content_type, common::kPrometheusContentType);
  for (const char* series :
       {"client_circuit_breaker_state{state=\"closed\"} 1",
        "client_circuit_breaker_state{state=\"open\"} 0",
        "client_calls_total{outcome=\"backend\"} 1", "client_retries_total 0",
        "client_retry_budget_tokens 100", "client_fetch_duration_seconds_count 1"}) {
    EXPECT_NE(response.body.find(series), std::string::npos) << series;
  }
}

}  // namespace
}  // namespace aftershock::client
