#include "operator/kube/api_error.h"

#include <gtest/gtest.h>

#include <string>

namespace aftershock::op {
namespace {

using common::ErrorCode;

std::string status(int code, const std::string& reason, const std::string& message) {
  return nlohmann::json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"},
                        {"code", code},     {"reason", reason},   {"message", message}}
      .dump();
}

TEST(ApiErrorTest, ReasonsMapToCodes) {
  const struct {
    int http;
    const char* reason;
    ErrorCode code;
  } cases[] = {
      {404, "NotFound", ErrorCode::kNotFound},
      {409, "AlreadyExists", ErrorCode::kAlreadyExists},
      {409, "Conflict", ErrorCode::kConflict},
      {403, "Forbidden", ErrorCode::kForbidden},
      {401, "Unauthorized", ErrorCode::kUnauthorized},
      {422, "Invalid", ErrorCode::kInvalid},
      {400, "BadRequest", ErrorCode::kInvalid},
      {410, "Expired", ErrorCode::kGone},
      {410, "Gone", ErrorCode::kGone},
      {429, "TooManyRequests", ErrorCode::kTooManyRequests},
      {504, "Timeout", ErrorCode::kTimeout},
      {500, "InternalError", ErrorCode::kTransient},
      {503, "ServiceUnavailable", ErrorCode::kTransient},
  };
  for (const auto& c : cases) {
    const common::Error error = decodeApiError(c.http, status(c.http, c.reason, "m"), "GET /x");
    EXPECT_EQ(error.code, c.code) << c.reason;
  }
}

TEST(ApiErrorTest, TwoConflictsDifferByReason) {
  EXPECT_EQ(decodeApiError(409, status(409, "AlreadyExists", "taken"), "POST").code,
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(decodeApiError(409, status(409, "Conflict", "modified"), "PUT").code,
            ErrorCode::kConflict);
}

TEST(ApiErrorTest, MessageNamesTheRequestAndKeepsTheServersWords) {
  const common::Error error = decodeApiError(
      404, status(404, "NotFound", "configmaps \"settings\" not found"), "GET /api/v1/x");
  EXPECT_EQ(error.message, "GET /api/v1/x: configmaps \"settings\" not found");
}

TEST(ApiErrorTest, InvalidCarriesTheFirstCausesField) {
  nlohmann::json body = {
      {"kind", "Status"},
      {"code", 422},
      {"reason", "Invalid"},
      {"message", "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value"},
      {"details",
       {{"causes",
         {{{"reason", "FieldValueInvalid"}, {"message", "bad"}, {"field", "metadata.name"}},
          {{"reason", "FieldValueRequired"}, {"field", "data"}}}}}}};
  const common::Error error = decodeApiError(422, body.dump(), "POST /x");
  EXPECT_EQ(error.code, ErrorCode::kInvalid);
  EXPECT_EQ(error.field, "metadata.name");
  EXPECT_FALSE(error.retryable());
}

TEST(ApiErrorTest, RetryableCodesAreTheOnesThatMayPass) {
  EXPECT_TRUE(decodeApiError(429, status(429, "TooManyRequests", "slow down"), "x").retryable());
  EXPECT_TRUE(decodeApiError(503, status(503, "ServiceUnavailable", "x"), "x").retryable());
  EXPECT_TRUE(decodeApiError(409, status(409, "Conflict", "x"), "x").retryable());
  EXPECT_FALSE(decodeApiError(403, status(403, "Forbidden", "x"), "x").retryable());
  EXPECT_FALSE(decodeApiError(404, status(404, "NotFound", "x"), "x").retryable());
}

TEST(ApiErrorTest, NonStatusBodiesFallBackToTheHttpCodeWithABoundedExcerpt) {
  const std::string html = "<html>" + std::string(1000, 'x') + "</html>\n";
  const common::Error error = decodeApiError(502, html, "GET /y");
  EXPECT_EQ(error.code, ErrorCode::kTransient);
  EXPECT_EQ(error.message.rfind("GET /y: HTTP 502: <html>", 0), 0u) << error.message;
  EXPECT_LT(error.message.size(), 260u);
}

TEST(ApiErrorTest, AnExcerptCutMidCharacterOrInLatin1IsStillValidUtf8) {
  // 199 ASCII bytes, then a euro sign whose three bytes straddle the 200-byte cut.
  const std::string cut = std::string(199, 'x') + "\xE2\x82\xAC tail";
  const std::string latin1 = "Erreur du mandataire: acc\xE8s refus\xE9";
  for (const std::string& body : {cut, latin1}) {
    const common::Error error = decodeApiError(502, body, "GET /v");
    EXPECT_NO_THROW((void)nlohmann::json(error.message).dump()) << error.message;
  }
}

TEST(ApiErrorTest, EmptyBodyStillSaysWhatHappened) {
  const common::Error error = decodeApiError(401, "", "GET /z");
  EXPECT_EQ(error.code, ErrorCode::kUnauthorized);
  EXPECT_EQ(error.message, "GET /z: HTTP 401");
}

TEST(ApiErrorTest, MalformedStatusFieldsAreIgnoredNotThrown) {
  nlohmann::json body = {{"kind", "Status"},
                         {"code", "not a number"},
                         {"reason", 7},
                         {"message", nullptr},
                         {"details", {{"causes", {"not an object", 3}}}}};
  common::Error error;
  ASSERT_NO_THROW(error = decodeApiError(404, body.dump(), "GET /w"));
  EXPECT_EQ(error.code, ErrorCode::kNotFound);
  EXPECT_EQ(error.message, "GET /w: HTTP 404");
  EXPECT_EQ(error.field, "");
}

TEST(ApiErrorTest, WatchErrorEventStatusDecodesWithoutAnHttpAnswer) {
  const nlohmann::json event_object = {{"kind", "Status"},
                                       {"code", 410},
                                       {"reason", "Expired"},
                                       {"message", "too old resource version: 5 (100)"}};
  const common::Error error = decodeStatusObject(event_object, "WATCH /api/v1/pods");
  EXPECT_EQ(error.code, ErrorCode::kGone);
  EXPECT_NE(error.message.find("too old resource version"), std::string::npos);
}

TEST(ApiErrorTest, UnknownClientErrorIsInternalNotRetryable) {
  const common::Error error = decodeApiError(418, "", "GET /teapot");
  EXPECT_EQ(error.code, ErrorCode::kInternal);
  EXPECT_FALSE(error.retryable());
}

}  // namespace
}  // namespace aftershock::op
