// Readings of this process's resource use from /proc, for metrics and readiness.
#pragma once

#include <cstdint>

#include "common/metrics.h"

namespace aftershock::common {

// Resident set size in bytes (0 if /proc is unreadable).
std::uint64_t residentMemoryBytes();
// User + system CPU time consumed so far, in seconds.
double cpuSeconds();

// Registers the conventional process_* gauges (resident memory, CPU, start time, threads).
void registerProcessMetrics(MetricsRegistry& registry);

}  // namespace aftershock::common
