// RetryBudget: a token bucket that keeps retries a bounded share of traffic (Finagle's
// RetryBudget, gRPC's retry throttling), so a dependency in trouble is not hit with
// max_attempts times its normal load.
//
// Every first attempt deposits `ratio` tokens; every retry withdraws one, and is refused when
// less than one token is left. Tokens also trickle in at `min_retries_per_second`, so a
// lightly used client can still retry. The bucket holds at most `max_tokens` and starts full.
// Over any stretch of time, retries <= ratio * first attempts + min_retries_per_second * t +
// max_tokens: with ratio 0.8 a full outage costs at most 1.8x the normal load, not 3x.
#pragma once

#include <mutex>

#include "common/clock.h"

namespace aftershock::client {

struct RetryBudgetConfig {
  bool enabled = true;
  // Why 0.8: at a fault rate p with 3 attempts a call retries p + p^2 times on average
  // (0.39 at p = 0.3, 0.75 at p = 0.5). The bucket must earn at least that per call or the
  // 1 - p^3 fresh share (97.3 %, 87.5 %) drops; 0.8 covers p = 0.5 with a drift of +0.05
  // tokens per call, and with 100 tokens of slack the bucket practically never empties
  // (a random walk with that drift and variance reaches -100 with probability ~e^-14).
  double ratio = 0.8;
  double max_tokens = 100.0;
  double min_retries_per_second = 10.0;

  bool operator==(const RetryBudgetConfig&) const = default;
};

// Thread-safe. Time comes from the injected Clock only.
class RetryBudget {
 public:
  RetryBudget(RetryBudgetConfig config, common::Clock& clock);

  // A first attempt is being made: earn `ratio` tokens.
  void onFirstAttempt();
  // A retry is about to be made: true (and one token spent) when the budget allows it.
  // Always true when the budget is disabled.
  bool tryWithdraw();

  double tokens();
  RetryBudgetConfig config() const;
  // Keeps the tokens, clamped to the new maximum.
  void reconfigure(const RetryBudgetConfig& config);

 private:
  void refill();  // lock held

  common::Clock& clock_;
  mutable std::mutex mutex_;
  RetryBudgetConfig config_;
  double tokens_;
  common::SteadyTime last_refill_;
};

}  // namespace aftershock::client
