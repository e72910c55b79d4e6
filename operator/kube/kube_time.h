#pragma once

#include <string>

#include "common/clock.h"

namespace aftershock::op {

// The two timestamp shapes of the Kubernetes API, both RFC 3339 in UTC.
// metav1.Time, whole seconds: "2026-01-01T00:00:00Z".
std::string formatTime(common::SystemTime time);
// metav1.MicroTime, six fractional digits: "2026-01-01T00:00:00.000000Z".
std::string formatMicroTime(common::SystemTime time);

}  // namespace aftershock::op
