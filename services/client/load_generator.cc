#include "services/client/load_generator.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "common/json_fields.h"
#include "common/logging.h"

namespace aftershock::client {
namespace {

// The pacer sleeps at most this long at a time, so stop() takes effect quickly.
constexpr common::Duration kMaxPacerSleep = std::chrono::milliseconds(20);

const common::Logger& logger() {
  static const common::Logger log("client");
  return log;
}

double toMillis(double seconds) { return seconds * 1000.0; }

}  // namespace

struct LoadGenerator::Run {
  LoadSpec spec;
  common::SteadyTime started;
  std::atomic<bool> stop_requested{false};

  mutable std::mutex mutex;
  std::condition_variable changed;  // pacing ended, or the run went idle
  bool pacing = true;
  common::SteadyTime ended{};  // set when pacing stopped and the last call finished
  LoadStats stats;             // counters only; running/elapsed/percentiles computed on read
  LatencyHistogram latency;

  bool active() const { return pacing || stats.in_flight > 0; }  // mutex held
  void onProgress(common::SteadyTime now) {                      // mutex held
    if (!active()) ended = now;
    changed.notify_all();
  }
};

common::Result<LoadSpec> parseLoadSpec(const nlohmann::json& body) {
  if (auto known = common::rejectUnknownFields(body, {"rps", "duration_seconds"}); !known.ok()) {
    return known.error();
  }
  LoadSpec spec;
  auto rps = common::optionalInteger(body, "rps", 1, kMaxLoadRps);
  if (!rps.ok()) return rps.error();
  auto duration = common::optionalInteger(body, "duration_seconds", 1, kMaxLoadDurationSeconds);
  if (!duration.ok()) return duration.error();
  if (*rps) spec.rps = **rps;
  if (*duration) spec.duration_seconds = **duration;
  return spec;
}

nlohmann::json toJson(const LoadStats& stats) {
  return {
      {"running", stats.running},
      {"rps", stats.spec.rps},
      {"duration_seconds", stats.spec.duration_seconds},
      {"elapsed_seconds", stats.elapsed_seconds},
      {"requests", stats.requests},
      {"in_flight", stats.in_flight},
      {"successes",
       {{"backend", stats.backend}, {"retry", stats.retry}, {"fallback", stats.fallback}}},
      {"failures", stats.failures},
      {"rejected", stats.rejected},
      {"reasons", stats.reasons},
      {"latency_ms",
       {{"p50", stats.p50_ms},
        {"p90", stats.p90_ms},
        {"p99", stats.p99_ms},
        {"max", stats.max_ms}}},
      {"achieved_rps", stats.achieved_rps},
  };
}

LoadGenerator::LoadGenerator(AsyncCall call, common::Clock& clock, std::int64_t max_in_flight)
    : call_(std::move(call)), clock_(clock), max_in_flight_(max_in_flight) {}

LoadGenerator::~LoadGenerator() {
  stop();
  waitForIdle();
}

common::Status LoadGenerator::start(const LoadSpec& spec) {
  std::lock_guard control(control_mutex_);
  if (run_) {
    std::lock_guard lock(run_->mutex);
    if (run_->active()) {
      return common::makeError(common::ErrorCode::kConflict, "a load run is already in progress");
    }
  }
  joinPacer();
  auto run = std::make_shared<Run>();
  run->spec = spec;
  run->started = clock_.now();
  run->stats.spec = spec;
  run_ = run;
  logger().info("load started", {{"rps", spec.rps}, {"duration_seconds", spec.duration_seconds}});
  pacer_ = std::thread([run, this] { pace(run, call_, clock_, max_in_flight_); });
  return {};
}

void LoadGenerator::stop() {
  std::lock_guard control(control_mutex_);
  if (run_) run_->stop_requested = true;
  joinPacer();
}

void LoadGenerator::joinPacer() {
  if (pacer_.joinable()) pacer_.join();
}

void LoadGenerator::waitUntilPaced() {
  std::shared_ptr<Run> run;
  {
    std::lock_guard control(control_mutex_);
    run = run_;
  }
  if (!run) return;
  std::unique_lock lock(run->mutex);
  run->changed.wait(lock, [&run] { return !run->pacing; });
}

void LoadGenerator::waitForIdle() {
  std::shared_ptr<Run> run;
  {
    std::lock_guard control(control_mutex_);
    run = run_;
  }
  if (!run) return;
  std::unique_lock lock(run->mutex);
  run->changed.wait(lock, [&run] { return !run->active(); });
}

LoadStats LoadGenerator::stats() const {
  std::shared_ptr<Run> run;
  {
    std::lock_guard control(control_mutex_);
    run = run_;
  }
  if (!run) return {};
  const common::SteadyTime now = clock_.now();
  std::lock_guard lock(run->mutex);
  LoadStats stats = run->stats;
  stats.running = run->active();
  const common::SteadyTime until = stats.running ? now : run->ended;
  stats.elapsed_seconds = common::toSeconds(until - run->started);
  const std::int64_t finished = stats.backend + stats.retry + stats.fallback + stats.failures;
  stats.achieved_rps =
      stats.elapsed_seconds > 0 ? static_cast<double>(finished) / stats.elapsed_seconds : 0.0;
  stats.p50_ms = toMillis(run->latency.percentile(0.50));
  stats.p90_ms = toMillis(run->latency.percentile(0.90));
  stats.p99_ms = toMillis(run->latency.percentile(0.99));
  stats.max_ms = toMillis(run->latency.max());
  return stats;
}

void LoadGenerator::pace(const std::shared_ptr<Run>& run, const AsyncCall& call,
                         common::Clock& clock, std::int64_t max_in_flight) {
  const double interval_ns = 1e9 / static_cast<double>(run->spec.rps);
  const common::SteadyTime end = run->started + std::chrono::seconds(run->spec.duration_seconds);
  for (std::int64_t index = 0; !run->stop_requested;) {
    // Due times come from the index, not from the previous wake-up, so sleep overshoot
    // never accumulates into a lower rate.
    const common::SteadyTime due =
        run->started + common::Duration(static_cast<common::Duration::rep>(
                           static_cast<double>(index) * interval_ns));
    if (due >= end) break;
    const common::SteadyTime now = clock.now();
    if (due > now) {
      clock.sleepFor(std::min(due - now, kMaxPacerSleep));
      continue;
    }
    ++index;
    {
      std::lock_guard lock(run->mutex);
      ++run->stats.requests;
      if (run->stats.in_flight >= max_in_flight) {
        ++run->stats.rejected;
        ++run->stats.reasons["max_in_flight"];
        continue;
      }
      ++run->stats.in_flight;
    }
    call([run, &clock, issued = now](FetchResult result) {
      const common::SteadyTime finished = clock.now();
      std::lock_guard lock(run->mutex);
      --run->stats.in_flight;
      LoadStats& stats = run->stats;
      if (result.reason == reason::kBulkheadFull) {
        ++stats.rejected;
      } else if (!result.served()) {
        ++stats.failures;
      } else if (result.source == Source::kRetry) {
        ++stats.retry;
      } else if (result.source == Source::kFallback) {
        ++stats.fallback;
      } else {
        ++stats.backend;
      }
      if (!result.reason.empty()) ++stats.reasons[result.reason];
      run->latency.record(common::toSeconds(finished - issued));
      run->onProgress(finished);
    });
  }
  const common::SteadyTime now = clock.now();
  LoadStats final_stats;
  {
    std::lock_guard lock(run->mutex);
    run->pacing = false;
    run->onProgress(now);
    final_stats = run->stats;
  }
  logger().info("load pacing ended", {{"requests", final_stats.requests},
                                      {"stopped_early", run->stop_requested.load()}});
}

}  // namespace aftershock::client
