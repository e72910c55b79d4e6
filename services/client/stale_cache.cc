#include "services/client/stale_cache.h"

#include <utility>

namespace aftershock::client {

void StaleCache::store(nlohmann::json data) {
  // Built outside the lock; the lock only swaps a pointer.
  auto stored = std::make_shared<const nlohmann::json>(std::move(data));
  const common::SteadyTime now = clock_.now();
  std::lock_guard lock(mutex_);
  data_ = std::move(stored);
  stored_at_ = now;
}

std::optional<StaleEntry> StaleCache::lookup(std::chrono::milliseconds max_age) const {
  std::shared_ptr<const nlohmann::json> data;
  common::SteadyTime stored_at;
  {
    std::lock_guard lock(mutex_);
    data = data_;
    stored_at = stored_at_;
  }
  if (!data) return std::nullopt;
  const common::Duration age = clock_.now() - stored_at;
  if (max_age.count() > 0 && age > max_age) return std::nullopt;
  return StaleEntry{*data, age};
}

}  // namespace aftershock::client
