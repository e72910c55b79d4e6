// The load generator's pacing, accounting, limits and lifecycle. FakeClock makes a whole run
// happen instantly: the pacer's waits advance the clock instead of sleeping.
#include "services/client/load_generator.h"

#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "services/client/latency_histogram.h"
#include "tests/fakes/fake_clock.h"

namespace aftershock::client {
namespace {

using nlohmann::json;

FetchResult servedFrom(Source source) {
  FetchResult result;
  result.source = source;
  return result;
}

FetchResult failed(std::string why) {
  FetchResult result;
  result.http_status = 503;
  result.source = Source::kFallback;
  result.reason = std::move(why);
  return result;
}

TEST(LoadGeneratorTest, IssuesRpsTimesDurationCallsAndCountsTheirSources) {
  testing::FakeClock clock;
  int issued = 0;
  LoadGenerator load(
      [&issued](std::function<void(FetchResult)> done) {
        // Cycle: backend, retry, stale fallback, failure.
        switch (issued++ % 4) {
          case 0:
            return done(servedFrom(Source::kBackend));
          case 1:
            return done(servedFrom(Source::kRetry));
          case 2: {
            FetchResult stale = servedFrom(Source::kFallback);
            stale.stale = true;
            stale.reason = "circuit_open";
            return done(stale);
          }
          default:
            return done(failed("circuit_open"));
        }
      },
      clock, 10);
  ASSERT_TRUE(load.start({20, 5}).ok());
  load.waitForIdle();

  const LoadStats stats = load.stats();
  EXPECT_FALSE(stats.running);
  EXPECT_EQ(stats.requests, 100);
  EXPECT_EQ(stats.backend, 25);
  EXPECT_EQ(stats.retry, 25);
  EXPECT_EQ(stats.fallback, 25);
  EXPECT_EQ(stats.failures, 25);
  EXPECT_EQ(stats.rejected, 0);
  EXPECT_EQ(stats.reasons.at("circuit_open"), 50);
  EXPECT_NEAR(stats.achieved_rps, 20.0, 0.5);
  EXPECT_NEAR(stats.elapsed_seconds, 4.95, 0.01);  // the last call is due at 4.95 s
}

TEST(LoadGeneratorTest, PacesCallsEvenlyOverTheDuration) {
  testing::FakeClock clock;
  std::vector<common::SteadyTime> issued_at;
  LoadGenerator load(
      [&](std::function<void(FetchResult)> done) {
        issued_at.push_back(clock.now());
        done(servedFrom(Source::kBackend));
      },
      clock, 10);
  const common::SteadyTime start = clock.now();
  ASSERT_TRUE(load.start({4, 2}).ok());
  load.waitForIdle();
  ASSERT_EQ(issued_at.size(), 8u);
  for (std::size_t i = 0; i < issued_at.size(); ++i) {
    EXPECT_EQ(issued_at[i] - start, std::chrono::milliseconds(250) * static_cast<int>(i));
  }
}

// Holds every call the generator issues until the test answers it.
struct PendingCalls {
  std::mutex mutex;
  std::vector<std::function<void(FetchResult)>> calls;

  LoadGenerator::AsyncCall issuer() {
    return [this](std::function<void(FetchResult)> done) {
      std::lock_guard lock(mutex);
      calls.push_back(std::move(done));
    };
  }
};

TEST(LoadGeneratorTest, RejectsDueCallsBeyondMaxInFlight) {
  testing::FakeClock clock;
  PendingCalls pending;
  LoadGenerator load(pending.issuer(), clock, 3);
  ASSERT_TRUE(load.start({10, 2}).ok());
  load.waitUntilPaced();
  LoadStats stats = load.stats();
  EXPECT_TRUE(stats.running);  // three calls still in flight
  EXPECT_EQ(stats.requests, 20);
  EXPECT_EQ(stats.in_flight, 3);
  EXPECT_EQ(stats.rejected, 17);
  EXPECT_EQ(stats.reasons.at("max_in_flight"), 17);

  for (auto& done : pending.calls) done(servedFrom(Source::kBackend));
  load.waitForIdle();
  stats = load.stats();
  EXPECT_FALSE(stats.running);
  EXPECT_EQ(stats.backend, 3);
}

TEST(LoadGeneratorTest, RefusesASecondRunWhileOneIsGoingThenResetsStatsOnTheNext) {
  testing::FakeClock clock;
  PendingCalls pending;
  LoadGenerator load(pending.issuer(), clock, 100);
  ASSERT_TRUE(load.start({5, 1}).ok());
  load.waitUntilPaced();
  const common::Status second = load.start({5, 1});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, common::ErrorCode::kConflict);

  {
    std::lock_guard lock(pending.mutex);
    for (auto& done : pending.calls) done(servedFrom(Source::kBackend));
    pending.calls.clear();
  }
  load.waitForIdle();
  EXPECT_EQ(load.stats().backend, 5);

