// Tests for the backend's HTTP mapping, driven through the registered handlers with a fake
// clock and scripted random draws (no sockets, no sleeps).
#include "services/backend/routes.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_random.h"
#include "tests/unit/backend/recording_http_server.h"

namespace aftershock::backend {
namespace {

using common::HttpResponse;
using std::chrono::milliseconds;
using std::chrono::seconds;

nlohmann::json bodyOf(const HttpResponse& response) { return nlohmann::json::parse(response.body); }

class BackendRoutesTest : public ::testing::Test {
 protected:
  BackendRoutesTest() { options_.instance = "test-instance"; }

  // Builds the routes with the options set so far (call once per test).
  void build() {
    routes_ = std::make_unique<BackendRoutes>(
        options_, clock_, random_, registry_, [this] { return inflight_; }, [this] { ++crashes_; });
    routes_->registerRoutes(server_);
  }

  HttpResponse call(const std::string& method, const std::string& path,
                    const std::string& body = "") {
    return server_.call(method, path, body);
  }

  BackendOptions options_;
  testing::FakeClock clock_;
  testing::FakeRandom random_{{0.5}};
  common::MetricsRegistry registry_;
  testing::RecordingHttpServer server_;
  std::int64_t inflight_ = 1;  // the request asking
  int crashes_ = 0;
  std::unique_ptr<BackendRoutes> routes_;
};

TEST_F(BackendRoutesTest, RegistersEveryDocumentedRoute) {
  build();
  const std::set<std::pair<std::string, std::string>> expected = {{"GET", "/data"},
                                                                  {"GET", "/config"},
                                                                  {"PUT", "/config"},
                                                                  {"POST", "/config/failure"},
                                                                  {"POST", "/config/latency"},
                                                                  {"POST", "/config/reset"},
                                                                  {"GET", "/load"},
                                                                  {"POST", "/load/cpu"},
                                                                  {"DELETE", "/load/cpu"},
                                                                  {"POST", "/load/memory"},
                                                                  {"DELETE", "/load/memory"},
                                                                  {"POST", "/crash"},
                                                                  {"GET", "/health"},
                                                                  {"GET", "/ready"},
                                                                  {"GET", "/metrics"}};
  EXPECT_EQ(server_.registered(), expected);
}

TEST_F(BackendRoutesTest, DataAnswersThePayloadWhenNoFaultIsConfigured) {
  build();
  const HttpResponse response = call("GET", "/data");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.delay, milliseconds(0));
  const nlohmann::json body = bodyOf(response);
  EXPECT_EQ(body["instance"], "test-instance");
  EXPECT_EQ(body["served_at"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(body["id"], 1);
  EXPECT_FALSE(body["items"].empty());
  EXPECT_EQ(bodyOf(call("GET", "/data"))["id"], 2);
}

TEST_F(BackendRoutesTest, DataAnswersTheInjectedStatusWhenTheFailureDrawHits) {
  options_.failure_rate = 0.6;  // the draw of 0.5 hits
  options_.status_code = 503;
  build();
  const HttpResponse response = call("GET", "/data");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(bodyOf(response),
            nlohmann::json::parse(R"({"error":"injected fault","status_code":503})"));
  EXPECT_NE(registry_.render().find("backend_injected_faults_total{type=\"error\"} 1"),
            std::string::npos);
}

TEST_F(BackendRoutesTest, DataCarriesTheInjectedDelayOnTheResponse) {
  build();
  ASSERT_EQ(call("POST", "/config/latency", R"({"delay_ms":1500,"delay_rate":1})").status, 200);
  const HttpResponse response = call("GET", "/data");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.delay, milliseconds(1500));
  EXPECT_NE(registry_.render().find("backend_injected_faults_total{type=\"latency\"} 1"),
            std::string::npos);
}

TEST_F(BackendRoutesTest, ConfigStartsFromTheFlagsAndAnswersTheExactWireShape) {
  options_.delay_ms = 20;
  options_.delay_rate = 0.5;
  build();
  const HttpResponse response = call("GET", "/config");
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body,
            R"({"failure_rate":0.0,"status_code":500,"delay_ms":20,"delay_rate":0.5})");
}

TEST_F(BackendRoutesTest, PartialUpdatesAnswerAndKeepTheWholeNewConfig) {
  build();
  const HttpResponse failure = call("POST", "/config/failure", R"({"failure_rate":0.25})");
  EXPECT_EQ(failure.status, 200);
  EXPECT_EQ(bodyOf(failure)["failure_rate"], 0.25);
  EXPECT_EQ(bodyOf(failure)["status_code"], 500);
  const HttpResponse latency = call("POST", "/config/latency", R"({"delay_ms":300})");
  EXPECT_EQ(bodyOf(latency),
            nlohmann::json::parse(
                R"({"failure_rate":0.25,"status_code":500,"delay_ms":300,"delay_rate":0.0})"));
  EXPECT_EQ(bodyOf(call("GET", "/config")), bodyOf(latency));
}

TEST_F(BackendRoutesTest, PutReplacesTheWholeConfigAndResetClearsIt) {
  build();
  const std::string saved =
      R"({"failure_rate":0.5,"status_code":429,"delay_ms":100,"delay_rate":0.75})";
  const HttpResponse put = call("PUT", "/config", saved);
  EXPECT_EQ(put.status, 200);
  EXPECT_EQ(bodyOf(put), nlohmann::json::parse(saved));
  EXPECT_EQ(bodyOf(call("POST", "/config/reset")), toJson(FaultConfig{}));
  EXPECT_EQ(routes_->currentConfig(), FaultConfig{});
}

TEST_F(BackendRoutesTest, EveryBadInputAnswers400NamingTheFieldAndChangesNothing) {
  build();
  const std::string saved =
      R"({"failure_rate":0.5,"status_code":503,"delay_ms":100,"delay_rate":0.5})";
  ASSERT_EQ(call("PUT", "/config", saved).status, 200);
  const std::vector<std::tuple<std::string, std::string, std::string, std::string>> cases = {
      {"POST", "/config/failure", R"({"failure_rate":1.5})", "failure_rate"},
      {"POST", "/config/failure", R"({"failure_rate":-0.5})", "failure_rate"},
      {"POST", "/config/failure", R"({"failure_rate":"high"})", "failure_rate"},
      {"POST", "/config/failure", R"({"status_code":200})", "status_code"},
      {"POST", "/config/failure", R"({"status_code":499})", "status_code"},
      {"POST", "/config/failure", R"({"status_code":"503"})", "status_code"},
      {"POST", "/config/failure", R"({"failure_rate":0.1,"status_code":600})", "status_code"},
      {"POST", "/config/failure", R"({})", "body"},
      {"POST", "/config/failure", R"({"failure_rate":)", "body"},
      {"POST", "/config/failure", R"([1])", "body"},
      {"POST", "/config/failure", R"({"rate":0.1})", "rate"},
      {"POST", "/config/latency", R"({"delay_ms":-1})", "delay_ms"},
      {"POST", "/config/latency", R"({"delay_ms":60001})", "delay_ms"},
      {"POST", "/config/latency", R"({"delay_ms":1.5})", "delay_ms"},
      {"POST", "/config/latency", R"({"delay_rate":2})", "delay_rate"},
      {"POST", "/config/latency", R"({"delay_rate":null})", "body"},
      {"PUT", "/config", R"({"failure_rate":0.1})", "status_code"},
      {"PUT", "/config", R"({"failure_rate":0.1,"status_code":500,"delay_ms":0})", "delay_rate"},
      {"PUT", "/config", "nope", "body"},
  };
  for (const auto& [method, path, body, field] : cases) {
    const HttpResponse response = call(method, path, body);
    EXPECT_EQ(response.status, 400) << method << " " << path << " " << body;
    EXPECT_EQ(bodyOf(response)["field"], field) << body;
    EXPECT_TRUE(bodyOf(response)["error"].is_string()) << body;
    EXPECT_EQ(bodyOf(call("GET", "/config")), nlohmann::json::parse(saved)) << body;
  }
}

TEST_F(BackendRoutesTest, ChaosBodiesAreValidatedBeforeTheGuardIsAsked) {
  options_.max_cpu_seconds = 30;
  options_.max_memory_mb = 64;
  options_.chaos_cooldown_ms = 60'000;
  build();
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"/load/cpu", R"({})", "duration_seconds"},
      {"/load/cpu", R"({"duration_seconds":0})", "duration_seconds"},
      {"/load/cpu", R"({"duration_seconds":31})", "duration_seconds"},
      {"/load/cpu", R"({"duration_seconds":"5"})", "duration_seconds"},
      {"/load/cpu", R"({"duration_seconds":5,"threads":0})", "threads"},
      {"/load/cpu", R"({"duration_seconds":5,"threads":100000})", "threads"},
      {"/load/cpu", R"({"duration_seconds":5,"cores":2})", "cores"},
      {"/load/cpu", R"(oops)", "body"},
      {"/load/memory", R"({})", "megabytes"},
      {"/load/memory", R"({"megabytes":65})", "megabytes"},
      {"/load/memory", R"({"megabytes":-1})", "megabytes"},
      {"/load/memory", R"({"megabytes":1,"duration_seconds":0})", "duration_seconds"},
      {"/load/memory", R"({"mb":1})", "mb"},
  };
  for (const auto& [path, body, field] : cases) {
    const HttpResponse response = call("POST", path, body);
    EXPECT_EQ(response.status, 400) << path << " " << body;
    EXPECT_EQ(bodyOf(response)["field"], field) << body;
  }
  // None of them started the cooldown.
  EXPECT_EQ(call("POST", "/load/memory", R"({"megabytes":1})").status, 200);
}

