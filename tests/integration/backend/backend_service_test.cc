// Integration tests: real backend-service processes on 127.0.0.1, driven over HTTP. They
// check behaviour, not timing: every wait is a poll with a deadline, and every latency
// bound has a wide margin.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/beast_http_client.h"
#include "common/http.h"
#include "tests/support/service_process.h"

namespace aftershock::backend {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr double kMiB = 1024.0 * 1024.0;

// The value of one series in Prometheus text (`series` as rendered, labels included), or
// nullopt when absent.
std::optional<double> metricValue(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

class BackendServiceTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    backend_ = std::make_unique<testing::ServiceProcess>("backend-service", std::move(args));
  }

  common::Result<common::HttpResponse> send(const std::string& method, const std::string& path,
                                            const std::string& body = "",
                                            milliseconds timeout = seconds(5)) {
    common::HttpClientRequest request;
    request.method = method;
    request.url = backend_->url() + path;
    request.body = body;
    request.timeout = timeout;
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    return client_->send(request);
  }

  // The answer to a request that must get one (fails the test otherwise).
  common::HttpResponse must(const std::string& method, const std::string& path,
                            const std::string& body = "") {
    auto response = send(method, path, body);
    EXPECT_TRUE(response.ok()) << method << " " << path << ": "
                               << (response.ok() ? "" : response.error().message) << "\n"
                               << backend_->logs();
    if (!response.ok()) return common::HttpResponse::error(599, "no answer");
    return *response;
  }

  nlohmann::json json(const std::string& method, const std::string& path,
                      const std::string& body = "") {
    return nlohmann::json::parse(must(method, path, body).body);
  }

  std::optional<double> metric(const std::string& series) {
    return metricValue(must("GET", "/metrics").body, series);
  }

  std::unique_ptr<common::HttpClient> client_ = common::makeBeastHttpClient();
  std::unique_ptr<testing::ServiceProcess> backend_;
};

const nlohmann::json kNoFaults = nlohmann::json::parse(
    R"({"failure_rate":0.0,"status_code":500,"delay_ms":0,"delay_rate":0.0})");

TEST_F(BackendServiceTest, HealthAndReadyAnswerOkWhileServing) {
  start();
  EXPECT_EQ(json("GET", "/health"), nlohmann::json::parse(R"({"status":"ok"})"));
  EXPECT_EQ(json("GET", "/ready"), nlohmann::json::parse(R"({"ready":true})"));
}

TEST_F(BackendServiceTest, DataAnswersThePayload) {
  start({"--instance=it-backend"});
  const common::HttpResponse response = must("GET", "/data");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  const nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["instance"], "it-backend");
  EXPECT_TRUE(body["items"].is_array());
  EXPECT_TRUE(body["served_at"].is_string());
}

TEST_F(BackendServiceTest, FaultConfigRoundTripsThroughEveryConfigRoute) {
  start();
  EXPECT_EQ(must("GET", "/config").body,
            R"({"failure_rate":0.0,"status_code":500,"delay_ms":0,"delay_rate":0.0})");

  const nlohmann::json failure =
      json("POST", "/config/failure", R"({"failure_rate":0.5,"status_code":503})");
  EXPECT_EQ(failure,
            nlohmann::json::parse(
                R"({"failure_rate":0.5,"status_code":503,"delay_ms":0,"delay_rate":0.0})"));
  EXPECT_EQ(json("GET", "/config"), failure);

  const nlohmann::json latency = json("POST", "/config/latency", R"({"delay_ms":250})");
  EXPECT_EQ(latency,
            nlohmann::json::parse(
                R"({"failure_rate":0.5,"status_code":503,"delay_ms":250,"delay_rate":0.0})"));
  EXPECT_EQ(json("GET", "/config"), latency);

  // What an operator does on rollback: restore a saved config in one call.
  const std::string saved =
      R"({"failure_rate":0.125,"status_code":429,"delay_ms":10,"delay_rate":0.75})";
  EXPECT_EQ(json("PUT", "/config", saved), nlohmann::json::parse(saved));
  EXPECT_EQ(json("GET", "/config"), nlohmann::json::parse(saved));

  EXPECT_EQ(json("POST", "/config/reset"), kNoFaults);
  EXPECT_EQ(json("GET", "/config"), kNoFaults);
  EXPECT_NE(backend_->logs().find("config changed"), std::string::npos);
}

