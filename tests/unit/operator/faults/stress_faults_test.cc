#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "operator/faults/backend_api.h"
#include "operator/faults/cpu_stress.h"
#include "operator/faults/memory_stress.h"
#include "tests/unit/operator/faults/fault_test_support.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using common::HttpResponse;
using nlohmann::json;
using v1alpha1::AffectedResource;

constexpr const char* kUrl = "http://backend-service:8000/";

std::string load(bool cpu_active, bool memory_active) {
  json cpu = {{"active", cpu_active}};
  if (cpu_active) {
    cpu["threads"] = 1;
    cpu["duration_seconds"] = 30.0;
    cpu["remaining_seconds"] = 20.0;
  }
  json memory = {{"active", memory_active}};
  if (memory_active) {
    memory["megabytes"] = 100;
    memory["remaining_seconds"] = 20.0;
  }
  return json{{"cpu", cpu}, {"memory", memory}, {"active_actions", 0}, {"max_concurrent", 1}}
      .dump();
}

HttpResponse refusal(std::string_view reason) {
  HttpResponse response = HttpResponse::json(
      429, {{"error", "refused"}, {"reason", reason}, {"retry_after_seconds", 4}});
  response.headers.emplace_back("Retry-After", "4");
  return response;
}

// Both stress faults act for one experiment; each test picks `cpu_` or `memory_`.
class StressFaultTest : public FaultTest {
 protected:
  void SetUp() override {
    experiment_.namespace_name = "demo";
    experiment_.name = "backend-stress";
    experiment_.spec.duration = std::chrono::seconds(30);
    experiment_.spec.fault.stress.url = kUrl;
  }

  std::vector<AffectedResource> planned(std::string_view kind) {
    return {backendResource(kUrl, json{{kind, {{"active", false}}}})};
  }

  v1alpha1::StressSpec& stress() { return experiment_.spec.fault.stress; }

  std::unique_ptr<Fault> cpu_ = makeCpuStressFault();
  std::unique_ptr<Fault> memory_ = makeMemoryStressFault();
};

TEST_F(StressFaultTest, BothStressesAreHeldUntilRollback) {
  EXPECT_TRUE(cpu_->held());
  EXPECT_TRUE(memory_->held());
}

TEST_F(StressFaultTest, CpuPlanRecordsTheBackendAndItsCpuLoad) {
  http_.pushStatus(200, load(false, true));
  auto plan = cpu_->plan(context());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ(plan->front().kind, "Backend");
  EXPECT_EQ(plan->front().name, kUrl);
  EXPECT_EQ(plan->front().original, json({{"cpu", {{"active", false}}}}));
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/load");
}

TEST_F(StressFaultTest, CpuPlanRefusesAStressThatIsAlreadyRunning) {
  http_.pushStatus(200, load(true, false));
  auto plan = cpu_->plan(context());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kConflict);
  EXPECT_NE(plan.error().message.find("already runs a cpu stress"), std::string::npos)
      << plan.error().message;
}

TEST_F(StressFaultTest, PlanOfAnUnreachableBackendIsUnavailableNamingTheUrl) {
  http_.pushError(ErrorCode::kUnavailable);
  http_.pushError(ErrorCode::kUnavailable);
  for (Fault* fault : {cpu_.get(), memory_.get()}) {
    auto plan = fault->plan(context());
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(plan.error().message.find(kUrl), std::string::npos) << plan.error().message;
  }
}

TEST_F(StressFaultTest, CpuInjectUsesTheStressDurationAndThreads) {
  stress().duration_seconds = 12;
  stress().threads = 2;
  http_.pushStatus(202, load(true, false));
  ASSERT_TRUE(cpu_->inject(context(), planned("cpu")).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/load/cpu");
  EXPECT_EQ(bodyOf(requests[0]), json({{"duration_seconds", 12}, {"threads", 2}}));
}

TEST_F(StressFaultTest, CpuInjectFallsBackToTheExperimentDurationRoundedUp) {
  stress().duration_seconds = 0;
  stress().threads = 0;
  experiment_.spec.duration = std::chrono::milliseconds(45'500);
  http_.pushStatus(202, load(true, false));
  ASSERT_TRUE(cpu_->inject(context(), planned("cpu")).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(bodyOf(requests[0]), json({{"duration_seconds", 46}}));
}

TEST_F(StressFaultTest, ARepeatedCpuInjectRefusedWhileOurStressRunsCountsAsInjected) {
  http_.push({refusal("concurrency")});
  http_.pushStatus(200, load(true, false));
  const common::Status injected = cpu_->inject(context(), planned("cpu"));
  EXPECT_TRUE(injected.ok()) << injected.error().message;
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].url, "http://backend-service:8000/load");
}

TEST_F(StressFaultTest, ARepeatedCpuInjectAnsweredConflictWhileRunningCountsAsInjected) {
  http_.pushStatus(409, R"({"error":"a CPU stress is already running"})");
  http_.pushStatus(200, load(true, false));
  const common::Status injected = cpu_->inject(context(), planned("cpu"));
  EXPECT_TRUE(injected.ok()) << injected.error().message;
}

TEST_F(StressFaultTest, ACpuInjectRefusedWhileNothingRunsReturnsTheRefusal) {
  http_.push({refusal("cooldown")});
  http_.pushStatus(200, load(false, false));
  const common::Status injected = cpu_->inject(context(), planned("cpu"));
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.error().code, ErrorCode::kTooManyRequests);
  EXPECT_NE(injected.error().message.find("retry after 4s"), std::string::npos)
      << injected.error().message;
}

