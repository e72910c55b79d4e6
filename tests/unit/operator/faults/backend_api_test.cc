#include "operator/faults/backend_api.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/fakes/fake_http_client.h"
#include "tests/unit/operator/faults/fault_test_support.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using common::HttpResponse;
using nlohmann::json;
using testing::FakeHttpClient;

constexpr const char* kUrl = "http://backend-service:8000";
constexpr const char* kConfig =
    R"({"failure_rate":0.25,"status_code":503,"delay_ms":100,"delay_rate":0.0})";

class BackendApiTest : public ::testing::Test {
 protected:
  common::HttpClientRequest onlyRequest() const {
    auto requests = http_.requests();
    EXPECT_EQ(requests.size(), 1u);
    return requests.empty() ? common::HttpClientRequest{} : requests.front();
  }

  FakeHttpClient http_;
  BackendApi api_{http_};
};

TEST(JoinBackendUrlTest, JoinsWithAndWithoutTrailingSlashes) {
  EXPECT_EQ(joinBackendUrl("http://x:8000", "/config"), "http://x:8000/config");
  EXPECT_EQ(joinBackendUrl("http://x:8000/", "/config"), "http://x:8000/config");
  EXPECT_EQ(joinBackendUrl("http://x:8000//", "/config"), "http://x:8000/config");
  EXPECT_EQ(joinBackendUrl("http://x:8000/prefix/", "/load/cpu"), "http://x:8000/prefix/load/cpu");
  EXPECT_EQ(joinBackendUrl("http://x:8000", "config"), "http://x:8000/config");
}

TEST_F(BackendApiTest, ATrailingSlashInTheBaseUrlIsNotDoubled) {
  http_.pushStatus(200, kConfig);
  ASSERT_TRUE(api_.getConfig("http://backend-service:8000/").ok());
  EXPECT_EQ(onlyRequest().url, "http://backend-service:8000/config");
}

TEST_F(BackendApiTest, GetConfigReturnsTheConfigExactlyAsAnswered) {
  http_.pushStatus(200, kConfig);
  auto config = api_.getConfig(kUrl);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(*config, json::parse(kConfig));
  const auto request = onlyRequest();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "http://backend-service:8000/config");
  EXPECT_TRUE(request.body.empty());
  EXPECT_EQ(request.timeout, std::chrono::milliseconds(5000));
}

TEST_F(BackendApiTest, GetConfigRejectsABodyThatIsNotAJsonObject) {
  http_.pushStatus(200, "<html>hello</html>");
  http_.pushStatus(200, "[1,2]");
  for (int i = 0; i < 2; ++i) {
    auto config = api_.getConfig(kUrl);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, ErrorCode::kInvalid);
    EXPECT_NE(config.error().message.find("not a JSON object"), std::string::npos)
        << config.error().message;
    EXPECT_NE(config.error().message.find(kUrl), std::string::npos);
  }
}

TEST_F(BackendApiTest, GetConfigRejectsAConfigMissingOneOfItsNumbers) {
  http_.pushStatus(200, R"({"failure_rate":0.25,"status_code":"503","delay_ms":1,"delay_rate":0})");
  auto config = api_.getConfig(kUrl);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalid);
  EXPECT_NE(config.error().message.find("status_code"), std::string::npos)
      << config.error().message;
}

TEST_F(BackendApiTest, AServerErrorSurfacesWithItsStatusAndTheBackendsErrorText) {
  http_.pushStatus(500, R"({"error":"config store exploded"})");
  auto config = api_.getConfig(kUrl);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kTransient);
  const std::string& message = config.error().message;
  EXPECT_NE(message.find("500"), std::string::npos) << message;
  EXPECT_NE(message.find("config store exploded"), std::string::npos) << message;
  EXPECT_NE(message.find("GET /config"), std::string::npos) << message;
  EXPECT_NE(message.find(kUrl), std::string::npos) << message;
}

TEST_F(BackendApiTest, AnErrorBodyThatIsNotJsonIsQuotedInTheMessage) {
  http_.pushStatus(502, "<html>Bad Gateway</html>");
  const common::Status put = api_.putConfig(kUrl, json::parse(kConfig));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kTransient);
  EXPECT_NE(put.error().message.find("502"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("Bad Gateway"), std::string::npos) << put.error().message;
}