TEST_F(BackendRoutesTest, SecondChaosActionInCooldownIs429WithRetryAfter) {
  options_.chaos_cooldown_ms = 10'000;
  options_.max_concurrent_chaos = 4;
  build();
  const HttpResponse first = call("POST", "/load/cpu", R"({"duration_seconds":5})");
  EXPECT_EQ(first.status, 202);
  EXPECT_EQ(bodyOf(first)["cpu"]["active"], true);
  clock_.advance(milliseconds(3500));
  const HttpResponse second = call("POST", "/load/memory", R"({"megabytes":1})");
  EXPECT_EQ(second.status, 429);
  EXPECT_EQ(second.header("Retry-After"), "7");
  EXPECT_EQ(bodyOf(second)["reason"], "cooldown");
  EXPECT_TRUE(bodyOf(second)["error"].is_string());
  EXPECT_NE(
      registry_.render().find(R"(backend_chaos_actions_total{action="memory",result="refused"} 1)"),
      std::string::npos);
}

TEST_F(BackendRoutesTest, ChaosBeyondTheConcurrencyCapIs429UntilTheSlotIsFree) {
  options_.chaos_cooldown_ms = 0;
  options_.max_concurrent_chaos = 1;
  build();
  ASSERT_EQ(call("POST", "/load/memory", R"({"megabytes":1,"duration_seconds":20})").status, 200);
  const HttpResponse refused = call("POST", "/load/cpu", R"({"duration_seconds":1})");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(bodyOf(refused)["reason"], "concurrency");
  EXPECT_EQ(refused.header("Retry-After"), "20");
  const HttpResponse released = call("DELETE", "/load/memory");
  EXPECT_EQ(released.status, 200);
  EXPECT_EQ(bodyOf(released)["released_megabytes"], 1);
  EXPECT_EQ(call("POST", "/load/cpu", R"({"duration_seconds":1})").status, 202);
}

