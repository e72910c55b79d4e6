#include "services/client/stale_cache.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace aftershock::client {
namespace {

using std::chrono::milliseconds;

TEST(StaleCacheTest, IsEmptyUntilSomethingIsStored) {
  testing::FakeClock clock;
  StaleCache cache(clock);
  EXPECT_FALSE(cache.lookup(milliseconds(0)).has_value());
}

TEST(StaleCacheTest, ServesTheLastStoredPayloadWithItsAge) {
  testing::FakeClock clock;
  StaleCache cache(clock);
  cache.store({{"v", 1}});
  clock.advance(milliseconds(1500));
  cache.store({{"v", 2}});
  clock.advance(milliseconds(2500));
  const auto entry = cache.lookup(milliseconds(0));
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->data["v"], 2);
  EXPECT_EQ(entry->age, milliseconds(2500));
}

TEST(StaleCacheTest, WithholdsDataOlderThanTheLimit) {
  testing::FakeClock clock;
  StaleCache cache(clock);
  cache.store({{"v", 1}});
  clock.advance(milliseconds(1001));
  EXPECT_FALSE(cache.lookup(milliseconds(1000)).has_value());
  EXPECT_TRUE(cache.lookup(milliseconds(2000)).has_value());
  EXPECT_TRUE(cache.lookup(milliseconds(0)).has_value());  // 0: no limit
}

}  // namespace
}  // namespace aftershock::client
