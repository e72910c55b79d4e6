// FaultConfig codec, validation and store.
#include "services/backend/fault_config.h"

#include <string>

#include "common/json_fields.h"

namespace aftershock::backend {
namespace {

using common::Error;
using common::fieldError;
using common::Result;
using common::Status;

constexpr std::string_view kFailureRate = "failure_rate";
constexpr std::string_view kStatusCode = "status_code";
constexpr std::string_view kDelayMs = "delay_ms";
constexpr std::string_view kDelayRate = "delay_rate";

Result<std::optional<double>> readRate(const nlohmann::json& object, std::string_view field) {
  return common::optionalNumber(object, field, 0.0, 1.0);
}

Result<std::optional<int>> readStatusCode(const nlohmann::json& object) {
  // The integer range check first gives "must be an integer" for 503.5 or "503".
  auto code = common::optionalInteger(object, kStatusCode, 400, 599);
  if (!code.ok()) return code.error();
  if (!code->has_value()) return std::optional<int>{};
  if (!isRegisteredErrorStatus(**code)) {
    return fieldError(std::string(kStatusCode),
                      "field 'status_code' must be a registered 4xx or 5xx HTTP status, got " +
                          std::to_string(**code));
  }
  return std::optional<int>{static_cast<int>(**code)};
}

Result<std::optional<std::int64_t>> readDelayMs(const nlohmann::json& object,
                                                const FaultLimits& limits) {
  return common::optionalInteger(object, kDelayMs, 0, limits.max_delay_ms);
}

// Reads every field the object may carry; `known` limits which ones are accepted.
Result<FaultConfigPatch> readPatch(std::string_view body, const FaultLimits& limits,
                                   std::initializer_list<std::string_view> known) {
  auto object = common::parseJsonObject(body);
  if (!object.ok()) return object.error();
  if (Status unknown = common::rejectUnknownFields(*object, known); !unknown.ok()) {
    return unknown.error();
  }
  FaultConfigPatch patch;
  auto failure_rate = readRate(*object, kFailureRate);
  if (!failure_rate.ok()) return failure_rate.error();
  patch.failure_rate = *failure_rate;
  auto status_code = readStatusCode(*object);
  if (!status_code.ok()) return status_code.error();
  patch.status_code = *status_code;
  auto delay_ms = readDelayMs(*object, limits);
  if (!delay_ms.ok()) return delay_ms.error();
  patch.delay_ms = *delay_ms;
  auto delay_rate = readRate(*object, kDelayRate);
  if (!delay_rate.ok()) return delay_rate.error();
  patch.delay_rate = *delay_rate;
  return patch;
}

bool isEmpty(const FaultConfigPatch& patch) {
  return !patch.failure_rate && !patch.status_code && !patch.delay_ms && !patch.delay_rate;
}

Error emptyUpdate(std::string_view first, std::string_view second) {
  return fieldError("body", "request body must set at least one of " + std::string(first) + ", " +
                                std::string(second));
}

Error missing(std::string_view field) {
  return fieldError(std::string(field), "field '" + std::string(field) + "' is required");
}

}  // namespace

nlohmann::json toJson(const FaultConfig& config) {
  return {{kFailureRate, config.failure_rate},
          {kStatusCode, config.status_code},
          {kDelayMs, config.delay_ms},
          {kDelayRate, config.delay_rate}};
}

std::string toWireJson(const FaultConfig& config) {
  const nlohmann::ordered_json ordered = {{kFailureRate, config.failure_rate},
                                          {kStatusCode, config.status_code},
                                          {kDelayMs, config.delay_ms},
                                          {kDelayRate, config.delay_rate}};
  return ordered.dump();
}

bool isRegisteredErrorStatus(std::int64_t code) {
  return (code >= 400 && code <= 418) || (code >= 421 && code <= 426) || code == 428 ||
         code == 429 || code == 431 || code == 451 || (code >= 500 && code <= 508) || code == 510 ||
         code == 511;
}

FaultConfig FaultConfigPatch::applyTo(FaultConfig config) const {
  if (failure_rate) config.failure_rate = *failure_rate;
  if (status_code) config.status_code = *status_code;
  if (delay_ms) config.delay_ms = *delay_ms;
  if (delay_rate) config.delay_rate = *delay_rate;
  return config;
}

Result<FaultConfigPatch> parseFailurePatch(std::string_view body, const FaultLimits& limits) {
  auto patch = readPatch(body, limits, {kFailureRate, kStatusCode});
  if (patch.ok() && isEmpty(*patch)) return emptyUpdate(kFailureRate, kStatusCode);
  return patch;
}

Result<FaultConfigPatch> parseLatencyPatch(std::string_view body, const FaultLimits& limits) {
  auto patch = readPatch(body, limits, {kDelayMs, kDelayRate});
  if (patch.ok() && isEmpty(*patch)) return emptyUpdate(kDelayMs, kDelayRate);
  return patch;
}

Result<FaultConfig> parseFullConfig(std::string_view body, const FaultLimits& limits) {
  auto patch = readPatch(body, limits, {kFailureRate, kStatusCode, kDelayMs, kDelayRate});
  if (!patch.ok()) return patch.error();
  if (!patch->failure_rate) return missing(kFailureRate);
  if (!patch->status_code) return missing(kStatusCode);
  if (!patch->delay_ms) return missing(kDelayMs);
  if (!patch->delay_rate) return missing(kDelayRate);
  return patch->applyTo({});
}

Status validateFaultConfig(const FaultConfig& config, const FaultLimits& limits) {
  // One codec, one set of rules: round-trip through the PUT parser.
  auto parsed = parseFullConfig(toJson(config).dump(), limits);
  if (!parsed.ok()) return parsed.error();
  return {};
}

FaultConfig FaultConfigStore::current() const {
  std::lock_guard lock(mutex_);
  return config_;
}

ConfigChange FaultConfigStore::replace(const FaultConfig& config) {
  std::lock_guard lock(mutex_);
  ConfigChange change{config_, config};
  config_ = config;
  return change;
}

ConfigChange FaultConfigStore::apply(const FaultConfigPatch& patch) {
  std::lock_guard lock(mutex_);
  ConfigChange change{config_, patch.applyTo(config_)};
  config_ = change.after;
  return change;
}

}  // namespace aftershock::backend
