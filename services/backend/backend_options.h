// BackendOptions: the backend's own flags (fault defaults, chaos guardrails, readiness
// thresholds), each with an environment variable for Kubernetes manifests.
#pragma once

#include <cstdint>
#include <string>

#include "common/flags.h"
#include "common/result.h"
#include "services/backend/fault_config.h"
#include "services/backend/readiness.h"

namespace aftershock::backend {

struct BackendOptions {
  // The fault config in force at startup (POST /config/reset goes back to no faults).
  double failure_rate = 0.0;
  std::int64_t status_code = 500;
  std::int64_t delay_ms = 0;
  double delay_rate = 0.0;
  std::int64_t max_delay_ms = 60'000;

  std::int64_t max_cpu_seconds = 60;
  std::int64_t max_memory_mb = 1024;
  std::int64_t chaos_cooldown_ms = 5'000;
  std::int64_t max_concurrent_chaos = 1;

  std::int64_t ready_max_inflight = 100;
  std::int64_t ready_max_memory_mb = 0;
  std::int64_t ready_max_p95_ms = 0;
  std::int64_t ready_window_seconds = 10;

  std::string instance;  // shown in GET /data; defaults to $HOSTNAME (the pod name) or the pid

  FaultConfig initialFaults() const;
  FaultLimits faultLimits() const;
  ReadinessLimits readinessLimits() const;
};

// Registers every BackendOptions flag; `options` holds the defaults.
void addBackendFlags(common::Flags& flags, BackendOptions& options);

// Checks what single flags cannot: the initial fault config as a whole.
common::Status validateBackendOptions(const BackendOptions& options);

// $HOSTNAME, or "pid-<pid>" when it is unset.
std::string defaultInstanceName();

}  // namespace aftershock::backend
