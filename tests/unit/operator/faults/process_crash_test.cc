#include "operator/faults/process_crash.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "operator/faults/backend_api.h"
#include "tests/unit/operator/faults/fault_test_support.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;
using nlohmann::json;
using v1alpha1::AffectedResource;

constexpr const char* kUrl = "http://backend-service:8000";

class ProcessCrashTest : public FaultTest {
 protected:
  void SetUp() override {
    nameExperiment("backend-crash", v1alpha1::FaultType::kProcessCrash);
    experiment_.spec.fault.stress.url = kUrl;
    fault_ = makeProcessCrashFault();
  }

  std::vector<AffectedResource> planned() { return {backendResource(kUrl, json::object())}; }
};

TEST_F(ProcessCrashTest, IsASingleActNotAHeldFault) { EXPECT_FALSE(fault_->held()); }

TEST_F(ProcessCrashTest, PlanChecksHealthAndRecordsTheBackendWithAnEmptyOriginal) {
  http_.pushStatus(200, R"({"status":"ok"})");
  auto plan = fault_->plan(context());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ(plan->front().kind, "Backend");
  EXPECT_EQ(plan->front().name, kUrl);
  EXPECT_EQ(plan->front().original, json::object());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/health");
}

TEST_F(ProcessCrashTest, PlanOfAnUnreachableBackendIsUnavailableNamingTheUrl) {
  http_.pushError(ErrorCode::kUnavailable);
  auto plan = fault_->plan(context());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(plan.error().message.find("backend http://backend-service:8000 unreachable"),
            std::string::npos)
      << plan.error().message;
}

TEST_F(ProcessCrashTest, PlanOfABackendAnsweringAnErrorFails) {
  http_.pushStatus(503, R"({"error":"shutting down"})");
  auto plan = fault_->plan(context());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kTransient);
  EXPECT_NE(plan.error().message.find("shutting down"), std::string::npos);
}

TEST_F(ProcessCrashTest, InjectTreatsADroppedConnectionAsTheCrash) {
  http_.pushError(ErrorCode::kUnavailable);
  const common::Status injected = fault_->inject(context(), planned());
  EXPECT_TRUE(injected.ok()) << injected.error().message;
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/crash");
}

TEST_F(ProcessCrashTest, InjectTreatsATimeoutAsTheCrash) {
  http_.pushError(ErrorCode::kTimeout);
  const common::Status injected = fault_->inject(context(), planned());
  EXPECT_TRUE(injected.ok()) << injected.error().message;
}

TEST_F(ProcessCrashTest, InjectAcceptsASuccessAnswer) {
  http_.pushStatus(202, R"({"crashing":true,"exit_code":70})");
  const common::Status injected = fault_->inject(context(), planned());
  EXPECT_TRUE(injected.ok()) << injected.error().message;
}

TEST_F(ProcessCrashTest, InjectRefusedByTheChaosGuardIsAnError) {
  common::HttpResponse refusal = common::HttpResponse::json(
      429, {{"error", "chaos cooldown"}, {"reason", "cooldown"}, {"retry_after_seconds", 2}});
  refusal.headers.emplace_back("Retry-After", "2");
  http_.push({refusal});
  const common::Status injected = fault_->inject(context(), planned());
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.error().code, ErrorCode::kTooManyRequests);
  EXPECT_NE(injected.error().message.find("retry after 2s"), std::string::npos)
      << injected.error().message;
}

TEST_F(ProcessCrashTest, InjectAnsweredNotFoundIsAnError) {
  http_.pushStatus(404, R"({"error":"not found"})");
  const common::Status injected = fault_->inject(context(), planned());
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.error().code, ErrorCode::kNotFound);
}

TEST_F(ProcessCrashTest, AMalformedUrlIsNotMistakenForACrash) {
  http_.pushError(ErrorCode::kInvalid);
  const common::Status injected = fault_->inject(context(), planned());
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.error().code, ErrorCode::kInvalid);
}

TEST_F(ProcessCrashTest, VerifyAndRollbackNeedNoRequests) {
  auto injected = fault_->verifyInjected(context(), planned());
  ASSERT_TRUE(injected.ok());
  EXPECT_TRUE(*injected);
  EXPECT_TRUE(fault_->rollback(context(), planned()).ok());
  auto rolled_back = fault_->verifyRolledBack(context(), planned());
  ASSERT_TRUE(rolled_back.ok());
  EXPECT_TRUE(*rolled_back);
  EXPECT_EQ(http_.callCount(), 0u);
}

}  // namespace
}  // namespace aftershock::op
