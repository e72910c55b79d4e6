#include "common/beast_http_server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace aftershock::common {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::string_view kUnknownRoute = "other";

// Routes by exact path, then method. Immutable once the server starts.
class Router {
 public:
  void add(std::string method, std::string path, AsyncHandler handler) {
    routes_[std::move(path)][std::move(method)] = std::move(handler);
  }

  struct Match {
    const AsyncHandler* handler = nullptr;  // null: answer `fallback`
    std::string_view route = kUnknownRoute;
    std::optional<HttpResponse> fallback;
  };

  Match match(const std::string& method, const std::string& path) const {
    const auto by_path = routes_.find(path);
    if (by_path == routes_.end()) {
      return {nullptr, kUnknownRoute,
              HttpResponse::error(404, "no route for " + method + " " + path)};
    }
    const auto by_method = by_path->second.find(method);
    if (by_method != by_path->second.end()) return {&by_method->second, by_path->first, {}};
    std::string allowed;
    for (const auto& [name, handler] : by_path->second) {
      allowed += (allowed.empty() ? "" : ", ") + name;
    }
    HttpResponse response = HttpResponse::error(
        405, "method " + method + " not allowed on " + path + "; allowed: " + allowed);
    response.headers.emplace_back("Allow", allowed);
    return {nullptr, by_path->first, std::move(response)};
  }

 private:
  std::unordered_map<std::string, std::map<std::string, AsyncHandler>> routes_;
};

class Session;

// State shared by the listener and every session.
struct ServerState {
  HttpServerOptions options;
  Router router;
  RequestObserver observer;
  std::atomic<int> inflight{0};
  std::atomic<bool> stopping{false};

  std::mutex sessions_mutex;
  std::condition_variable sessions_changed;
  std::unordered_map<Session*, std::shared_ptr<Session>> sessions;

  void addSession(const std::shared_ptr<Session>& session) {
    std::lock_guard lock(sessions_mutex);
    sessions.emplace(session.get(), session);
  }
  void removeSession(Session* session) {
    std::shared_ptr<Session> keep_alive_until_unlocked;
    {
      std::lock_guard lock(sessions_mutex);
      const auto it = sessions.find(session);
      if (it == sessions.end()) return;
      keep_alive_until_unlocked = std::move(it->second);
      sessions.erase(it);
    }
    sessions_changed.notify_all();
  }
};

HttpRequest toHttpRequest(http::request<http::string_body>&& message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  const std::string_view target = message.target();
  const auto question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  request.headers.reserve(8);
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return request;
}

// One connection: read a request, run its handler, write the answer, repeat while the
// client keeps the connection alive. Every step runs on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerState& state)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), state_(state) {}

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->readRequest(); });
  }

  // Closes the connection unless a request is being handled (that one finishes first).
  void closeIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->close();
    });
  }

 private:
  void readRequest() {
    if (state_.stopping.load()) return close();
    parser_.emplace();
    parser_->body_limit(state_.options.max_body_bytes);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(state_.options.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return beginRequest(
          "other", HttpResponse::error(413,
                                       "request body larger than " +
                                           std::to_string(state_.options.max_body_bytes) + " bytes",
                                       "body"));
    }
    if (ec == http::error::header_limit) {
      keep_alive_ = false;
      return beginRequest("other", HttpResponse::error(431, "request headers too large"));
    }
    if (ec && parser_->got_some() && ec != http::error::end_of_stream &&
        ec != beast::error::timeout &&
        ec.category() == http::make_error_code(http::error::bad_target).category()) {
      keep_alive_ = false;
      return beginRequest("other",
                          HttpResponse::error(400, "malformed HTTP request: " + ec.message()));
    }
    if (ec) return close();

    auto message = parser_->release();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    HttpRequest request = toHttpRequest(std::move(message));
    Router::Match match = state_.router.match(request.method, request.path);
    if (!match.handler) return beginRequest(match.route, std::move(*match.fallback));

    method_ = request.method;
    busy_ = true;
    state_.inflight.fetch_add(1);
    started_ = std::chrono::steady_clock::now();
    route_ = match.route;
    stream_.expires_never();
    try {
      (*match.handler)(request, makeResponder());
    } catch (const std::exception& error) {
      respond(HttpResponse::error(500, std::string("internal error: ") + error.what()));
    }
  }

  // For answers the server gives itself (404, 405, 413, ...).
  void beginRequest(std::string_view route, HttpResponse response) {
    if (parser_->is_header_done()) method_ = std::string(parser_->get().method_string());
    busy_ = true;
    state_.inflight.fetch_add(1);
    started_ = std::chrono::steady_clock::now();
    route_ = route;
    respond(std::move(response));
  }

  Responder makeResponder() {
    auto answered = std::make_shared<std::atomic<bool>>(false);
    return [weak = weak_from_this(), answered](HttpResponse response) {
      if (answered->exchange(true)) return;  // a handler answering twice: keep the first
      if (auto self = weak.lock()) {
        asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
          self->respond(std::move(response));
        });
      }
    };
  }

  void respond(HttpResponse response) {
    if (response.delay > std::chrono::milliseconds::zero()) {
      timer_.expires_after(response.delay);
      response.delay = std::chrono::milliseconds::zero();
      timer_.async_wait([self = shared_from_this(), response = std::move(response)](
                            beast::error_code) mutable { self->respond(std::move(response)); });
      return;
    }
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    message->set(http::field::server, "aftershock");
    message->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) message->set(name, value);
    message->keep_alive(keep_alive_ && !state_.stopping.load());
    message->body() = std::move(response.body);
    message->prepare_payload();
    status_ = response.status;
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                        self->onWrite(ec, message->keep_alive());
                      });
  }

  void onWrite(beast::error_code ec, bool keep_alive) {
    busy_ = false;
    state_.inflight.fetch_sub(1);
    if (state_.observer) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      state_.observer(RequestRecord{method_, route_, status_, seconds});
    }
    if (ec || !keep_alive) return close();
    readRequest();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
    timer_.cancel();
    state_.removeSession(this);
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  ServerState& state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool busy_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  std::string method_;
  std::string_view route_ = kUnknownRoute;
  int status_ = 0;
  std::chrono::steady_clock::time_point started_;
};

