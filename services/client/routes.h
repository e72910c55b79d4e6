// ClientRoutes: the client-service HTTP API.
//
//   GET  /fetch-data          backend /data through the resilient path (async, bulkhead)
//   GET  /circuit-status      breaker state, counters, rates, time until half-open
//   GET  /config/resilience   the runtime config in force
//   POST /config/resilience   merge a partial config (400 naming the field on error)
//   POST /load/start          {rps, duration_seconds}; 409 while a run is going
//   POST /load/stop
//   GET  /load/stats
//   GET  /health, /ready, /metrics
#pragma once

#include <atomic>

#include "common/http.h"
#include "common/metrics.h"
#include "services/client/bulkhead.h"
#include "services/client/load_generator.h"
#include "services/client/resilient_caller.h"

namespace aftershock::client {

// Handlers are thread-safe; every referenced object outlives the routes.
class ClientRoutes {
 public:
  ClientRoutes(ResilientCaller& caller, Bulkhead& bulkhead, LoadGenerator& load,
               common::MetricsRegistry& registry)
      : caller_(caller), bulkhead_(bulkhead), load_(load), registry_(registry) {}

  // Registers every route on `server` (before it starts).
  void install(common::HttpServer& server);
  // From now on /ready answers 503, so load balancers drain this instance before it stops.
  void markDraining() { draining_ = true; }

  void fetchData(const common::HttpRequest& request, common::Responder respond);
  common::HttpResponse circuitStatus(const common::HttpRequest& request);
  common::HttpResponse getResilienceConfig(const common::HttpRequest& request);
  common::HttpResponse postResilienceConfig(const common::HttpRequest& request);
  common::HttpResponse startLoad(const common::HttpRequest& request);
  common::HttpResponse stopLoad(const common::HttpRequest& request);
  common::HttpResponse loadStats(const common::HttpRequest& request);
  common::HttpResponse health(const common::HttpRequest& request);
  common::HttpResponse ready(const common::HttpRequest& request);
  common::HttpResponse metrics(const common::HttpRequest& request);

 private:
  ResilientCaller& caller_;
  Bulkhead& bulkhead_;
  LoadGenerator& load_;
  common::MetricsRegistry& registry_;
  std::atomic<bool> draining_{false};
};

// The /fetch-data HTTP answer for a result.
common::HttpResponse toHttpResponse(const FetchResult& result);

}  // namespace aftershock::client
