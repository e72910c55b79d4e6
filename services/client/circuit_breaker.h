// CircuitBreaker: stops calling a dependency that is failing, and probes it again later.
//
//   CLOSED ──(failure rate, slow-call rate or consecutive failures over threshold)──▶ OPEN
//   OPEN ──(open_wait elapsed; checked lazily on the next permission request or read)──▶ HALF_OPEN
//   HALF_OPEN ──(all permitted probes succeed, none slow)──▶ CLOSED
//   HALF_OPEN ──(any probe fails or is slow)──▶ OPEN
// plus two forced states set at runtime: FORCED_OPEN rejects every call, DISABLED permits
// every call and records nothing. Clearing the forced state returns to CLOSED.
//
// Failures and slow calls are judged separately, as in resilience4j: a call that took at
// least `slow_call_duration` is slow whether or not it failed, and the breaker opens when the
// slow-call rate reaches its own threshold. A slow success therefore never counts as a
// failure, and a slow failure counts in both rates. Rates are judged only once the window
// holds `minimum_calls` outcomes; the consecutive-failure rule needs no minimum, so a dead
// dependency is cut off after a handful of calls even right after a restart.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "services/client/sliding_window.h"

namespace aftershock::client {

enum class CircuitState { kClosed, kOpen, kHalfOpen, kForcedOpen, kDisabled };
inline constexpr CircuitState kAllCircuitStates[] = {
    CircuitState::kClosed, CircuitState::kOpen, CircuitState::kHalfOpen, CircuitState::kForcedOpen,
    CircuitState::kDisabled};

std::string_view circuitStateName(CircuitState state);  // "closed", "half_open", ...

enum class ForcedState { kNone, kForcedOpen, kDisabled };
std::string_view forcedStateName(ForcedState state);
common::Result<ForcedState> parseForcedState(std::string_view text);

struct CircuitBreakerConfig {
  WindowType window_type = WindowType::kCountBased;
  std::int64_t window_size = 50;  // calls (count-based) or seconds (time-based)
  std::int64_t minimum_calls = 20;
  double failure_rate_threshold = 0.5;              // open when the window's failure share >= this
  std::int64_t consecutive_failure_threshold = 10;  // 0 turns the rule off
  std::chrono::milliseconds slow_call_duration{1000};
  double slow_call_rate_threshold = 0.8;  // open when the window's slow share >= this
  std::chrono::milliseconds open_wait{5000};
  std::int64_t half_open_permitted_calls = 3;
  ForcedState forced_state = ForcedState::kNone;

  bool operator==(const CircuitBreakerConfig&) const = default;
};

// A reading of the breaker for status pages and metrics.
struct CircuitBreakerSnapshot {
  CircuitState state = CircuitState::kClosed;
  // Since the breaker was built.
  std::uint64_t calls = 0;  // permitted calls whose outcome was recorded
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;
  std::uint64_t slow_calls = 0;
  std::uint64_t rejections = 0;  // calls refused without reaching the dependency
  std::uint64_t transitions = 0;
  // The sliding window (closed state) and the streak.
  WindowCounts window;
  std::int64_t consecutive_failures = 0;
  // Open: how long until a probe is let through.
  std::optional<common::Duration> until_half_open;
  // Half-open: probes handed out and probes that succeeded so far.
  std::int64_t half_open_permits_in_use = 0;
  std::int64_t half_open_successes = 0;
};

// What a state change looks like to listeners (logs, metrics).
struct CircuitTransition {
  CircuitState from;
  CircuitState to;
  std::string_view reason;  // a static string, e.g. "failure_rate_exceeded"
};
using TransitionListener = std::function<void(const CircuitTransition&)>;

// Thread-safe: every member may be called from any thread at once. Transitions are decided
// under one lock, so concurrent callers never see a half-applied change; listeners run after
// the lock is released, in the order the transitions happened on that call.
class CircuitBreaker {
 public:
  // The right to make one call. Move-only. Report the call's outcome exactly once with
  // record(); destroying an unreported permit hands it back (a half-open probe slot is
  // freed, nothing is recorded). Outcomes of permits granted before a later transition are
  // dropped, so a slow call started while CLOSED cannot close a HALF_OPEN breaker.
  class Permit {
   public:
    Permit(Permit&& other) noexcept;
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

    void record(bool failure, common::Duration duration);

   private:
    friend class CircuitBreaker;
    Permit(CircuitBreaker* breaker, std::uint64_t generation)
        : breaker_(breaker), generation_(generation) {}
    CircuitBreaker* breaker_;  // null once used or moved from
    std::uint64_t generation_;
  };

  // `config` must be valid (see validateConfig in resilience_config.h). `clock` outlives this.
  CircuitBreaker(CircuitBreakerConfig config, common::Clock& clock,
                 TransitionListener listener = {});
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // A permit when the call may go ahead; nullopt when the breaker rejects it (fail fast;
  // counted as a rejection). May move OPEN to HALF_OPEN when the wait is over.
  std::optional<Permit> tryAcquire();

  // The current state (may move OPEN to HALF_OPEN when the wait is over).
  CircuitState state();
  // The state the next call would find, without moving the breaker or notifying anyone
  // (an OPEN breaker whose wait is over reads as HALF_OPEN). Safe to call from a metrics
  // scrape, which must not trigger listeners.
  CircuitState peekState() const;
  // True in OPEN and FORCED_OPEN: a call in progress should not retry (another call may have
  // opened the breaker meanwhile). Counts no rejection.
  bool isOpen();

  CircuitBreakerSnapshot snapshot();
  CircuitBreakerConfig config() const;

  // Applies a new configuration atomically. A changed window shape starts an empty window;
  // a changed open_wait applies to the current open period; a changed forced_state moves
  // to that state (or back to CLOSED when cleared).
  void reconfigure(const CircuitBreakerConfig& config);

 private:
  using Transitions = std::vector<CircuitTransition>;

  void onResult(std::uint64_t generation, bool failure, common::Duration duration);
  void onRelease(std::uint64_t generation);
  // All below: the lock is held.
  void transitionTo(CircuitState next, std::string_view reason, Transitions& out);
  void promoteIfWaitOver(common::SteadyTime now, Transitions& out);
  void evaluateClosed(common::SteadyTime now, Transitions& out);
  void notify(const Transitions& transitions) const;

  common::Clock& clock_;
  TransitionListener listener_;

  mutable std::mutex mutex_;
  CircuitBreakerConfig config_;
  std::unique_ptr<SlidingWindow> window_;
  CircuitState state_ = CircuitState::kClosed;
  std::uint64_t generation_ = 0;  // bumped on every transition
  common::SteadyTime opened_at_{};
  std::int64_t consecutive_failures_ = 0;
  std::int64_t half_open_permits_in_use_ = 0;
  std::int64_t half_open_successes_ = 0;
  CircuitBreakerSnapshot totals_;  // only the since-start counters are used
};

}  // namespace aftershock::client
