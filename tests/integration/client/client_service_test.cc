// Integration tests: a real client-service calling a real backend-service, both on
// 127.0.0.1, driven over HTTP. Faults are injected through the backend's own config API.
// Every wait is a poll with a deadline (eventually), and every statistical claim has a wide
// margin: these tests check behaviour, never timing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/beast_http_client.h"
#include "common/http.h"
#include "tests/support/service_process.h"

namespace aftershock::client {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The sum of every series of `family` whose labels start with `label_prefix`, in Prometheus
// text; 0 when none.
double sumOfSeries(const std::string& text, const std::string& family,
                   const std::string& label_prefix = "") {
  std::istringstream lines(text);
  std::string line;
  double sum = 0;
  const std::string start = family + (label_prefix.empty() ? "" : "{" + label_prefix);
  while (std::getline(lines, line)) {
    if (line.rfind(start, 0) != 0) continue;
    const auto space = line.rfind(' ');
    const std::string name = line.substr(0, space);
    // Exact family only (not family_bucket etc.).
    if (name != family && name.rfind(family + "{", 0) != 0) continue;
    sum += std::stod(line.substr(space + 1));
  }
  return sum;
}

struct Answer {
  int status = 0;
  json body;
};

class ClientServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_ = common::makeBeastHttpClient();
    ASSERT_NE(http_, nullptr);
    backend_ =
        std::make_unique<testing::ServiceProcess>("backend-service", std::vector<std::string>{});
  }

  void startClient(std::vector<std::string> args = {}) {
    args.push_back("--backend-url=" + backend_->url());
    client_ = std::make_unique<testing::ServiceProcess>("client-service", std::move(args));
  }

  Answer call(const std::string& base, const std::string& method, const std::string& path,
              const std::string& body = "") {
    common::HttpClientRequest request;
    request.method = method;
    request.url = base + path;
    request.body = body;
    request.timeout = seconds(10);
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    auto response = http_->send(request);
    EXPECT_TRUE(response.ok()) << method << " " << base << path << ": "
                               << (response.ok() ? "" : response.error().message);
    if (!response.ok()) return {};
    Answer answer{response->status, nullptr};
    if (response->content_type.find("json") != std::string::npos ||
        response->header("Content-Type").find("json") != std::string::npos) {
      answer.body = json::parse(response->body, nullptr, false);
    } else {
      answer.body = response->body;
    }
    return answer;
  }
  Answer client(const std::string& method, const std::string& path, const std::string& body = "") {
    return call(client_->url(), method, path, body);
  }
  Answer backend(const std::string& method, const std::string& path, const std::string& body = "") {
    return call(backend_->url(), method, path, body);
  }
  Answer fetch() { return client("GET", "/fetch-data"); }

  void configureClient(const json& patch) {
    const Answer answer = client("POST", "/config/resilience", patch.dump());
    ASSERT_EQ(answer.status, 200) << answer.body.dump();
  }
  void injectFailures(double rate, int status) {
    ASSERT_EQ(backend("POST", "/config/failure",
                      json{{"failure_rate", rate}, {"status_code", status}}.dump())
                  .status,
              200);
  }
  void healBackend() { ASSERT_EQ(backend("POST", "/config/reset").status, 200); }

  // Requests /data the backend has answered, whatever the status.
  double backendDataRequests() {
    const Answer metrics = backend("GET", "/metrics");
    return sumOfSeries(metrics.body.get<std::string>(), "backend_http_requests_total",
                       "route=\"/data\"");
  }
  double clientMetric(const std::string& family, const std::string& labels = "") {
    const Answer metrics = client("GET", "/metrics");
    return sumOfSeries(metrics.body.get<std::string>(), family, labels);
  }

  // Short backoff waits keep hundreds of retried calls within a second or two.
  static json quickRetries() {
    return {{"retry", {{"initial_backoff_ms", 2}, {"max_backoff_ms", 20}}}};
  }

  std::unique_ptr<common::HttpClient> http_;
  std::unique_ptr<testing::ServiceProcess> backend_;
  std::unique_ptr<testing::ServiceProcess> client_;
};