class BeastHttpServer final : public HttpServer {
 public:
  explicit BeastHttpServer(HttpServerOptions options)
      : io_(std::max(1, options.threads)), acceptor_(asio::make_strand(io_)) {
    state_.options = std::move(options);
  }

  ~BeastHttpServer() override { stop(std::chrono::milliseconds(0)); }

  void route(std::string method, std::string path, SyncHandler handler) override {
    state_.router.add(
        std::move(method), std::move(path),
        [handler = std::move(handler)](const HttpRequest& request, const Responder& respond) {
          respond(handler(request));
        });
  }

  void routeAsync(std::string method, std::string path, AsyncHandler handler) override {
    state_.router.add(std::move(method), std::move(path), std::move(handler));
  }

  void setObserver(RequestObserver observer) override { state_.observer = std::move(observer); }

  Status start() override {
    beast::error_code ec;
    const auto address = asio::ip::make_address(state_.options.bind_address, ec);
    if (ec) {
      return fieldError("bind",
                        "bind address '" + state_.options.bind_address + "' is not an IP address");
    }
    const tcp::endpoint endpoint(address, state_.options.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return makeError(ErrorCode::kUnavailable, "cannot listen on " + state_.options.bind_address +
                                                    ":" + std::to_string(state_.options.port) +
                                                    ": " + ec.message());
    }
    bound_port_ = acceptor_.local_endpoint().port();
    accept();
    for (int i = 0; i < std::max(1, state_.options.threads); ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
    return {};
  }

  std::uint16_t boundPort() const override { return bound_port_; }
  int inflight() const override { return state_.inflight.load(); }

  void stop(std::chrono::milliseconds grace) override {
    if (state_.stopping.exchange(true)) return;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    closeIdleSessions();
    {
      std::unique_lock lock(state_.sessions_mutex);
      state_.sessions_changed.wait_for(lock, grace, [this] { return state_.sessions.empty(); });
    }
    io_.stop();
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    // Sessions still open after the grace period die with their sockets here.
    std::unordered_map<Session*, std::shared_ptr<Session>> leftover;
    {
      std::lock_guard lock(state_.sessions_mutex);
      leftover.swap(state_.sessions);
    }
  }

 private:
  void accept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           [this](beast::error_code ec, tcp::socket socket) {
                             if (state_.stopping.load() || !acceptor_.is_open()) return;
                             if (!ec) {
                               socket.set_option(tcp::no_delay(true), ec);
                               auto session = std::make_shared<Session>(std::move(socket), state_);
                               state_.addSession(session);
                               session->start();
                             }
                             accept();
                           });
  }

  void closeIdleSessions() {
    std::lock_guard lock(state_.sessions_mutex);
    for (auto& [raw, session] : state_.sessions) session->closeIfIdle();
  }

  ServerState state_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::uint16_t bound_port_ = 0;
};

}  // namespace

std::unique_ptr<HttpServer> makeBeastHttpServer(HttpServerOptions options) {
  return std::make_unique<BeastHttpServer>(std::move(options));
}

}  // namespace aftershock::common
