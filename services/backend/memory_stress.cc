// MemoryStress: an mmap'd, fully touched block held for a bounded time.
#include "services/backend/memory_stress.h"

#include <sys/mman.h>
#include <unistd.h>

#include <utility>

namespace aftershock::backend {
namespace {

constexpr std::size_t kBytesPerMegabyte = 1024 * 1024;
constexpr unsigned char kPattern = 0xA5;

std::size_t pageSize() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

}  // namespace

ResidentBlock::ResidentBlock(ResidentBlock&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

ResidentBlock& ResidentBlock::operator=(ResidentBlock&& other) noexcept {
  if (this != &other) {
    reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

ResidentBlock::~ResidentBlock() { reset(); }

common::Result<ResidentBlock> ResidentBlock::allocate(std::size_t bytes) {
  // mmap rather than new[]: the compiler may not elide it, and munmap hands the pages back
  // to the kernel at once, so RSS falls as soon as the stress is released.
  void* data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) {
    return common::makeError(common::ErrorCode::kUnavailable,
                             "cannot map " + std::to_string(bytes / kBytesPerMegabyte) + " MiB");
  }
  // One write per page makes the kernel back each page with real memory.
  volatile unsigned char* bytes_view = static_cast<unsigned char*>(data);
  for (std::size_t offset = 0; offset < bytes; offset += pageSize()) {
    bytes_view[offset] = kPattern;
  }
  return ResidentBlock(data, bytes);
}

bool ResidentBlock::touched() const {
  const volatile unsigned char* bytes_view = static_cast<const unsigned char*>(data_);
  for (std::size_t offset = 0; offset < size_; offset += pageSize()) {
    if (bytes_view[offset] != kPattern) return false;
  }
  return data_ != nullptr;
}

void ResidentBlock::reset() {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

common::Status MemoryStress::allocate(std::int64_t megabytes, std::optional<common::Duration> hold,
                                      ChaosPermit permit) {
  // The lock is held while pages are touched so two allocations can never both pass the
  // "nothing held" check; status() waits at most that long.
  std::lock_guard lock(mutex_);
  if (shut_down_) {
    return common::makeError(common::ErrorCode::kUnavailable, "the service is shutting down");
  }
  if (block_.size() > 0) {
    return common::makeError(common::ErrorCode::kConflict,
                             "a memory stress of " + std::to_string(megabytes_) +
                                 " MiB is already held; release it first");
  }
  auto block = ResidentBlock::allocate(static_cast<std::size_t>(megabytes) * kBytesPerMegabyte);
  if (!block.ok()) return block.error();
  block_ = std::move(*block);
  megabytes_ = megabytes;
  release_at_.reset();
  if (hold) release_at_ = clock_.now() + *hold;
  permit_ = std::move(permit);
  return {};
}

std::int64_t MemoryStress::release() {
  std::lock_guard lock(mutex_);
  return releaseLocked();
}

std::int64_t MemoryStress::releaseIfExpired() {
  std::lock_guard lock(mutex_);
  if (!release_at_ || clock_.now() < *release_at_) return 0;
  return releaseLocked();
}

void MemoryStress::shutdown() {
  std::lock_guard lock(mutex_);
  shut_down_ = true;
  releaseLocked();
}

MemoryStressStatus MemoryStress::status() const {
  std::lock_guard lock(mutex_);
  MemoryStressStatus status;
  if (block_.size() == 0) return status;
  status.active = true;
  status.megabytes = megabytes_;
  if (release_at_)
    status.remaining = std::max(common::Duration::zero(), *release_at_ - clock_.now());
  return status;
}

std::int64_t MemoryStress::releaseLocked() {
  const std::int64_t released = block_.size() > 0 ? megabytes_ : 0;
  block_ = ResidentBlock();
  megabytes_ = 0;
  release_at_.reset();
  permit_.release();
  return released;
}

}  // namespace aftershock::backend