TEST_F(ClientServiceTest, ServesBackendDataAndSaysHowItWasServed) {
  startClient();
  const Answer answer = fetch();
  ASSERT_EQ(answer.status, 200) << answer.body.dump();
  EXPECT_EQ(answer.body["source"], "backend");
  EXPECT_EQ(answer.body["attempts"], 1);
  EXPECT_EQ(answer.body["circuit_state"], "closed");
  EXPECT_EQ(answer.body["stale"], false);
  EXPECT_TRUE(answer.body["data"].is_object());
  EXPECT_EQ(client("GET", "/health").status, 200);
  EXPECT_EQ(client("GET", "/ready").status, 200);
}

TEST_F(ClientServiceTest, RecoversFromFiftyPercent503sThroughRetries) {
  startClient();
  configureClient(quickRetries());
  injectFailures(0.5, 503);
  constexpr int kCalls = 200;
  int fresh = 0, via_retry = 0, answered_200 = 0;
  for (int i = 0; i < kCalls; ++i) {
    const Answer answer = fetch();
    answered_200 += answer.status == 200 ? 1 : 0;
    const std::string source = answer.body.value("source", "");
    fresh += source == "backend" || source == "retry" ? 1 : 0;
    via_retry += source == "retry" ? 1 : 0;
  }
  // Expected: 87.5 % fresh, 37.5 % of calls rescued by a retry, the rest mostly stale data.
  EXPECT_GE(fresh, kCalls * 75 / 100);
  EXPECT_GE(via_retry, kCalls * 20 / 100);
  EXPECT_GE(answered_200, kCalls * 95 / 100);
  EXPECT_EQ(client("GET", "/circuit-status").body["state"], "closed");
  EXPECT_GT(clientMetric("client_retries_total"), kCalls * 0.4);
}

TEST_F(ClientServiceTest, OpensTheCircuitOnHundredPercent500sAndThenFailsFast) {
  startClient();
  ASSERT_EQ(fetch().status, 200);  // something for the fallback to serve
  injectFailures(1.0, 500);
  ASSERT_TRUE(
      testing::eventually([&] { return fetch().body["circuit_state"] == "open"; }, seconds(10)));
  const double backend_hits = backendDataRequests();
  for (int i = 0; i < 20; ++i) {
    const Answer answer = fetch();
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.body["source"], "fallback");
    EXPECT_EQ(answer.body["reason"], "circuit_open");
    EXPECT_EQ(answer.body["attempts"], 0);
    EXPECT_EQ(answer.body["stale"], true);
  }
  // No request reached the backend while the circuit was open.
  EXPECT_EQ(backendDataRequests(), backend_hits);
  EXPECT_EQ(clientMetric("client_circuit_breaker_state", "state=\"open\""), 1);
  EXPECT_GE(clientMetric("client_circuit_breaker_rejections_total"), 20);
  const Answer status = client("GET", "/circuit-status");
  EXPECT_EQ(status.body["state"], "open");
  EXPECT_GT(status.body["seconds_until_half_open"].get<double>(), 0.0);
}

TEST_F(ClientServiceTest, ProbesHalfOpenAndClosesWhenTheBackendHeals) {
  startClient();
  configureClient({{"circuit_breaker", {{"open_wait_ms", 200}, {"half_open_permitted_calls", 2}}}});
  injectFailures(1.0, 500);
  ASSERT_TRUE(
      testing::eventually([&] { return fetch().body["circuit_state"] == "open"; }, seconds(10)));
  // While the backend is still broken, the probe fails and the circuit opens again.
  ASSERT_TRUE(testing::eventually(
      [&] { return client("GET", "/circuit-status").body["state"] == "half_open"; }, seconds(5)));
  const Answer probe = fetch();
  EXPECT_EQ(probe.body["attempts"], 1);
  EXPECT_EQ(probe.body["circuit_state"], "open");

  healBackend();
  ASSERT_TRUE(testing::eventually(
      [&] {
        const Answer answer = fetch();
        return answer.body["source"] == "backend" && answer.body["circuit_state"] == "closed";
      },
      seconds(10)));
  EXPECT_GE(
      clientMetric("client_circuit_breaker_transitions_total", "from=\"half_open\",to=\"closed\""),
      1);
  EXPECT_GE(
      clientMetric("client_circuit_breaker_transitions_total", "from=\"half_open\",to=\"open\""),
      1);
}