  ASSERT_TRUE(load.start({3, 1}).ok());
  load.waitUntilPaced();
  const LoadStats fresh = load.stats();
  EXPECT_EQ(fresh.requests, 3);
  EXPECT_EQ(fresh.backend, 0);
  std::lock_guard lock(pending.mutex);
  for (auto& done : pending.calls) done(servedFrom(Source::kBackend));
}

TEST(LoadGeneratorTest, CountsBulkheadRefusalsAsRejected) {
  testing::FakeClock clock;
  LoadGenerator load([](std::function<void(FetchResult)> done) { done(failed("bulkhead_full")); },
                     clock, 10);
  ASSERT_TRUE(load.start({10, 1}).ok());
  load.waitForIdle();
  const LoadStats stats = load.stats();
  EXPECT_EQ(stats.rejected, 10);
  EXPECT_EQ(stats.failures, 0);
  EXPECT_EQ(stats.reasons.at("bulkhead_full"), 10);
}

TEST(LoadGeneratorTest, MeasuresLatencyFromIssueToCompletion) {
  testing::FakeClock clock;
  int issued = 0;
  LoadGenerator load(
      [&](std::function<void(FetchResult)> done) {
        // 1..10 ms, one call each.
        clock.advance(std::chrono::milliseconds(++issued));
        done(servedFrom(Source::kBackend));
      },
      clock, 10);
  ASSERT_TRUE(load.start({10, 1}).ok());
  load.waitForIdle();
  const LoadStats stats = load.stats();
  EXPECT_NEAR(stats.p50_ms, 5.0, 0.2);
  EXPECT_NEAR(stats.p90_ms, 9.0, 0.2);
  EXPECT_NEAR(stats.max_ms, 10.0, 1e-6);
}

TEST(LoadGeneratorTest, StopEndsARunEarly) {
  common::SystemClock clock;  // a 10-minute run, stopped at once: no waiting involved
  LoadGenerator load(
      [](std::function<void(FetchResult)> done) { done(servedFrom(Source::kBackend)); }, clock, 10);
  ASSERT_TRUE(load.start({1, 600}).ok());
  load.stop();
  load.waitForIdle();
  const LoadStats stats = load.stats();
  EXPECT_FALSE(stats.running);
  EXPECT_LE(stats.requests, 1);
  load.stop();  // idempotent
}

TEST(LoadGeneratorTest, StatsBeforeAnyRunAreEmpty) {
  testing::FakeClock clock;
  LoadGenerator load([](std::function<void(FetchResult)>) {}, clock, 10);
  const json body = toJson(load.stats());
  EXPECT_EQ(body["running"], false);
  EXPECT_EQ(body["requests"], 0);
  EXPECT_TRUE(body["successes"].contains("retry"));
  EXPECT_TRUE(body["latency_ms"].contains("p99"));
}

TEST(LoadSpecTest, AcceptsBoundsAndNamesTheFieldOutsideThem) {
  EXPECT_TRUE(parseLoadSpec(json{{"rps", 1}, {"duration_seconds", 600}}).ok());
  EXPECT_TRUE(parseLoadSpec(json{{"rps", 5000}, {"duration_seconds", 1}}).ok());
  EXPECT_EQ(parseLoadSpec(json{{"rps", 0}}).error().field, "rps");
  EXPECT_EQ(parseLoadSpec(json{{"rps", 5001}}).error().field, "rps");
  EXPECT_EQ(parseLoadSpec(json{{"duration_seconds", 601}}).error().field, "duration_seconds");
  EXPECT_EQ(parseLoadSpec(json{{"duration_seconds", "10"}}).error().field, "duration_seconds");
  EXPECT_EQ(parseLoadSpec(json{{"rate", 10}}).error().field, "rate");
}

TEST(LatencyHistogramTest, PercentilesAreWithinTwoPercent) {
  LatencyHistogram histogram;
  for (int ms = 1; ms <= 1000; ++ms) histogram.record(ms / 1000.0);
  EXPECT_NEAR(histogram.percentile(0.5), 0.500, 0.010);
  EXPECT_NEAR(histogram.percentile(0.99), 0.990, 0.020);
  EXPECT_DOUBLE_EQ(histogram.max(), 1.0);
  EXPECT_EQ(histogram.count(), 1000u);
}

TEST(LatencyHistogramTest, EmptyAndExtremeValuesAreSafe) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.percentile(0.5), 0.0);
  histogram.record(-1.0);
  histogram.record(0.0);
  histogram.record(1e9);
  EXPECT_EQ(histogram.count(), 3u);
  EXPECT_DOUBLE_EQ(histogram.max(), 1e9);
  EXPECT_LE(histogram.percentile(1.0), 1e9);
}

}  // namespace
}  // namespace aftershock::client
