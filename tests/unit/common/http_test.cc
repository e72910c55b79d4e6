#include "common/http.h"

#include <gtest/gtest.h>

namespace aftershock::common {
namespace {

TEST(ParseHttpUrlTest, SplitsHostPortAndTarget) {
  auto url = parseHttpUrl("http://backend-service:8000/data?x=1");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "backend-service");
  EXPECT_EQ(url->port, "8000");
  EXPECT_EQ(url->target, "/data?x=1");
}

TEST(ParseHttpUrlTest, DefaultsPortAndPath) {
  auto url = parseHttpUrl("http://example");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, "80");
  EXPECT_EQ(url->target, "/");
}

TEST(ParseHttpUrlTest, UnwrapsBracketedIpv6) {
  auto url = parseHttpUrl("http://[::1]:9090/x");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "9090");
}

TEST(ParseHttpUrlTest, RejectsOtherSchemesAndBadPorts) {
  EXPECT_EQ(parseHttpUrl("https://x/").error().code, ErrorCode::kInvalid);
  EXPECT_FALSE(parseHttpUrl("http://:80/").ok());
  EXPECT_FALSE(parseHttpUrl("http://host:99999/").ok());
  EXPECT_FALSE(parseHttpUrl("http://host:abc/").ok());
}

TEST(HttpRequestTest, DecodesQueryParameters) {
  HttpRequest request;
  request.query = "a=1&name=hello%20world&plus=a+b&empty";
  EXPECT_EQ(request.queryParam("a"), "1");
  EXPECT_EQ(request.queryParam("name"), "hello world");
  EXPECT_EQ(request.queryParam("plus"), "a b");
  EXPECT_EQ(request.queryParam("empty"), "");
  EXPECT_EQ(request.queryParam("missing"), "");
}

TEST(HttpHeadersTest, LooksUpNamesCaseInsensitively) {
  Headers headers = {{"Retry-After", "3"}, {"content-type", "text/plain"}};
  EXPECT_EQ(findHeader(headers, "retry-after"), "3");
  EXPECT_EQ(findHeader(headers, "Content-Type"), "text/plain");
  EXPECT_EQ(findHeader(headers, "X-Missing"), "");
}

TEST(HttpResponseTest, ErrorBodyNamesTheField) {
  const HttpResponse response = HttpResponse::error(400, "bad rate", "failure_rate");
  EXPECT_EQ(response.status, 400);
  const auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["error"], "bad rate");
  EXPECT_EQ(body["field"], "failure_rate");
  EXPECT_FALSE(nlohmann::json::parse(HttpResponse::error(404, "x").body).contains("field"));
}

}  // namespace
}  // namespace aftershock::common
