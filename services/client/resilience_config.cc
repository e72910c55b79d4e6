#include "services/client/resilience_config.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <string>

#include "common/json_fields.h"

namespace aftershock::client {
namespace {

using common::Error;
using common::Status;
using Json = nlohmann::json;

constexpr std::int64_t kAnyInteger = std::numeric_limits<std::int64_t>::max();
constexpr double kAnyNumber = std::numeric_limits<double>::max();

// Rewrites an error about `name` inside a section into one about "section.name", message
// included, so a 400 names the exact JSON path to fix.
Error qualify(Error error, const std::string& prefix) {
  if (prefix.empty()) return error;
  const std::string qualified = prefix + "." + error.field;
  const std::string quoted = "'" + error.field + "'";
  if (const auto at = error.message.find(quoted); at != std::string::npos) {
    error.message.replace(at, quoted.size(), "'" + qualified + "'");
  } else {
    error.message = qualified + ": " + error.message;
  }
  error.field = qualified;
  return error;
}

// Reads the fields of one JSON object into a config section, keeping the first error.
class SectionReader {
 public:
  SectionReader(const Json& object, std::string prefix)
      : object_(object), prefix_(std::move(prefix)) {}

  void known(std::initializer_list<std::string_view> names) {
    check(common::rejectUnknownFields(object_, names));
  }
  void integer(std::string_view name, std::int64_t& target) {
    if (error_) return;
    auto value = common::optionalInteger(object_, name, -kAnyInteger, kAnyInteger);
    if (!value.ok()) return fail(value.error());
    if (*value) target = **value;
  }
  void millis(std::string_view name, std::chrono::milliseconds& target) {
    std::int64_t count = target.count();
    integer(name, count);
    target = std::chrono::milliseconds(count);
  }
  void number(std::string_view name, double& target) {
    if (error_) return;
    auto value = common::optionalNumber(object_, name, -kAnyNumber, kAnyNumber);
    if (!value.ok()) return fail(value.error());
    if (*value) target = **value;
  }
  void boolean(std::string_view name, bool& target) {
    if (error_) return;
    auto value = common::optionalBool(object_, name);
    if (!value.ok()) return fail(value.error());
    if (*value) target = **value;
  }
  template <typename Enum, typename Parse>
  void enumeration(std::string_view name, Enum& target, Parse parse) {
    if (error_) return;
    auto text = common::optionalString(object_, name);
    if (!text.ok()) return fail(text.error());
    if (!*text) return;
    auto parsed = parse(**text);
    if (!parsed.ok()) return fail(parsed.error());
    target = *parsed;
  }
  void statusCodes(std::string_view name, std::vector<int>& target) {
    if (error_) return;
    const auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) return;
    const std::string field(name);
    if (!it->is_array()) {
      return fail(common::fieldError(field, "field '" + field + "' must be an array of integers"));
    }
    std::vector<int> codes;
    for (const Json& code : *it) {
      if (!code.is_number_integer()) {
        return fail(
            common::fieldError(field, "field '" + field + "' must be an array of integers"));
      }
      const auto value = code.get<std::int64_t>();
      if (value < 0 || value > 999) {
        return fail(common::fieldError(
            field,
            "field '" + field + "' holds " + std::to_string(value) + ", not an HTTP status code"));
      }
      codes.push_back(static_cast<int>(value));
    }
    target = std::move(codes);
  }

  void check(const Status& status) {
    if (!error_ && !status.ok()) fail(status.error());
  }
  const std::optional<Error>& error() const { return error_; }

 private:
  void fail(const Error& error) { error_ = qualify(error, prefix_); }

