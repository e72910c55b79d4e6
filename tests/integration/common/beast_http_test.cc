// The Beast server and client together over real loopback sockets.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "common/beast_http_client.h"
#include "common/beast_http_server.h"
#include "tests/support/service_process.h"

namespace aftershock::common {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

class BeastHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServerOptions options;
    options.max_body_bytes = 1024;
    options.threads = 2;
    server_ = makeBeastHttpServer(options);
    server_->route("GET", "/hello", [](const HttpRequest& request) {
      return HttpResponse::json(200, {{"hello", request.queryParam("name")}});
    });
    server_->route("POST", "/echo", [](const HttpRequest& request) {
      return HttpResponse::text(201, request.body, "text/plain");
    });
    server_->route("GET", "/slow", [](const HttpRequest&) {
      HttpResponse response = HttpResponse::json(200, {{"slow", true}});
      response.delay = 300ms;
      return response;
    });
    server_->route("GET", "/throws",
                   [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
    server_->routeAsync("GET", "/async", [](const HttpRequest&, Responder respond) {
      std::thread([respond = std::move(respond)] {
        respond(HttpResponse::json(202, {{"async", true}}));
      }).detach();
    });
    server_->setObserver([this](const RequestRecord& record) {
      if (record.route == "/hello") ++hello_records_;
    });
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override { server_->stop(1s); }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->boundPort()) + path;
  }
  Result<HttpResponse> get(const std::string& path, std::chrono::milliseconds timeout = 2s) {
    HttpClientRequest request;
    request.url = url(path);
    request.timeout = timeout;
    return client_->send(request);
  }

  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_ = makeBeastHttpClient();
  std::atomic<int> hello_records_{0};
};

TEST_F(BeastHttpTest, AnswersRegisteredRouteAndReportsItToTheObserver) {
  auto response = get("/hello?name=aftershock");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(nlohmann::json::parse(response->body)["hello"], "aftershock");
  EXPECT_EQ(response->content_type, "application/json");
  EXPECT_TRUE(eventually([&] { return hello_records_.load() == 1; }));
}

TEST_F(BeastHttpTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  EXPECT_EQ(get("/nope")->status, 404);
  auto response = get("/echo");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->header("Allow"), "POST");
}

TEST_F(BeastHttpTest, EchoesPostBodies) {
  HttpClientRequest request{"POST", url("/echo"), {}, "payload", 2s};
  auto response = client_->send(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "payload");
}

TEST_F(BeastHttpTest, OversizedBodyIs413NamingTheLimit) {
  HttpClientRequest request{"POST", url("/echo"), {}, std::string(4096, 'x'), 2s};
  auto response = client_->send(request);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 413);
  EXPECT_NE(response->body.find("1024"), std::string::npos);
}

TEST_F(BeastHttpTest, HandlerExceptionIs500AndServerKeepsServing) {
  EXPECT_EQ(get("/throws")->status, 500);
  EXPECT_EQ(get("/hello")->status, 200);
}

TEST_F(BeastHttpTest, AsyncHandlerMayAnswerFromAnotherThread) {
  auto response = get("/async");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 202);
}

TEST_F(BeastHttpTest, DelayedResponseDoesNotHoldUpOtherRequests) {
  auto slow = std::async(std::launch::async, [this] { return get("/slow"); });
  // While the delayed answer is pending, the server still answers others at once.
  ASSERT_TRUE(eventually([&] { return server_->inflight() == 1; }, 2s));
  for (int i = 0; i < 20; ++i) ASSERT_EQ(get("/hello")->status, 200);
  EXPECT_EQ(slow.wait_for(0ms), std::future_status::timeout);
  EXPECT_EQ(slow.get()->status, 200);
}

TEST_F(BeastHttpTest, ClientTimesOutWithTimeoutCode) {
  auto response = get("/slow", 50ms);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kTimeout);
}

TEST_F(BeastHttpTest, ClientReusesConnectionAfterServerRestartTransparently) {
  ASSERT_EQ(get("/hello")->status, 200);  // leaves a pooled keep-alive connection
  const std::uint16_t port = server_->boundPort();
  server_->stop(1s);  // closes the pooled connection on the server side
  HttpServerOptions options;
  options.port = port;
  server_ = makeBeastHttpServer(options);
  server_->route("GET", "/hello", [](const HttpRequest&) { return HttpResponse::json(200, {}); });
  ASSERT_TRUE(server_->start().ok());
  auto response = get("/hello");
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
}

TEST_F(BeastHttpTest, GracefulStopLetsInFlightRequestFinish) {
  auto slow = std::async(std::launch::async, [this] { return get("/slow"); });
  ASSERT_TRUE(eventually([&] { return server_->inflight() == 1; }, 2s));
  server_->stop(5s);
  auto response = slow.get();
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_FALSE(get("/hello").ok());  // no longer accepting
}

TEST(BeastHttpClientTest, RefusedConnectionIsUnavailable) {
  // Find a port nobody listens on by binding and closing it.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const auto port = acceptor.local_endpoint().port();
  acceptor.close();
  auto response = makeBeastHttpClient()->send(
      {"GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, "", 1s});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
}

TEST(BeastHttpClientTest, MalformedUrlIsInvalid) {
  auto response = makeBeastHttpClient()->send({"GET", "ftp://x", {}, "", 1s});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, ErrorCode::kInvalid);
}

TEST(BeastHttpServerTest, StartFailsClearlyOnBadBindAddress) {
  HttpServerOptions options;
  options.bind_address = "not-an-ip";
  auto server = makeBeastHttpServer(options);
  const Status status = server->start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("not-an-ip"), std::string::npos);
}

}  // namespace
}  // namespace aftershock::common
