// KubeTransport: HTTPS to one API server, as the REST client and watches need it.
//
// - TLS from the RestConfig: the cluster CA (or system roots), a client certificate and key,
//   or a bearer token (read per request, so a rotated token file is picked up), or
//   insecure-skip-tls-verify. The server's name or IP is verified against its certificate.
// - send(): one request/answer on a pooled keep-alive connection, bounded by a deadline,
//   after the client-side rate limit. A pooled connection the server has closed is replaced
//   transparently.
// - stream(): a long answer read incrementally, line by line (a watch), on a connection of
//   its own, until the server ends it, the line handler says stop, or WatchCancel fires.
//
// Thread-safe: any number of threads may send and stream at once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/rest_config.h"

namespace aftershock::op {

struct TransportRequest {
  std::string method = "GET";
  std::string target;  // path and query, already escaped
  std::string body;
  std::string content_type;  // of the body; empty for none
  std::chrono::milliseconds timeout{30000};
};

struct TransportResponse {
  int status = 0;
  std::string body;
};

// The current bearer token ("" for none); called once per request.
using TokenProvider = std::function<common::Result<std::string>()>;

class KubeTransport {
 public:
  virtual ~KubeTransport() = default;

  virtual common::Result<TransportResponse> send(const TransportRequest& request) = 0;

  // Calls `on_line` for each newline-terminated line of a 200 answer. A non-200 answer is
  // read whole and returned as the decoded API error. `idle_timeout` bounds the silence
  // between two reads. Returns OK when the server ends the answer, `on_line` returns false,
  // or `cancel` fires.
  virtual common::Status stream(const TransportRequest& request,
                                const std::function<bool(std::string_view line)>& on_line,
                                WatchCancel& cancel, std::chrono::milliseconds idle_timeout) = 0;
};

// Checks the TLS material (PEM that does not parse is an error naming the field) and builds
// the transport. `token` may be empty when the config has no token.
common::Result<std::unique_ptr<KubeTransport>> makeKubeTransport(const RestConfig& config,
                                                                 TokenProvider token,
                                                                 common::Clock& clock);

}  // namespace aftershock::op
