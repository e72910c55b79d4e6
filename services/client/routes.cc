#include "services/client/routes.h"

#include <chrono>
#include <string>
#include <utility>

#include "common/json_fields.h"

namespace aftershock::client {
namespace {

using common::HttpRequest;
using common::HttpResponse;

HttpResponse badRequest(const common::Error& error) {
  return HttpResponse::error(400, error.message, error.field);
}

}  // namespace

HttpResponse toHttpResponse(const FetchResult& result) {
  return HttpResponse::json(result.http_status, toJson(result));
}

void ClientRoutes::install(common::HttpServer& server) {
  server.routeAsync("GET", "/fetch-data",
                    [this](const HttpRequest& request, common::Responder respond) {
                      fetchData(request, std::move(respond));
                    });
  const auto bind = [this](HttpResponse (ClientRoutes::*handler)(const HttpRequest&)) {
    return [this, handler](const HttpRequest& request) { return (this->*handler)(request); };
  };
  server.route("GET", "/circuit-status", bind(&ClientRoutes::circuitStatus));
  server.route("GET", "/config/resilience", bind(&ClientRoutes::getResilienceConfig));
  server.route("POST", "/config/resilience", bind(&ClientRoutes::postResilienceConfig));
  server.route("POST", "/load/start", bind(&ClientRoutes::startLoad));
  server.route("POST", "/load/stop", bind(&ClientRoutes::stopLoad));
  server.route("GET", "/load/stats", bind(&ClientRoutes::loadStats));
  server.route("GET", "/health", bind(&ClientRoutes::health));
  server.route("GET", "/ready", bind(&ClientRoutes::ready));
  server.route("GET", "/metrics", bind(&ClientRoutes::metrics));
}

void ClientRoutes::fetchData(const HttpRequest& /*request*/, common::Responder respond) {
  // The blocking call runs on a bulkhead worker; this I/O thread returns at once.
  bulkhead_.fetchAsync(
      [respond = std::move(respond)](FetchResult result) { respond(toHttpResponse(result)); });
}

HttpResponse ClientRoutes::circuitStatus(const HttpRequest& /*request*/) {
  const CircuitBreakerSnapshot snapshot = caller_.breaker().snapshot();
  const std::shared_ptr<const ResilienceConfig> config = caller_.config();
  const CircuitBreakerConfig& breaker = config->circuit_breaker;
  nlohmann::json until_half_open = nullptr;
  if (snapshot.until_half_open) {
    until_half_open = common::toSeconds(*snapshot.until_half_open);
  }
  return HttpResponse::json(200, {
                                     {"state", circuitStateName(snapshot.state)},
                                     {"forced_state", forcedStateName(breaker.forced_state)},
                                     {"mode", modeName(*config)},
                                     {"calls", snapshot.calls},
                                     {"successes", snapshot.successes},
                                     {"failures", snapshot.failures},
                                     {"slow_calls", snapshot.slow_calls},
                                     {"rejections", snapshot.rejections},
                                     {"transitions", snapshot.transitions},
                                     {"failure_rate", snapshot.window.failureRate()},
                                     {"slow_call_rate", snapshot.window.slowCallRate()},
                                     {"consecutive_failures", snapshot.consecutive_failures},
                                     {"seconds_until_half_open", until_half_open},
                                     {"window",
                                      {{"type", windowTypeName(breaker.window_type)},
                                       {"size", breaker.window_size},
                                       {"minimum_calls", breaker.minimum_calls},
                                       {"calls", snapshot.window.calls},
                                       {"failures", snapshot.window.failures},
                                       {"slow_calls", snapshot.window.slow_calls}}},
                                     {"half_open",
                                      {{"permitted_calls", breaker.half_open_permitted_calls},
                                       {"in_use", snapshot.half_open_permits_in_use},
                                       {"successes", snapshot.half_open_successes}}},
                                     {"retry_budget_tokens", caller_.retryBudget().tokens()},
                                 });
}

HttpResponse ClientRoutes::getResilienceConfig(const HttpRequest& /*request*/) {
  return HttpResponse::json(200, toJson(*caller_.config()));
}

HttpResponse ClientRoutes::postResilienceConfig(const HttpRequest& request) {
  auto patch = common::parseJsonObject(request.body);
  if (!patch.ok()) return badRequest(patch.error());
  auto updated = caller_.updateConfig(*patch);
  if (!updated.ok()) return badRequest(updated.error());
  return HttpResponse::json(200, toJson(*updated));
}

HttpResponse ClientRoutes::startLoad(const HttpRequest& request) {
  auto body = common::parseJsonObject(request.body);
  if (!body.ok()) return badRequest(body.error());
  auto spec = parseLoadSpec(*body);
  if (!spec.ok()) return badRequest(spec.error());
  if (common::Status started = load_.start(*spec); !started.ok()) {
    return HttpResponse::error(409, started.error().message);
  }
  return HttpResponse::json(202, toJson(load_.stats()));
}

HttpResponse ClientRoutes::stopLoad(const HttpRequest& /*request*/) {
  load_.stop();
  return HttpResponse::json(200, toJson(load_.stats()));
}

HttpResponse ClientRoutes::loadStats(const HttpRequest& /*request*/) {
  return HttpResponse::json(200, toJson(load_.stats()));
}

HttpResponse ClientRoutes::health(const HttpRequest& /*request*/) {
  return HttpResponse::json(200, {{"status", "ok"}});
}

HttpResponse ClientRoutes::ready(const HttpRequest& /*request*/) {
  // Readiness never depends on the backend: a client that can serve fallbacks is useful,
  // and failing readiness with the backend would spread its outage to this tier.
  if (draining_) return HttpResponse::json(503, {{"status", "draining"}});
  return HttpResponse::json(200, {{"status", "ready"}});
}

HttpResponse ClientRoutes::metrics(const HttpRequest& /*request*/) {
  return HttpResponse::text(200, registry_.render(), std::string(common::kPrometheusContentType));
}

}  // namespace aftershock::client