TEST_F(ClientServiceTest, FallbackServesTheLastGoodDataMarkedStaleWithItsAge) {
  startClient();
  const Answer good = fetch();
  ASSERT_EQ(good.status, 200);
  injectFailures(1.0, 503);

  const Answer first = fetch();
  ASSERT_EQ(first.status, 200) << first.body.dump();
  EXPECT_EQ(first.body["source"], "fallback");
  EXPECT_EQ(first.body["stale"], true);
  EXPECT_EQ(first.body["data"], good.body["data"]);
  EXPECT_EQ(first.body["attempts"], 3);
  EXPECT_EQ(first.body["reason"], "retries_exhausted");
  EXPECT_EQ(first.body["backend_status"], 503);
  const double first_age = first.body["stale_age_seconds"].get<double>();
  EXPECT_GT(first_age, 0.0);
  // The age grows with time (and the data stays the last good one).
  ASSERT_TRUE(testing::eventually(
      [&] {
        const Answer later = fetch();
        return later.body["data"] == good.body["data"] &&
               later.body["stale_age_seconds"].get<double>() > first_age + 0.05;
      },
      seconds(5)));
}

TEST_F(ClientServiceTest, WithoutAnyGoodDataTheFallbackAnswersAClear503) {
  injectFailures(1.0, 503);
  startClient();
  const Answer answer = fetch();
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.body["source"], "fallback");
  EXPECT_TRUE(answer.body["data"].is_null());
  EXPECT_TRUE(answer.body.contains("error"));
}

TEST_F(ClientServiceTest, BaselineShowsTheRawFailureRateThatResilientModeHides) {
  startClient();
  configureClient(quickRetries());
  injectFailures(0.5, 503);
  constexpr int kCalls = 200;

  configureClient({{"mode", "baseline"}});
  int baseline_ok = 0;
  for (int i = 0; i < kCalls; ++i) {
    const Answer answer = fetch();
    baseline_ok += answer.status == 200 ? 1 : 0;
    ASSERT_EQ(answer.body["attempts"], 1);
    ASSERT_EQ(answer.body["mode"], "baseline");
    if (answer.status != 200) {
      ASSERT_EQ(answer.status, 502);
    }
  }

  configureClient({{"mode", "resilient"}});
  int resilient_fresh = 0;
  for (int i = 0; i < kCalls; ++i) {
    const std::string source = fetch().body.value("source", "");
    resilient_fresh += source == "backend" || source == "retry" ? 1 : 0;
  }
  // ~50 % vs ~87.5 %.
  EXPECT_GT(baseline_ok, kCalls * 30 / 100);
  EXPECT_LT(baseline_ok, kCalls * 70 / 100);
  EXPECT_GE(resilient_fresh, kCalls * 75 / 100);
  EXPECT_GT(resilient_fresh, baseline_ok + kCalls / 10);
}

TEST_F(ClientServiceTest, ABusyBulkheadRefusesAtOnceInsteadOfQueueing) {
  startClient({"--bulkhead-threads=1", "--bulkhead-queue=0"});
  ASSERT_EQ(fetch().status, 200);
  ASSERT_EQ(backend("POST", "/config/latency", json{{"delay_ms", 400}, {"delay_rate", 1.0}}.dump())
                .status,
            200);
  configureClient({{"timeouts", {{"attempt_timeout_ms", 2000}, {"overall_deadline_ms", 3000}}}});
  std::atomic<int> refused{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&] {
      auto own_client = common::makeBeastHttpClient();
      common::HttpClientRequest request;
      request.url = client_->url() + "/fetch-data";
      request.timeout = seconds(10);
      auto response = own_client->send(request);
      if (!response.ok()) return;
      const json body = json::parse(response->body, nullptr, false);
      if (body.is_object() && body.value("reason", "") == "bulkhead_full") {
        EXPECT_EQ(body["source"], "fallback");
        EXPECT_EQ(body["stale"], true);
        ++refused;
      }
    });
  }
  for (auto& caller : callers) caller.join();
  // One worker, no queue, four callers at once on a 400 ms backend: some are refused.
  EXPECT_GE(refused.load(), 1);
  EXPECT_GE(clientMetric("client_bulkhead_rejections_total"), 1);
}

