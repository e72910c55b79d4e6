// BackendRoutes: the backend's HTTP API. Owns the fault config, the chaos machinery and the
// readiness monitor, and maps each route onto them:
//   GET  /data                  payload, with the configured faults applied
//   GET  /config                the fault config in force
//   PUT  /config                replace it (all four fields)
//   POST /config/failure        {failure_rate?, status_code?}
//   POST /config/latency        {delay_ms?, delay_rate?}
//   POST /config/reset          back to no faults
//   GET  /load                  active CPU and memory stress
//   POST /load/cpu              {duration_seconds, threads?}
//   DELETE /load/cpu            end the CPU stress early
//   POST /load/memory           {megabytes, duration_seconds?}
//   DELETE /load/memory         release the memory stress
//   POST /crash                 exit at once with kCrashExitCode
//   GET  /health, /ready, /metrics
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "common/clock.h"
#include "common/http.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/random.h"
#include "services/backend/backend_metrics.h"
#include "services/backend/backend_options.h"
#include "services/backend/chaos_guard.h"
#include "services/backend/cpu_stress.h"
#include "services/backend/fault_config.h"
#include "services/backend/fault_injector.h"
#include "services/backend/memory_stress.h"
#include "services/backend/periodic_task.h"
#include "services/backend/readiness.h"

namespace aftershock::backend {

// The exit status of POST /crash: EX_SOFTWARE from <sysexits.h>, "internal software error",
// so a restarted pod's last state reads like a real crash and not like a clean exit (0),
// a flag error (2) or a kill (128+n).
inline constexpr int kCrashExitCode = 70;

// Ends the process at once, as a crash would: no destructors, no flushing beyond stderr.
[[noreturn]] void crashProcess();

// Every handler is safe to run concurrently on several server threads. The clock, random
// source and registry must outlive this object; the registry must not be rendered after it
// is destroyed (its gauges read this object).
class BackendRoutes {
 public:
  // `inflight` reads the server's in-flight count; `crash` replaces crashProcess in tests
  // (if it returns, POST /crash answers 202).
  BackendRoutes(const BackendOptions& options, const common::Clock& clock, common::Random& random,
                common::MetricsRegistry& registry, std::function<std::int64_t()> inflight,
                std::function<void()> crash = crashProcess);
  ~BackendRoutes();  // stopChaos()
  BackendRoutes(const BackendRoutes&) = delete;
  BackendRoutes& operator=(const BackendRoutes&) = delete;

  // Registers every route above on `server` (before it starts).
  void registerRoutes(common::HttpServer& server);
  // Wraps `next` (e.g. common::httpMetricsObserver) so GET /data latencies, injected delay
  // included, also feed the readiness window.
  common::RequestObserver observer(common::RequestObserver next);
  // Starts background housekeeping (auto-release of timed memory stress).
  void startHousekeeping();
  // Ends CPU and memory stress and housekeeping, and refuses new chaos. For shutdown;
  // idempotent.
  void stopChaos();

  // The handlers, public so unit tests can call them without a socket.
  common::HttpResponse getData(const common::HttpRequest& request);
  common::HttpResponse getConfig(const common::HttpRequest& request);
  common::HttpResponse putConfig(const common::HttpRequest& request);
  common::HttpResponse postFailure(const common::HttpRequest& request);
  common::HttpResponse postLatency(const common::HttpRequest& request);
  common::HttpResponse postReset(const common::HttpRequest& request);
  common::HttpResponse getLoad(const common::HttpRequest& request);
  common::HttpResponse postCpu(const common::HttpRequest& request);
  common::HttpResponse deleteCpu(const common::HttpRequest& request);
  common::HttpResponse postMemory(const common::HttpRequest& request);
  common::HttpResponse deleteMemory(const common::HttpRequest& request);
  common::HttpResponse postCrash(const common::HttpRequest& request);
  common::HttpResponse getHealth(const common::HttpRequest& request);
  common::HttpResponse getReady(const common::HttpRequest& request);
  common::HttpResponse getMetrics(const common::HttpRequest& request);

  FaultConfig currentConfig() const { return config_.current(); }

 private:
  common::HttpResponse configChanged(std::string_view route, const ConfigChange& change);
  common::HttpResponse refused(std::string_view action, const ChaosRefusal& refusal);
  common::HttpResponse chaosFailed(std::string_view action, const common::Error& error);
  common::HttpResponse invalid(std::string_view action, const common::Error& error);
  nlohmann::json loadJson() const;
  void releaseExpiredMemory();

  const BackendOptions options_;
  const common::Clock& clock_;
  common::MetricsRegistry& registry_;
  std::function<void()> crash_;
  common::Logger log_{"backend"};

  FaultConfigStore config_;
  FaultInjector injector_;
  BackendMetrics metrics_;
  ReadinessMonitor readiness_;
  // The guard outlives the stress objects, which hold its permits.
  ChaosGuard guard_;
  CpuStress cpu_;
  MemoryStress memory_;
  std::unique_ptr<PeriodicTask> housekeeping_;
  std::atomic<std::uint64_t> next_request_id_{1};
};

}  // namespace aftershock::backend
