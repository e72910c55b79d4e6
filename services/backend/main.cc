// backend-service: a target that fails on purpose. Wiring only; the logic lives in the
// aftershock_backend library.
#include <memory>

#include "common/beast_http_server.h"
#include "common/clock.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/process_stats.h"
#include "common/random.h"
#include "common/service_main.h"
#include "common/signals.h"
#include "services/backend/backend_options.h"
#include "services/backend/routes.h"

int main(int argc, char** argv) {
  using namespace aftershock;
  // Before any thread exists, so every thread inherits the blocked signal mask.
  common::TerminationSignals signals;

  common::ServiceOptions service;
  service.port = 8000;
  backend::BackendOptions options;
  options.instance = backend::defaultInstanceName();
  common::Flags flags("backend-service",
                      "A target service that fails on purpose: configurable errors and latency, "
                      "CPU/memory stress and crash endpoints, overload-aware readiness.");
  common::addServiceFlags(flags, service);
  backend::addBackendFlags(flags, options);
  if (auto exit_code = common::parseFlagsAndSetupLogging(flags, service, argc, argv)) {
    return *exit_code;
  }
  const common::Logger log("backend");
  if (common::Status valid = backend::validateBackendOptions(options); !valid.ok()) {
    log.error("invalid flags", {{"error", valid.error().message}});
    return 2;
  }

  common::SystemClock clock;
  common::SystemRandom random;
  common::MetricsRegistry registry;
  common::registerProcessMetrics(registry);
  std::unique_ptr<common::HttpServer> server = common::makeBeastHttpServer(service.serverOptions());
  if (!server) {
    log.error("no HTTP server implementation available");
    return 1;
  }
  backend::BackendRoutes routes(options, clock, random, registry,
                                [&server] { return server->inflight(); });
  routes.registerRoutes(*server);
  server->setObserver(routes.observer(common::httpMetricsObserver(registry, "backend")));
  routes.startHousekeeping();
  log.info("fault config", backend::toJson(routes.currentConfig()));

  return common::serveUntilTerminated(*server, service, log, [&routes] { routes.stopChaos(); });
}
