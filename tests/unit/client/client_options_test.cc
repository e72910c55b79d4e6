// Flags: defaults, environment, and errors that name the flag.
#include "services/client/client_options.h"

#include <gtest/gtest.h>

#include <vector>

namespace aftershock::client {
namespace {

common::Status parse(ClientOptions& options, std::vector<const char*> args) {
  common::Flags flags("client-service", "test");
  addClientFlags(flags, options);
  args.insert(args.begin(), "client-service");
  return flags.parse(static_cast<int>(args.size()), args.data());
}

TEST(ClientOptionsTest, DefaultsListenOn9090AndCallTheLocalBackend) {
  ClientOptions options;
  ASSERT_TRUE(parse(options, {}).ok());
  EXPECT_EQ(options.service.port, 9090);
  EXPECT_EQ(backendResourceUrl(options).value(), "http://127.0.0.1:8000/data");
  const auto config = startupConfig(options);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(*config, ResilienceConfig{});
}

TEST(ClientOptionsTest, FlagsSetTheStartupConfig) {
  ClientOptions options;
  ASSERT_TRUE(parse(options, {"--backend-url=http://backend:8000/", "--retry-max-attempts=5",
                              "--cb-window-type=time_based", "--cb-open-wait-ms=250",
                              "--mode=baseline", "--fallback=false"})
                  .ok());
  EXPECT_EQ(backendResourceUrl(options).value(), "http://backend:8000/data");
  const auto config = startupConfig(options);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->retry.max_attempts, 5);
  EXPECT_EQ(config->circuit_breaker.window_type, WindowType::kTimeBased);
  EXPECT_EQ(config->circuit_breaker.open_wait, std::chrono::milliseconds(250));
  EXPECT_FALSE(config->patterns_enabled);
  EXPECT_FALSE(config->fallback.enabled);
}

TEST(ClientOptionsTest, AnOutOfRangeValueNamesTheFlag) {
  ClientOptions options;
  ASSERT_TRUE(parse(options, {"--retry-max-attempts=50"}).ok());
  const auto config = startupConfig(options);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "retry-max-attempts");
  EXPECT_NE(config.error().message.find("--retry-max-attempts"), std::string::npos);
}

TEST(ClientOptionsTest, ABadBackendUrlOrModeIsRefused) {
  ClientOptions options;
  options.backend_url = "https://backend";
  EXPECT_FALSE(backendResourceUrl(options).ok());
  options.mode = "chaotic";
  EXPECT_FALSE(startupConfig(options).ok());
}

}  // namespace
}  // namespace aftershock::client
