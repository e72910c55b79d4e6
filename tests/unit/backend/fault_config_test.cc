// Tests for the fault config codec, its validation and the atomic store.
#include "services/backend/fault_config.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace aftershock::backend {
namespace {

const FaultLimits kLimits{60'000};

// The field an invalid body is blamed on ("" when the body parsed).
template <typename T>
std::string blamedField(const common::Result<T>& result) {
  return result.ok() ? "" : result.error().field;
}

TEST(FaultConfigTest, DefaultInjectsNothingAndSerialisesWithSnakeCaseKeys) {
  EXPECT_EQ(toJson(FaultConfig{}),
            nlohmann::json::parse(
                R"({"failure_rate":0.0,"status_code":500,"delay_ms":0,"delay_rate":0.0})"));
}

TEST(FaultConfigTest, WireTextKeepsTheDocumentedKeyOrder) {
  EXPECT_EQ(toWireJson(FaultConfig{}),
            R"({"failure_rate":0.0,"status_code":500,"delay_ms":0,"delay_rate":0.0})");
  EXPECT_EQ(nlohmann::json::parse(toWireJson(FaultConfig{0.5, 503, 20, 1.0})),
            toJson(FaultConfig{0.5, 503, 20, 1.0}));
}

TEST(FaultConfigTest, AcceptsAFailurePatchWithBothFields) {
  auto patch = parseFailurePatch(R"({"failure_rate":0.5,"status_code":503})", kLimits);
  ASSERT_TRUE(patch.ok()) << patch.error().message;
  const FaultConfig config = patch->applyTo({});
  EXPECT_DOUBLE_EQ(config.failure_rate, 0.5);
  EXPECT_EQ(config.status_code, 503);
}

TEST(FaultConfigTest, PatchKeepsFieldsItOmits) {
  const FaultConfig before{0.25, 502, 100, 0.5};
  auto patch = parseFailurePatch(R"({"status_code":504})", kLimits);
  ASSERT_TRUE(patch.ok());
  EXPECT_EQ(patch->applyTo(before), (FaultConfig{0.25, 504, 100, 0.5}));
}

TEST(FaultConfigTest, AcceptsTheBoundsOfEveryRange) {
  EXPECT_TRUE(parseFailurePatch(R"({"failure_rate":0})", kLimits).ok());
  EXPECT_TRUE(parseFailurePatch(R"({"failure_rate":1})", kLimits).ok());
  EXPECT_TRUE(parseLatencyPatch(R"({"delay_ms":0,"delay_rate":0})", kLimits).ok());
  EXPECT_TRUE(parseLatencyPatch(R"({"delay_ms":60000,"delay_rate":1.0})", kLimits).ok());
  EXPECT_TRUE(parseFailurePatch(R"({"status_code":400})", kLimits).ok());
  EXPECT_TRUE(parseFailurePatch(R"({"status_code":511})", kLimits).ok());
}

TEST(FaultConfigTest, RejectsFailureRateAboveOne) {
  EXPECT_EQ(blamedField(parseFailurePatch(R"({"failure_rate":1.01})", kLimits)), "failure_rate");
}

TEST(FaultConfigTest, RejectsNegativeFailureRate) {
  EXPECT_EQ(blamedField(parseFailurePatch(R"({"failure_rate":-0.1})", kLimits)), "failure_rate");
}

TEST(FaultConfigTest, RejectsFailureRateThatIsNotANumber) {
  EXPECT_EQ(blamedField(parseFailurePatch(R"({"failure_rate":"0.5"})", kLimits)), "failure_rate");
  EXPECT_EQ(blamedField(parseFailurePatch(R"({"failure_rate":true})", kLimits)), "failure_rate");
  EXPECT_EQ(blamedField(parseFailurePatch(R"({"failure_rate":[0.5]})", kLimits)), "failure_rate");
}

TEST(FaultConfigTest, RejectsDelayRateOutsideZeroToOne) {
  EXPECT_EQ(blamedField(parseLatencyPatch(R"({"delay_rate":1.5})", kLimits)), "delay_rate");
  EXPECT_EQ(blamedField(parseLatencyPatch(R"({"delay_rate":-1})", kLimits)), "delay_rate");
}

TEST(FaultConfigTest, RejectsStatusCodesThatAreNotErrors) {
  for (const char* code : {"200", "204", "302", "399", "600", "0", "-500"}) {
    EXPECT_EQ(
        blamedField(parseFailurePatch(std::string(R"({"status_code":)") + code + "}", kLimits)),
        "status_code")
        << code;
  }
}

TEST(FaultConfigTest, RejectsUnregisteredErrorStatusCodes) {
  for (const char* code : {"419", "420", "427", "430", "432", "450", "499", "509", "512", "599"}) {
    EXPECT_EQ(
        blamedField(parseFailurePatch(std::string(R"({"status_code":)") + code + "}", kLimits)),
        "status_code")
        << code;
  }
}

TEST(FaultConfigTest, RegisteredErrorStatusesAreExactlyTheIanaOnes) {
  std::vector<std::int64_t> registered;
  for (std::int64_t code = 0; code < 1000; ++code) {
    if (isRegisteredErrorStatus(code)) registered.push_back(code);
  }
  std::vector<std::int64_t> expected;
  for (std::int64_t code = 400; code <= 418; ++code) expected.push_back(code);
  for (std::int64_t code = 421; code <= 426; ++code) expected.push_back(code);
  for (std::int64_t code : {428, 429, 431, 451}) expected.push_back(code);
  for (std::int64_t code = 500; code <= 508; ++code) expected.push_back(code);
  for (std::int64_t code : {510, 511}) expected.push_back(code);
  EXPECT_EQ(registered, expected);
}

TEST(FaultConfigTest, RejectsStatusCodeThatIsNotAnInteger) {
  EXPECT_EQ(blamedField(parseFailurePatch(R"({"status_code":503.5})", kLimits)), "status_code");
  EXPECT_EQ(blamedField(parseFailurePatch(R"({"status_code":"503"})", kLimits)), "status_code");
}

TEST(FaultConfigTest, AcceptsAnIntegralStatusCodeWrittenAsADecimal) {
  auto patch = parseFailurePatch(R"({"status_code":503.0})", kLimits);
  ASSERT_TRUE(patch.ok());
  EXPECT_EQ(patch->status_code, 503);
}

TEST(FaultConfigTest, RejectsNegativeDelay) {
  EXPECT_EQ(blamedField(parseLatencyPatch(R"({"delay_ms":-1})", kLimits)), "delay_ms");
}

TEST(FaultConfigTest, RejectsDelayAboveTheConfiguredCap) {
  EXPECT_EQ(blamedField(parseLatencyPatch(R"({"delay_ms":60001})", kLimits)), "delay_ms");
  EXPECT_TRUE(parseLatencyPatch(R"({"delay_ms":60001})", FaultLimits{120'000}).ok());
}

TEST(FaultConfigTest, RejectsHugeAndFractionalDelays) {
  EXPECT_EQ(blamedField(parseLatencyPatch(R"({"delay_ms":18446744073709551615})", kLimits)),
            "delay_ms");
  EXPECT_EQ(blamedField(parseLatencyPatch(R"({"delay_ms":1e300})", kLimits)), "delay_ms");
  EXPECT_EQ(blamedField(parseLatencyPatch(R"({"delay_ms":10.5})", kLimits)), "delay_ms");
}

TEST(FaultConfigTest, RejectsMalformedJsonAsTheBody) {
  EXPECT_EQ(blamedField(parseFailurePatch(R"({"failure_rate":)", kLimits)), "body");
  EXPECT_EQ(blamedField(parseLatencyPatch("not json", kLimits)), "body");
  EXPECT_EQ(blamedField(parseFullConfig("{", kLimits)), "body");
}

TEST(FaultConfigTest, RejectsJsonThatIsNotAnObject) {
  EXPECT_EQ(blamedField(parseFailurePatch("[0.5]", kLimits)), "body");
  EXPECT_EQ(blamedField(parseFailurePatch("0.5", kLimits)), "body");
  EXPECT_EQ(blamedField(parseFailurePatch(R"("x")", kLimits)), "body");
}

TEST(FaultConfigTest, RejectsAnUpdateWithoutAnyKnownField) {
  EXPECT_EQ(blamedField(parseFailurePatch("{}", kLimits)), "body");
  EXPECT_EQ(blamedField(parseFailurePatch("", kLimits)), "body");
  EXPECT_EQ(blamedField(parseLatencyPatch(R"({"delay_ms":null})", kLimits)), "body");
}

TEST(FaultConfigTest, RejectsUnknownFieldsByName) {
  EXPECT_EQ(blamedField(parseFailurePatch(R"({"failure_rat":0.5})", kLimits)), "failure_rat");
  // Each route accepts only its own fields, so a misrouted update is not half applied.
  EXPECT_EQ(blamedField(parseFailurePatch(R"({"failure_rate":0.5,"delay_ms":10})", kLimits)),
            "delay_ms");
  EXPECT_EQ(blamedField(parseLatencyPatch(R"({"status_code":503})", kLimits)), "status_code");
}

TEST(FaultConfigTest, FullConfigRequiresEveryField) {
  const nlohmann::json full = {
      {"failure_rate", 0.1}, {"status_code", 503}, {"delay_ms", 200}, {"delay_rate", 0.2}};
  auto parsed = parseFullConfig(full.dump(), kLimits);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, (FaultConfig{0.1, 503, 200, 0.2}));
  for (const char* field : {"failure_rate", "status_code", "delay_ms", "delay_rate"}) {
    nlohmann::json partial = full;
    partial.erase(field);
    EXPECT_EQ(blamedField(parseFullConfig(partial.dump(), kLimits)), field);
  }
}

TEST(FaultConfigTest, FullConfigValidatesEveryField) {
  EXPECT_EQ(blamedField(parseFullConfig(
                R"({"failure_rate":2,"status_code":503,"delay_ms":0,"delay_rate":0})", kLimits)),
            "failure_rate");
  EXPECT_EQ(blamedField(parseFullConfig(
                R"({"failure_rate":0,"status_code":200,"delay_ms":0,"delay_rate":0})", kLimits)),
            "status_code");
  EXPECT_EQ(blamedField(parseFullConfig(
                R"({"failure_rate":0,"status_code":500,"delay_ms":-5,"delay_rate":0})", kLimits)),
            "delay_ms");
  EXPECT_EQ(blamedField(parseFullConfig(
                R"({"failure_rate":0,"status_code":500,"delay_ms":0,"delay_rate":"a"})", kLimits)),
            "delay_rate");
  EXPECT_EQ(
      blamedField(parseFullConfig(
          R"({"failure_rate":0,"status_code":500,"delay_ms":0,"delay_rate":0,"x":1})", kLimits)),
      "x");
}

TEST(FaultConfigTest, FullConfigRoundTripsThroughItsJson) {
  const FaultConfig config{0.75, 429, 1500, 0.3};
  auto parsed = parseFullConfig(toJson(config).dump(), kLimits);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, config);
}

TEST(FaultConfigTest, ValidateNamesTheFieldOfAnInvalidConfig) {
  EXPECT_TRUE(validateFaultConfig(FaultConfig{}, kLimits).ok());
  const common::Status invalid = validateFaultConfig(FaultConfig{0.0, 499, 0, 0.0}, kLimits);
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().field, "status_code");
}

TEST(FaultConfigStoreTest, ReplaceReturnsTheOldAndNewConfig) {
  FaultConfigStore store;
  const FaultConfig next{0.5, 503, 10, 0.1};
  const ConfigChange change = store.replace(next);
  EXPECT_EQ(change.before, FaultConfig{});
  EXPECT_EQ(change.after, next);
  EXPECT_EQ(store.current(), next);
}

TEST(FaultConfigStoreTest, ApplyPatchesTheCurrentConfig) {
  FaultConfigStore store(FaultConfig{0.1, 500, 0, 0.0});
  FaultConfigPatch patch;
  patch.delay_ms = 250;
  const ConfigChange change = store.apply(patch);
  EXPECT_EQ(change.after, (FaultConfig{0.1, 500, 250, 0.0}));
  EXPECT_EQ(store.current(), change.after);
}

TEST(FaultConfigStoreTest, ConcurrentPatchesOfDifferentFieldsAllLand) {
  FaultConfigStore store;
  std::vector<std::thread> writers;
  // Half the writers set the failure fields, half the latency fields, many times over; a
  // lost update would leave one pair at its default.
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&store, i] {
      for (int round = 0; round < 1000; ++round) {
        FaultConfigPatch patch;
        if (i % 2 == 0) {
          patch.failure_rate = 1.0;
          patch.status_code = 503;
        } else {
          patch.delay_ms = 100;
          patch.delay_rate = 1.0;
        }
        store.apply(patch);
      }
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(store.current(), (FaultConfig{1.0, 503, 100, 1.0}));
}

TEST(FaultConfigStoreTest, ReadersNeverSeeAHalfWrittenConfig) {
  const FaultConfig first{0.0, 500, 0, 0.0};
  const FaultConfig second{1.0, 503, 1000, 1.0};
  FaultConfigStore store(first);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int round = 0; round < 20'000; ++round) store.replace(round % 2 == 0 ? second : first);
    done = true;
  });
  int torn = 0;
  while (!done) {
    const FaultConfig seen = store.current();
    if (seen != first && seen != second) ++torn;
  }
  writer.join();
  EXPECT_EQ(torn, 0);
}

}  // namespace
}  // namespace aftershock::backend
