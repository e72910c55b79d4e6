#include "operator/kube/kube_time.h"

#include <gtest/gtest.h>

#include <chrono>

namespace aftershock::op {
namespace {

common::SystemTime at(int hours, int minutes, int seconds, int micros) {
  return std::chrono::sys_days{std::chrono::year{2026} / 3 / 4} + std::chrono::hours(hours) +
         std::chrono::minutes(minutes) + std::chrono::seconds(seconds) +
         std::chrono::microseconds(micros);
}

TEST(KubeTimeTest, TimeIsWholeSecondsInUtc) {
  EXPECT_EQ(formatTime(at(5, 6, 7, 999999)), "2026-03-04T05:06:07Z");
}

TEST(KubeTimeTest, MicroTimeHasSixFractionalDigits) {
  EXPECT_EQ(formatMicroTime(at(5, 6, 7, 89)), "2026-03-04T05:06:07.000089Z");
  EXPECT_EQ(formatMicroTime(at(23, 59, 59, 999999)), "2026-03-04T23:59:59.999999Z");
}

TEST(KubeTimeTest, EpochFormats) {
  EXPECT_EQ(formatTime(common::SystemTime{}), "1970-01-01T00:00:00Z");
}

TEST(KubeTimeTest, MilliTimeHasThreeFractionalDigits) {
  EXPECT_EQ(formatMilliTime(at(5, 6, 7, 123999)), "2026-03-04T05:06:07.123Z");
}

TEST(KubeTimeTest, ParsesWhatItFormats) {
  const common::SystemTime time = at(5, 6, 7, 123000);
  EXPECT_EQ(parseTime(formatMilliTime(time)), time);
  EXPECT_EQ(parseTime(formatMicroTime(at(1, 2, 3, 456789))), at(1, 2, 3, 456789));
  EXPECT_EQ(parseTime(formatTime(time)), at(5, 6, 7, 0));
}

TEST(KubeTimeTest, ParsesNumericOffsets) {
  EXPECT_EQ(parseTime("2026-03-04T07:06:07+02:00"), at(5, 6, 7, 0));
  EXPECT_EQ(parseTime("2026-03-04T04:36:07.5-00:30"), at(5, 6, 7, 500000));
}

TEST(KubeTimeTest, RejectsWhatIsNotRfc3339) {
  for (const char* text :
       {"", "2026-03-04", "2026-03-04T05:06:07", "2026-13-04T05:06:07Z", "2026-02-30T05:06:07Z",
        "2026-03-04T25:06:07Z", "2026-03-04T05:06:07.Z", "2026-03-04T05:06:07Zjunk", "yesterday"}) {
    EXPECT_FALSE(parseTime(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace aftershock::op