TEST_F(BackendServiceTest, EveryBadInputIs400NamingTheFieldAndLeavesTheConfigAlone) {
  start();
  const std::string saved =
      R"({"failure_rate":0.25,"status_code":502,"delay_ms":5,"delay_rate":0.5})";
  ASSERT_EQ(must("PUT", "/config", saved).status, 200);
  const std::vector<std::tuple<std::string, std::string, std::string, std::string>> cases = {
      {"POST", "/config/failure", R"({"failure_rate":1.01})", "failure_rate"},
      {"POST", "/config/failure", R"({"failure_rate":-1})", "failure_rate"},
      {"POST", "/config/failure", R"({"failure_rate":"0.5"})", "failure_rate"},
      {"POST", "/config/failure", R"({"status_code":200})", "status_code"},
      {"POST", "/config/failure", R"({"status_code":299})", "status_code"},
      {"POST", "/config/failure", R"({"status_code":499})", "status_code"},
      {"POST", "/config/failure", R"({"status_code":600})", "status_code"},
      {"POST", "/config/failure", R"({"status_code":503.5})", "status_code"},
      {"POST", "/config/failure", R"({"failure_rate":0.9,"status_code":999})", "status_code"},
      {"POST", "/config/failure", R"({})", "body"},
      {"POST", "/config/failure", R"({"failure_rate":0.5)", "body"},
      {"POST", "/config/failure", R"(["failure_rate"])", "body"},
      {"POST", "/config/failure", R"({"failure_rat":0.5})", "failure_rat"},
      {"POST", "/config/latency", R"({"delay_ms":-5})", "delay_ms"},
      {"POST", "/config/latency", R"({"delay_ms":60001})", "delay_ms"},
      {"POST", "/config/latency", R"({"delay_ms":"100"})", "delay_ms"},
      {"POST", "/config/latency", R"({"delay_rate":1.5})", "delay_rate"},
      {"POST", "/config/latency", R"({"delay_rate":true})", "delay_rate"},
      {"POST", "/config/latency", R"({"status_code":503})", "status_code"},
      {"PUT", "/config", R"({"failure_rate":0.5,"status_code":503,"delay_ms":0})", "delay_rate"},
      {"PUT", "/config", R"({"failure_rate":2,"status_code":503,"delay_ms":0,"delay_rate":0})",
       "failure_rate"},
      {"PUT", "/config", "", "failure_rate"},
      {"PUT", "/config", "null", "body"},
  };
  for (const auto& [method, path, body, field] : cases) {
    const common::HttpResponse response = must(method, path, body);
    EXPECT_EQ(response.status, 400) << method << " " << path << " " << body;
    const nlohmann::json error = nlohmann::json::parse(response.body);
    EXPECT_EQ(error["field"], field) << body;
    EXPECT_TRUE(error["error"].is_string()) << body;
  }
  EXPECT_EQ(json("GET", "/config"), nlohmann::json::parse(saved));
}

TEST_F(BackendServiceTest, OversizedBodiesAre413AndChangeNothing) {
  start({"--max-body-bytes=1024"});
  const std::string padding(4096, ' ');
  const common::HttpResponse response =
      must("POST", "/config/failure", R"({"failure_rate":1.0)" + padding + "}");
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(json("GET", "/config"), kNoFaults);
  // The service keeps serving.
  EXPECT_EQ(must("GET", "/health").status, 200);
}

TEST_F(BackendServiceTest, UnknownRoutesAre404AndWrongMethodsAre405) {
  start();
  EXPECT_EQ(must("GET", "/nope").status, 404);
  EXPECT_EQ(must("POST", "/data").status, 405);
  const common::HttpResponse wrong = must("GET", "/config/failure");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_NE(wrong.header("Allow").find("POST"), std::string_view::npos);
  EXPECT_EQ(must("DELETE", "/config").status, 405);
}

TEST_F(BackendServiceTest, FailureRateOneAnswersTheConfiguredStatusEveryTime) {
  start();
  ASSERT_EQ(must("POST", "/config/failure", R"({"failure_rate":1.0,"status_code":503})").status,
            200);
  for (int i = 0; i < 20; ++i) {
    const common::HttpResponse response = must("GET", "/data");
    ASSERT_EQ(response.status, 503);
    EXPECT_EQ(nlohmann::json::parse(response.body),
              nlohmann::json::parse(R"({"error":"injected fault","status_code":503})"));
  }
  EXPECT_EQ(metric(R"(backend_injected_faults_total{type="error"})"), 20.0);
  EXPECT_EQ(metric(R"(backend_http_requests_total{route="/data",code="503"})"), 20.0);
  ASSERT_EQ(must("POST", "/config/reset").status, 200);
  EXPECT_EQ(must("GET", "/data").status, 200);
}

