// Tests for the GET /data payload and its timestamp format.
#include "services/backend/data_payload.h"

#include <gtest/gtest.h>

namespace aftershock::backend {
namespace {

using namespace std::chrono;

TEST(DataPayloadTest, FormatsTimestampsAsRfc3339UtcWithMilliseconds) {
  const common::SystemTime time =
      sys_days{year{2026} / 11 / 24} + hours(10) + minutes(5) + seconds(9) + milliseconds(7);
  EXPECT_EQ(formatRfc3339(time), "2026-11-24T10:05:09.007Z");
  EXPECT_EQ(formatRfc3339(sys_days{year{1970} / 1 / 1}), "1970-01-01T00:00:00.000Z");
}

TEST(DataPayloadTest, CarriesIdInstanceTimeAndItems) {
  const nlohmann::json payload =
      makeDataPayload(42, "backend-0", sys_days{year{2026} / 1 / 1} + milliseconds(999));
  EXPECT_EQ(payload["id"], 42);
  EXPECT_EQ(payload["instance"], "backend-0");
  EXPECT_EQ(payload["served_at"], "2026-01-01T00:00:00.999Z");
  ASSERT_TRUE(payload["items"].is_array());
  ASSERT_FALSE(payload["items"].empty());
  EXPECT_TRUE(payload["items"][0].contains("name"));
}

}  // namespace
}  // namespace aftershock::backend
