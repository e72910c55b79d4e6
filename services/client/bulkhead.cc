#include "services/client/bulkhead.h"

#include <memory>
#include <utility>

namespace aftershock::client {

void Bulkhead::fetchAsync(Done done) {
  // Shared so the callback survives a refused submission (trySubmit drops the task then).
  auto shared_done = std::make_shared<Done>(std::move(done));
  // The deadline starts now: time spent in the queue counts against it.
  const bool accepted = pool_.trySubmit([this, shared_done, accepted_at = clock_.now()] {
    (*shared_done)(caller_.fetch(accepted_at));
  });
  if (accepted) return;
  if (metrics_ != nullptr) metrics_->recordBulkheadRejection();
  (*shared_done)(caller_.refuse(
      reason::kBulkheadFull,
      "bulkhead is full (" + std::to_string(pool_.threads()) + " workers busy, queue full)"));
}

}  // namespace aftershock::client
