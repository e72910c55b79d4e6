#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace aftershock::op {

// The two timestamp shapes of the Kubernetes API, both RFC 3339 in UTC.
// metav1.Time, whole seconds: "2026-01-01T00:00:00Z".
std::string formatTime(common::SystemTime time);
// metav1.MicroTime, six fractional digits: "2026-01-01T00:00:00.000000Z".
std::string formatMicroTime(common::SystemTime time);
// Milliseconds, the resolution of the operator's measurements: "2026-01-01T00:00:00.000Z".
std::string formatMilliTime(common::SystemTime time);
// Any of the above, or another RFC 3339 time in UTC ("Z") or with a numeric offset; nullopt when
// `text` is not one.
std::optional<common::SystemTime> parseTime(std::string_view text);

}  // namespace aftershock::op
