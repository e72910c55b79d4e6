#include "services/client/circuit_breaker.h"

#include <string>
#include <utility>

#include "common/logging.h"

namespace aftershock::client {
namespace {

const common::Logger& logger() {
  static const common::Logger logger("client");
  return logger;
}

CircuitState stateForForced(ForcedState forced) {
  switch (forced) {
    case ForcedState::kForcedOpen:
      return CircuitState::kForcedOpen;
    case ForcedState::kDisabled:
      return CircuitState::kDisabled;
    case ForcedState::kNone:
      break;
  }
  return CircuitState::kClosed;
}

}  // namespace

std::string_view circuitStateName(CircuitState state) {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half_open";
    case CircuitState::kForcedOpen:
      return "forced_open";
    case CircuitState::kDisabled:
      return "disabled";
  }
  return "unknown";
}

std::string_view forcedStateName(ForcedState state) {
  switch (state) {
    case ForcedState::kNone:
      return "none";
    case ForcedState::kForcedOpen:
      return "forced_open";
    case ForcedState::kDisabled:
      return "disabled";
  }
  return "unknown";
}

common::Result<ForcedState> parseForcedState(std::string_view text) {
  if (text == "none") return ForcedState::kNone;
  if (text == "forced_open") return ForcedState::kForcedOpen;
  if (text == "disabled") return ForcedState::kDisabled;
  return common::fieldError(
      "forced_state",
      "forced_state must be 'none', 'forced_open' or 'disabled', got '" + std::string(text) + "'");
}

CircuitBreaker::Permit::Permit(Permit&& other) noexcept
    : breaker_(std::exchange(other.breaker_, nullptr)), generation_(other.generation_) {}

CircuitBreaker::Permit& CircuitBreaker::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (breaker_ != nullptr) breaker_->onRelease(generation_);
    breaker_ = std::exchange(other.breaker_, nullptr);
    generation_ = other.generation_;
  }
  return *this;
}

CircuitBreaker::Permit::~Permit() {
  if (breaker_ != nullptr) breaker_->onRelease(generation_);
}

void CircuitBreaker::Permit::record(bool failure, common::Duration duration) {
  if (breaker_ == nullptr) return;
  std::exchange(breaker_, nullptr)->onResult(generation_, failure, duration);
}

CircuitBreaker::CircuitBreaker(CircuitBreakerConfig config, common::Clock& clock,
                               TransitionListener listener)
    : clock_(clock),
      listener_(std::move(listener)),
      config_(config),
      window_(makeSlidingWindow(config.window_type, config.window_size)),
      state_(stateForForced(config.forced_state)) {}

std::optional<CircuitBreaker::Permit> CircuitBreaker::tryAcquire() {
  Transitions transitions;
  std::optional<Permit> permit;
  {
    std::lock_guard lock(mutex_);
    promoteIfWaitOver(clock_.now(), transitions);
    switch (state_) {
      case CircuitState::kClosed:
      case CircuitState::kDisabled:
        permit = Permit(this, generation_);
        break;
      case CircuitState::kHalfOpen:
        if (half_open_permits_in_use_ + half_open_successes_ < config_.half_open_permitted_calls) {
          ++half_open_permits_in_use_;
          permit = Permit(this, generation_);
        }
        break;
      case CircuitState::kOpen:
      case CircuitState::kForcedOpen:
        break;
    }
    if (!permit) ++totals_.rejections;
  }
  notify(transitions);
  return permit;
}

CircuitState CircuitBreaker::state() {
  Transitions transitions;
  CircuitState current;
  {
    std::lock_guard lock(mutex_);
    promoteIfWaitOver(clock_.now(), transitions);
    current = state_;
  }
  notify(transitions);
  return current;
}

CircuitState CircuitBreaker::peekState() const {
  std::lock_guard lock(mutex_);
  if (state_ == CircuitState::kOpen && clock_.now() - opened_at_ >= config_.open_wait) {
    return CircuitState::kHalfOpen;
  }
  return state_;
}

bool CircuitBreaker::isOpen() {
  const CircuitState current = state();
  return current == CircuitState::kOpen || current == CircuitState::kForcedOpen;
}

CircuitBreakerSnapshot CircuitBreaker::snapshot() {
  Transitions transitions;
  CircuitBreakerSnapshot snapshot;
  {
    std::lock_guard lock(mutex_);
    const common::SteadyTime now = clock_.now();
    promoteIfWaitOver(now, transitions);
    snapshot = totals_;
    snapshot.state = state_;
    snapshot.window = window_->counts(now);
    snapshot.consecutive_failures = consecutive_failures_;
    if (state_ == CircuitState::kOpen) {
      snapshot.until_half_open = opened_at_ + config_.open_wait - now;
    }
    snapshot.half_open_permits_in_use = half_open_permits_in_use_;
    snapshot.half_open_successes = half_open_successes_;
  }
  notify(transitions);
  return snapshot;
}