  const Json& object_;
  std::string prefix_;
  std::optional<Error> error_;
};

// The member `name` of `patch` when it is an object; an error when it is something else;
// nullptr when absent.
common::Result<const Json*> sectionOf(const Json& patch, std::string_view name) {
  const auto it = patch.find(name);
  if (it == patch.end() || it->is_null()) return static_cast<const Json*>(nullptr);
  if (!it->is_object()) {
    return common::fieldError(std::string(name),
                              "field '" + std::string(name) + "' must be a JSON object");
  }
  return &*it;
}

template <typename T>
Error rangeError(std::string_view field, T value, T min, T max) {
  std::ostringstream message;
  message << field << " must be between " << min << " and " << max << ", got " << value;
  return common::fieldError(std::string(field), message.str());
}

// Collects the first failed check.
class Checker {
 public:
  void range(std::string_view field, std::int64_t value, std::int64_t min, std::int64_t max) {
    if (!error_ && (value < min || value > max)) error_ = rangeError(field, value, min, max);
  }
  void range(std::string_view field, std::chrono::milliseconds value, std::int64_t min,
             std::int64_t max) {
    range(field, value.count(), min, max);
  }
  void range(std::string_view field, double value, double min, double max) {
    if (!error_ && !(value >= min && value <= max)) error_ = rangeError(field, value, min, max);
  }
  void rule(bool holds, std::string_view field, std::string message) {
    if (!error_ && !holds) error_ = common::fieldError(std::string(field), std::move(message));
  }
  Status status() const { return error_ ? Status(*error_) : Status(); }

 private:
  std::optional<Error> error_;
};

constexpr std::int64_t kMaxWaitMs = 60'000;
constexpr std::int64_t kMaxTimeoutMs = 600'000;

}  // namespace

std::string_view modeName(const ResilienceConfig& config) {
  return config.patterns_enabled ? "resilient" : "baseline";
}

Json toJson(const ResilienceConfig& config) {
  const RetryConfig& retry = config.retry;
  const CircuitBreakerConfig& breaker = config.circuit_breaker;
  const RetryBudgetConfig& budget = config.retry_budget;
  return Json{
      {"mode", modeName(config)},
      {"patterns_enabled", config.patterns_enabled},
      {"retry",
       {{"enabled", retry.enabled},
        {"max_attempts", retry.max_attempts},
        {"initial_backoff_ms", retry.initial_backoff.count()},
        {"multiplier", retry.multiplier},
        {"max_backoff_ms", retry.max_backoff.count()},
        {"retryable_status_codes", retry.retryable_status_codes},
        {"retry_transport_errors", retry.retry_transport_errors},
        {"max_retry_after_ms", retry.max_retry_after.count()}}},
      {"circuit_breaker",
       {{"window_type", windowTypeName(breaker.window_type)},
        {"window_size", breaker.window_size},
        {"minimum_calls", breaker.minimum_calls},
        {"failure_rate_threshold", breaker.failure_rate_threshold},
        {"consecutive_failure_threshold", breaker.consecutive_failure_threshold},
        {"slow_call_duration_ms", breaker.slow_call_duration.count()},
        {"slow_call_rate_threshold", breaker.slow_call_rate_threshold},
        {"open_wait_ms", breaker.open_wait.count()},
        {"half_open_permitted_calls", breaker.half_open_permitted_calls},
        {"forced_state", forcedStateName(breaker.forced_state)}}},
      {"retry_budget",
       {{"enabled", budget.enabled},
        {"ratio", budget.ratio},
        {"max_tokens", budget.max_tokens},
        {"min_retries_per_second", budget.min_retries_per_second}}},
      {"timeouts",
       {{"attempt_timeout_ms", config.timeouts.attempt_timeout.count()},
        {"overall_deadline_ms", config.timeouts.overall_deadline.count()}}},
      {"fallback",
       {{"enabled", config.fallback.enabled},
        {"max_stale_age_ms", config.fallback.max_stale_age.count()}}},
  };
}

