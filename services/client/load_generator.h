// LoadGenerator: drives the in-process resilient call path (through the bulkhead, exactly as
// /fetch-data does, but without HTTP to itself) at a paced rate for a bounded time, and
// reports what came back — the client side of a chaos experiment, with no external tool.
//
// Pacing is open-loop: call k is due at start + k / rps whatever the previous calls are
// doing, so a slow backend shows up as latency and rejections rather than as a quietly
// lower request rate (the coordinated-omission trap of closed-loop generators). At most
// `max_in_flight` calls run at once; a due call beyond that is counted as rejected.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/result.h"
#include "services/client/latency_histogram.h"
#include "services/client/resilient_caller.h"

namespace aftershock::client {

struct LoadSpec {
  std::int64_t rps = 50;
  std::int64_t duration_seconds = 30;
};
inline constexpr std::int64_t kMaxLoadRps = 5000;
inline constexpr std::int64_t kMaxLoadDurationSeconds = 600;

// Reads {"rps": 1..5000, "duration_seconds": 1..600} (both optional, defaults above); errors
// name the field.
common::Result<LoadSpec> parseLoadSpec(const nlohmann::json& body);

// A reading of the current (or last) run. Each issued call ends in exactly one of
// successes (by source), failures or rejected, so requests = those summed + in_flight.
struct LoadStats {
  bool running = false;
  LoadSpec spec;
  double elapsed_seconds = 0.0;
  std::int64_t requests = 0;  // calls due so far
  std::int64_t in_flight = 0;
  std::int64_t backend = 0;   // served fresh on the first attempt
  std::int64_t retry = 0;     // served fresh after retries
  std::int64_t fallback = 0;  // served stale
  std::int64_t failures = 0;  // nothing served
  std::int64_t rejected = 0;  // refused before the call path: max_in_flight or bulkhead full
  std::map<std::string, std::int64_t> reasons;  // why calls were not fresh
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  double achieved_rps = 0.0;  // finished calls per second of the run
};
nlohmann::json toJson(const LoadStats& stats);

// Thread-safe. One run at a time.
class LoadGenerator {
 public:
  // Starts one call and calls `done` exactly once when it finishes, on any thread
  // (Bulkhead::fetchAsync fits).
  using AsyncCall = std::function<void(std::function<void(FetchResult)> done)>;

  // `clock` paces the calls and times them; it outlives the generator.
  LoadGenerator(AsyncCall call, common::Clock& clock, std::int64_t max_in_flight);
  ~LoadGenerator();  // stops and waits for the run's calls
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Starts a run with fresh stats. kConflict when a run is still going (pacing or calls
  // in flight). The run ends by itself after spec.duration_seconds.
  common::Status start(const LoadSpec& spec);
  // Stops issuing calls (calls in flight finish by themselves). Idempotent.
  void stop();
  // Blocks until the current run has issued its last call (or was stopped).
  void waitUntilPaced();
  // Blocks until the current run has stopped issuing and every call has finished.
  void waitForIdle();
  LoadStats stats() const;

 private:
  struct Run;
  static void pace(const std::shared_ptr<Run>& run, const AsyncCall& call, common::Clock& clock,
                   std::int64_t max_in_flight);
  void joinPacer();  // control_mutex_ held

  AsyncCall call_;
  common::Clock& clock_;
  const std::int64_t max_in_flight_;

  mutable std::mutex control_mutex_;  // serialises start/stop; guards run_ and pacer_
  std::shared_ptr<Run> run_;
  std::thread pacer_;
};

}  // namespace aftershock::client
