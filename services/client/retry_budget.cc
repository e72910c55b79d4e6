#include "services/client/retry_budget.h"

#include <algorithm>

namespace aftershock::client {

RetryBudget::RetryBudget(RetryBudgetConfig config, common::Clock& clock)
    : clock_(clock), config_(config), tokens_(config.max_tokens), last_refill_(clock.now()) {}

void RetryBudget::refill() {
  const common::SteadyTime now = clock_.now();
  const double elapsed = common::toSeconds(now - last_refill_);
  last_refill_ = now;
  if (elapsed > 0) {
    tokens_ = std::min(config_.max_tokens, tokens_ + elapsed * config_.min_retries_per_second);
  }
}

void RetryBudget::onFirstAttempt() {
  std::lock_guard lock(mutex_);
  refill();
  tokens_ = std::min(config_.max_tokens, tokens_ + config_.ratio);
}

bool RetryBudget::tryWithdraw() {
  std::lock_guard lock(mutex_);
  refill();
  if (!config_.enabled) return true;
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

double RetryBudget::tokens() {
  std::lock_guard lock(mutex_);
  refill();
  return tokens_;
}

RetryBudgetConfig RetryBudget::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

void RetryBudget::reconfigure(const RetryBudgetConfig& config) {
  std::lock_guard lock(mutex_);
  refill();
  config_ = config;
  tokens_ = std::min(tokens_, config_.max_tokens);
}

}  // namespace aftershock::client
