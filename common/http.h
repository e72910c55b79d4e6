// The HTTP seam shared by every binary: plain request/response values, a routing server
// interface, and a blocking client interface. Implementations: BeastHttpServer,
// BeastHttpClient; tests use FakeHttpClient (tests/fakes).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace aftershock::common {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; empty string when absent.
std::string_view findHeader(const Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string
  std::string query;   // after '?', undecoded; empty when none
  Headers headers;
  std::string body;

  std::string_view header(std::string_view name) const { return findHeader(headers, name); }
  // The value of `key` in the query string (percent-decoded), or empty.
  std::string queryParam(std::string_view key) const;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  Headers headers;
  // The server holds the response this long before sending it, without occupying a
  // thread (injected latency). Ignored by clients.
  std::chrono::milliseconds delay{0};

  std::string_view header(std::string_view name) const { return findHeader(headers, name); }

  static HttpResponse json(int status, const nlohmann::json& body);
  static HttpResponse text(int status, std::string body, std::string content_type);
  // {"error": message, "field": field} — field omitted when empty.
  static HttpResponse error(int status, std::string_view message, std::string_view field = {});
};

// Answers a request exactly once, from any thread.
using Responder = std::function<void(HttpResponse)>;
using SyncHandler = std::function<HttpResponse(const HttpRequest&)>;
using AsyncHandler = std::function<void(const HttpRequest&, Responder)>;

// What the server reports after each response is written (for metrics).
struct RequestRecord {
  std::string_view method;
  std::string_view route;  // the registered path, or "other" for unknown routes
  int status = 0;
  double duration_seconds = 0.0;  // from the request's last byte to the response's last byte
};
using RequestObserver = std::function<void(const RequestRecord&)>;

struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: pick a free port; boundPort() tells which
  int threads = 2;
  std::size_t max_body_bytes = 64 * 1024;  // larger bodies are answered 413
  std::chrono::seconds idle_timeout{60};   // keep-alive connections idle this long are closed
};

// A routing HTTP/1.1 server with keep-alive.
// Routing: exact path match; an unknown path answers 404, a known path with another method
// answers 405 with an Allow header. Handlers may run concurrently on several threads.
class HttpServer {
 public:
  virtual ~HttpServer() = default;

  // Register before start(). A handler that throws answers 500.
  virtual void route(std::string method, std::string path, SyncHandler handler) = 0;
  virtual void routeAsync(std::string method, std::string path, AsyncHandler handler) = 0;
  virtual void setObserver(RequestObserver observer) = 0;

  // Binds and starts serving on background threads.
  virtual Status start() = 0;
  virtual std::uint16_t boundPort() const = 0;
  // Requests currently between the last request byte and the last response byte.
  virtual int inflight() const = 0;
  // Graceful: stops accepting, lets in-flight requests finish (up to `grace`), closes
  // idle connections, joins threads. Idempotent.
  virtual void stop(std::chrono::milliseconds grace) = 0;
};

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;  // http://host:port/path?query
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{2000};  // whole exchange: connect, send, receive
};

// A blocking HTTP/1.1 client. A response of any status is success; transport failures are
// errors: kTimeout (deadline passed), kUnavailable (refused, reset, unresolvable),
// kInvalid (malformed URL). Thread-safe.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpResponse> send(const HttpClientRequest& request) = 0;
};

struct ParsedUrl {
  bool secure = false;  // https
  std::string host;
  std::string port;
  std::string target;  // path and query, at least "/"
};
// http:// or https://host[:port][/path][?query]; IPv6 hosts in brackets.
Result<ParsedUrl> parseUrl(std::string_view url);
// The same, http:// only (what HttpClient speaks).
Result<ParsedUrl> parseHttpUrl(std::string_view url);

}  // namespace aftershock::common
