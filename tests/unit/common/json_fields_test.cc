#include "common/json_fields.h"

#include <gtest/gtest.h>

namespace aftershock::common {
namespace {

TEST(JsonFieldsTest, ParsesObjectsAndTreatsEmptyBodyAsEmptyObject) {
  EXPECT_TRUE(parseJsonObject("").ok());
  EXPECT_TRUE(parseJsonObject(R"({"a":1})").ok());
  EXPECT_EQ(parseJsonObject("{not json").error().field, "body");
  EXPECT_EQ(parseJsonObject("[1,2]").error().field, "body");
}

TEST(JsonFieldsTest, NumberOutsideRangeNamesTheField) {
  const auto body = nlohmann::json::parse(R"({"failure_rate":1.5})");
  auto rate = optionalNumber(body, "failure_rate", 0.0, 1.0);
  ASSERT_FALSE(rate.ok());
  EXPECT_EQ(rate.error().field, "failure_rate");
  EXPECT_EQ(rate.error().code, ErrorCode::kInvalid);
}

TEST(JsonFieldsTest, WrongTypeIsAnErrorAndAbsentIsNullopt) {
  const auto body = nlohmann::json::parse(R"({"delay_ms":"fast","flag":1})");
  EXPECT_FALSE(optionalInteger(body, "delay_ms", 0, 100).ok());
  EXPECT_FALSE(optionalBool(body, "flag").ok());
  auto absent = optionalNumber(body, "missing", 0, 1);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
}

TEST(JsonFieldsTest, IntegersAcceptWholeFloatsButNotFractions) {
  const auto body = nlohmann::json::parse(R"({"a":5.0,"b":5.5,"c":-3,"d":18446744073709551615})");
  EXPECT_EQ(**optionalInteger(body, "a", 0, 10), 5);
  EXPECT_FALSE(optionalInteger(body, "b", 0, 10).ok());
  EXPECT_FALSE(optionalInteger(body, "c", 0, 10).ok());
  EXPECT_FALSE(optionalInteger(body, "d", 0, 10).ok());
}

TEST(JsonFieldsTest, RejectsUnknownFieldsByName) {
  const auto body = nlohmann::json::parse(R"({"failure_rat":0.5})");
  const Status status = rejectUnknownFields(body, {"failure_rate", "status_code"});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().field, "failure_rat");
}

TEST(ToValidUtf8Test, KeepsWellFormedTextByteForByte) {
  const std::string text = "plain, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x92\xA5";
  EXPECT_EQ(toValidUtf8(text), text);
}

TEST(ToValidUtf8Test, ReplacesEachBadByteSoJsonCanHoldIt) {
  EXPECT_EQ(toValidUtf8("a\xFF" "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(toValidUtf8("latin-1 caf\xE9"), "latin-1 caf\xEF\xBF\xBD");
  // A sequence cut short (an excerpt ending mid-character).
  EXPECT_EQ(toValidUtf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  // Overlong form and a UTF-16 surrogate are not UTF-8.
  EXPECT_EQ(toValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(toValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_NO_THROW(nlohmann::json(toValidUtf8("\xFF\xFE")).dump());
}

}  // namespace
}  // namespace aftershock::common
