// RetryPolicy: which failed attempts are worth another try, and how long to wait first.
//
// Backoff is exponential with FULL jitter (AWS Architecture Blog, "Exponential Backoff and
// Jitter"): the wait before retry n is uniform in [0, min(max_backoff, initial_backoff *
// multiplier^(n-1))). Full jitter spreads a crowd of clients that failed together across the
// whole interval, which is what keeps their retries from arriving as a second wave.
//
// Only transient failures are retried: transport errors that may pass (timeout, refused or
// reset connection), the configured status codes (default 429, 502, 503, 504). A 500 is not
// retried by default: it usually means the request itself trips a bug, and repeating it only
// adds load. Other 4xx never are — the same request will get the same answer. A Retry-After
// header (delta-seconds or HTTP-date) on a retryable answer replaces the jittered wait; when
// it asks for longer than max_retry_after the retry is abandoned rather than sent early.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/http.h"
#include "common/random.h"
#include "common/result.h"

namespace aftershock::client {

struct RetryConfig {
  bool enabled = true;
  std::int64_t max_attempts = 3;  // including the first
  std::chrono::milliseconds initial_backoff{100};
  double multiplier = 2.0;
  std::chrono::milliseconds max_backoff{1000};
  std::vector<int> retryable_status_codes{429, 502, 503, 504};
  bool retry_transport_errors = true;  // kTimeout and kUnavailable
  std::chrono::milliseconds max_retry_after{2000};

  bool operator==(const RetryConfig&) const = default;
};

// Why a call stopped retrying (also the `reason` a /fetch-data answer carries).
namespace stop_reason {
inline constexpr std::string_view kNotRetryable = "not_retryable";
inline constexpr std::string_view kRetriesExhausted = "retries_exhausted";
inline constexpr std::string_view kRetryAfterTooLong = "retry_after_too_long";
inline constexpr std::string_view kRetryDisabled = "retry_disabled";
}  // namespace stop_reason

// What to do after a failed attempt: retry after `delay`, or stop for `stop_reason`.
struct RetryPlan {
  bool retry = false;
  common::Duration delay{0};
  std::string_view stop_reason;
};

// Stateless apart from its inputs. Thread-safe as far as `random` is (common::Random is).
class RetryPolicy {
 public:
  // Both outlive the policy (it is built per call from that call's config snapshot).
  RetryPolicy(const RetryConfig& config, common::Random& random)
      : config_(config), random_(random) {}

  // The upper bound of the wait after failed attempt `attempt` (1-based), before jitter.
  common::Duration backoffCeiling(std::int64_t attempt) const;
  // A fully jittered wait after failed attempt `attempt`: uniform in [0, backoffCeiling).
  common::Duration nextDelay(std::int64_t attempt) const;

  bool isRetryableStatus(int status) const;
  bool isRetryableError(const common::Error& error) const;
  // Success is a 2xx answer; this says whether a non-success `result` may be retried.
  bool isRetryable(const common::Result<common::HttpResponse>& result) const;

  // The decision after attempt `attempt` (1-based) failed with `result`. `wall_now` dates
  // a Retry-After given as an HTTP-date. Deadline, budget and breaker are the caller's.
  RetryPlan plan(std::int64_t attempt, const common::Result<common::HttpResponse>& result,
                 common::SystemTime wall_now) const;

 private:
  const RetryConfig& config_;
  common::Random& random_;
};

// Parses a Retry-After value (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date in any of
// the three formats recipients must accept (IMF-fixdate, RFC 850, asctime). Returns the wait
// from `now` (zero for a date in the past), or nullopt when the value is malformed.
std::optional<common::Duration> parseRetryAfter(std::string_view value, common::SystemTime now);

}  // namespace aftershock::client
