// The operator's flag checks: bind addresses and environment-dependent defaults.
#include "operator/controller/operator_options.h"

#include <gtest/gtest.h>

#include <string>

namespace aftershock::op {
namespace {

std::optional<BindAddress> parsed(const std::string& text) {
  common::Result<std::optional<BindAddress>> result =
      parseBindAddress(text, "metrics-bind-address");
  EXPECT_TRUE(result.ok()) << text << ": " << (result.ok() ? "" : result.error().message);
  return result.ok() ? *result : std::nullopt;
}

common::Error rejected(const std::string& text) {
  common::Result<std::optional<BindAddress>> result =
      parseBindAddress(text, "metrics-bind-address");
  EXPECT_FALSE(result.ok()) << text << " was accepted";
  return result.ok() ? common::Error{} : result.error();
}

TEST(ParseBindAddressTest, APortAloneListensOnEveryInterface) {
  const std::optional<BindAddress> address = parsed(":8080");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->host, "0.0.0.0");
  EXPECT_EQ(address->port, 8080);
}

TEST(ParseBindAddressTest, HostAndPortZero) {
  const std::optional<BindAddress> address = parsed("127.0.0.1:0");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 0);
}

TEST(ParseBindAddressTest, ABracketedIpv6HostLosesItsBrackets) {
  const std::optional<BindAddress> address = parsed("[::1]:9");
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 9);
}

TEST(ParseBindAddressTest, ZeroTurnsTheEndpointOff) {
  common::Result<std::optional<BindAddress>> result = parseBindAddress("0", "metrics-bind-address");
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->has_value());
}

TEST(ParseBindAddressTest, GarbageIsRejectedNamingTheFlag) {
  const common::Error error = rejected("garbage");
  EXPECT_EQ(error.code, common::ErrorCode::kInvalid);
  EXPECT_EQ(error.field, "metrics-bind-address");
  EXPECT_NE(error.message.find("--metrics-bind-address=garbage"), std::string::npos)
      << error.message;
}

TEST(ParseBindAddressTest, BadPortsAreRejected) {
  rejected("localhost:");
  rejected("localhost:http");
  rejected("localhost:65536");
  rejected("localhost:99999999999");
  rejected("localhost:-1");
  rejected(":80x");
  EXPECT_EQ(parsed("localhost:65535")->port, 65535);
}

TEST(ParseBindAddressTest, MalformedIpv6HostsAreRejected) {
  rejected("[::1]");
  rejected("::1:9");
  rejected("[::1:9");
  rejected("::1]:9");
  rejected("[]:9");
}

TEST(ResolveDefaultsTest, NamespacesDefaultToThePodsNamespace) {
  OperatorOptions options;
  resolveDefaults(options, "chaos");
  EXPECT_EQ(options.leader_election_namespace, "chaos");
  EXPECT_EQ(options.control_namespace, "chaos");
}

TEST(ResolveDefaultsTest, WithoutAPodNamespaceTheSystemNamespaceIsUsed) {
  OperatorOptions options;
  resolveDefaults(options, "");
  EXPECT_EQ(options.leader_election_namespace, "aftershock-system");
  EXPECT_EQ(options.control_namespace, "aftershock-system");
}

TEST(ResolveDefaultsTest, ExplicitNamespacesAreKept) {
  OperatorOptions options;
  options.leader_election_namespace = "leases";
  options.control_namespace = "control";
  resolveDefaults(options, "chaos");
  EXPECT_EQ(options.leader_election_namespace, "leases");
  EXPECT_EQ(options.control_namespace, "control");
}

TEST(ControllerOptionsTest, CarriesTheControllerFlags) {
  OperatorOptions options;
  options.watch_namespace = "demo";
  options.workers = 7;
  options.max_active_experiments = 3;
  options.kill_switch = true;
  options.control_namespace = "control";
  options.control_config_map = "switch";
  const ControllerOptions controller = controllerOptions(options);
  EXPECT_EQ(controller.watch_namespace, "demo");
  EXPECT_EQ(controller.workers, 7);
  EXPECT_EQ(controller.max_active_experiments, 3);
  EXPECT_TRUE(controller.kill_switch);
  EXPECT_EQ(controller.control_namespace, "control");
  EXPECT_EQ(controller.control_config_map, "switch");
}

}  // namespace
}  // namespace aftershock::op
