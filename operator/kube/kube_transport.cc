#include "operator/kube/kube_transport.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <mutex>
#include <optional>
#include <vector>

#include "common/http.h"
#include "operator/kube/api_error.h"
#include "operator/kube/rate_limiter.h"

namespace aftershock::op {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using common::ErrorCode;
using common::makeError;
using SteadyDeadline = std::chrono::steady_clock::time_point;

constexpr std::size_t kMaxIdleConnections = 16;
constexpr std::uint64_t kMaxBodyBytes = 256ull * 1024 * 1024;
constexpr std::size_t kMaxErrorBodyBytes = 1024 * 1024;
constexpr std::size_t kStreamChunkBytes = 64 * 1024;
// The API server closes keep-alive connections idle for 90 s; drop ours well before, so a
// request never meets a connection the server is closing at that very moment.
constexpr auto kMaxIdleTime = std::chrono::seconds(60);

// One TLS connection with the io_context that drives it; used by one thread at a time.
struct Connection {
  explicit Connection(ssl::context& tls) : stream(io, tls) {}
  asio::io_context io{1};
  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  void run() {
    io.restart();
    io.run();
  }
};

// An idle HTTP/1.1 connection has nothing to read; readable means the peer closed it (or sent
// something we cannot use), so it must not carry another request.
bool idleConnectionLooksOpen(Connection& connection) {
  pollfd check{};
  check.fd = beast::get_lowest_layer(connection.stream).socket().native_handle();
  check.events = POLLIN | POLLRDHUP;
  return ::poll(&check, 1, 0) == 0;
}

// TCP keep-alive probes find a peer that vanished without a reset (a failed-over load
// balancer) in about a minute, instead of at the next request's timeout.
void enableKeepAlive(tcp::socket& socket) {
  beast::error_code ec;
  socket.set_option(asio::socket_base::keep_alive(true), ec);
  const int idle_seconds = 30, interval_seconds = 10, probes = 3;
  ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, &idle_seconds,
               sizeof(idle_seconds));
  ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_KEEPINTVL, &interval_seconds,
               sizeof(interval_seconds));
  ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
}

// Methods whose replay cannot change the outcome (Go's net/http replays the same set).
bool isReplayable(const std::string& method) { return method == "GET" || method == "HEAD"; }

bool isStaleConnectionError(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::eof ||
         ec == ssl::error::stream_truncated;
}

// Loads PEM text into the TLS context; an OpenSSL complaint becomes an error naming `field`.
template <typename Load>
common::Status loadPem(const std::string& field, Load load) {
  beast::error_code ec;
  load(ec);
  if (ec) return common::fieldError(field, field + " is not usable PEM: " + ec.message());
  return {};
}

class BeastKubeTransport final : public KubeTransport {
 public:
  BeastKubeTransport(common::ParsedUrl server, std::string server_name, TokenProvider token,
                     double qps, int burst, common::Clock& clock)
      : server_(std::move(server)),
        server_name_(std::move(server_name)),
        token_(std::move(token)),
        limiter_(qps, burst, clock) {}

  ssl::context& tls() { return tls_; }

  common::Result<TransportResponse> send(const TransportRequest& request) override {
    limiter_.acquire();
    auto message = buildMessage(request);
    if (!message.ok()) return message.error();
    const SteadyDeadline deadline = std::chrono::steady_clock::now() + request.timeout;

    // A pooled connection the server closed after takeIdle() checked it fails before any
    // answer arrives. The request is sent again on a fresh connection when that cannot do
    // harm: it was never written, or it is a read. A create or a conditional update that may
    // have been applied is not replayed (that would turn success into AlreadyExists or
    // Conflict); the caller sees Unavailable and decides.
    while (auto pooled = takeIdle()) {
      auto answer = exchange(**pooled, *message, deadline);
      if (answer.response) {
        return finish(std::move(*pooled), std::move(*answer.response), answer.reusable);
      }
      const bool replay = !answer.written || isReplayable(request.method);
      if (answer.got_some || !isStaleConnectionError(answer.error) || !replay) {
        return transportError(answer.error, request);
      }
    }
    auto connection = std::make_unique<Connection>(tls_);
    if (auto ec = connect(*connection, deadline)) return transportError(ec, request);
    auto answer = exchange(*connection, *message, deadline);
    if (!answer.response) return transportError(answer.error, request);
    return finish(std::move(connection), std::move(*answer.response), answer.reusable);
  }

