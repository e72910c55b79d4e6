#include "common/beast_http_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <optional>
#include <vector>

namespace aftershock::common {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxIdlePerHost = 16;
constexpr std::uint64_t kMaxResponseBodyBytes = 64ull * 1024 * 1024;

struct Connection {
  explicit Connection(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

// Everything one calling thread needs; no other thread ever touches it.
struct ThreadState {
  asio::io_context io{1};
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;  // by "host:port"

  // Runs the io_context until the started operation completes.
  void runUntilDone() {
    io.restart();
    io.run();
  }
};

ThreadState& threadState() {
  thread_local ThreadState state;
  return state;
}

bool isStaleConnectionError(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::eof;
}

Error transportError(const beast::error_code& ec, const HttpClientRequest& request) {
  if (ec == beast::error::timeout) {
    return makeError(ErrorCode::kTimeout, request.method + " " + request.url + " timed out after " +
                                              std::to_string(request.timeout.count()) + "ms");
  }
  return makeError(ErrorCode::kUnavailable,
                   request.method + " " + request.url + " failed: " + ec.message());
}

class BeastHttpClient final : public HttpClient {
 public:
  Result<HttpResponse> send(const HttpClientRequest& request) override {
    auto url = parseHttpUrl(request.url);
    if (!url.ok()) return url.error();
    const http::verb verb = http::string_to_verb(request.method);
    if (verb == http::verb::unknown) {
      return fieldError("method", "unknown HTTP method '" + request.method + "'");
    }
    http::request<http::string_body> message{verb, url->target, 11};
    message.set(http::field::host, url->host + ":" + url->port);
    message.set(http::field::user_agent, "aftershock");
    for (const auto& [name, value] : request.headers) message.set(name, value);
    if (!request.body.empty() && findHeader(request.headers, "Content-Type").empty()) {
      message.set(http::field::content_type, "application/json");
    }
    message.body() = request.body;
    message.prepare_payload();

    const auto deadline = std::chrono::steady_clock::now() + request.timeout;
    ThreadState& state = threadState();
    const std::string key = url->host + ":" + url->port;

    // A pooled connection the server has since closed fails before any answer arrives;
    // that request never reached a handler, so it is sent again on a fresh connection.
    while (auto pooled = takeIdle(state, key)) {
      Exchange exchange = exchange_(state, **pooled, message, deadline);
      if (exchange.ok()) return finish(state, key, std::move(*pooled), std::move(exchange));
      if (!exchange.nothing_received || !isStaleConnectionError(exchange.error)) {
        return transportError(exchange.error, request);
      }
    }
    auto connection = std::make_unique<Connection>(state.io);
    if (auto connected = connect(state, *connection, *url, deadline); !connected) {
      return transportError(connected.error, request);
    }
    Exchange exchange = exchange_(state, *connection, message, deadline);
    if (!exchange.ok()) return transportError(exchange.error, request);
    return finish(state, key, std::move(connection), std::move(exchange));
  }

 private:
  struct Exchange {
    beast::error_code error;
    bool nothing_received = true;
    std::optional<http::response<http::string_body>> response;
    bool ok() const { return !error && response.has_value(); }
  };
  struct Connected {
    beast::error_code error;
    explicit operator bool() const { return !error; }
  };

  static std::optional<std::unique_ptr<Connection>> takeIdle(ThreadState& state,
                                                             const std::string& key) {
    auto it = state.idle.find(key);
    if (it == state.idle.end() || it->second.empty()) return std::nullopt;
    auto connection = std::move(it->second.back());
    it->second.pop_back();
    return connection;
  }

  static Connected connect(ThreadState& state, Connection& connection, const ParsedUrl& url,
                           std::chrono::steady_clock::time_point deadline) {
    beast::error_code ec;
    std::vector<tcp::endpoint> endpoints;
    const auto literal = asio::ip::make_address(url.host, ec);
    const auto port = static_cast<unsigned short>(std::stoi(url.port));
    if (!ec) {
      endpoints.emplace_back(literal, port);
    } else {
      // Names resolve on asio's resolver thread; a timer bounds the wait.
      tcp::resolver resolver(state.io);
      asio::steady_timer timer(state.io, deadline);
      beast::error_code resolve_ec = asio::error::would_block;
      resolver.async_resolve(url.host, url.port,
                             [&](beast::error_code result, tcp::resolver::results_type found) {
                               resolve_ec = result;
                               for (const auto& entry : found) endpoints.push_back(entry);
                               timer.cancel();
                             });
      timer.async_wait([&](beast::error_code waited) {
        if (!waited) resolver.cancel();
      });
      state.runUntilDone();
      if (resolve_ec == asio::error::operation_aborted) return {beast::error::timeout};
      if (resolve_ec) return {resolve_ec};
    }
    connection.stream.expires_at(deadline);
    beast::error_code connect_ec = asio::error::would_block;
    connection.stream.async_connect(
        endpoints, [&](beast::error_code result, const tcp::endpoint&) { connect_ec = result; });
    state.runUntilDone();
    if (!connect_ec) connection.stream.socket().set_option(tcp::no_delay(true), connect_ec);
    return {connect_ec};
  }

  static Exchange exchange_(ThreadState& state, Connection& connection,
                            http::request<http::string_body>& message,
                            std::chrono::steady_clock::time_point deadline) {
    Exchange exchange;
    connection.stream.expires_at(deadline);
    http::async_write(connection.stream, message,
                      [&](beast::error_code ec, std::size_t) { exchange.error = ec; });
    state.runUntilDone();
    if (exchange.error) return exchange;

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBodyBytes);
    http::async_read(connection.stream, connection.buffer, parser,
                     [&](beast::error_code ec, std::size_t) { exchange.error = ec; });
    state.runUntilDone();
    exchange.nothing_received = !parser.got_some();
    if (!exchange.error) exchange.response = parser.release();
    return exchange;
  }

  static Result<HttpResponse> finish(ThreadState& state, const std::string& key,
                                     std::unique_ptr<Connection> connection, Exchange exchange) {
    auto& message = *exchange.response;
    HttpResponse response;
    response.status = static_cast<int>(message.result_int());
    response.content_type = std::string(message[http::field::content_type]);
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    if (message.keep_alive()) {
      auto& idle = state.idle[key];
      if (idle.size() < kMaxIdlePerHost) {
        connection->stream.expires_never();
        idle.push_back(std::move(connection));
      }
    }
    return response;
  }
};

}  // namespace

std::unique_ptr<HttpClient> makeBeastHttpClient() { return std::make_unique<BeastHttpClient>(); }

}  // namespace aftershock::common
