// client-service: a caller that survives a failing backend. Wiring only; the logic lives in
// the aftershock_client library.
#include <cstdlib>
#include <iostream>

#include "common/beast_http_client.h"
#include "common/beast_http_server.h"
#include "common/clock.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/process_stats.h"
#include "common/random.h"
#include "common/service_main.h"
#include "common/signals.h"
#include "common/worker_pool.h"
#include "services/client/bulkhead.h"
#include "services/client/client_metrics.h"
#include "services/client/client_options.h"
#include "services/client/load_generator.h"
#include "services/client/resilience_config.h"
#include "services/client/resilient_caller.h"
#include "services/client/routes.h"

namespace client = aftershock::client;
namespace common = aftershock::common;

int main(int argc, char** argv) {
  // Before any thread starts, so every thread inherits the blocked signals.
  common::TerminationSignals signals;

  client::ClientOptions options;
  common::Flags flags("client-service",
                      "Fetches the backend's /data through retry, circuit breaker, bulkhead and "
                      "fallback; built-in load generator.");
  client::addClientFlags(flags, options);
  if (auto exit_code = common::parseFlagsAndSetupLogging(flags, options.service, argc, argv)) {
    return *exit_code;
  }
  const auto url = client::backendResourceUrl(options);
  const auto config = url.ok() ? client::startupConfig(options)
                               : common::Result<client::ResilienceConfig>(url.error());
  if (!config.ok()) {
    std::cerr << argv[0] << ": " << config.error().message << "\n";
    return 2;
  }

  const common::Logger log("client");
  common::SystemClock clock;
  common::SystemRandom random;
  common::MetricsRegistry registry;
  common::registerProcessMetrics(registry);
  client::ClientMetrics metrics(registry);

  auto http = common::makeBeastHttpClient();
  auto server = common::makeBeastHttpServer(options.service.serverOptions());
  if (!http || !server) {
    log.error("http implementation unavailable");
    return 1;
  }

  client::ResilientCaller caller(*url, *config, *http, clock, random, &metrics);
  // Declared before the load generator, so it outlives the generator's in-flight calls.
  common::WorkerPool pool(static_cast<std::size_t>(options.bulkhead_threads),
                          static_cast<std::size_t>(options.bulkhead_queue));
  client::Bulkhead bulkhead(caller, pool, clock, &metrics);
  client::LoadGenerator load(
      [&bulkhead](std::function<void(client::FetchResult)> done) {
        bulkhead.fetchAsync(std::move(done));
      },
      clock, options.load_max_in_flight);

  // A scrape only looks: the breaker is peeked at, never moved, so reading a metric can
  // never cause a state transition.
  metrics.bindBreakerState([&caller] { return caller.breaker().peekState(); });
  metrics.bindRetryBudgetTokens([&caller] { return caller.retryBudget().tokens(); });
  metrics.bindBulkhead([&pool] { return static_cast<double>(pool.busy()); },
                       [&pool] { return static_cast<double>(pool.queued()); });

  client::ClientRoutes routes(caller, bulkhead, load, registry);
  routes.install(*server);
  server->setObserver(common::httpMetricsObserver(registry, "client"));

  log.info("starting", {{"backend", *url},
                        {"mode", client::modeName(*config)},
                        {"bulkhead_threads", options.bulkhead_threads},
                        {"bulkhead_queue", options.bulkhead_queue}});
  return common::serveUntilTerminated(*server, options.service, log, [&] {
    routes.markDraining();
    load.stop();
    // Runs once the server has drained (its in-flight /fetch-data calls needed the pool);
    // finishes whatever the load generator still has in flight.
    pool.shutdown();
  });
}
