// The runtime config's JSON codec, partial merges and validation.
#include "services/client/resilience_config.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace aftershock::client {
namespace {

using nlohmann::json;

TEST(ResilienceConfigTest, DefaultsAreValid) { EXPECT_TRUE(validateConfig({}).ok()); }

TEST(ResilienceConfigTest, JsonRoundTripsUnchanged) {
  const ResilienceConfig defaults;
  const auto parsed = applyConfigPatch(ResilienceConfig{}, toJson(defaults));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, defaults);
}

TEST(ResilienceConfigTest, JsonShowsNestedSnakeCaseSections) {
  const json body = toJson(ResilienceConfig{});
  EXPECT_EQ(body["mode"], "resilient");
  EXPECT_EQ(body["patterns_enabled"], true);
  EXPECT_EQ(body["retry"]["max_attempts"], 3);
  EXPECT_EQ(body["retry"]["retryable_status_codes"], json({429, 502, 503, 504}));
  EXPECT_EQ(body["circuit_breaker"]["forced_state"], "none");
  EXPECT_EQ(body["circuit_breaker"]["window_type"], "count_based");
  EXPECT_EQ(body["retry_budget"]["ratio"], 0.8);
  EXPECT_EQ(body["timeouts"]["attempt_timeout_ms"], 500);
  EXPECT_EQ(body["fallback"]["enabled"], true);
}

TEST(ResilienceConfigTest, PartialPatchChangesOnlyTheGivenFields) {
  const ResilienceConfig current;
  const auto next = applyConfigPatch(
      current, json{{"retry", {{"max_attempts", 5}}},
                    {"circuit_breaker", {{"open_wait_ms", 200}, {"forced_state", "forced_open"}}}});
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->retry.max_attempts, 5);
  EXPECT_EQ(next->retry.initial_backoff, current.retry.initial_backoff);
  EXPECT_EQ(next->circuit_breaker.open_wait, std::chrono::milliseconds(200));
  EXPECT_EQ(next->circuit_breaker.forced_state, ForcedState::kForcedOpen);
  EXPECT_EQ(next->circuit_breaker.window_size, current.circuit_breaker.window_size);
  EXPECT_EQ(next->timeouts, current.timeouts);
}

TEST(ResilienceConfigTest, ModeBaselineTurnsThePatternsOff) {
  auto next = applyConfigPatch({}, json{{"mode", "baseline"}});
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->patterns_enabled);
  EXPECT_EQ(modeName(*next), "baseline");
  next = applyConfigPatch(*next, json{{"patterns_enabled", true}});
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->patterns_enabled);
}

TEST(ResilienceConfigTest, ContradictoryModeAndSwitchAreRejected) {
  const auto next = applyConfigPatch({}, json{{"mode", "baseline"}, {"patterns_enabled", true}});
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().field, "mode");
}

struct BadPatch {
  const char* body;
  const char* field;
};

class ResilienceConfigRejectionTest : public ::testing::TestWithParam<BadPatch> {};

TEST_P(ResilienceConfigRejectionTest, NamesTheFieldAtFault) {
  const auto next = applyConfigPatch({}, json::parse(GetParam().body));
  ASSERT_FALSE(next.ok()) << GetParam().body;
  EXPECT_EQ(next.error().field, GetParam().field) << next.error().message;
  EXPECT_EQ(next.error().code, common::ErrorCode::kInvalid);
  EXPECT_NE(next.error().message.find(GetParam().field), std::string::npos) << next.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, ResilienceConfigRejectionTest,
    ::testing::Values(
        BadPatch{R"({"retry":{"max_attempts":0}})", "retry.max_attempts"},
        BadPatch{R"({"retry":{"max_attempts":11}})", "retry.max_attempts"},
        BadPatch{R"({"retry":{"max_attempts":"3"}})", "retry.max_attempts"},
        BadPatch{R"({"retry":{"max_attempts":2.5}})", "retry.max_attempts"},
        BadPatch{R"({"retry":{"multiplier":0.5}})", "retry.multiplier"},
        BadPatch{R"({"retry":{"initial_backoff_ms":500,"max_backoff_ms":100}})",
                 "retry.max_backoff_ms"},
        BadPatch{R"({"retry":{"retryable_status_codes":[503,200]}})",
                 "retry.retryable_status_codes"},
        BadPatch{R"({"retry":{"retryable_status_codes":"503"}})", "retry.retryable_status_codes"},
        BadPatch{R"({"retry":{"max_atempts":3}})", "retry.max_atempts"},
        BadPatch{R"({"retry":5})", "retry"},
        BadPatch{R"({"circuit_breaker":{"failure_rate_threshold":1.5}})",
                 "circuit_breaker.failure_rate_threshold"},
        BadPatch{R"({"circuit_breaker":{"failure_rate_threshold":0}})",
                 "circuit_breaker.failure_rate_threshold"},
        BadPatch{R"({"circuit_breaker":{"window_type":"hourly"}})", "circuit_breaker.window_type"},
        BadPatch{R"({"circuit_breaker":{"forced_state":"open"}})", "circuit_breaker.forced_state"},
        BadPatch{R"({"circuit_breaker":{"minimum_calls":60}})", "circuit_breaker.minimum_calls"},
        BadPatch{R"({"circuit_breaker":{"window_type":"time_based","window_size":7200}})",
                 "circuit_breaker.window_size"},
        BadPatch{R"({"circuit_breaker":{"half_open_permitted_calls":0}})",
                 "circuit_breaker.half_open_permitted_calls"},
        BadPatch{R"({"circuit_breaker":{"open_wait_ms":-5}})", "circuit_breaker.open_wait_ms"},
        BadPatch{R"({"retry_budget":{"ratio":-0.1}})", "retry_budget.ratio"},
        BadPatch{R"({"retry_budget":{"max_tokens":0}})", "retry_budget.max_tokens"},
        BadPatch{R"({"timeouts":{"attempt_timeout_ms":0}})", "timeouts.attempt_timeout_ms"},
        BadPatch{R"({"fallback":{"enabled":"yes"}})", "fallback.enabled"},
        BadPatch{R"({"mode":"chaotic"})", "mode"},
        BadPatch{R"({"patterns_enabled":1})", "patterns_enabled"},
        BadPatch{R"({"retries":{}})", "retries"}),
    [](const ::testing::TestParamInfo<BadPatch>& param_info) {
      // e.g. "3_retry_max_attempts": the index keeps names unique, the field makes them readable.
      std::string name = std::to_string(param_info.index) + "_" + param_info.param.field;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(ResilienceConfigTest, ARejectedPatchLeavesNothingHalfApplied) {
  const ResilienceConfig current;
  // The first field is fine, the second is not: the whole patch is refused.
  const auto next = applyConfigPatch(
      current, json{{"retry", {{"max_attempts", 5}}}, {"timeouts", {{"attempt_timeout_ms", 0}}}});
  EXPECT_FALSE(next.ok());
}

TEST(ResilienceConfigTest, TimeBasedWindowMayHaveMoreMinimumCallsThanSeconds) {
  const auto next = applyConfigPatch(
      {}, json{{"circuit_breaker",
                {{"window_type", "time_based"}, {"window_size", 10}, {"minimum_calls", 100}}}});
  EXPECT_TRUE(next.ok());
}

}  // namespace
}  // namespace aftershock::client
