#include "operator/kube/kube_client.h"

namespace aftershock::op {

std::string_view watchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
  }
  return "UNKNOWN";
}

void WatchCancel::cancel() {
  cancelled_.store(true);
  // Called under the lock so the transport cannot tear the connection down meanwhile;
  // interrupts only post work to the connection's own thread and never block.
  std::lock_guard lock(mutex_);
  if (interrupt_) interrupt_();
}

void WatchCancel::setInterrupt(std::function<void()> interrupt) {
  std::lock_guard lock(mutex_);
  interrupt_ = std::move(interrupt);
}

}  // namespace aftershock::op