  common::Status stream(const TransportRequest& request,
                        const std::function<bool(std::string_view line)>& on_line,
                        WatchCancel& cancel, std::chrono::milliseconds idle_timeout) override {
    limiter_.acquire();
    auto message = buildMessage(request);
    if (!message.ok()) return message.error();
    auto connection = std::make_unique<Connection>(tls_);
    // Cancellation closes the socket from the connection's own thread. Closing (not
    // cancelling) also fails every operation started after the close ran, so a cancel that
    // lands between two phases (connect, handshake, write, read) is not lost.
    Connection* raw = connection.get();
    cancel.setInterrupt(
        [raw] { asio::post(raw->io, [raw] { beast::get_lowest_layer(raw->stream).close(); }); });
    // Cleared on every way out (on_line may throw) before the connection is destroyed.
    struct ClearInterrupt {
      WatchCancel& cancel;
      ~ClearInterrupt() { cancel.setInterrupt({}); }
    } clear{cancel};
    return streamOn(*connection, *message, request, on_line, cancel, idle_timeout);
  }

 private:
  struct Answer {
    beast::error_code error;
    bool written = false;   // the whole request went out
    bool got_some = false;  // some of an answer came back
    bool reusable = false;  // the answer leaves the connection fit for another request
    std::optional<http::response<http::string_body>> response;
  };

  common::Result<http::request<http::string_body>> buildMessage(const TransportRequest& request) {
    const http::verb verb = http::string_to_verb(request.method);
    if (verb == http::verb::unknown) {
      return common::fieldError("method", "unknown HTTP method '" + request.method + "'");
    }
    http::request<http::string_body> message{verb, server_.target + request.target, 11};
    // An IPv6 literal is bracketed in Host (RFC 7230), as it was in the URL.
    const bool ipv6 = server_.host.find(':') != std::string::npos;
    message.set(http::field::host,
                (ipv6 ? "[" + server_.host + "]" : server_.host) + ":" + server_.port);
    message.set(http::field::user_agent, "aftershock-operator");
    message.set(http::field::accept, "application/json");
    if (token_) {
      auto token = token_();
      if (!token.ok()) return token.error();
      if (!token->empty()) message.set(http::field::authorization, "Bearer " + *token);
    }
    if (!request.content_type.empty()) message.set(http::field::content_type, request.content_type);
    message.body() = request.body;
    message.prepare_payload();
    return message;
  }

  // The most recently used idle connection that is young enough and still open; the others
  // found on the way are closed.
  std::optional<std::unique_ptr<Connection>> takeIdle() {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    while (!idle_.empty()) {
      IdleConnection idle = std::move(idle_.back());
      idle_.pop_back();
      if (now - idle.since < kMaxIdleTime && idleConnectionLooksOpen(*idle.connection)) {
        return std::move(idle.connection);
      }
    }
    return std::nullopt;
  }

