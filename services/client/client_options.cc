#include "services/client/client_options.h"

#include <chrono>
#include <limits>
#include <string_view>
#include <utility>

#include "common/http.h"

namespace aftershock::client {
namespace {

// Flags take any value of their type here; validateConfig holds the real ranges, once, for
// both the flags and POST /config/resilience.
constexpr std::int64_t kAny = std::numeric_limits<std::int64_t>::max();
constexpr double kAnyNumber = std::numeric_limits<double>::max();

struct FlagOfField {
  std::string_view field;
  std::string_view flag;
};
constexpr FlagOfField kFlagOfField[] = {
    {"retry.max_attempts", "retry-max-attempts"},
    {"retry.initial_backoff_ms", "retry-initial-backoff-ms"},
    {"retry.max_backoff_ms", "retry-max-backoff-ms"},
    {"retry.multiplier", "retry-multiplier"},
    {"timeouts.attempt_timeout_ms", "attempt-timeout-ms"},
    {"timeouts.overall_deadline_ms", "overall-deadline-ms"},
    {"circuit_breaker.window_type", "cb-window-type"},
    {"circuit_breaker.window_size", "cb-window-size"},
    {"circuit_breaker.minimum_calls", "cb-minimum-calls"},
    {"circuit_breaker.failure_rate_threshold", "cb-failure-rate-threshold"},
    {"circuit_breaker.consecutive_failure_threshold", "cb-consecutive-failures"},
    {"circuit_breaker.slow_call_duration_ms", "cb-slow-call-ms"},
    {"circuit_breaker.slow_call_rate_threshold", "cb-slow-call-rate-threshold"},
    {"circuit_breaker.open_wait_ms", "cb-open-wait-ms"},
    {"circuit_breaker.half_open_permitted_calls", "cb-half-open-calls"},
    {"retry_budget.ratio", "retry-budget-ratio"},
    {"retry_budget.max_tokens", "retry-budget-max-tokens"},
    {"retry_budget.min_retries_per_second", "retry-budget-min-per-second"},
    {"fallback.max_stale_age_ms", "fallback-max-stale-age-ms"},
};

common::Error namingFlag(common::Error error) {
  for (const auto& [field, flag] : kFlagOfField) {
    if (error.field == field) {
      error.message = "--" + std::string(flag) + ": " + error.message;
      error.field = std::string(flag);
      break;
    }
  }
  return error;
}

}  // namespace

ClientOptions::ClientOptions() {
  service.port = kDefaultClientPort;
  const ResilienceConfig defaults;
  retry_max_attempts = defaults.retry.max_attempts;
  retry_initial_backoff_ms = defaults.retry.initial_backoff.count();
  retry_max_backoff_ms = defaults.retry.max_backoff.count();
  retry_multiplier = defaults.retry.multiplier;
  attempt_timeout_ms = defaults.timeouts.attempt_timeout.count();
  overall_deadline_ms = defaults.timeouts.overall_deadline.count();
  cb_window_type = std::string(windowTypeName(defaults.circuit_breaker.window_type));
  cb_window_size = defaults.circuit_breaker.window_size;
  cb_minimum_calls = defaults.circuit_breaker.minimum_calls;
  cb_failure_rate_threshold = defaults.circuit_breaker.failure_rate_threshold;
  cb_consecutive_failures = defaults.circuit_breaker.consecutive_failure_threshold;
  cb_slow_call_ms = defaults.circuit_breaker.slow_call_duration.count();
  cb_slow_call_rate_threshold = defaults.circuit_breaker.slow_call_rate_threshold;
  cb_open_wait_ms = defaults.circuit_breaker.open_wait.count();
  cb_half_open_calls = defaults.circuit_breaker.half_open_permitted_calls;
  retry_budget_ratio = defaults.retry_budget.ratio;
  retry_budget_max_tokens = defaults.retry_budget.max_tokens;
  retry_budget_min_per_second = defaults.retry_budget.min_retries_per_second;
  fallback_enabled = defaults.fallback.enabled;
  fallback_max_stale_age_ms = defaults.fallback.max_stale_age.count();
}

void addClientFlags(common::Flags& flags, ClientOptions& o) {
  common::addServiceFlags(flags, o.service);
  flags.addString("backend-url", "BACKEND_URL", "backend base URL", &o.backend_url);
  flags.addString("backend-path", "BACKEND_PATH", "backend resource fetched by /fetch-data",
                  &o.backend_path);
  flags.addString("mode", "RESILIENCE_MODE", "resilient, or baseline (patterns off)", &o.mode);
  flags.addInt("bulkhead-threads", "BULKHEAD_THREADS", "worker threads making backend calls",
               &o.bulkhead_threads, 1, 1024);
  flags.addInt("bulkhead-queue", "BULKHEAD_QUEUE",
               "calls that may wait for a worker before new ones are refused", &o.bulkhead_queue, 0,
               100'000);
  flags.addInt("load-max-in-flight", "LOAD_MAX_IN_FLIGHT",
               "most concurrent calls of the built-in load generator", &o.load_max_in_flight, 1,
               100'000);
  flags.addInt("retry-max-attempts", "RETRY_MAX_ATTEMPTS", "attempts per call, first included",
               &o.retry_max_attempts, 0, kAny);
  flags.addInt("retry-initial-backoff-ms", "RETRY_INITIAL_BACKOFF_MS",
               "backoff ceiling before the first retry", &o.retry_initial_backoff_ms, 0, kAny);
  flags.addInt("retry-max-backoff-ms", "RETRY_MAX_BACKOFF_MS", "backoff ceiling cap",
               &o.retry_max_backoff_ms, 0, kAny);
  flags.addDouble("retry-multiplier", "RETRY_MULTIPLIER", "backoff growth per retry",
                  &o.retry_multiplier, 0, kAnyNumber);
  flags.addInt("attempt-timeout-ms", "ATTEMPT_TIMEOUT_MS", "timeout of one attempt",
               &o.attempt_timeout_ms, 0, kAny);
  flags.addInt("overall-deadline-ms", "OVERALL_DEADLINE_MS",
               "deadline of a whole call, retries included", &o.overall_deadline_ms, 0, kAny);
  flags.addString("cb-window-type", "CB_WINDOW_TYPE", "count_based or time_based",
                  &o.cb_window_type);
  flags.addInt("cb-window-size", "CB_WINDOW_SIZE", "breaker window: calls or seconds",
               &o.cb_window_size, 0, kAny);
  flags.addInt("cb-minimum-calls", "CB_MINIMUM_CALLS", "calls in the window before rates count",
               &o.cb_minimum_calls, 0, kAny);
  flags.addDouble("cb-failure-rate-threshold", "CB_FAILURE_RATE_THRESHOLD",
                  "failure share (0..1] that opens the breaker", &o.cb_failure_rate_threshold, 0,
                  kAnyNumber);
  flags.addInt("cb-consecutive-failures", "CB_CONSECUTIVE_FAILURES",
               "failures in a row that open the breaker (0: off)", &o.cb_consecutive_failures, 0,
               kAny);
  flags.addInt("cb-slow-call-ms", "CB_SLOW_CALL_MS", "a call this long or longer is slow",
               &o.cb_slow_call_ms, 0, kAny);
  flags.addDouble("cb-slow-call-rate-threshold", "CB_SLOW_CALL_RATE_THRESHOLD",
                  "slow-call share (0..1] that opens the breaker", &o.cb_slow_call_rate_threshold,
                  0, kAnyNumber);
  flags.addInt("cb-open-wait-ms", "CB_OPEN_WAIT_MS", "how long the breaker stays open",
               &o.cb_open_wait_ms, 0, kAny);
  flags.addInt("cb-half-open-calls", "CB_HALF_OPEN_CALLS", "probe calls allowed when half-open",
               &o.cb_half_open_calls, 0, kAny);
  flags.addDouble("retry-budget-ratio", "RETRY_BUDGET_RATIO",
                  "retry tokens earned per first attempt", &o.retry_budget_ratio, 0, kAnyNumber);
  flags.addDouble("retry-budget-max-tokens", "RETRY_BUDGET_MAX_TOKENS", "retry budget capacity",
                  &o.retry_budget_max_tokens, 0, kAnyNumber);
  flags.addDouble("retry-budget-min-per-second", "RETRY_BUDGET_MIN_PER_SECOND",
                  "retry tokens earned per second regardless of traffic",
                  &o.retry_budget_min_per_second, 0, kAnyNumber);
  flags.addBool("fallback", "FALLBACK_ENABLED", "serve stale data when the backend fails",
                &o.fallback_enabled);
  flags.addInt("fallback-max-stale-age-ms", "FALLBACK_MAX_STALE_AGE_MS",
               "oldest data the fallback serves (0: any age)", &o.fallback_max_stale_age_ms, 0,
               kAny);
}

common::Result<std::string> backendResourceUrl(const ClientOptions& options) {
  std::string base = options.backend_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string path = options.backend_path;
  if (path.empty() || path.front() != '/') path.insert(0, "/");
  const std::string url = base + path;
  if (auto parsed = common::parseHttpUrl(url); !parsed.ok()) {
    return common::fieldError("backend-url", "--backend-url: " + parsed.error().message);
  }
  return url;
}

common::Result<ResilienceConfig> startupConfig(const ClientOptions& o) {
  using std::chrono::milliseconds;
  ResilienceConfig config;
  if (o.mode != "resilient" && o.mode != "baseline") {
    return common::fieldError("mode",
                              "--mode must be 'resilient' or 'baseline', got '" + o.mode + "'");
  }
  config.patterns_enabled = o.mode == "resilient";
  config.retry.max_attempts = o.retry_max_attempts;
  config.retry.initial_backoff = milliseconds(o.retry_initial_backoff_ms);
  config.retry.max_backoff = milliseconds(o.retry_max_backoff_ms);
  config.retry.multiplier = o.retry_multiplier;
  config.timeouts.attempt_timeout = milliseconds(o.attempt_timeout_ms);
  config.timeouts.overall_deadline = milliseconds(o.overall_deadline_ms);
  auto window_type = parseWindowType(o.cb_window_type);
  if (!window_type.ok()) {
    return common::fieldError("cb-window-type", "--cb-window-type: " + window_type.error().message);
  }
  config.circuit_breaker.window_type = *window_type;
  config.circuit_breaker.window_size = o.cb_window_size;
  config.circuit_breaker.minimum_calls = o.cb_minimum_calls;
  config.circuit_breaker.failure_rate_threshold = o.cb_failure_rate_threshold;
  config.circuit_breaker.consecutive_failure_threshold = o.cb_consecutive_failures;
  config.circuit_breaker.slow_call_duration = milliseconds(o.cb_slow_call_ms);
  config.circuit_breaker.slow_call_rate_threshold = o.cb_slow_call_rate_threshold;
  config.circuit_breaker.open_wait = milliseconds(o.cb_open_wait_ms);
  config.circuit_breaker.half_open_permitted_calls = o.cb_half_open_calls;
  config.retry_budget.ratio = o.retry_budget_ratio;
  config.retry_budget.max_tokens = o.retry_budget_max_tokens;
  config.retry_budget.min_retries_per_second = o.retry_budget_min_per_second;
  config.fallback.enabled = o.fallback_enabled;
  config.fallback.max_stale_age = milliseconds(o.fallback_max_stale_age_ms);
  if (common::Status valid = validateConfig(config); !valid.ok()) {
    return namingFlag(valid.error());
  }
  return config;
}

}  // namespace aftershock::client
