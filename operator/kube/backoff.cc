#include "operator/kube/backoff.h"

#include <algorithm>

namespace aftershock::op {

common::Duration backoffDelay(const BackoffPolicy& policy, int failures) {
  if (failures <= 0 || policy.base <= common::Duration::zero()) return common::Duration::zero();
  if (policy.cap <= policy.base) return std::max(policy.cap, common::Duration::zero());
  // base << shift fits whenever base <= cap >> shift, so the check below never overflows.
  const int shift = failures - 1;
  constexpr int kMaxShift = 62;
  const auto base = policy.base.count();
  const auto cap = policy.cap.count();
  if (shift > kMaxShift || base > (cap >> shift)) return policy.cap;
  return common::Duration(base << shift);
}

common::Duration reconnectDelay(const BackoffPolicy& policy, int attempt, common::Random& random,
                                Jitter jitter) {
  const common::Duration delay = backoffDelay(policy, attempt);
  const double draw = random.uniform();
  switch (jitter) {
    case Jitter::Full:
      return std::chrono::duration_cast<common::Duration>(delay * draw);
    case Jitter::Equal: {
      const common::Duration half = delay / 2;
      return half + std::chrono::duration_cast<common::Duration>(half * draw);
    }
  }
  return delay;
}

}  // namespace aftershock::op