TEST_F(BackendRoutesTest, ReleasingMemoryIsNeverSubjectToTheCooldown) {
  options_.chaos_cooldown_ms = 60'000;
  build();
  ASSERT_EQ(call("POST", "/load/memory", R"({"megabytes":1})").status, 200);
  EXPECT_EQ(bodyOf(call("DELETE", "/load/memory"))["released_megabytes"], 1);
  EXPECT_EQ(bodyOf(call("DELETE", "/load/memory"))["released_megabytes"], 0);
}

TEST_F(BackendRoutesTest, ASecondStressOfTheSameKindIsAConflictNotACooldown) {
  options_.chaos_cooldown_ms = 0;
  options_.max_concurrent_chaos = 2;
  build();
  ASSERT_EQ(call("POST", "/load/memory", R"({"megabytes":1})").status, 200);
  EXPECT_EQ(call("POST", "/load/memory", R"({"megabytes":1})").status, 409);
  ASSERT_EQ(call("POST", "/load/cpu", R"({"duration_seconds":30})").status, 202);
  EXPECT_EQ(call("POST", "/load/cpu", R"({"duration_seconds":30})").status, 409);
}

TEST_F(BackendRoutesTest, LoadShowsActiveStressAndTimedMemoryReleasesItself) {
  options_.chaos_cooldown_ms = 0;
  options_.max_concurrent_chaos = 2;
  build();
  ASSERT_EQ(call("POST", "/load/memory", R"({"megabytes":2,"duration_seconds":10})").status, 200);
  ASSERT_EQ(call("POST", "/load/cpu", R"({"duration_seconds":30,"threads":1})").status, 202);
  clock_.advance(seconds(4));
  nlohmann::json load = bodyOf(call("GET", "/load"));
  EXPECT_EQ(load["memory"]["megabytes"], 2);
  EXPECT_DOUBLE_EQ(load["memory"]["remaining_seconds"].get<double>(), 6.0);
  EXPECT_EQ(load["cpu"]["threads"], 1);
  EXPECT_DOUBLE_EQ(load["cpu"]["remaining_seconds"].get<double>(), 26.0);
  EXPECT_EQ(load["active_actions"], 2);
  clock_.advance(seconds(6));
  load = bodyOf(call("GET", "/load"));
  EXPECT_EQ(load["memory"]["active"], false);
  EXPECT_EQ(load["active_actions"], 1);
  EXPECT_EQ(bodyOf(call("DELETE", "/load/cpu"))["stopped"], true);
  EXPECT_EQ(bodyOf(call("GET", "/load"))["active_actions"], 0);
}