  beast::error_code connect(Connection& connection, SteadyDeadline deadline) {
    beast::error_code ec;
    std::vector<tcp::endpoint> endpoints;
    const auto port = static_cast<unsigned short>(std::stoi(server_.port));
    const auto literal = asio::ip::make_address(server_.host, ec);
    if (!ec) {
      endpoints.emplace_back(literal, port);
    } else {
      tcp::resolver resolver(connection.io);
      auto found = resolver.resolve(server_.host, server_.port, ec);
      if (ec) return ec;
      for (const auto& entry : found) endpoints.push_back(entry);
    }
    auto& socket_stream = beast::get_lowest_layer(connection.stream);
    socket_stream.expires_at(deadline);
    beast::error_code result = asio::error::would_block;
    socket_stream.async_connect(
        endpoints, [&](beast::error_code done, const tcp::endpoint&) { result = done; });
    connection.run();
    if (result) return result;
    socket_stream.socket().set_option(tcp::no_delay(true), ec);
    enableKeepAlive(socket_stream.socket());

    const std::string& name = server_name_.empty() ? server_.host : server_name_;
    asio::ip::make_address(name, ec);
    // SNI carries host names only, never IP literals.
    if (ec) {
      // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
      SSL_ctrl(connection.stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
               TLSEXT_NAMETYPE_host_name, const_cast<char*>(name.c_str()));
    }
    connection.stream.set_verify_callback(ssl::host_name_verification(name));
    connection.stream.async_handshake(ssl::stream_base::client,
                                      [&](beast::error_code done) { result = done; });
    connection.run();
    return result;
  }

  static Answer exchange(Connection& connection, http::request<http::string_body>& message,
                         SteadyDeadline deadline) {
    Answer answer;
    beast::get_lowest_layer(connection.stream).expires_at(deadline);
    http::async_write(connection.stream, message,
                      [&](beast::error_code ec, std::size_t) { answer.error = ec; });
    connection.run();
    if (answer.error) return answer;
    answer.written = true;
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    http::async_read(connection.stream, connection.buffer, parser,
                     [&](beast::error_code ec, std::size_t) { answer.error = ec; });
    connection.run();
    answer.got_some = parser.got_some();
    if (!answer.error) {
      answer.reusable = parser.keep_alive() && !parser.need_eof();
      answer.response = parser.release();
    }
    return answer;
  }

  TransportResponse finish(std::unique_ptr<Connection> connection,
                           http::response<http::string_body> message, bool reusable) {
    TransportResponse response{static_cast<int>(message.result_int()), std::move(message.body())};
    if (reusable) {
      beast::get_lowest_layer(connection->stream).expires_never();
      std::lock_guard lock(mutex_);
      if (idle_.size() < kMaxIdleConnections) {
        idle_.push_back({std::move(connection), std::chrono::steady_clock::now()});
      }
    }
    return response;
  }

  common::Status streamOn(Connection& connection, http::request<http::string_body>& message,
                          const TransportRequest& request,
                          const std::function<bool(std::string_view line)>& on_line,
                          WatchCancel& cancel, std::chrono::milliseconds idle_timeout) {
    const SteadyDeadline connect_deadline = std::chrono::steady_clock::now() + request.timeout;
    if (cancel.cancelled()) return {};
    if (auto ec = connect(connection, connect_deadline)) {
      return cancel.cancelled() ? common::Status() : transportError(ec, request);
    }
    auto& socket_stream = beast::get_lowest_layer(connection.stream);
    beast::error_code result;
    socket_stream.expires_at(connect_deadline);
    http::async_write(connection.stream, message,
                      [&](beast::error_code ec, std::size_t) { result = ec; });
    connection.run();
    if (result) return cancel.cancelled() ? common::Status() : transportError(result, request);

    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    socket_stream.expires_after(idle_timeout);
    http::async_read_header(connection.stream, connection.buffer, parser,
                            [&](beast::error_code ec, std::size_t) { result = ec; });
    connection.run();
    if (result) return cancel.cancelled() ? common::Status() : transportError(result, request);
    const int status = static_cast<int>(parser.get().result_int());

    std::vector<char> chunk(kStreamChunkBytes);
    std::string pending;
    std::string error_body;
    while (!parser.is_done()) {
      if (cancel.cancelled()) return {};
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      socket_stream.expires_after(idle_timeout);
      http::async_read_some(connection.stream, connection.buffer, parser,
                            [&](beast::error_code ec, std::size_t) { result = ec; });
      connection.run();
      if (result == http::error::need_buffer) result = {};
      if (result) return cancel.cancelled() ? common::Status() : transportError(result, request);
      const std::size_t received = chunk.size() - parser.get().body().size;
      if (status != 200) {
        if (error_body.size() < kMaxErrorBodyBytes) error_body.append(chunk.data(), received);
        continue;
      }
      pending.append(chunk.data(), received);
      std::size_t start = 0;
      for (auto end = pending.find('\n'); end != std::string::npos;
           end = pending.find('\n', start)) {
        if (end > start && !on_line(std::string_view(pending).substr(start, end - start))) {
          return {};
        }
        start = end + 1;
      }
      pending.erase(0, start);
    }
    if (status != 200)
      return decodeApiError(status, error_body, request.method + " " + request.target);
    if (!pending.empty()) on_line(pending);
    return {};
  }

