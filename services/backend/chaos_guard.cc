// ChaosGuard: cooldown and concurrency cap for chaos actions.
#include "services/backend/chaos_guard.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace aftershock::backend {
namespace {

constexpr common::Duration kUnknownWait = std::chrono::seconds(1);

std::string describeSeconds(common::Duration wait) {
  return std::to_string(retryAfterSeconds(wait)) + " s";
}

}  // namespace

std::string_view refusalReasonName(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::kCooldown:
      return "cooldown";
    case RefusalReason::kConcurrency:
      return "concurrency";
  }
  return "unknown";
}

std::int64_t retryAfterSeconds(common::Duration wait) {
  constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
  const std::int64_t nanos = wait.count();
  return std::max<std::int64_t>(1, (nanos + kNanosPerSecond - 1) / kNanosPerSecond);
}

ChaosPermit::ChaosPermit(ChaosPermit&& other) noexcept
    : guard_(std::exchange(other.guard_, nullptr)), id_(other.id_) {}

ChaosPermit& ChaosPermit::operator=(ChaosPermit&& other) noexcept {
  if (this != &other) {
    release();
    guard_ = std::exchange(other.guard_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

ChaosPermit::~ChaosPermit() { release(); }

void ChaosPermit::release() {
  if (guard_ == nullptr) return;
  std::exchange(guard_, nullptr)->release(id_);
}

ChaosGuard::ChaosGuard(const common::Clock& clock, common::Duration cooldown, int max_concurrent)
    : clock_(clock), cooldown_(cooldown), max_concurrent_(max_concurrent) {
  assert(max_concurrent >= 1);
}

ChaosAdmission ChaosGuard::tryAcquire(std::optional<common::Duration> expected_hold) {
  std::lock_guard lock(mutex_);
  const common::SteadyTime now = clock_.now();
  const bool at_capacity = static_cast<int>(active_.size()) >= max_concurrent_;
  const common::Duration concurrency_wait =
      at_capacity ? concurrencyWait(now) : common::Duration::zero();
  common::Duration cooldown_left = common::Duration::zero();
  if (last_start_ && now - *last_start_ < cooldown_)
    cooldown_left = cooldown_ - (now - *last_start_);

  ChaosAdmission admission;
  if (cooldown_left > common::Duration::zero()) {
    admission.refusal = {
        RefusalReason::kCooldown, std::max(cooldown_left, concurrency_wait),
        "chaos actions are in cooldown for another " + describeSeconds(cooldown_left)};
    return admission;
  }
  if (at_capacity) {
    admission.refusal = {RefusalReason::kConcurrency, concurrency_wait,
                         "already " + std::to_string(active_.size()) +
                             " active chaos action(s), the limit is " +
                             std::to_string(max_concurrent_)};
    return admission;
  }
  const std::uint64_t id = next_id_++;
  active_.emplace(id, expected_hold ? std::optional(now + *expected_hold) : std::nullopt);
  last_start_ = now;
  admission.permit = ChaosPermit(this, id);
  return admission;
}

int ChaosGuard::active() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(active_.size());
}

void ChaosGuard::release(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  active_.erase(id);
}

common::Duration ChaosGuard::concurrencyWait(common::SteadyTime now) const {
  std::optional<common::SteadyTime> earliest;
  for (const auto& [id, end] : active_) {
    if (end && (!earliest || *end < *earliest)) earliest = end;
  }
  if (!earliest || *earliest <= now) return kUnknownWait;
  return *earliest - now;
}

}  // namespace aftershock::backend