TEST_F(BackendRoutesTest, CrashRunsTheCrashFunctionOncePerAdmittedRequest) {
  options_.chaos_cooldown_ms = 1'000;
  build();
  EXPECT_EQ(call("POST", "/crash").status, 202);
  EXPECT_EQ(crashes_, 1);
  const HttpResponse refused = call("POST", "/crash");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(crashes_, 1);
  EXPECT_EQ(kCrashExitCode, 70);
}

TEST_F(BackendRoutesTest, ChaosIsRefusedAfterStopChaos) {
  options_.chaos_cooldown_ms = 0;
  build();
  routes_->stopChaos();
  EXPECT_EQ(call("POST", "/load/cpu", R"({"duration_seconds":1})").status, 503);
  EXPECT_EQ(call("POST", "/load/memory", R"({"megabytes":1})").status, 503);
}

TEST_F(BackendRoutesTest, HealthIsAlwaysOk) {
  build();
  const HttpResponse response = call("GET", "/health");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(bodyOf(response), nlohmann::json::parse(R"({"status":"ok"})"));
}

TEST_F(BackendRoutesTest, ReadyFlipsWithOtherRequestsInFlightNotCountingItself) {
  options_.ready_max_inflight = 3;
  build();
  inflight_ = 4;  // 3 others plus the probe
  EXPECT_EQ(call("GET", "/ready").status, 200);
  inflight_ = 5;
  const HttpResponse overloaded = call("GET", "/ready");
  EXPECT_EQ(overloaded.status, 503);
  EXPECT_EQ(bodyOf(overloaded)["ready"], false);
  EXPECT_EQ(bodyOf(overloaded)["reason"], "inflight: 4 requests in flight, limit 3");
  EXPECT_NE(registry_.render().find("backend_ready 0"), std::string::npos);
  inflight_ = 1;
  EXPECT_EQ(bodyOf(call("GET", "/ready")), nlohmann::json::parse(R"({"ready":true})"));
  EXPECT_NE(registry_.render().find("backend_ready 1"), std::string::npos);
}

TEST_F(BackendRoutesTest, DataLatencyReportedByTheServerDrivesTheP95) {
  options_.ready_max_p95_ms = 100;
  options_.ready_window_seconds = 5;
  build();
  const common::RequestObserver observer = routes_->observer({});
  for (int i = 0; i < 10; ++i) observer({"GET", "/data", 200, 0.5});
  for (int i = 0; i < 10; ++i) observer({"GET", "/health", 200, 9.0});  // not counted
  const HttpResponse slow = call("GET", "/ready");
  EXPECT_EQ(slow.status, 503);
  EXPECT_EQ(bodyOf(slow)["reason"], "latency: p95 500 ms over the last 5 s, limit 100 ms");
  clock_.advance(seconds(5));
  EXPECT_EQ(call("GET", "/ready").status, 200);
}

TEST_F(BackendRoutesTest, ObserverForwardsEveryRecord) {
  build();
  int forwarded = 0;
  const common::RequestObserver observer =
      routes_->observer([&forwarded](const common::RequestRecord&) { ++forwarded; });
  observer({"GET", "/data", 200, 0.01});
  observer({"GET", "other", 404, 0.01});
  EXPECT_EQ(forwarded, 2);
}

TEST_F(BackendRoutesTest, MetricsArePrometheusTextWithTheBackendSeries) {
  build();
  inflight_ = 3;
  const HttpResponse response = call("GET", "/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, common::kPrometheusContentType);
  for (const char* series : {"backend_injected_faults_total{type=\"error\"} 0",
                             "backend_injected_faults_total{type=\"latency\"} 0",
                             "backend_inflight_requests 3", "backend_ready 1"}) {
    EXPECT_NE(response.body.find(series), std::string::npos) << series;
  }
}

}  // namespace
}  // namespace aftershock::backend