CircuitBreakerConfig CircuitBreaker::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

void CircuitBreaker::reconfigure(const CircuitBreakerConfig& config) {
  Transitions transitions;
  {
    std::lock_guard lock(mutex_);
    const CircuitBreakerConfig previous = std::exchange(config_, config);
    if (previous.window_type != config.window_type || previous.window_size != config.window_size) {
      window_ = makeSlidingWindow(config.window_type, config.window_size);
    }
    if (previous.forced_state != config.forced_state) {
      transitionTo(
          stateForForced(config.forced_state),
          config.forced_state == ForcedState::kNone ? "forced_state_cleared" : "forced_state_set",
          transitions);
    } else if (state_ == CircuitState::kClosed) {
      // New thresholds may already be crossed by what the window holds.
      evaluateClosed(clock_.now(), transitions);
    }
  }
  notify(transitions);
}

void CircuitBreaker::onResult(std::uint64_t generation, bool failure, common::Duration duration) {
  Transitions transitions;
  {
    std::lock_guard lock(mutex_);
    const common::SteadyTime now = clock_.now();
    const bool slow = duration >= config_.slow_call_duration;
    if (generation == generation_ && state_ != CircuitState::kDisabled) {
      ++totals_.calls;
      ++(failure ? totals_.failures : totals_.successes);
      if (slow) ++totals_.slow_calls;
      if (state_ == CircuitState::kClosed) {
        window_->record(failure, slow, now);
        consecutive_failures_ = failure ? consecutive_failures_ + 1 : 0;
        evaluateClosed(now, transitions);
      } else if (state_ == CircuitState::kHalfOpen) {
        --half_open_permits_in_use_;
        if (failure || slow) {
          // A probe is a health check: one bad answer says the dependency is not back.
          transitionTo(CircuitState::kOpen,
                       failure ? "half_open_probe_failed" : "half_open_probe_slow", transitions);
        } else if (++half_open_successes_ >= config_.half_open_permitted_calls) {
          transitionTo(CircuitState::kClosed, "half_open_probes_succeeded", transitions);
        }
      }
    }
  }
  notify(transitions);
}

void CircuitBreaker::onRelease(std::uint64_t generation) {
  std::lock_guard lock(mutex_);
  if (generation == generation_ && state_ == CircuitState::kHalfOpen) {
    --half_open_permits_in_use_;
  }
}

void CircuitBreaker::transitionTo(CircuitState next, std::string_view reason, Transitions& out) {
  if (next == state_) return;
  out.push_back({state_, next, reason});
  state_ = next;
  ++generation_;
  ++totals_.transitions;
  half_open_permits_in_use_ = 0;
  half_open_successes_ = 0;
  switch (next) {
    case CircuitState::kOpen:
    case CircuitState::kForcedOpen:
      opened_at_ = clock_.now();
      break;
    case CircuitState::kClosed:
    case CircuitState::kDisabled:
      // A closed breaker judges only what happens from now on.
      window_->reset();
      consecutive_failures_ = 0;
      break;
    case CircuitState::kHalfOpen:
      break;
  }
}

void CircuitBreaker::promoteIfWaitOver(common::SteadyTime now, Transitions& out) {
  if (state_ == CircuitState::kOpen && now - opened_at_ >= config_.open_wait) {
    transitionTo(CircuitState::kHalfOpen, "open_wait_elapsed", out);
  }
}

void CircuitBreaker::evaluateClosed(common::SteadyTime now, Transitions& out) {
  if (config_.consecutive_failure_threshold > 0 &&
      consecutive_failures_ >= config_.consecutive_failure_threshold) {
    transitionTo(CircuitState::kOpen, "consecutive_failures", out);
    return;
  }
  const WindowCounts counts = window_->counts(now);
  if (counts.calls < config_.minimum_calls) return;
  if (counts.failureRate() >= config_.failure_rate_threshold) {
    transitionTo(CircuitState::kOpen, "failure_rate_exceeded", out);
  } else if (counts.slowCallRate() >= config_.slow_call_rate_threshold) {
    transitionTo(CircuitState::kOpen, "slow_call_rate_exceeded", out);
  }
}

void CircuitBreaker::notify(const Transitions& transitions) const {
  for (const CircuitTransition& transition : transitions) {
    logger().info("circuit breaker state changed", {{"from", circuitStateName(transition.from)},
                                                    {"to", circuitStateName(transition.to)},
                                                    {"reason", transition.reason}});
    if (listener_) listener_(transition);
  }
}

}  // namespace aftershock::client
