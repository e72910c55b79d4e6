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

}  // namespace
}  // namespace aftershock::op
