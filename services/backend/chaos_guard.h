// ChaosGuard: the guardrails every chaos action (CPU stress, memory stress, crash) passes
// through — a cooldown between actions and a cap on how many may be active at once — so a
// runaway script or a double-applied experiment cannot stack faults on one pod.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace aftershock::backend {

class ChaosGuard;

enum class RefusalReason { kCooldown, kConcurrency };

// "cooldown" or "concurrency", the `reason` member of a 429 body.
std::string_view refusalReasonName(RefusalReason reason);

struct ChaosRefusal {
  RefusalReason reason = RefusalReason::kCooldown;
  common::Duration retry_after{0};  // when a retry may succeed, as far as the guard knows
  std::string message;
};

// The Retry-After header value for `wait`: whole seconds, rounded up, at least 1.
std::int64_t retryAfterSeconds(common::Duration wait);

// A slot held by an active chaos action; the slot is freed when the permit is released or
// destroyed. Move-only. Must not outlive the guard that issued it.
class ChaosPermit {
 public:
  ChaosPermit() = default;
  ChaosPermit(ChaosPermit&& other) noexcept;
  ChaosPermit& operator=(ChaosPermit&& other) noexcept;
  ChaosPermit(const ChaosPermit&) = delete;
  ChaosPermit& operator=(const ChaosPermit&) = delete;
  ~ChaosPermit();

  bool held() const { return guard_ != nullptr; }
  // Frees the slot now. Idempotent.
  void release();

 private:
  friend class ChaosGuard;
  ChaosPermit(ChaosGuard* guard, std::uint64_t id) : guard_(guard), id_(id) {}

  ChaosGuard* guard_ = nullptr;
  std::uint64_t id_ = 0;
};

// Either a permit (admitted) or the reason for refusing.
struct ChaosAdmission {
  std::optional<ChaosPermit> permit;
  ChaosRefusal refusal;  // meaningful only when not admitted

  bool admitted() const { return permit.has_value(); }
};

// Admission rules, checked in this order:
//  - cooldown: an action is refused until `cooldown` has passed since the last admitted
//    action started (refused attempts do not restart it);
//  - concurrency: refused while `max_concurrent` permits are held.
// Retry-After covers both: the longer of the cooldown left and the earliest expected end of
// an active action (1 s when no active action has a known end).
// Thread-safe; time comes only from `clock`.
class ChaosGuard {
 public:
  ChaosGuard(const common::Clock& clock, common::Duration cooldown, int max_concurrent);

  // `expected_hold`: how long the action will keep its slot, when known.
  ChaosAdmission tryAcquire(std::optional<common::Duration> expected_hold);
  int active() const;

 private:
  friend class ChaosPermit;
  void release(std::uint64_t id);
  common::Duration concurrencyWait(common::SteadyTime now) const;

  const common::Clock& clock_;
  const common::Duration cooldown_;
  const int max_concurrent_;

  mutable std::mutex mutex_;
  std::optional<common::SteadyTime> last_start_;
  // Active permits by id, with the time each is expected to end (if known).
  std::map<std::uint64_t, std::optional<common::SteadyTime>> active_;
  std::uint64_t next_id_ = 1;
};

}  // namespace aftershock::backend
