// BeastHttpServer: the HttpServer on Boost.Beast/Asio. One io_context run by N threads,
// one strand per connection, keep-alive, delayed responses on timers (no thread held).
#pragma once

#include <memory>

#include "common/http.h"

namespace aftershock::common {

std::unique_ptr<HttpServer> makeBeastHttpServer(HttpServerOptions options);

}  // namespace aftershock::common
