// FaultConfig: the faults the backend injects into GET /data, the JSON codec and validation
// for the /config endpoints, and the store that swaps whole configs atomically.
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aftershock::backend {

// What GET /data does to each request. The default value injects nothing.
struct FaultConfig {
  double failure_rate = 0.0;  // share of requests answered with `status_code`, [0, 1]
  int status_code = 500;      // a registered 4xx or 5xx code
  std::int64_t delay_ms = 0;  // extra latency for delayed requests, [0, max_delay_ms]
  double delay_rate = 0.0;    // share of requests delayed, [0, 1]

  bool operator==(const FaultConfig&) const = default;
};

// {"failure_rate":..,"status_code":..,"delay_ms":..,"delay_rate":..} — the wire shape of
// GET /config and of every config answer.
nlohmann::json toJson(const FaultConfig& config);
// The same object as text with its keys in the documented order (nlohmann::json sorts
// them), so what a person reads matches the README.
std::string toWireJson(const FaultConfig& config);

// Bounds that come from flags rather than from the HTTP spec.
struct FaultLimits {
  std::int64_t max_delay_ms = 60'000;
};

// True for the status codes IANA registers in 4xx and 5xx; a made-up code like 499 or 599
// would confuse every client and proxy in the experiment, so it is refused.
bool isRegisteredErrorStatus(std::int64_t code);

// A partial update: absent members keep their current values.
struct FaultConfigPatch {
  std::optional<double> failure_rate;
  std::optional<int> status_code;
  std::optional<std::int64_t> delay_ms;
  std::optional<double> delay_rate;

  FaultConfig applyTo(FaultConfig config) const;
};

// Body parsers for the config routes. Each error names the field at fault ("body" for
// malformed JSON, a missing field or an empty update) and nothing is applied.
//   POST /config/failure: {failure_rate?, status_code?}, at least one.
common::Result<FaultConfigPatch> parseFailurePatch(std::string_view body,
                                                   const FaultLimits& limits);
//   POST /config/latency: {delay_ms?, delay_rate?}, at least one.
common::Result<FaultConfigPatch> parseLatencyPatch(std::string_view body,
                                                   const FaultLimits& limits);
//   PUT /config: all four fields required.
common::Result<FaultConfig> parseFullConfig(std::string_view body, const FaultLimits& limits);

// Checks a whole config against the same rules the parsers apply (for startup flags).
common::Status validateFaultConfig(const FaultConfig& config, const FaultLimits& limits);

struct ConfigChange {
  FaultConfig before;
  FaultConfig after;
};

// The config in force. Every change replaces the whole value under one lock, so a reader
// sees either the old config or the new one, never a mix, and a patch is applied to the
// value current at that instant (two concurrent patches of different fields both land).
// Thread-safe.
class FaultConfigStore {
 public:
  explicit FaultConfigStore(FaultConfig initial = {}) : config_(initial) {}

  FaultConfig current() const;
  ConfigChange replace(const FaultConfig& config);
  ConfigChange apply(const FaultConfigPatch& patch);

 private:
  mutable std::mutex mutex_;
  FaultConfig config_;
};

}  // namespace aftershock::backend
