// aftershock-operator: runs ChaosExperiments. Wiring only: flags, the real dependencies, the
// health and metrics endpoints, leader election, and the run loop; the logic lives in the
// controller library.
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <stop_token>
#include <thread>

#include "common/beast_http_client.h"
#include "common/beast_http_server.h"
#include "common/clock.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/process_stats.h"
#include "common/random.h"
#include "common/service_main.h"
#include "common/signals.h"
#include "operator/controller/controller.h"
#include "operator/controller/operator_options.h"
#include "operator/kube/instrumented_kube_client.h"
#include "operator/kube/leader_elector.h"
#include "operator/kube/rest_config.h"
#include "operator/kube/rest_kube_client.h"

namespace {

using namespace aftershock;

std::string environmentValue(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::string defaultIdentity(common::Random& random) {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) std::snprintf(host, sizeof(host), "operator");
  return std::string(host) + "_" + std::to_string(static_cast<long>(random.uniform() * 1e9));
}

// Starts an endpoint server when its address is not "0"; false (after logging) on failure.
bool startEndpoint(std::unique_ptr<common::HttpServer>& server, const std::string& address,
                   std::string_view flag, const std::string& port_file,
                   const std::function<void(common::HttpServer&)>& routes,
                   const common::Logger& log) {
  auto bind = op::parseBindAddress(address, flag);
  if (!bind) {
    log.error("invalid flag", {{"error", bind.error().message}});
    return false;
  }
  if (!*bind) return true;
  common::HttpServerOptions options;
  options.bind_address = (*bind)->host;
  options.port = (*bind)->port;
  options.threads = 1;
  server = common::makeBeastHttpServer(options);
  routes(*server);
  if (common::Status started = server->start(); !started) {
    log.error("cannot listen",
              {{"flag", flag}, {"address", address}, {"error", started.error().message}});
    return false;
  }
  if (!port_file.empty()) {
    if (common::Status written = common::writePortFile(port_file, server->boundPort()); !written) {
      log.error("cannot write port file", {{"error", written.error().message}});
      return false;
    }
  }
  log.info("listening",
           {{"endpoint", flag}, {"address", (*bind)->host}, {"port", server->boundPort()}});
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  common::TerminationSignals signals;  // before any thread, so every thread inherits the mask

  op::OperatorOptions options;
  common::Flags flags("aftershock-operator",
                      "Runs ChaosExperiments (chaos.aftershock.dev/v1alpha1): checks the steady "
                      "state, injects the fault, rolls it back, and measures recovery.");
  op::addOperatorFlags(flags, options);
  if (common::Status parsed = flags.parse(argc, argv); !parsed) {
    if (parsed.error().code == common::ErrorCode::kNotFound) return 0;  // --help
    std::cerr << "aftershock-operator: " << parsed.error().message << "\n";
    return 2;
  }
  auto format = common::parseLogFormat(options.log_format);
  if (!format) {
    std::cerr << "aftershock-operator: " << format.error().message << "\n";
    return 2;
  }
  if (common::Status setup = common::setupLogging(*format, options.log_level); !setup) {
    std::cerr << "aftershock-operator: " << setup.error().message << "\n";
    return 2;
  }
  op::resolveDefaults(options, environmentValue("POD_NAMESPACE"));
  const common::Logger log("operator");

  common::SystemClock clock;
  common::SystemRandom random;
  auto config = op::loadRestConfig({options.kubeconfig, options.context},
                                   op::ConfigEnvironment::fromProcess());
  if (!config) {
    log.error("no usable Kubernetes configuration", {{"error", config.error().message}});
    return 2;
  }
  config->qps = options.qps;
  config->burst = static_cast<int>(options.burst);
  auto kube = op::makeRestKubeClient(*config, clock);
  if (!kube) {
    log.error("cannot create the Kubernetes client", {{"error", kube.error().message}});
    return 2;
  }
  std::unique_ptr<common::HttpClient> http = common::makeBeastHttpClient();

  common::MetricsRegistry registry;
  common::registerProcessMetrics(registry);
  // Every request the controller makes is counted: the API cost of an experiment is a figure.
  op::InstrumentedKubeClient counted_kube(**kube, registry);
  op::Controller controller(counted_kube, *http, clock, random, registry,
                            op::controllerOptions(options));

  std::atomic<bool> waiting_for_leadership{options.leader_elect};
  std::unique_ptr<common::HttpServer> health;
  std::unique_ptr<common::HttpServer> metrics;
  const bool endpoints_up =
      startEndpoint(
          health, options.health_probe_bind_address, "health-probe-bind-address",
          options.health_port_file,
          [&](common::HttpServer& server) {
            server.route("GET", "/healthz", [](const common::HttpRequest&) {
              return common::HttpResponse::text(200, "ok\n", "text/plain");
            });
            // A standby replica is ready: it is up and waiting to take over.
            server.route("GET", "/readyz", [&](const common::HttpRequest&) {
              const bool ready = controller.ready() || waiting_for_leadership.load();
              return common::HttpResponse::text(ready ? 200 : 503, ready ? "ok\n" : "not ready\n",
                                                "text/plain");
            });
          },
          log) &&
      startEndpoint(
          metrics, options.metrics_bind_address, "metrics-bind-address", options.metrics_port_file,
          [&](common::HttpServer& server) {
            server.route("GET", "/metrics", [&](const common::HttpRequest&) {
              return common::HttpResponse::text(200, registry.render(),
                                                "text/plain; version=0.0.4");
            });
          },
          log);
  const auto stop_endpoints = [&] {
    if (health) health->stop(std::chrono::milliseconds(1000));
    if (metrics) metrics->stop(std::chrono::milliseconds(1000));
  };
  if (!endpoints_up) {
    stop_endpoints();
    return 2;
  }

  // The signal waiter and leadership both end the wait below.
  std::mutex mutex;
  std::condition_variable changed;
  bool terminate = false, leading = !options.leader_elect, lost = false;
  std::thread signal_waiter([&] {
    const int signal_number = signals.wait();
    log.info("shutting down", {{"signal", signal_number}});
    std::lock_guard lock(mutex);
    terminate = true;
    changed.notify_all();
  });
  signal_waiter.detach();

  std::unique_ptr<op::KubeClient> election_client;
  std::unique_ptr<op::LeaderElector> elector;
  std::stop_source election_stop;
  std::jthread campaign;
  if (options.leader_elect) {
    op::LeaderElectorConfig election;
    election.lease_namespace = options.leader_election_namespace;
    election.lease_name = options.leader_election_id;
    election.identity = options.identity.empty() ? defaultIdentity(random) : options.identity;
    election.lease_duration = std::chrono::milliseconds(options.lease_duration_ms);
    election.renew_deadline = std::chrono::milliseconds(options.renew_deadline_ms);
    election.retry_period = std::chrono::milliseconds(options.retry_period_ms);
    election.on_started_leading = [&] {
      std::lock_guard lock(mutex);
      leading = true;
      changed.notify_all();
    };
    election.on_stopped_leading = [&] {
      std::lock_guard lock(mutex);
      lost = true;
      changed.notify_all();
    };
    if (common::Status valid = op::validateLeaderElectorConfig(election); !valid) {
      log.error("invalid leader election flags", {{"error", valid.error().message}});
      stop_endpoints();
      return 2;
    }
    op::RestConfig election_config = *config;
    election_config.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        op::leaderElectionRequestTimeout(election));
    auto client = op::makeRestKubeClient(election_config, clock);
    if (!client) {
      log.error("cannot create the leader election client", {{"error", client.error().message}});
      stop_endpoints();
      return 2;
    }
    election_client = std::move(client).value();
    elector = std::make_unique<op::LeaderElector>(election, *election_client, clock);
    log.info("waiting for leadership",
             {{"lease", options.leader_election_namespace + "/" + options.leader_election_id},
              {"identity", election.identity}});
    campaign = std::jthread([&] { elector->run(election_stop.get_token()); });
  }

  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return terminate || leading || lost; });
  }
  int exit_code = 0;
  bool started = false;
  if (!terminate && leading && !lost) {
    waiting_for_leadership = false;
    if (common::Status ok = controller.start(); !ok) {
      log.error("cannot start the controller", {{"error", ok.error().message}});
      exit_code = 1;
    } else {
      started = true;
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return terminate || lost; });
    }
  }
  if (lost) {
    // Another replica may take over now: stop at once, as client-go operators do.
    log.error("leadership lost, exiting so another replica takes over");
    exit_code = 1;
  }
  if (started || exit_code != 0) controller.stop();
  election_stop.request_stop();
  if (campaign.joinable()) campaign.join();
  stop_endpoints();
  log.info("stopped", {{"exit_code", exit_code}});
  return exit_code;
}
