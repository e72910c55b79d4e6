// BeastHttpClient: the HttpClient on Boost.Beast. Each calling thread keeps its own
// keep-alive connections (per host:port) and its own io_context, so calls on different
// threads never contend and a call costs no thread hand-off.
#pragma once

#include <memory>

#include "common/http.h"

namespace aftershock::common {

std::unique_ptr<HttpClient> makeBeastHttpClient();

}  // namespace aftershock::common
