// Durations as the API writes them: Go time.Duration strings restricted to the units ms, s, m
// and h ("500ms", "30s", "1m30s", "1.5s"), the CRD's pattern ^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace aftershock::op::v1alpha1 {

// Parses `text` into nanoseconds. Errors (kInvalid, no field set: the caller knows the path)
// say what was wrong: empty, negative, a number without a unit, an unknown unit, or a value
// too large for a 64-bit count of nanoseconds (about 292 years).
common::Result<common::Duration> parseDuration(std::string_view text);

// The shortest text parseDuration reads back as `duration`: "0s", "500ms", "1.5s", "1m30s",
// "2h". Sub-millisecond parts are written as fractional milliseconds ("0.25ms"); a negative
// duration gets a leading "-" (which parseDuration rejects, as the API does).
std::string formatDuration(common::Duration duration);

}  // namespace aftershock::op::v1alpha1