TEST_F(BackendServiceTest, InjectedDelayHoldsTheAnswerWithoutBlockingOtherRequests) {
  // One server thread: if the delay occupied it, /health could not answer meanwhile.
  start({"--threads=1"});
  ASSERT_EQ(must("POST", "/config/latency", R"({"delay_ms":3000,"delay_rate":1.0})").status, 200);
  std::optional<common::Result<common::HttpResponse>> delayed;
  Clock::duration delayed_took{};
  std::thread caller([&] {
    const auto begin = Clock::now();
    delayed = send("GET", "/data", "", seconds(10));
    delayed_took = Clock::now() - begin;
  });
  ASSERT_TRUE(testing::eventually(
      [&] { return metric("backend_inflight_requests").value_or(0) >= 2; }, seconds(5)));
  const auto begin = Clock::now();
  EXPECT_EQ(must("GET", "/health").status, 200);
  EXPECT_LT(Clock::now() - begin, milliseconds(1500));
  EXPECT_EQ(must("GET", "/config").status, 200);
  caller.join();
  ASSERT_TRUE(delayed.has_value() && delayed->ok());
  EXPECT_EQ((*delayed)->status, 200);
  EXPECT_GE(delayed_took, milliseconds(2900));
  EXPECT_EQ(metric(R"(backend_injected_faults_total{type="latency"})"), 1.0);
}

TEST_F(BackendServiceTest, ReadinessFailsWhileOverloadedAndRecoversByItself) {
  start({"--ready-max-inflight=5"});
  ASSERT_EQ(must("POST", "/config/latency", R"({"delay_ms":1500,"delay_rate":1.0})").status, 200);
  std::vector<std::thread> callers;
  std::atomic<int> answered{0};
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      auto response = send("GET", "/data", "", seconds(10));
      if (response.ok() && response->status == 200) ++answered;
    });
  }
  std::string reason;
  EXPECT_TRUE(testing::eventually(
      [&] {
        auto ready = send("GET", "/ready");
        if (!ready.ok() || ready->status != 503) return false;
        reason = nlohmann::json::parse(ready->body).value("reason", "");
        return true;
      },
      seconds(5)));
  EXPECT_EQ(reason.rfind("inflight:", 0), 0u) << reason;
  EXPECT_EQ(metric("backend_ready"), 0.0);
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(answered.load(), 8);
  EXPECT_TRUE(testing::eventually([&] { return must("GET", "/ready").status == 200; }, seconds(5)));
  EXPECT_EQ(metric("backend_ready"), 1.0);
}

TEST_F(BackendServiceTest, ReadinessFailsOnASlowRecentP95AndRecoversAsTheWindowSlides) {
  start({"--ready-max-p95-ms=100", "--ready-window-seconds=2"});
  ASSERT_EQ(must("POST", "/config/latency", R"({"delay_ms":300,"delay_rate":1.0})").status, 200);
  std::vector<std::thread> callers;
  for (int i = 0; i < 6; ++i) callers.emplace_back([&] { (void)send("GET", "/data"); });
  for (auto& caller : callers) caller.join();
  ASSERT_EQ(must("POST", "/config/reset").status, 200);
  const common::HttpResponse slow = must("GET", "/ready");
  // The samples may already have aged out on a very slow machine; only check when not.
  if (slow.status == 503) {
    EXPECT_EQ(nlohmann::json::parse(slow.body)["reason"].get<std::string>().rfind("latency:", 0),
              0u);
  } else {
    ADD_FAILURE() << "expected 503 right after slow requests, got " << slow.status;
  }
  EXPECT_TRUE(testing::eventually([&] { return must("GET", "/ready").status == 200; }, seconds(5)));
}

TEST_F(BackendServiceTest, SecondChaosActionWithinTheCooldownIs429WithRetryAfter) {
  start({"--chaos-cooldown-ms=30000"});
  ASSERT_EQ(must("POST", "/load/memory", R"({"megabytes":1})").status, 200);
  const common::HttpResponse refused = must("POST", "/load/cpu", R"({"duration_seconds":1})");
  EXPECT_EQ(refused.status, 429);
  const std::string retry_after(refused.header("Retry-After"));
  ASSERT_FALSE(retry_after.empty());
  EXPECT_GE(std::stoi(retry_after), 25);
  EXPECT_LE(std::stoi(retry_after), 30);
  EXPECT_EQ(nlohmann::json::parse(refused.body)["reason"], "cooldown");
  // Undoing a fault is never refused.
  EXPECT_EQ(json("DELETE", "/load/memory")["released_megabytes"], 1);
}