TEST_F(ClientServiceTest, LoadGeneratorRunsPacedAndReportsStats) {
  startClient();
  Answer started = client("POST", "/load/start", R"({"rps":100,"duration_seconds":2})");
  ASSERT_EQ(started.status, 202) << started.body.dump();
  EXPECT_EQ(client("POST", "/load/start", R"({"rps":10,"duration_seconds":1})").status, 409);
  ASSERT_TRUE(testing::eventually(
      [&] { return client("GET", "/load/stats").body["running"] == false; }, seconds(15)));
  const json stats = client("GET", "/load/stats").body;
  EXPECT_EQ(stats["requests"], 200);
  const json& successes = stats["successes"];
  EXPECT_EQ(successes["backend"].get<int>() + successes["retry"].get<int>() +
                successes["fallback"].get<int>() + stats["failures"].get<int>() +
                stats["rejected"].get<int>(),
            200);
  EXPECT_GE(successes["backend"].get<int>(), 190);  // a healthy backend
  EXPECT_GT(stats["latency_ms"]["p50"].get<double>(), 0.0);
  EXPECT_GE(stats["latency_ms"]["max"].get<double>(), stats["latency_ms"]["p99"].get<double>());
  EXPECT_GT(stats["achieved_rps"].get<double>(), 50.0);
  EXPECT_LT(stats["achieved_rps"].get<double>(), 150.0);

  // A long run stops on request, and stats reset on the next start.
  ASSERT_EQ(client("POST", "/load/start", R"({"rps":20,"duration_seconds":600})").status, 202);
  EXPECT_EQ(client("POST", "/load/stop").status, 200);
  ASSERT_TRUE(testing::eventually(
      [&] { return client("GET", "/load/stats").body["running"] == false; }, seconds(10)));
  EXPECT_LT(client("GET", "/load/stats").body["requests"].get<int>(), 200);
}

TEST_F(ClientServiceTest, BadInputIsA400NamingTheFieldAndChangesNothing) {
  startClient();
  const json before = client("GET", "/config/resilience").body;
  Answer answer = client("POST", "/config/resilience", R"({"retry":{"max_attempts":0}})");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body["field"], "retry.max_attempts");
  answer = client("POST", "/config/resilience", R"({"circuit_breaker":{"forced_state":"maybe"}})");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body["field"], "circuit_breaker.forced_state");
  answer = client("POST", "/config/resilience", "{broken");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(client("GET", "/config/resilience").body, before);

  answer = client("POST", "/load/start", R"({"rps":5001,"duration_seconds":10})");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body["field"], "rps");
  answer = client("POST", "/load/start", R"({"rps":10,"duration_seconds":0})");
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(answer.body["field"], "duration_seconds");
}

TEST_F(ClientServiceTest, ForcedStatesApplyAtRuntime) {
  startClient();
  ASSERT_EQ(fetch().status, 200);
  configureClient({{"circuit_breaker", {{"forced_state", "forced_open"}}}});
  const double backend_hits = backendDataRequests();
  const Answer refused = fetch();
  EXPECT_EQ(refused.body["circuit_state"], "forced_open");
  EXPECT_EQ(refused.body["attempts"], 0);
  EXPECT_EQ(backendDataRequests(), backend_hits);

  configureClient({{"circuit_breaker", {{"forced_state", "disabled"}}}});
  injectFailures(1.0, 500);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(fetch().body["circuit_state"], "disabled");

  configureClient({{"circuit_breaker", {{"forced_state", "none"}}}});
  EXPECT_EQ(client("GET", "/circuit-status").body["state"], "closed");
}

TEST_F(ClientServiceTest, MetricsExposeTheResilienceSeries) {
  startClient();
  fetch();
  const Answer metrics = client("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::string text = metrics.body.get<std::string>();
  for (const char* series :
       {"client_circuit_breaker_state{state=\"closed\"} 1",
        "client_calls_total{outcome=\"backend\"} 1", "client_retries_total",
        "client_retry_budget_tokens", "client_fetch_duration_seconds_bucket",
        "client_http_requests_total{route=\"/fetch-data\",code=\"200\"}", "process_"}) {
    EXPECT_NE(text.find(series), std::string::npos) << series;
  }
}

}  // namespace
}  // namespace aftershock::client