TEST_F(BackendApiTest, ABadRequestIsInvalidAndNamesTheRejectedFieldInTheMessage) {
  http_.pushStatus(400, R"({"error":"must be a registered status","field":"status_code"})");
  const common::Status posted = api_.postFailure(kUrl, FailurePatch{std::nullopt, 299});
  ASSERT_FALSE(posted.ok());
  EXPECT_EQ(posted.error().code, ErrorCode::kInvalid);
  EXPECT_NE(posted.error().message.find("400"), std::string::npos);
  EXPECT_NE(posted.error().message.find("must be a registered status"), std::string::npos);
  EXPECT_NE(posted.error().message.find("status_code"), std::string::npos);
  // The backend's field names our request, not the experiment's spec.
  EXPECT_TRUE(posted.error().field.empty());
}

TEST_F(BackendApiTest, ARefusalFromTheChaosGuardIsTooManyRequestsWithItsRetryAfter) {
  HttpResponse refusal = HttpResponse::json(
      429, {{"error", "chaos cooldown"}, {"reason", "cooldown"}, {"retry_after_seconds", 3}});
  refusal.headers.emplace_back("Retry-After", "3");
  http_.push({refusal});
  const common::Status started = api_.startCpu(kUrl, CpuLoadRequest{10, 0});
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, ErrorCode::kTooManyRequests);
  const std::string& message = started.error().message;
  EXPECT_NE(message.find("429"), std::string::npos) << message;
  EXPECT_NE(message.find("chaos cooldown"), std::string::npos) << message;
  EXPECT_NE(message.find("cooldown"), std::string::npos) << message;
  EXPECT_NE(message.find("retry after 3s"), std::string::npos) << message;
}

TEST_F(BackendApiTest, RetryAfterFallsBackToTheBodyWhenTheHeaderIsMissing) {
  http_.pushStatus(429, R"({"error":"too many","reason":"concurrency","retry_after_seconds":7})");
  const common::Status crashed = api_.crash(kUrl);
  ASSERT_FALSE(crashed.ok());
  EXPECT_EQ(crashed.error().code, ErrorCode::kTooManyRequests);
  EXPECT_NE(crashed.error().message.find("retry after 7s"), std::string::npos)
      << crashed.error().message;
}

TEST_F(BackendApiTest, AnUnreachableBackendKeepsUnavailableAndNamesTheUrl) {
  http_.pushError(ErrorCode::kUnavailable);
  auto config = api_.getConfig(kUrl);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(config.error().message.rfind("backend http://backend-service:8000 unreachable: ", 0),
            0u)
      << config.error().message;
  EXPECT_NE(config.error().message.find("fake transport failure"), std::string::npos);
}

TEST_F(BackendApiTest, ATimeoutKeepsItsCodeAndNamesTheUrlAndTheDeadline) {
  http_.pushError(ErrorCode::kTimeout);
  auto load = api_.getLoad(kUrl);
  ASSERT_FALSE(load.ok());
  EXPECT_EQ(load.error().code, ErrorCode::kTimeout);
  EXPECT_NE(load.error().message.find(kUrl), std::string::npos) << load.error().message;
  EXPECT_NE(load.error().message.find("5s"), std::string::npos) << load.error().message;
}

TEST_F(BackendApiTest, PutConfigSendsTheConfigAsItIs) {
  const json config = json::parse(kConfig);
  ASSERT_TRUE(api_.putConfig(kUrl, config).ok());
  const auto request = onlyRequest();
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.url, "http://backend-service:8000/config");
  EXPECT_EQ(bodyOf(request), config);
  EXPECT_EQ(common::findHeader(request.headers, "Content-Type"), "application/json");
}

