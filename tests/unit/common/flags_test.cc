#include "common/flags.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace aftershock::common {
namespace {

class FlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    flags_.addString("name", "AFTERSHOCK_TEST_NAME", "a name", &name_);
    flags_.addInt("port", "AFTERSHOCK_TEST_PORT", "a port", &port_, 0, 65535);
    flags_.addDouble("rate", "", "a rate", &rate_, 0.0, 1.0);
    flags_.addBool("verbose", "", "talk more", &verbose_);
  }
  void TearDown() override {
    unsetenv("AFTERSHOCK_TEST_NAME");
    unsetenv("AFTERSHOCK_TEST_PORT");
  }
  Status parse(std::vector<const char*> args) {
    args.insert(args.begin(), "program");
    return flags_.parse(static_cast<int>(args.size()), args.data());
  }

  Flags flags_{"program", "summary"};
  std::string name_ = "default";
  std::int64_t port_ = 8000;
  double rate_ = 0.5;
  bool verbose_ = false;
};

TEST_F(FlagsTest, KeepsDefaultsWhenNothingIsGiven) {
  ASSERT_TRUE(parse({}).ok());
  EXPECT_EQ(name_, "default");
  EXPECT_EQ(port_, 8000);
}

TEST_F(FlagsTest, AcceptsEqualsAndSeparateValueForms) {
  ASSERT_TRUE(parse({"--name=abc", "--port", "9090", "--verbose"}).ok());
  EXPECT_EQ(name_, "abc");
  EXPECT_EQ(port_, 9090);
  EXPECT_TRUE(verbose_);
}

TEST_F(FlagsTest, FlagOverridesEnvironmentWhichOverridesDefault) {
  setenv("AFTERSHOCK_TEST_NAME", "from-env", 1);
  setenv("AFTERSHOCK_TEST_PORT", "1234", 1);
  ASSERT_TRUE(parse({"--port=4321"}).ok());
  EXPECT_EQ(name_, "from-env");
  EXPECT_EQ(port_, 4321);
}

TEST_F(FlagsTest, RejectsOutOfRangeValueNamingTheFlag) {
  const Status status = parse({"--port=70000"});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().field, "port");
  EXPECT_NE(status.error().message.find("70000"), std::string::npos);
}

TEST_F(FlagsTest, RejectsBadEnvironmentValueNamingTheVariable) {
  setenv("AFTERSHOCK_TEST_PORT", "eighty", 1);
  const Status status = parse({});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("AFTERSHOCK_TEST_PORT"), std::string::npos);
}

TEST_F(FlagsTest, RejectsUnknownFlagAndStrayArgument) {
  EXPECT_EQ(parse({"--nope=1"}).error().field, "nope");
  EXPECT_FALSE(parse({"stray"}).ok());
  EXPECT_FALSE(parse({"--rate=abc"}).ok());
  EXPECT_FALSE(parse({"--name"}).ok());
}

TEST(DurationTest, ParsesGoStyleDurationsAndBareSeconds) {
  EXPECT_EQ(*parseDurationMillis("250ms"), 250);
  EXPECT_EQ(*parseDurationMillis("2s"), 2000);
  EXPECT_EQ(*parseDurationMillis("1m30s"), 90'000);
  EXPECT_EQ(*parseDurationMillis("1h"), 3'600'000);
  EXPECT_EQ(*parseDurationMillis("1.5"), 1500);
  EXPECT_FALSE(parseDurationMillis("").ok());
  EXPECT_FALSE(parseDurationMillis("5 minutes").ok());
  EXPECT_FALSE(parseDurationMillis("-1").ok());
}

}  // namespace
}  // namespace aftershock::common
