// MemoryStress: holds a block of resident memory for a while — the MemoryStress fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

#include "common/clock.h"
#include "common/result.h"
#include "services/backend/chaos_guard.h"

namespace aftershock::backend {

// Anonymous memory mapped and written page by page, so it is resident (counted in RSS and
// against a container's limit), not just reserved. Unmapped on destruction. Move-only.
class ResidentBlock {
 public:
  ResidentBlock() = default;
  ResidentBlock(ResidentBlock&& other) noexcept;
  ResidentBlock& operator=(ResidentBlock&& other) noexcept;
  ResidentBlock(const ResidentBlock&) = delete;
  ResidentBlock& operator=(const ResidentBlock&) = delete;
  ~ResidentBlock();

  // Maps and touches `bytes`. kUnavailable when the kernel refuses the mapping.
  static common::Result<ResidentBlock> allocate(std::size_t bytes);

  std::size_t size() const { return size_; }
  // Whether every page holds what allocate() wrote (tests use this to prove the touch).
  bool touched() const;

 private:
  ResidentBlock(void* data, std::size_t size) : data_(data), size_(size) {}
  void reset();

  void* data_ = nullptr;
  std::size_t size_ = 0;
};

struct MemoryStressStatus {
  bool active = false;
  std::int64_t megabytes = 0;
  std::optional<common::Duration> remaining;  // until auto-release; none: held until released
};

// At most one held block. It is released by release(), by releaseIfExpired() once its hold
// time has passed on `clock` (the service calls it periodically), or by shutdown(); then its
// ChaosPermit is released too. Thread-safe.
class MemoryStress {
 public:
  explicit MemoryStress(const common::Clock& clock) : clock_(clock) {}

  // Allocates and touches `megabytes` MiB, then holds them for `hold` (or until released).
  // Errors: kConflict while a block is held, kUnavailable when the memory cannot be mapped
  // or after shutdown(). Blocks the caller while pages are touched (bounded by the size).
  common::Status allocate(std::int64_t megabytes, std::optional<common::Duration> hold,
                          ChaosPermit permit);
  // Frees the held block; returns its size in MiB (0 when nothing was held).
  std::int64_t release();
  // Frees the held block if its hold time has passed; returns its size in MiB, or 0.
  std::int64_t releaseIfExpired();
  // release(), and refuse every later allocate().
  void shutdown();

  MemoryStressStatus status() const;

 private:
  std::int64_t releaseLocked();

  const common::Clock& clock_;
  mutable std::mutex mutex_;
  bool shut_down_ = false;
  ResidentBlock block_;
  std::int64_t megabytes_ = 0;
  std::optional<common::SteadyTime> release_at_;
  ChaosPermit permit_;
};

}  // namespace aftershock::backend
