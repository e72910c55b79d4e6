// TcpProxy: a loopback TCP relay for tests that need to break a connection on purpose
// (a watch surviving a disconnect, a client riding out an API server outage). Bytes pass
// through unchanged, so TLS between the two ends is unaffected.
#pragma once

#include <memory>

namespace aftershock::testing {

class TcpProxy {
 public:
  // Listens on 127.0.0.1:<free port> and relays each connection to 127.0.0.1:`target_port`.
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const;
  // Closes every relayed connection now.
  void cutAll();
  // While refusing, new connections are closed as soon as they are accepted.
  void setRefusing(bool refusing);
  // Connections accepted so far (refused ones included).
  int accepted() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace aftershock::testing
