#include "tests/support/tcp_proxy.h"

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <list>
#include <thread>

namespace aftershock::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct TcpProxy::State : std::enable_shared_from_this<TcpProxy::State> {
  struct Pair {
    explicit Pair(asio::io_context& io) : client(io), server(io) {}
    tcp::socket client;
    tcp::socket server;
    std::array<char, 16384> upstream{};
    std::array<char, 16384> downstream{};
  };

  explicit State(int target) : target_port(target) {}

  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  int target_port;
  std::atomic<bool> refusing{false};
  std::atomic<int> accepted{0};
  std::list<std::shared_ptr<Pair>> pairs;  // touched only on the io thread
  std::thread thread;

  void accept() {
    auto pair = std::make_shared<Pair>(io);
    acceptor.async_accept(pair->client, [self = shared_from_this(), pair](auto ec) {
      if (ec) return;
      self->accepted.fetch_add(1);
      if (self->refusing.load()) {
        pair->client.close();
      } else {
        self->connect(pair);
      }
      self->accept();
    });
  }

  void connect(const std::shared_ptr<Pair>& pair) {
    pairs.push_back(pair);
    tcp::endpoint target(asio::ip::make_address("127.0.0.1"),
                         static_cast<unsigned short>(target_port));
    pair->server.async_connect(target, [self = shared_from_this(), pair](auto ec) {
      if (ec) {
        self->close(pair);
        return;
      }
      self->relay(pair, pair->client, pair->server, pair->upstream);
      self->relay(pair, pair->server, pair->client, pair->downstream);
    });
  }

  template <std::size_t N>
  void relay(const std::shared_ptr<Pair>& pair, tcp::socket& from, tcp::socket& to,
             std::array<char, N>& buffer) {
    from.async_read_some(asio::buffer(buffer), [self = shared_from_this(), pair, &from, &to,
                                                &buffer](auto ec, std::size_t n) {
      if (ec) {
        self->close(pair);
        return;
      }
      asio::async_write(to, asio::buffer(buffer.data(), n),
                        [self, pair, &from, &to, &buffer](auto write_ec, std::size_t) {
                          if (write_ec) {
                            self->close(pair);
                            return;
                          }
                          self->relay(pair, from, to, buffer);
                        });
    });
  }

  void close(const std::shared_ptr<Pair>& pair) {
    boost::system::error_code ignored;
    pair->client.close(ignored);
    pair->server.close(ignored);
    pairs.remove(pair);
  }

  void closeAll() {
    auto all = pairs;
    for (const auto& pair : all) close(pair);
  }
};

TcpProxy::TcpProxy(int target_port) : state_(std::make_shared<State>(target_port)) {
  state_->accept();
  state_->thread = std::thread([state = state_] { state->io.run(); });
}

TcpProxy::~TcpProxy() {
  asio::post(state_->io, [state = state_] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
    state->closeAll();
    state->io.stop();
  });
  state_->thread.join();
}

int TcpProxy::port() const { return state_->acceptor.local_endpoint().port(); }

void TcpProxy::cutAll() {
  std::promise<void> done;
  asio::post(state_->io, [state = state_, &done] {
    state->closeAll();
    done.set_value();
  });
  done.get_future().wait();
}

void TcpProxy::setRefusing(bool refusing) { state_->refusing.store(refusing); }

int TcpProxy::accepted() const { return state_->accepted.load(); }

}  // namespace aftershock::testing
