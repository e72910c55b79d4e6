#include "common/json_fields.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace aftershock::common {
namespace {

const nlohmann::json* member(const nlohmann::json& object, std::string_view field) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

template <typename T>
Error rangeError(std::string_view field, T min, T max) {
  std::ostringstream message;
  message << "field '" << field << "' must be between " << min << " and " << max;
  return fieldError(std::string(field), message.str());
}

}  // namespace

Result<nlohmann::json> parseJsonObject(std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return nlohmann::json::object();
  }
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return fieldError("body", "request body is not valid JSON");
  }
  if (!parsed.is_object()) return fieldError("body", "request body must be a JSON object");
  return parsed;
}

Result<std::optional<double>> optionalNumber(const nlohmann::json& object, std::string_view field,
                                             double min, double max) {
  const nlohmann::json* value = member(object, field);
  if (value == nullptr) return std::optional<double>{};
  if (!value->is_number()) {
    return fieldError(std::string(field), "field '" + std::string(field) + "' must be a number");
  }
  const double number = value->get<double>();
  if (!std::isfinite(number) || number < min || number > max) {
    return rangeError(field, min, max);
  }
  return std::optional<double>{number};
}

Result<std::optional<std::int64_t>> optionalInteger(const nlohmann::json& object,
                                                    std::string_view field, std::int64_t min,
                                                    std::int64_t max) {
  const nlohmann::json* value = member(object, field);
  if (value == nullptr) return std::optional<std::int64_t>{};
  const bool integral =
      value->is_number_integer() ||
      (value->is_number_float() && std::trunc(value->get<double>()) == value->get<double>() &&
       std::fabs(value->get<double>()) < 9e15);
  if (!integral) {
    return fieldError(std::string(field), "field '" + std::string(field) + "' must be an integer");
  }
  if (value->is_number_unsigned() &&
      value->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    return rangeError(field, min, max);
  }
  const auto number = value->is_number_float() ? static_cast<std::int64_t>(value->get<double>())
                                               : value->get<std::int64_t>();
  if (number < min || number > max) return rangeError(field, min, max);
  return std::optional<std::int64_t>{number};
}

Result<std::optional<bool>> optionalBool(const nlohmann::json& object, std::string_view field) {
  const nlohmann::json* value = member(object, field);
  if (value == nullptr) return std::optional<bool>{};
  if (!value->is_boolean()) {
    return fieldError(std::string(field),
                      "field '" + std::string(field) + "' must be true or false");
  }
  return std::optional<bool>{value->get<bool>()};
}

Result<std::optional<std::string>> optionalString(const nlohmann::json& object,
                                                  std::string_view field) {
  const nlohmann::json* value = member(object, field);
  if (value == nullptr) return std::optional<std::string>{};
  if (!value->is_string()) {
    return fieldError(std::string(field), "field '" + std::string(field) + "' must be a string");
  }
  return std::optional<std::string>{value->get<std::string>()};
}

Status rejectUnknownFields(const nlohmann::json& object,
                           std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string names;
    for (std::string_view name : known) names += (names.empty() ? "" : ", ") + std::string(name);
    return fieldError(key, "unknown field '" + key + "' (known: " + names + ")");
  }
  return {};
}

namespace {

// Length of the well-formed UTF-8 sequence at the start of `text`, or 0 (RFC 3629 table 3-7:
// no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8SequenceLength(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](std::size_t i) {
    return i < text.size() && (byte(i) & 0xC0) == 0x80;
  };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
    if (lead == 0xED && byte(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;  // overlong
    if (lead == 0xF4 && byte(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::string toValidUtf8(std::string_view text) {
  std::string valid;
  valid.reserve(text.size());
  while (!text.empty()) {
    const std::size_t length = utf8SequenceLength(text);
    if (length == 0) {
      valid += "\xEF\xBF\xBD";
      text.remove_prefix(1);
    } else {
      valid.append(text.substr(0, length));
      text.remove_prefix(length);
    }
  }
  return valid;
}

}  // namespace aftershock::common
