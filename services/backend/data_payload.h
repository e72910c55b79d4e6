// The GET /data payload: a small, stable document a client can cache and compare.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace aftershock::backend {

// {"id": request_id, "items": [...], "instance": instance, "served_at": RFC 3339 UTC}
nlohmann::json makeDataPayload(std::uint64_t request_id, std::string_view instance,
                               common::SystemTime served_at);

// "2026-01-01T00:00:00.123Z": UTC with milliseconds.
std::string formatRfc3339(common::SystemTime time);

}  // namespace aftershock::backend