  common::Error transportError(const beast::error_code& ec, const TransportRequest& request) const {
    const std::string what = request.method + " https://" + server_.host + ":" + server_.port +
                             server_.target + request.target;
    if (ec == beast::error::timeout) {
      return makeError(ErrorCode::kTimeout, what + ": no answer in time");
    }
    return makeError(ErrorCode::kUnavailable, what + ": " + ec.message());
  }

  common::ParsedUrl server_;
  std::string server_name_;
  TokenProvider token_;
  RateLimiter limiter_;
  ssl::context tls_{ssl::context::tls_client};
  struct IdleConnection {
    std::unique_ptr<Connection> connection;
    std::chrono::steady_clock::time_point since;
  };
  std::mutex mutex_;
  std::vector<IdleConnection> idle_;
};

}  // namespace

common::Result<std::unique_ptr<KubeTransport>> makeKubeTransport(const RestConfig& config,
                                                                 TokenProvider token,
                                                                 common::Clock& clock) {
  auto server = common::parseUrl(config.server);
  if (!server.ok()) return common::fieldError("server", server.error().message);
  if (!server->secure) {
    return common::fieldError(
        "server", "server '" + config.server + "' must be https:// (the API server speaks TLS)");
  }
  if (server->target == "/") server->target.clear();
  auto transport = std::make_unique<BeastKubeTransport>(
      *server, config.tls_server_name, std::move(token), config.qps, config.burst, clock);
  ssl::context& tls = transport->tls();
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (config.insecure_skip_tls_verify) {
    tls.set_verify_mode(ssl::verify_none);
  } else {
    tls.set_verify_mode(ssl::verify_peer);
    common::Status loaded;
    if (config.ca_pem.empty()) {
      loaded = loadPem("certificate-authority",
                       [&](beast::error_code& ec) { tls.set_default_verify_paths(ec); });
    } else {
      loaded = loadPem("certificate-authority", [&](beast::error_code& ec) {
        tls.add_certificate_authority(asio::buffer(config.ca_pem), ec);
      });
    }
    if (!loaded.ok()) return loaded.error();
  }
  if (!config.client_cert_pem.empty() || !config.client_key_pem.empty()) {
    if (config.client_cert_pem.empty() || config.client_key_pem.empty()) {
      return common::fieldError("client-certificate",
                                "a client certificate needs both the certificate and its key");
    }
    auto cert = loadPem("client-certificate", [&](beast::error_code& ec) {
      tls.use_certificate_chain(asio::buffer(config.client_cert_pem), ec);
    });
    if (!cert.ok()) return cert.error();
    auto key = loadPem("client-key", [&](beast::error_code& ec) {
      tls.use_private_key(asio::buffer(config.client_key_pem), ssl::context::pem, ec);
    });
    if (!key.ok()) return key.error();
  }
  return std::unique_ptr<KubeTransport>(std::move(transport));
}

}  // namespace aftershock::op
