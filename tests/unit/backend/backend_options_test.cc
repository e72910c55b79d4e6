// Tests for the backend's flags: names, environment variables and derived limits.
#include "services/backend/backend_options.h"

#include <gtest/gtest.h>

#include <vector>

namespace aftershock::backend {
namespace {

common::Status parse(BackendOptions& options, std::vector<const char*> args) {
  common::Flags flags("backend-service", "test");
  addBackendFlags(flags, options);
  args.insert(args.begin(), "backend-service");
  return flags.parse(static_cast<int>(args.size()), args.data());
}

TEST(BackendOptionsTest, DefaultsMatchTheDocumentedValues) {
  BackendOptions options;
  ASSERT_TRUE(parse(options, {}).ok());
  EXPECT_EQ(options.initialFaults(), FaultConfig{});
  EXPECT_EQ(options.max_delay_ms, 60'000);
  EXPECT_EQ(options.max_cpu_seconds, 60);
  EXPECT_EQ(options.max_memory_mb, 1024);
  EXPECT_EQ(options.max_concurrent_chaos, 1);
  EXPECT_TRUE(validateBackendOptions(options).ok());
}

TEST(BackendOptionsTest, FlagsSetEveryOption) {
  BackendOptions options;
  ASSERT_TRUE(
      parse(options, {"--failure-rate=0.5", "--status-code=503", "--delay-ms=10",
                      "--delay-rate=0.25", "--max-delay-ms=5000", "--max-cpu-seconds=5",
                      "--max-memory-mb=64", "--chaos-cooldown-ms=0", "--max-concurrent-chaos=2",
                      "--ready-max-inflight=5", "--ready-max-memory-mb=256",
                      "--ready-max-p95-ms=300", "--ready-window-seconds=3", "--instance=b-1"})
          .ok());
  EXPECT_EQ(options.initialFaults(), (FaultConfig{0.5, 503, 10, 0.25}));
  EXPECT_EQ(options.faultLimits().max_delay_ms, 5000);
  const ReadinessLimits limits = options.readinessLimits();
  EXPECT_EQ(limits.max_inflight, 5);
  EXPECT_EQ(limits.max_resident_bytes, 256u * 1024 * 1024);
  EXPECT_EQ(limits.max_p95, std::chrono::milliseconds(300));
  EXPECT_EQ(limits.window, std::chrono::seconds(3));
  EXPECT_EQ(options.instance, "b-1");
}

TEST(BackendOptionsTest, RejectsAnInitialStatusCodeThatIsNotRegistered) {
  BackendOptions options;
  ASSERT_TRUE(parse(options, {"--status-code=499"}).ok());
  const common::Status valid = validateBackendOptions(options);
  ASSERT_FALSE(valid.ok());
  EXPECT_EQ(valid.error().field, "--status-code");
}

TEST(BackendOptionsTest, RejectsAnInitialDelayAboveTheCap) {
  BackendOptions options;
  ASSERT_TRUE(parse(options, {"--delay-ms=2000", "--max-delay-ms=1000"}).ok());
  const common::Status valid = validateBackendOptions(options);
  ASSERT_FALSE(valid.ok());
  EXPECT_EQ(valid.error().field, "--delay-ms");
}

TEST(BackendOptionsTest, RejectsOutOfRangeFlags) {
  BackendOptions options;
  EXPECT_FALSE(parse(options, {"--failure-rate=1.5"}).ok());
  EXPECT_FALSE(parse(options, {"--max-concurrent-chaos=0"}).ok());
  EXPECT_FALSE(parse(options, {"--max-cpu-seconds=0"}).ok());
}

}  // namespace
}  // namespace aftershock::backend
