#include "operator/api/v1alpha1/duration.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>

namespace aftershock::op::v1alpha1 {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

common::Duration parsed(std::string_view text) {
  common::Result<common::Duration> result = parseDuration(text);
  EXPECT_TRUE(result.ok()) << text << ": " << (result.ok() ? "" : result.error().message);
  return result.ok() ? *result : common::Duration(-1);
}

std::string rejection(std::string_view text) {
  common::Result<common::Duration> result = parseDuration(text);
  EXPECT_FALSE(result.ok()) << text << " was accepted";
  if (result.ok()) return {};
  EXPECT_EQ(result.error().code, common::ErrorCode::kInvalid);
  return result.error().message;
}

TEST(ParseDurationTest, ReadsEachUnit) {
  EXPECT_EQ(parsed("500ms"), milliseconds(500));
  EXPECT_EQ(parsed("30s"), seconds(30));
  EXPECT_EQ(parsed("5m"), minutes(5));
  EXPECT_EQ(parsed("2h"), hours(2));
  EXPECT_EQ(parsed("0s"), common::Duration(0));
}

TEST(ParseDurationTest, AddsUpSeveralParts) {
  EXPECT_EQ(parsed("1m30s"), seconds(90));
  EXPECT_EQ(parsed("1h30m15s"), hours(1) + minutes(30) + seconds(15));
  EXPECT_EQ(parsed("1s500ms"), milliseconds(1500));
}

TEST(ParseDurationTest, ReadsFractionsOfAnyUnit) {
  EXPECT_EQ(parsed("1.5s"), milliseconds(1500));
  EXPECT_EQ(parsed("0.5ms"), microseconds(500));
  EXPECT_EQ(parsed("1.25h"), minutes(75));
  EXPECT_EQ(parsed("0.1h"), minutes(6));
  EXPECT_EQ(parsed("0.000000001s"), nanoseconds(1));
}

TEST(ParseDurationTest, EmptyTextSaysSoAndShowsAnExample) {
  const std::string message = rejection("");
  EXPECT_NE(message.find("empty"), std::string::npos) << message;
  EXPECT_NE(message.find("30s"), std::string::npos) << message;
}

TEST(ParseDurationTest, NegativeDurationIsRejectedAsNegative) {
  EXPECT_NE(rejection("-5s").find("negative"), std::string::npos);
}

TEST(ParseDurationTest, NumberWithoutUnitAsksForAUnit) {
  EXPECT_NE(rejection("5").find("needs a unit"), std::string::npos);
  EXPECT_NE(rejection("1m30").find("needs a unit"), std::string::npos);
}

TEST(ParseDurationTest, UnknownUnitIsNamed) {
  EXPECT_NE(rejection("5d").find("unknown unit \"d\""), std::string::npos);
  EXPECT_NE(rejection("5us").find("unknown unit \"us\""), std::string::npos);
  EXPECT_NE(rejection("5 s").find("unknown unit \" s\""), std::string::npos);
  EXPECT_NE(rejection("5sec").find("unknown unit \"sec\""), std::string::npos);
}

TEST(ParseDurationTest, MalformedNumbersAreRejected) {
  EXPECT_NE(rejection("1.s").find("followed by digits"), std::string::npos);
  EXPECT_NE(rejection(".5s").find("expected a number"), std::string::npos);
  EXPECT_NE(rejection("s").find("expected a number"), std::string::npos);
  EXPECT_NE(rejection("+5s").find("expected a number"), std::string::npos);
  EXPECT_NE(rejection("1m.5s").find("expected a number"), std::string::npos);
}

TEST(ParseDurationTest, ValuesBeyondSixtyFourBitNanosecondsOverflowCleanly) {
  EXPECT_NE(rejection("2562048h").find("too large"), std::string::npos);
  EXPECT_NE(rejection("9223372036854775808ms").find("too large"), std::string::npos);
  EXPECT_NE(rejection("99999999999999999999999h").find("too large"), std::string::npos);
  EXPECT_NE(rejection("2562047h47m16.854775808s").find("too large"), std::string::npos);
  EXPECT_NE(rejection("2562047h2562047h").find("too large"), std::string::npos);
  EXPECT_EQ(parsed("2562047h47m16.854775807s"), common::Duration::max());
}

TEST(ParseDurationTest, MessageQuotesTheTextBoundedAndValidUtf8) {
  const std::string message = rejection(std::string(200, '7') + "\xFF");
  EXPECT_LT(message.size(), 200u);
  EXPECT_EQ(message.find('\xFF'), std::string::npos);
}

TEST(FormatDurationTest, WritesTheShortestForm) {
  EXPECT_EQ(formatDuration(common::Duration(0)), "0s");
  EXPECT_EQ(formatDuration(milliseconds(500)), "500ms");
  EXPECT_EQ(formatDuration(seconds(30)), "30s");
  EXPECT_EQ(formatDuration(seconds(90)), "1m30s");
  EXPECT_EQ(formatDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(formatDuration(hours(2)), "2h");
  EXPECT_EQ(formatDuration(hours(24)), "24h");
  EXPECT_EQ(formatDuration(hours(1) + minutes(1)), "1h1m");
  EXPECT_EQ(formatDuration(hours(1) + milliseconds(1)), "1h0.001s");
}

TEST(FormatDurationTest, SubMillisecondPartsAreFractionalMilliseconds) {
  EXPECT_EQ(formatDuration(microseconds(250)), "0.25ms");
  EXPECT_EQ(formatDuration(nanoseconds(1)), "0.000001ms");
  EXPECT_EQ(formatDuration(microseconds(1500)), "1.5ms");
}

TEST(FormatDurationTest, NegativeDurationGetsASign) {
  EXPECT_EQ(formatDuration(seconds(-1)), "-1s");
  EXPECT_EQ(formatDuration(common::Duration::min()), "-2562047h47m16.854775808s");
}

TEST(FormatDurationTest, EveryFormattedDurationParsesBackExactly) {
  const common::Duration samples[] = {
      nanoseconds(1),
      nanoseconds(999'999),
      microseconds(1),
      milliseconds(1),
      milliseconds(999),
      seconds(1) + nanoseconds(1),
      seconds(59),
      minutes(59) + seconds(59),
      hours(1) + nanoseconds(7),
      hours(25) + minutes(3),
      hours(100'000) + nanoseconds(123'456'789),
      common::Duration::max(),
  };
  for (const common::Duration duration : samples) {
    const std::string text = formatDuration(duration);
    EXPECT_EQ(parsed(text), duration) << text;
  }
}

}  // namespace
}  // namespace aftershock::op::v1alpha1
