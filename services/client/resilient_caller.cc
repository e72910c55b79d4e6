#include "services/client/resilient_caller.h"

#include <algorithm>
#include <utility>

#include "services/client/retry_policy.h"

namespace aftershock::client {
namespace {

bool isSuccess(const common::Result<common::HttpResponse>& outcome) {
  return outcome.ok() && outcome->status >= 200 && outcome->status < 300;
}

// What the breaker counts as the dependency failing: transport errors, 5xx and 429. Other
// 4xx mean the backend is up and answering (the request was wrong), so they do not count.
bool isBreakerFailure(const common::Result<common::HttpResponse>& outcome) {
  if (!outcome.ok()) return true;
  return outcome->status >= 500 || outcome->status == 429;
}

nlohmann::json parsePayload(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return body;  // not JSON: pass it on as a string
  return parsed;
}

// The status to answer when nothing can be served and no fallback speaks for us: the
// gateway conventions (502 bad answer upstream, 504 upstream too slow, 503 not tried).
int upstreamFailureStatus(const FetchResult& result) {
  if (result.reason == reason::kDeadlineExceeded) return 504;
  if (result.reason == reason::kCircuitOpen || result.reason == reason::kBulkheadFull) return 503;
  return result.timed_out ? 504 : 502;
}

}  // namespace

std::string_view sourceName(Source source) {
  switch (source) {
    case Source::kBackend:
      return "backend";
    case Source::kRetry:
      return "retry";
    case Source::kFallback:
      return "fallback";
    case Source::kNone:
      return "none";
  }
  return "none";
}

nlohmann::json toJson(const FetchResult& result) {
  nlohmann::json body = {
      {"source", sourceName(result.source)},
      {"attempts", result.attempts},
      {"circuit_state", circuitStateName(result.circuit_state)},
      {"mode", result.baseline ? "baseline" : "resilient"},
      {"data", result.data},
      {"stale", result.stale},
      {"duration_ms", std::chrono::duration<double, std::milli>(result.duration).count()},
  };
  if (result.stale) body["stale_age_seconds"] = result.stale_age_seconds;
  if (!result.reason.empty()) body["reason"] = result.reason;
  if (!result.error.empty()) body["error"] = result.error;
  if (result.backend_status != 0) body["backend_status"] = result.backend_status;
  return body;
}

ResilientCaller::ResilientCaller(std::string url, const ResilienceConfig& config,
                                 common::HttpClient& http, common::Clock& clock,
                                 common::Random& random, ClientMetrics* metrics)
    : url_(std::move(url)),
      http_(http),
      clock_(clock),
      random_(random),
      metrics_(metrics),
      breaker_(config.circuit_breaker, clock,
               [metrics](const CircuitTransition& transition) {
                 if (metrics != nullptr) metrics->recordTransition(transition);
               }),
      budget_(config.retry_budget, clock),
      cache_(clock),
      config_(std::make_shared<const ResilienceConfig>(config)) {}

std::shared_ptr<const ResilienceConfig> ResilientCaller::config() const {
  std::lock_guard lock(config_mutex_);
  return config_;
}

common::Result<ResilienceConfig> ResilientCaller::updateConfig(const nlohmann::json& patch) {
  std::lock_guard update(update_mutex_);
  auto next = applyConfigPatch(*config(), patch);
  if (!next.ok()) return next.error();
  // Each component applies its part atomically under its own lock; calls already running
  // keep the snapshot they started with.
  breaker_.reconfigure(next->circuit_breaker);
  budget_.reconfigure(next->retry_budget);
  auto published = std::make_shared<const ResilienceConfig>(*next);
  {
    std::lock_guard lock(config_mutex_);
    config_ = std::move(published);
  }
  return next;
}

FetchResult ResilientCaller::fetch() { return fetch(clock_.now()); }

FetchResult ResilientCaller::fetch(common::SteadyTime accepted_at) {
  const std::shared_ptr<const ResilienceConfig> config = this->config();
  const common::SteadyTime deadline = accepted_at + config->timeouts.overall_deadline;
  if (clock_.now() >= deadline) {
    // Spent its whole deadline waiting for a worker: the caller has given up by now, and
    // calling the backend would only add load.
    FetchResult expired;
    expired.reason = std::string(reason::kDeadlineExceeded);
    expired.error = "deadline passed before the call could start";
    if (!config->patterns_enabled) {
      expired.baseline = true;
      expired.circuit_state = CircuitState::kDisabled;
      expired.http_status = upstreamFailureStatus(expired);
      return finish(std::move(expired), accepted_at);
    }
    expired.circuit_state = breaker_.state();
    return finish(fallback(*config, std::move(expired)), accepted_at);
  }
  FetchResult result = config->patterns_enabled ? fetchResilient(*config, deadline)
                                                : fetchBaseline(*config, deadline);
  return finish(std::move(result), accepted_at);
}

FetchResult ResilientCaller::refuse(std::string_view why, std::string error) {
  const std::shared_ptr<const ResilienceConfig> config = this->config();
  const common::SteadyTime start = clock_.now();
  FetchResult result;
  result.reason = std::string(why);
  result.error = std::move(error);
  if (config->patterns_enabled) {
    result.circuit_state = breaker_.state();
    return finish(fallback(*config, std::move(result)), start);
  }
  result.baseline = true;
  result.circuit_state = CircuitState::kDisabled;
  result.http_status = upstreamFailureStatus(result);
  return finish(std::move(result), start);
}

FetchResult ResilientCaller::fetchBaseline(const ResilienceConfig& config,
                                           common::SteadyTime deadline) {
  FetchResult result;
  result.baseline = true;
  result.circuit_state = CircuitState::kDisabled;
  result.attempts = 1;
  const auto outcome =
      attempt(std::min<common::Duration>(config.timeouts.attempt_timeout, deadline - clock_.now()));
  absorb(outcome, result);
  if (isSuccess(outcome)) {
    result.source = Source::kBackend;
    return result;
  }
  result.reason = std::string(reason::kBaseline);
  result.http_status = upstreamFailureStatus(result);
  return result;
}

FetchResult ResilientCaller::fetchResilient(const ResilienceConfig& config,
                                            common::SteadyTime deadline) {
  FetchResult result;
  std::optional<CircuitBreaker::Permit> permit = breaker_.tryAcquire();
  if (!permit) {
    if (metrics_ != nullptr) metrics_->recordBreakerRejection();
    result.reason = std::string(reason::kCircuitOpen);
    result.error = "circuit breaker is " + std::string(circuitStateName(breaker_.state()));
    result.circuit_state = breaker_.state();
    return fallback(config, std::move(result));
  }

  // The breaker judges the backend's slowness, so its clock starts here, after any queueing.
  const common::SteadyTime permitted_at = clock_.now();
  budget_.onFirstAttempt();
  const RetryPolicy policy(config.retry, random_);
  bool succeeded = false;
  bool breaker_failure = false;
  for (std::int64_t number = 1;; ++number) {
    const common::Duration remaining = deadline - clock_.now();
    if (remaining <= common::Duration::zero()) {
      result.reason = std::string(reason::kDeadlineExceeded);
      break;
    }
    const auto outcome =
        attempt(std::min<common::Duration>(config.timeouts.attempt_timeout, remaining));
    result.attempts = number;
    absorb(outcome, result);
    if (isSuccess(outcome)) {
      succeeded = true;
      breaker_failure = false;
      break;
    }
    breaker_failure = isBreakerFailure(outcome);
    const RetryPlan plan = policy.plan(number, outcome, clock_.wallNow());
    if (!plan.retry) {
      result.reason = std::string(plan.stop_reason);
      break;
    }
    if (breaker_.isOpen()) {
      // Another call opened the breaker while this one was failing: stop adding load.
      result.reason = std::string(reason::kCircuitOpen);
      break;
    }
    if (clock_.now() + plan.delay >= deadline) {
      result.reason = std::string(reason::kDeadlineExceeded);
      break;
    }
    if (!budget_.tryWithdraw()) {
      if (metrics_ != nullptr) metrics_->recordRetryBudgetExhausted();
      result.reason = std::string(reason::kRetryBudgetExhausted);
      break;
    }
    if (metrics_ != nullptr) metrics_->recordRetry();
    clock_.sleepFor(plan.delay);
  }
  permit->record(breaker_failure, clock_.now() - permitted_at);
  result.circuit_state = breaker_.state();

  if (succeeded) {
    result.reason.clear();
    result.source = result.attempts > 1 ? Source::kRetry : Source::kBackend;
    return result;
  }
  return fallback(config, std::move(result));
}

common::Result<common::HttpResponse> ResilientCaller::attempt(common::Duration timeout) {
  common::HttpClientRequest request;
  request.method = "GET";
  request.url = url_;
  request.headers = {{"Accept", "application/json"}};
  // Rounded up: a 0 ms timeout would fail at once although some time is left.
  request.timeout =
      std::max(std::chrono::ceil<std::chrono::milliseconds>(timeout), std::chrono::milliseconds(1));
  auto outcome = http_.send(request);
  if (metrics_ != nullptr) metrics_->recordAttempt(outcome);
  return outcome;
}

void ResilientCaller::absorb(const common::Result<common::HttpResponse>& outcome,
                             FetchResult& result) {
  result.timed_out = !outcome.ok() && outcome.error().code == common::ErrorCode::kTimeout;
  if (!outcome.ok()) {
    result.error = errorLabel(outcome.error().code) + ": " + outcome.error().message;
    return;
  }
  result.backend_status = outcome->status;
  if (isSuccess(outcome)) {
    result.data = parsePayload(outcome->body);
    result.error.clear();
    cache_.store(result.data);
    return;
  }
  result.error = "backend answered " + std::to_string(outcome->status);
}

FetchResult ResilientCaller::fallback(const ResilienceConfig& config, FetchResult failed) const {
  if (!config.fallback.enabled) {
    failed.source = Source::kNone;
    failed.http_status = upstreamFailureStatus(failed);
    return failed;
  }
  failed.source = Source::kFallback;
  if (auto entry = cache_.lookup(config.fallback.max_stale_age)) {
    failed.http_status = 200;
    failed.data = std::move(entry->data);
    failed.stale = true;
    failed.stale_age_seconds = common::toSeconds(entry->age);
    return failed;
  }
  // Nothing (recent enough) to serve: say so plainly rather than invent data.
  failed.http_status = 503;
  failed.data = nullptr;
  failed.error += failed.error.empty() ? "no fallback data" : "; no fallback data";
  return failed;
}

FetchResult ResilientCaller::finish(FetchResult result, common::SteadyTime start) {
  result.duration = clock_.now() - start;
  if (metrics_ != nullptr) metrics_->recordCall(result);
  return result;
}

}  // namespace aftershock::client
