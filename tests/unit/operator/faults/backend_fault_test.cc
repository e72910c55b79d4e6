#include "operator/faults/backend_fault.h"

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
// As the backend answers GET /config: doubles printed with a fraction, keys in README order.
constexpr const char* kOriginal =
    R"({"failure_rate":0.1,"status_code":502,"delay_ms":50,"delay_rate":0.0})";

class BackendFaultTest : public FaultTest {
 protected:
  void SetUp() override {
    nameExperiment("backend-errors", v1alpha1::FaultType::kBackendFault);
    experiment_.spec.fault.backend_fault.url = kUrl;
    fault_ = makeBackendFault();
  }

  std::vector<AffectedResource> planned() {
    return {backendResource(kUrl, json::parse(kOriginal))};
  }

  v1alpha1::BackendFaultSpec& spec() { return experiment_.spec.fault.backend_fault; }
};

TEST_F(BackendFaultTest, IsHeldUntilRollback) { EXPECT_TRUE(fault_->held()); }

TEST_F(BackendFaultTest, PlanRecordsTheBackendAndItsExactConfigAsTheOriginal) {
  spec().failure_rate = 0.5;
  http_.pushStatus(200, kOriginal);
  auto plan = fault_->plan(context());
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->size(), 1u);
  const AffectedResource& backend = plan->front();
  EXPECT_EQ(backend.kind, "Backend");
  EXPECT_EQ(backend.name, kUrl);
  EXPECT_EQ(backend.original, json::parse(kOriginal));
  EXPECT_EQ(backend.original.dump(), json::parse(kOriginal).dump());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/config");
}

TEST_F(BackendFaultTest, PlanOfAnUnreachableBackendIsUnavailableNamingTheUrl) {
  spec().failure_rate = 0.5;
  http_.pushError(ErrorCode::kUnavailable);
  auto plan = fault_->plan(context());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(plan.error().message.find("backend http://backend-service:8000 unreachable"),
            std::string::npos)
      << plan.error().message;
}

TEST_F(BackendFaultTest, PlanRefusesASpecThatSetsNoFaultField) {
  auto plan = fault_->plan(context());
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(plan.error().field, "spec.fault.backendFault");
  EXPECT_EQ(http_.callCount(), 0u);
}

TEST_F(BackendFaultTest, InjectPostsOnlyTheFailureFieldsTheSpecSetsAndSkipsLatency) {
  spec().failure_rate = 0.5;
  ASSERT_TRUE(fault_->inject(context(), planned()).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/config/failure");
  EXPECT_EQ(bodyOf(requests[0]), json({{"failure_rate", 0.5}}));
}

TEST_F(BackendFaultTest, InjectSkipsTheFailureCallWhenOnlyLatencyIsSet) {
  spec().delay_rate = 0.25;
  ASSERT_TRUE(fault_->inject(context(), planned()).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/config/latency");
  EXPECT_EQ(bodyOf(requests[0]), json({{"delay_rate", 0.25}}));
}

TEST_F(BackendFaultTest, InjectPostsBothCallsWhenBothKindsOfFieldAreSet) {
  spec().failure_rate = 0.5;
  spec().status_code = 503;
  spec().delay_ms = 2000;
  spec().delay_rate = 0.5;
  ASSERT_TRUE(fault_->inject(context(), planned()).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/config/failure");
  EXPECT_EQ(bodyOf(requests[0]), json({{"failure_rate", 0.5}, {"status_code", 503}}));
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].url, "http://backend-service:8000/config/latency");
  EXPECT_EQ(bodyOf(requests[1]), json({{"delay_ms", 2000}, {"delay_rate", 0.5}}));
}

TEST_F(BackendFaultTest, RepeatingInjectSendsTheSameAbsoluteValues) {
  spec().status_code = 503;
  spec().delay_ms = 100;
  ASSERT_TRUE(fault_->inject(context(), planned()).ok());
  ASSERT_TRUE(fault_->inject(context(), planned()).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 4u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(requests[i].url, requests[i + 2].url);
    EXPECT_EQ(requests[i].body, requests[i + 2].body);
  }
}

TEST_F(BackendFaultTest, AServerErrorDuringInjectSurfacesWithStatusAndErrorTextAndStops) {
  spec().failure_rate = 0.5;
  spec().delay_ms = 100;
  http_.pushStatus(500, R"({"error":"disk on fire"})");
  const common::Status injected = fault_->inject(context(), planned());
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.error().code, ErrorCode::kTransient);
  EXPECT_NE(injected.error().message.find("500"), std::string::npos) << injected.error().message;
  EXPECT_NE(injected.error().message.find("disk on fire"), std::string::npos);
  EXPECT_EQ(http_.callCount(), 1u);
}