TEST_F(BackendApiTest, PostFailureSendsOnlyTheFieldsThatAreSet) {
  ASSERT_TRUE(api_.postFailure(kUrl, FailurePatch{0.5, std::nullopt}).ok());
  ASSERT_TRUE(api_.postFailure(kUrl, FailurePatch{std::nullopt, 503}).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/config/failure");
  EXPECT_EQ(bodyOf(requests[0]), json({{"failure_rate", 0.5}}));
  EXPECT_EQ(bodyOf(requests[1]), json({{"status_code", 503}}));
}

TEST_F(BackendApiTest, PostLatencySendsOnlyTheFieldsThatAreSet) {
  ASSERT_TRUE(api_.postLatency(kUrl, LatencyPatch{2000, std::nullopt}).ok());
  ASSERT_TRUE(api_.postLatency(kUrl, LatencyPatch{2000, 0.5}).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/config/latency");
  EXPECT_EQ(bodyOf(requests[0]), json({{"delay_ms", 2000}}));
  EXPECT_EQ(bodyOf(requests[1]), json({{"delay_ms", 2000}, {"delay_rate", 0.5}}));
}

TEST_F(BackendApiTest, StartCpuSendsThreadsOnlyWhenSet) {
  ASSERT_TRUE(api_.startCpu(kUrl, CpuLoadRequest{30, 0}).ok());
  ASSERT_TRUE(api_.startCpu(kUrl, CpuLoadRequest{30, 2}).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/load/cpu");
  EXPECT_EQ(bodyOf(requests[0]), json({{"duration_seconds", 30}}));
  EXPECT_EQ(bodyOf(requests[1]), json({{"duration_seconds", 30}, {"threads", 2}}));
}

TEST_F(BackendApiTest, StartMemorySendsMegabytesAndTheDurationWhenSet) {
  ASSERT_TRUE(api_.startMemory(kUrl, MemoryLoadRequest{100, 30}).ok());
  ASSERT_TRUE(api_.startMemory(kUrl, MemoryLoadRequest{100, 0}).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/load/memory");
  EXPECT_EQ(bodyOf(requests[0]), json({{"megabytes", 100}, {"duration_seconds", 30}}));
  EXPECT_EQ(bodyOf(requests[1]), json({{"megabytes", 100}}));
}

TEST_F(BackendApiTest, StoppingALoadIsADeleteOfItsRoute) {
  ASSERT_TRUE(api_.stopCpu(kUrl).ok());
  ASSERT_TRUE(api_.stopMemory(kUrl).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "DELETE");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/load/cpu");
  EXPECT_EQ(requests[1].method, "DELETE");
  EXPECT_EQ(requests[1].url, "http://backend-service:8000/load/memory");
}

TEST_F(BackendApiTest, CrashAndHealthUseTheirRoutes) {
  ASSERT_TRUE(api_.crash(kUrl).ok());
  ASSERT_TRUE(api_.health(kUrl).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/crash");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].url, "http://backend-service:8000/health");
}

TEST_F(BackendApiTest, GetLoadReadsWhetherEachLoadIsActive) {
  http_.pushStatus(
      202, R"({"cpu":{"active":true,"threads":2,"duration_seconds":30.0,"remaining_seconds":12.5},)"
           R"("memory":{"active":false},"active_actions":1,"max_concurrent":1})");
  auto load = api_.getLoad(kUrl);
  ASSERT_TRUE(load.ok()) << load.error().message;
  EXPECT_TRUE(load->cpu.active);
  EXPECT_EQ(load->cpu.raw["threads"], 2);
  EXPECT_FALSE(load->memory.active);
  EXPECT_TRUE(load->of(LoadKind::kCpu).active);
  EXPECT_FALSE(load->of(LoadKind::kMemory).active);
  EXPECT_EQ(onlyRequest().url, "http://backend-service:8000/load");
}

TEST_F(BackendApiTest, GetLoadRejectsAnAnswerWithoutAnActiveFlag) {
  http_.pushStatus(200, R"({"cpu":{"active":"yes"},"memory":{"active":false}})");
  http_.pushStatus(200, R"({"cpu":{"active":false}})");
  auto wrong_type = api_.getLoad(kUrl);
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().code, ErrorCode::kInvalid);
  EXPECT_NE(wrong_type.error().message.find("cpu"), std::string::npos);
  auto missing = api_.getLoad(kUrl);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("memory"), std::string::npos);
}

TEST(StressDurationTest, UsesTheStressDurationWhenSet) {
  v1alpha1::ChaosExperiment experiment;
  experiment.spec.duration = std::chrono::seconds(30);
  experiment.spec.fault.stress.duration_seconds = 12;
  EXPECT_EQ(stressDurationSeconds(experiment), 12);
}

TEST(StressDurationTest, FallsBackToTheExperimentDurationRoundedUpToSeconds) {
  v1alpha1::ChaosExperiment experiment;
  experiment.spec.fault.stress.duration_seconds = 0;
  experiment.spec.duration = std::chrono::seconds(30);
  EXPECT_EQ(stressDurationSeconds(experiment), 30);
  experiment.spec.duration = std::chrono::milliseconds(1200);
  EXPECT_EQ(stressDurationSeconds(experiment), 2);
  experiment.spec.duration = std::chrono::milliseconds(0);
  EXPECT_EQ(stressDurationSeconds(experiment), 1);
}

TEST(PlannedBackendUrlsTest, APlanWithoutABackendIsAnInternalError) {
  v1alpha1::AffectedResource pod;
  pod.kind = "Pod";
  pod.name = "backend-1";
  auto urls = plannedBackendUrls({pod});
  ASSERT_FALSE(urls.ok());
  EXPECT_EQ(urls.error().code, ErrorCode::kInternal);
  auto backend = plannedBackendUrls({pod, backendResource(kUrl, json::object())});
  ASSERT_TRUE(backend.ok());
  EXPECT_EQ(*backend, std::vector<std::string>{kUrl});
}

}  // namespace
}  // namespace aftershock::op