TEST_F(BackendServiceTest, ChaosBeyondTheConcurrencyCapIs429) {
  start({"--chaos-cooldown-ms=0", "--max-concurrent-chaos=1"});
  ASSERT_EQ(must("POST", "/load/memory", R"({"megabytes":1,"duration_seconds":30})").status, 200);
  const common::HttpResponse refused = must("POST", "/load/cpu", R"({"duration_seconds":1})");
  EXPECT_EQ(refused.status, 429);
  EXPECT_FALSE(refused.header("Retry-After").empty());
  EXPECT_EQ(nlohmann::json::parse(refused.body)["reason"], "concurrency");
}

TEST_F(BackendServiceTest, MemoryStressShowsInResidentMemoryAndIsReleased) {
  start({"--chaos-cooldown-ms=0", "--max-memory-mb=256"});
  const double before = metric("process_resident_memory_bytes").value_or(0);
  ASSERT_GT(before, 0);
  EXPECT_EQ(must("POST", "/load/memory", R"({"megabytes":257})").status, 400);
  const nlohmann::json held = json("POST", "/load/memory", R"({"megabytes":128})");
  EXPECT_EQ(held["memory"]["megabytes"], 128);
  EXPECT_GE(metric("process_resident_memory_bytes").value_or(0), before + 120 * kMiB);
  EXPECT_EQ(json("GET", "/load")["memory"]["active"], true);
  EXPECT_EQ(json("DELETE", "/load/memory")["released_megabytes"], 128);
  EXPECT_TRUE(testing::eventually(
      [&] { return metric("process_resident_memory_bytes").value_or(0) < before + 32 * kMiB; },
      seconds(5)));
}

TEST_F(BackendServiceTest, TimedMemoryStressReleasesItself) {
  start({"--chaos-cooldown-ms=0"});
  ASSERT_EQ(must("POST", "/load/memory", R"({"megabytes":16,"duration_seconds":1})").status, 200);
  EXPECT_TRUE(testing::eventually(
      [&] {
        return metric(R"(backend_chaos_actions_total{action="memory_release",result="done"})")
            .has_value();
      },
      seconds(5)));
  EXPECT_EQ(json("GET", "/load")["memory"]["active"], false);
}

TEST_F(BackendServiceTest, CpuStressBurnsCpuAndEndsByItself) {
  start({"--chaos-cooldown-ms=0"});
  const double cpu_before = metric("process_cpu_seconds_total").value_or(0);
  const common::HttpResponse started = must("POST", "/load/cpu", R"({"duration_seconds":1})");
  EXPECT_EQ(started.status, 202);
  EXPECT_EQ(nlohmann::json::parse(started.body)["cpu"]["active"], true);
  EXPECT_TRUE(testing::eventually([&] { return json("GET", "/load")["cpu"]["active"] == false; },
                                  seconds(5)));
  EXPECT_GE(metric("process_cpu_seconds_total").value_or(0), cpu_before + 0.2);
  // The slot is free again.
  EXPECT_EQ(must("POST", "/load/cpu", R"({"duration_seconds":1})").status, 202);
}

TEST_F(BackendServiceTest, CrashExitsAtOnceWithTheDocumentedCode) {
  start();
  (void)send("POST", "/crash", "", seconds(2));  // no answer is expected
  const std::optional<int> status = backend_->waitForExit(seconds(5));
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 70);
  EXPECT_NE(backend_->logs().find("crashing on request"), std::string::npos);
}

TEST_F(BackendServiceTest, SigtermExitsZeroEvenDuringCpuStress) {
  start({"--chaos-cooldown-ms=0"});
  ASSERT_EQ(must("POST", "/load/cpu", R"({"duration_seconds":60})").status, 202);
  const auto begin = Clock::now();
  const std::optional<int> status = backend_->terminate(seconds(10));
  ASSERT_TRUE(status.has_value()) << backend_->logs();
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_LT(Clock::now() - begin, seconds(5));
}

TEST_F(BackendServiceTest, MetricsExposeTheDocumentedSeries) {
  start();
  ASSERT_EQ(must("GET", "/data").status, 200);
  const common::HttpResponse response = must("GET", "/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Content-Type"), "text/plain; version=0.0.4");
  for (const char* series :
       {R"(backend_http_requests_total{route="/data",code="200"})",
        R"(backend_http_request_duration_seconds_count{route="/data"})",
        R"(backend_injected_faults_total{type="error"})",
        R"(backend_injected_faults_total{type="latency"})", "backend_inflight_requests",
        "backend_ready", "process_resident_memory_bytes"}) {
    EXPECT_TRUE(metricValue(response.body, series).has_value()) << series << "\n" << response.body;
  }
}

TEST_F(BackendServiceTest, RefusesToStartWithAnInvalidInitialConfig) {
  EXPECT_THROW(start({"--status-code=499"}), std::runtime_error);
}

}  // namespace
}  // namespace aftershock::backend
