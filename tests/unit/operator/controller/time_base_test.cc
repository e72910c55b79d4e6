// TimeBase: steady times to status timestamps and back, across a restart.
#include "operator/controller/time_base.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace aftershock::op {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TimeBaseTest, FormatsASteadyTimeAsTheWallClockWithMilliseconds) {
  testing::FakeClock clock;
  const TimeBase base(clock);
  EXPECT_EQ(base.format(clock.now()), "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(base.format(clock.now() + milliseconds(1500)), "2026-01-01T00:00:01.500Z");
}

TEST(TimeBaseTest, ATimestampWrittenBeforeARestartMapsBackToTheSameInstant) {
  testing::FakeClock clock;
  const TimeBase before(clock);
  const common::SteadyTime injected = clock.now() + seconds(3);
  const std::string text = before.format(injected);
  clock.advance(seconds(40));
  const TimeBase after(clock);
  const std::optional<common::SteadyTime> parsed = after.parse(text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, injected);
}

TEST(TimeBaseTest, EmptyOrMalformedTimestampsParseToNothing) {
  testing::FakeClock clock;
  const TimeBase base(clock);
  EXPECT_FALSE(base.parse("").has_value());
  EXPECT_FALSE(base.parse("yesterday").has_value());
}

}  // namespace
}  // namespace aftershock::op
