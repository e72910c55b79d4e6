// Bulkhead: runs resilient calls on a bounded WorkerPool, so slow backend calls can hold at
// most the pool's threads and queue — never the HTTP server's I/O threads, never unbounded
// memory. A call the pool refuses is answered at once by the fallback ("bulkhead_full"); a
// call that waited in the queue past its deadline is answered by the fallback too, unsent.
#pragma once

#include <functional>

#include "common/clock.h"
#include "common/worker_pool.h"
#include "services/client/client_metrics.h"
#include "services/client/resilient_caller.h"

namespace aftershock::client {

// Thread-safe. `caller`, `pool` and `metrics` (nullable) outlive the bulkhead.
class Bulkhead {
 public:
  using Done = std::function<void(FetchResult)>;

  // `clock` dates each call's arrival, from which its overall deadline runs.
  Bulkhead(ResilientCaller& caller, common::WorkerPool& pool, common::Clock& clock,
           ClientMetrics* metrics = nullptr)
      : caller_(caller), pool_(pool), clock_(clock), metrics_(metrics) {}

  // Runs caller.fetch(now) on a pool thread and passes the result to `done` there; when the
  // pool is full (or shut down), calls `done` on this thread with the refusal's fallback.
  // `done` is called exactly once either way.
  void fetchAsync(Done done);

 private:
  ResilientCaller& caller_;
  common::WorkerPool& pool_;
  common::Clock& clock_;
  ClientMetrics* metrics_;
};

}  // namespace aftershock::client