TEST_F(BackendFaultTest, InjectOnAPlanWithoutABackendIsAnInternalError) {
  spec().failure_rate = 0.5;
  const common::Status injected = fault_->inject(context(), {});
  ASSERT_FALSE(injected.ok());
  EXPECT_EQ(injected.error().code, ErrorCode::kInternal);
  EXPECT_EQ(http_.callCount(), 0u);
}

TEST_F(BackendFaultTest, VerifyInjectedHoldsOnlyWhenEverySpecFieldShows) {
  spec().failure_rate = 0.5;
  spec().status_code = 503;
  spec().delay_ms = 2000;
  http_.pushStatus(200, R"({"failure_rate":0.5,"status_code":503,"delay_ms":2000,"delay_rate":0})");
  http_.pushStatus(200, R"({"failure_rate":0.5,"status_code":500,"delay_ms":2000,"delay_rate":0})");
  auto shows = fault_->verifyInjected(context(), planned());
  ASSERT_TRUE(shows.ok()) << shows.error().message;
  EXPECT_TRUE(*shows);
  auto wrong_status = fault_->verifyInjected(context(), planned());
  ASSERT_TRUE(wrong_status.ok());
  EXPECT_FALSE(*wrong_status);
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/config");
}

TEST_F(BackendFaultTest, RollbackPutsTheRecordedOriginalBackExactly) {
  spec().failure_rate = 0.9;
  ASSERT_TRUE(fault_->rollback(context(), planned()).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].url, "http://backend-service:8000/config");
  EXPECT_EQ(bodyOf(requests[0]), json::parse(kOriginal));
}

TEST_F(BackendFaultTest, PlanThenInjectThenRollbackRestoresWhatWasThere) {
  spec().failure_rate = 0.5;
  spec().delay_ms = 100;
  http_.pushStatus(200, kOriginal);
  auto plan = fault_->plan(context());
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(fault_->inject(context(), *plan).ok());
  ASSERT_TRUE(fault_->rollback(context(), *plan).ok());
  const auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[3].method, "PUT");
  EXPECT_EQ(bodyOf(requests[3]), json::parse(kOriginal));
}

TEST_F(BackendFaultTest, RollbackRefusesARecordThatIsNotAWholeConfig) {
  std::vector<AffectedResource> broken = {backendResource(kUrl, json{{"failure_rate", 0.1}})};
  const common::Status rolled_back = fault_->rollback(context(), broken);
  ASSERT_FALSE(rolled_back.ok());
  EXPECT_EQ(rolled_back.error().code, ErrorCode::kInvalid);
  EXPECT_NE(rolled_back.error().message.find("status_code"), std::string::npos)
      << rolled_back.error().message;
  EXPECT_EQ(http_.callCount(), 0u);
}

TEST_F(BackendFaultTest, AnUnreachableBackendDuringRollbackIsReturnedForARetry) {
  http_.pushError(ErrorCode::kTimeout);
  const common::Status rolled_back = fault_->rollback(context(), planned());
  ASSERT_FALSE(rolled_back.ok());
  EXPECT_EQ(rolled_back.error().code, ErrorCode::kTimeout);
  EXPECT_TRUE(rolled_back.error().retryable());
}

TEST_F(BackendFaultTest, VerifyRolledBackComparesTheConfigWithTheOriginal) {
  http_.pushStatus(200, kOriginal);
  http_.pushStatus(200, R"({"failure_rate":0.5,"status_code":502,"delay_ms":50,"delay_rate":0.0})");
  auto restored = fault_->verifyRolledBack(context(), planned());
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_TRUE(*restored);
  auto still_faulty = fault_->verifyRolledBack(context(), planned());
  ASSERT_TRUE(still_faulty.ok());
  EXPECT_FALSE(*still_faulty);
}

TEST_F(BackendFaultTest, VerifyRolledBackTreatsAnIntegralZeroAsEqualToZeroPointZero) {
  // A record read back from the API server may carry 0 where the backend answered 0.0.
  std::vector<AffectedResource> record = {backendResource(
      kUrl, json{{"failure_rate", 0}, {"status_code", 500}, {"delay_ms", 0}, {"delay_rate", 0}})};
  http_.pushStatus(200, R"({"failure_rate":0.0,"status_code":500,"delay_ms":0,"delay_rate":0.0})");
  auto restored = fault_->verifyRolledBack(context(), record);
  ASSERT_TRUE(restored.ok());
  EXPECT_TRUE(*restored);
}

}  // namespace
}  // namespace aftershock::op