TEST_F(StressFaultTest, ACpuInjectRefusedWhileOnlyMemoryRunsReturnsTheRefusal) {
  http_.push({refusal("concurrency")});
  http_.pushStatus(200, load(false, true));
  const common::Status injected = cpu_->inject(context(), planned("cpu"));
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.error().code, ErrorCode::kTooManyRequests);
}

TEST_F(StressFaultTest, ABadRequestDuringCpuInjectIsNotMistakenForARepeat) {
  http_.pushStatus(400, R"({"error":"duration_seconds out of range","field":"duration_seconds"})");
  const common::Status injected = cpu_->inject(context(), planned("cpu"));
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(http_.callCount(), 1u);
}

TEST_F(StressFaultTest, CpuVerifyInjectedReadsTheActiveFlag) {
  http_.pushStatus(200, load(true, false));
  http_.pushStatus(200, load(false, true));
  auto active = cpu_->verifyInjected(context(), planned("cpu"));
  ASSERT_TRUE(active.ok());
  EXPECT_TRUE(*active);
  auto inactive = cpu_->verifyInjected(context(), planned("cpu"));
  ASSERT_TRUE(inactive.ok());
  EXPECT_FALSE(*inactive);
}

TEST_F(StressFaultTest, CpuRollbackDeletesTheLoadAndVerifiesItInactive) {
  http_.pushStatus(200, load(false, false));
  http_.pushStatus(200, load(false, false));
  ASSERT_TRUE(cpu_->rollback(context(), planned("cpu")).ok());
  auto rolled_back = cpu_->verifyRolledBack(context(), planned("cpu"));
  ASSERT_TRUE(rolled_back.ok());
  EXPECT_TRUE(*rolled_back);
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "DELETE");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/load/cpu");
  EXPECT_TRUE(requests[0].body.empty());
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[1].url, "http://backend-service:8000/load");
}

TEST_F(StressFaultTest, CpuVerifyRolledBackIsFalseWhileTheBurnGoesOn) {
  http_.pushStatus(200, load(true, false));
  auto rolled_back = cpu_->verifyRolledBack(context(), planned("cpu"));
  ASSERT_TRUE(rolled_back.ok());
  EXPECT_FALSE(*rolled_back);
}

TEST_F(StressFaultTest, MemoryPlanRecordsTheMemoryLoad) {
  http_.pushStatus(200, load(true, false));
  auto plan = memory_->plan(context());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ(plan->front().original, json({{"memory", {{"active", false}}}}));
}

TEST_F(StressFaultTest, MemoryInjectSendsMegabytesAndTheFallbackDuration) {
  stress().memory_mb = 256;
  stress().duration_seconds = 0;
  experiment_.spec.duration = std::chrono::seconds(20);
  http_.pushStatus(200, load(false, true));
  ASSERT_TRUE(memory_->inject(context(), planned("memory")).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/load/memory");
  EXPECT_EQ(bodyOf(requests[0]), json({{"megabytes", 256}, {"duration_seconds", 20}}));
}

TEST_F(StressFaultTest, ARepeatedMemoryInjectWhileHeldCountsAsInjected) {
  http_.pushStatus(409, R"({"error":"a memory stress is already held"})");
  http_.pushStatus(200, load(false, true));
  const common::Status injected = memory_->inject(context(), planned("memory"));
  EXPECT_TRUE(injected.ok()) << injected.error().message;
}

TEST_F(StressFaultTest, AMemoryInjectRefusedWhileOnlyCpuRunsReturnsTheRefusal) {
  http_.push({refusal("concurrency")});
  http_.pushStatus(200, load(true, false));
  const common::Status injected = memory_->inject(context(), planned("memory"));
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.error().code, ErrorCode::kTooManyRequests);
}

TEST_F(StressFaultTest, MemoryVerifyAndRollbackUseTheMemoryRoutesAndFlag) {
  http_.pushStatus(200, load(true, true));
  http_.pushStatus(200, load(true, false));
  http_.pushStatus(200, load(true, false));
  auto injected = memory_->verifyInjected(context(), planned("memory"));
  ASSERT_TRUE(injected.ok());
  EXPECT_TRUE(*injected);
  ASSERT_TRUE(memory_->rollback(context(), planned("memory")).ok());
  auto rolled_back = memory_->verifyRolledBack(context(), planned("memory"));
  ASSERT_TRUE(rolled_back.ok());
  EXPECT_TRUE(*rolled_back);
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].method, "DELETE");
  EXPECT_EQ(requests[1].url, "http://backend-service:8000/load/memory");
}

TEST_F(StressFaultTest, AFailedRollbackIsReturnedWithItsCode) {
  http_.pushError(ErrorCode::kUnavailable);
  const common::Status rolled_back = memory_->rollback(context(), planned("memory"));
  ASSERT_FALSE(rolled_back.ok());
  EXPECT_EQ(rolled_back.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(rolled_back.error().message.find("unreachable"), std::string::npos);
}

}  // namespace
}  // namespace aftershock::op
