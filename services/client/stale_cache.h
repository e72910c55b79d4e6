// StaleCache: the last good backend answer, kept to be served (marked stale, with its age)
// when the backend cannot be used — the fallback of last resort.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/clock.h"

namespace aftershock::client {

struct FallbackConfig {
  bool enabled = true;
  // Older data is not served (a 503 instead); 0 means no limit. Five minutes: long enough
  // to ride out a chaos experiment's fault, short enough that nobody acts on old data.
  std::chrono::milliseconds max_stale_age{300'000};

  bool operator==(const FallbackConfig&) const = default;
};

struct StaleEntry {
  nlohmann::json data;
  common::Duration age{0};
};

// Thread-safe; readers share the stored payload without copying it under the lock.
class StaleCache {
 public:
  explicit StaleCache(common::Clock& clock) : clock_(clock) {}

  void store(nlohmann::json data);
  // The stored payload and its age, unless none is stored or it is older than `max_age`
  // (zero: no limit).
  std::optional<StaleEntry> lookup(std::chrono::milliseconds max_age) const;

 private:
  common::Clock& clock_;
  mutable std::mutex mutex_;
  std::shared_ptr<const nlohmann::json> data_;
  common::SteadyTime stored_at_{};
};

}  // namespace aftershock::client
