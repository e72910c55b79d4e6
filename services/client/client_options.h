// ClientOptions: the client-service command line (each flag also read from an environment
// variable), and the startup ResilienceConfig built from it.
#pragma once

#include <cstdint>
#include <string>

#include "common/flags.h"
#include "common/result.h"
#include "common/service_main.h"
#include "services/client/resilience_config.h"

namespace aftershock::client {

inline constexpr std::int64_t kDefaultClientPort = 9090;

struct ClientOptions {
  ClientOptions();

  common::ServiceOptions service;  // --bind, --port (default 9090), --threads, logging, ...
  std::string backend_url = "http://127.0.0.1:8000";
  std::string backend_path = "/data";
  std::int64_t bulkhead_threads = 32;  // concurrent backend calls
  std::int64_t bulkhead_queue = 64;    // calls waiting beyond those
  std::int64_t load_max_in_flight = 64;
  std::string mode = "resilient";

  // Startup values of the runtime config (GET/POST /config/resilience changes them later).
  std::int64_t retry_max_attempts;
  std::int64_t retry_initial_backoff_ms;
  std::int64_t retry_max_backoff_ms;
  double retry_multiplier;
  std::int64_t attempt_timeout_ms;
  std::int64_t overall_deadline_ms;
  std::string cb_window_type;
  std::int64_t cb_window_size;
  std::int64_t cb_minimum_calls;
  double cb_failure_rate_threshold;
  std::int64_t cb_consecutive_failures;
  std::int64_t cb_slow_call_ms;
  double cb_slow_call_rate_threshold;
  std::int64_t cb_open_wait_ms;
  std::int64_t cb_half_open_calls;
  double retry_budget_ratio;
  double retry_budget_max_tokens;
  double retry_budget_min_per_second;
  bool fallback_enabled;
  std::int64_t fallback_max_stale_age_ms;
};

// Registers every flag, the service ones included. `options` holds the defaults.
void addClientFlags(common::Flags& flags, ClientOptions& options);

// The backend resource URL (backend_url + backend_path), checked.
common::Result<std::string> backendResourceUrl(const ClientOptions& options);

// The validated startup config; an error names the flag at fault.
common::Result<ResilienceConfig> startupConfig(const ClientOptions& options);

}  // namespace aftershock::client
