// Typed reads of JSON request bodies whose errors name the field at fault, so a 400 can
// say exactly what to fix.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aftershock::common {

// Parses `body` and requires a JSON object. An empty body is an empty object.
Result<nlohmann::json> parseJsonObject(std::string_view body);

// Each returns nullopt when the field is absent (or null), an error naming the field when
// it has the wrong type or lies outside [min, max].
Result<std::optional<double>> optionalNumber(const nlohmann::json& object, std::string_view field,
                                             double min, double max);
Result<std::optional<std::int64_t>> optionalInteger(const nlohmann::json& object,
                                                    std::string_view field, std::int64_t min,
                                                    std::int64_t max);
Result<std::optional<bool>> optionalBool(const nlohmann::json& object, std::string_view field);
Result<std::optional<std::string>> optionalString(const nlohmann::json& object,
                                                  std::string_view field);

// `text` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD,
// so text from a peer (an error page cut at any byte) can go into JSON without throwing.
std::string toValidUtf8(std::string_view text);

// An error when `object` has a member not in `known` (catches typos like "failure_rat").
Status rejectUnknownFields(const nlohmann::json& object,
                           std::initializer_list<std::string_view> known);

}  // namespace aftershock::common