Status validateConfig(const ResilienceConfig& config) {
  Checker check;
  const RetryConfig& retry = config.retry;
  check.range("retry.max_attempts", retry.max_attempts, 1, 10);
  check.range("retry.initial_backoff_ms", retry.initial_backoff, 0, kMaxWaitMs);
  check.range("retry.multiplier", retry.multiplier, 1.0, 10.0);
  check.range("retry.max_backoff_ms", retry.max_backoff, 0, kMaxWaitMs);
  check.rule(retry.initial_backoff <= retry.max_backoff, "retry.max_backoff_ms",
             "retry.max_backoff_ms must be at least retry.initial_backoff_ms");
  check.rule(retry.retryable_status_codes.size() <= 32, "retry.retryable_status_codes",
             "retry.retryable_status_codes holds at most 32 codes");
  for (const int code : retry.retryable_status_codes) {
    check.range("retry.retryable_status_codes", std::int64_t{code}, 400, 599);
  }
  check.range("retry.max_retry_after_ms", retry.max_retry_after, 0, kMaxWaitMs);

  const CircuitBreakerConfig& breaker = config.circuit_breaker;
  const bool count_based = breaker.window_type == WindowType::kCountBased;
  // A time window is bucketed per second; an hour of buckets is plenty.
  check.range("circuit_breaker.window_size", breaker.window_size, 1, count_based ? 10'000 : 3600);
  check.range("circuit_breaker.minimum_calls", breaker.minimum_calls, 1, 10'000);
  check.rule(!count_based || breaker.minimum_calls <= breaker.window_size,
             "circuit_breaker.minimum_calls",
             "circuit_breaker.minimum_calls cannot exceed window_size for a count_based window "
             "(the rate would never be judged)");
  check.range("circuit_breaker.failure_rate_threshold", breaker.failure_rate_threshold, 0.01, 1.0);
  check.range("circuit_breaker.consecutive_failure_threshold",
              breaker.consecutive_failure_threshold, 0, 10'000);
  check.range("circuit_breaker.slow_call_duration_ms", breaker.slow_call_duration, 1,
              kMaxTimeoutMs);
  check.range("circuit_breaker.slow_call_rate_threshold", breaker.slow_call_rate_threshold, 0.01,
              1.0);
  check.range("circuit_breaker.open_wait_ms", breaker.open_wait, 1, 3'600'000);
  check.range("circuit_breaker.half_open_permitted_calls", breaker.half_open_permitted_calls, 1,
              1000);

  const RetryBudgetConfig& budget = config.retry_budget;
  check.range("retry_budget.ratio", budget.ratio, 0.0, 10.0);
  check.range("retry_budget.max_tokens", budget.max_tokens, 1.0, 1e6);
  check.range("retry_budget.min_retries_per_second", budget.min_retries_per_second, 0.0, 1e5);

  check.range("timeouts.attempt_timeout_ms", config.timeouts.attempt_timeout, 1, kMaxTimeoutMs);
  check.range("timeouts.overall_deadline_ms", config.timeouts.overall_deadline, 1, kMaxTimeoutMs);
  check.range("fallback.max_stale_age_ms", config.fallback.max_stale_age, 0, 86'400'000);
  return check.status();
}

common::Result<ResilienceConfig> applyConfigPatch(const ResilienceConfig& current,
                                                  const Json& patch) {
  if (!patch.is_object()) return common::fieldError("body", "request body must be a JSON object");
  ResilienceConfig next = current;

  SectionReader top(patch, "");
  top.known({"mode", "patterns_enabled", "retry", "circuit_breaker", "retry_budget", "timeouts",
             "fallback"});
  std::optional<bool> patterns;
  if (!top.error()) {
    auto value = common::optionalBool(patch, "patterns_enabled");
    if (!value.ok()) return value.error();
    patterns = *value;
  }
  if (!top.error()) {
    auto mode = common::optionalString(patch, "mode");
    if (!mode.ok()) return mode.error();
    if (*mode) {
      if (**mode != "baseline" && **mode != "resilient") {
        return common::fieldError("mode",
                                  "mode must be 'baseline' or 'resilient', got '" + **mode + "'");
      }
      const bool resilient = **mode == "resilient";
      if (patterns && *patterns != resilient) {
        return common::fieldError(
            "mode", "mode '" + **mode + "' contradicts patterns_enabled in the same request");
      }
      patterns = resilient;
    }
  }
  if (top.error()) return *top.error();
  if (patterns) next.patterns_enabled = *patterns;

  // Each section: an object whose fields are all optional.
  const auto read = [&patch](std::string_view name, auto&& fill) -> Status {
    auto section = sectionOf(patch, name);
    if (!section.ok()) return section.error();
    if (*section == nullptr) return {};
    SectionReader reader(**section, std::string(name));
    fill(reader);
    if (reader.error()) return *reader.error();
    return {};
  };

  Status status = read("retry", [&](SectionReader& r) {
    RetryConfig& retry = next.retry;
    r.known({"enabled", "max_attempts", "initial_backoff_ms", "multiplier", "max_backoff_ms",
             "retryable_status_codes", "retry_transport_errors", "max_retry_after_ms"});
    r.boolean("enabled", retry.enabled);
    r.integer("max_attempts", retry.max_attempts);
    r.millis("initial_backoff_ms", retry.initial_backoff);
    r.number("multiplier", retry.multiplier);
    r.millis("max_backoff_ms", retry.max_backoff);
    r.statusCodes("retryable_status_codes", retry.retryable_status_codes);
    r.boolean("retry_transport_errors", retry.retry_transport_errors);
    r.millis("max_retry_after_ms", retry.max_retry_after);
  });
  if (!status.ok()) return status.error();

  status = read("circuit_breaker", [&](SectionReader& r) {
    CircuitBreakerConfig& breaker = next.circuit_breaker;
    r.known({"window_type", "window_size", "minimum_calls", "failure_rate_threshold",
             "consecutive_failure_threshold", "slow_call_duration_ms", "slow_call_rate_threshold",
             "open_wait_ms", "half_open_permitted_calls", "forced_state"});
    r.enumeration("window_type", breaker.window_type, parseWindowType);
    r.integer("window_size", breaker.window_size);
    r.integer("minimum_calls", breaker.minimum_calls);
    r.number("failure_rate_threshold", breaker.failure_rate_threshold);
    r.integer("consecutive_failure_threshold", breaker.consecutive_failure_threshold);
    r.millis("slow_call_duration_ms", breaker.slow_call_duration);
    r.number("slow_call_rate_threshold", breaker.slow_call_rate_threshold);
    r.millis("open_wait_ms", breaker.open_wait);
    r.integer("half_open_permitted_calls", breaker.half_open_permitted_calls);
    r.enumeration("forced_state", breaker.forced_state, parseForcedState);
  });
  if (!status.ok()) return status.error();

  status = read("retry_budget", [&](SectionReader& r) {
    RetryBudgetConfig& budget = next.retry_budget;
    r.known({"enabled", "ratio", "max_tokens", "min_retries_per_second"});
    r.boolean("enabled", budget.enabled);
    r.number("ratio", budget.ratio);
    r.number("max_tokens", budget.max_tokens);
    r.number("min_retries_per_second", budget.min_retries_per_second);
  });
  if (!status.ok()) return status.error();

  status = read("timeouts", [&](SectionReader& r) {
    r.known({"attempt_timeout_ms", "overall_deadline_ms"});
    r.millis("attempt_timeout_ms", next.timeouts.attempt_timeout);
    r.millis("overall_deadline_ms", next.timeouts.overall_deadline);
  });
  if (!status.ok()) return status.error();

  status = read("fallback", [&](SectionReader& r) {
    r.known({"enabled", "max_stale_age_ms"});
    r.boolean("enabled", next.fallback.enabled);
    r.millis("max_stale_age_ms", next.fallback.max_stale_age);
  });
  if (!status.ok()) return status.error();

  if (Status valid = validateConfig(next); !valid.ok()) return valid.error();
  return next;
}

}  // namespace aftershock::client
