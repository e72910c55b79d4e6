// The bulkhead: calls run on the pool; a full pool answers at once with the fallback.
#include "services/client/bulkhead.h"

#include <gtest/gtest.h>

#include <future>
#include <optional>

#include "common/worker_pool.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_random.h"

namespace aftershock::client {
namespace {

class BulkheadTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  testing::FakeHttpClient http_{&clock_};
  testing::FakeRandom random_{{0.0}};
  common::MetricsRegistry registry_;
  ClientMetrics metrics_{registry_};
  ResilientCaller caller_{
      "http://backend.test/data", ResilienceConfig{}, http_, clock_, random_, &metrics_};
};

TEST_F(BulkheadTest, RunsTheCallOnAPoolThread) {
  common::WorkerPool pool(1, 0);
  Bulkhead bulkhead(caller_, pool, clock_, &metrics_);
  std::promise<FetchResult> done;
  bulkhead.fetchAsync([&done](FetchResult result) { done.set_value(std::move(result)); });
  const FetchResult result = done.get_future().get();
  EXPECT_EQ(result.source, Source::kBackend);
  EXPECT_EQ(http_.callCount(), 1u);
}

TEST_F(BulkheadTest, AFullPoolRefusesAtOnceWithTheFallback) {
  http_.pushStatus(200, R"({"v":1})");
  caller_.fetch();  // something stale to serve

  common::WorkerPool pool(1, 0);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(pool.trySubmit([released] { released.wait(); }));  // the only worker, busy

  Bulkhead bulkhead(caller_, pool, clock_, &metrics_);
  std::optional<FetchResult> refused;
  bulkhead.fetchAsync([&refused](FetchResult result) { refused = std::move(result); });
  // Answered synchronously, on this thread, without touching the backend.
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->reason, reason::kBulkheadFull);
  EXPECT_EQ(refused->source, Source::kFallback);
  EXPECT_TRUE(refused->stale);
  EXPECT_EQ(refused->attempts, 0);
  EXPECT_EQ(http_.callCount(), 1u);
  EXPECT_NE(registry_.render().find("client_bulkhead_rejections_total 1"), std::string::npos);
  release.set_value();
}

}  // namespace
}  // namespace aftershock::client
