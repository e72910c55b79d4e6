// BackendOptions: flag registration and derived limits.
#include "services/backend/backend_options.h"

#include <unistd.h>

#include <cstdlib>

namespace aftershock::backend {

FaultConfig BackendOptions::initialFaults() const {
  return {failure_rate, static_cast<int>(status_code), delay_ms, delay_rate};
}

FaultLimits BackendOptions::faultLimits() const { return {max_delay_ms}; }

ReadinessLimits BackendOptions::readinessLimits() const {
  ReadinessLimits limits;
  limits.max_inflight = ready_max_inflight;
  limits.max_resident_bytes = static_cast<std::uint64_t>(ready_max_memory_mb) * 1024 * 1024;
  limits.max_p95 = std::chrono::milliseconds(ready_max_p95_ms);
  limits.window = std::chrono::seconds(ready_window_seconds);
  return limits;
}

void addBackendFlags(common::Flags& flags, BackendOptions& options) {
  flags.addDouble("failure-rate", "FAILURE_RATE",
                  "initial share of GET /data answered with an error", &options.failure_rate, 0.0,
                  1.0);
  flags.addInt("status-code", "STATUS_CODE", "initial status code of injected errors",
               &options.status_code, 400, 599);
  flags.addInt("delay-ms", "DELAY_MS", "initial injected latency in milliseconds",
               &options.delay_ms, 0, 3'600'000);
  flags.addDouble("delay-rate", "DELAY_RATE", "initial share of GET /data delayed",
                  &options.delay_rate, 0.0, 1.0);
  flags.addInt("max-delay-ms", "MAX_DELAY_MS", "largest delay_ms the config accepts",
               &options.max_delay_ms, 0, 3'600'000);
  flags.addInt("max-cpu-seconds", "MAX_CPU_SECONDS", "longest CPU stress accepted",
               &options.max_cpu_seconds, 1, 3'600);
  flags.addInt("max-memory-mb", "MAX_MEMORY_MB", "largest memory stress accepted, in MiB",
               &options.max_memory_mb, 1, 65'536);
  flags.addInt("chaos-cooldown-ms", "CHAOS_COOLDOWN_MS",
               "minimum time between the starts of two chaos actions", &options.chaos_cooldown_ms,
               0, 3'600'000);
  flags.addInt("max-concurrent-chaos", "MAX_CONCURRENT_CHAOS",
               "chaos actions (CPU, memory stress) active at once", &options.max_concurrent_chaos,
               1, 16);
  flags.addInt("ready-max-inflight", "READY_MAX_INFLIGHT",
               "not ready above this many requests in flight (0: off)", &options.ready_max_inflight,
               0, 1'000'000);
  flags.addInt("ready-max-memory-mb", "READY_MAX_MEMORY_MB",
               "not ready above this resident memory in MiB (0: off)", &options.ready_max_memory_mb,
               0, 1'048'576);
  flags.addInt("ready-max-p95-ms", "READY_MAX_P95_MS",
               "not ready while the recent p95 of GET /data exceeds this (0: off)",
               &options.ready_max_p95_ms, 0, 3'600'000);
  flags.addInt("ready-window-seconds", "READY_WINDOW_SECONDS",
               "how far back the p95 of GET /data looks", &options.ready_window_seconds, 1, 3'600);
  flags.addString("instance", "INSTANCE_NAME", "instance name shown in GET /data",
                  &options.instance);
}

common::Status validateBackendOptions(const BackendOptions& options) {
  common::Status valid = validateFaultConfig(options.initialFaults(), options.faultLimits());
  if (valid.ok()) return valid;
  // Report the flag a person would change, not the JSON field.
  common::Error error = valid.error();
  const std::string flag = "--" + [&] {
    std::string name = error.field;
    for (char& c : name) {
      if (c == '_') c = '-';
    }
    return name;
  }();
  error.message = "flag " + flag + ": " + error.message;
  error.field = flag;
  return error;
}

std::string defaultInstanceName() {
  if (const char* host = std::getenv("HOSTNAME"); host != nullptr && *host != '\0') return host;
  return "pid-" + std::to_string(getpid());
}

}  // namespace aftershock::backend
