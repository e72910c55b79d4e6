#include "operator/api/v1alpha1/duration.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "common/json_fields.h"

namespace aftershock::op::v1alpha1 {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t nanoseconds;
};

// "ms" before "m" does not matter here: a unit is the whole run of non-digits.
constexpr std::array<Unit, 4> kUnits{{
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
}};
constexpr std::int64_t kMaxNanoseconds = std::numeric_limits<std::int64_t>::max();
constexpr std::string_view kUnitHint = "use ms, s, m or h, e.g. \"30s\" or \"1m30s\"";

bool isDigit(char c) { return c >= '0' && c <= '9'; }

const Unit* findUnit(std::string_view name) {
  for (const Unit& unit : kUnits) {
    if (unit.name == name) return &unit;
  }
  return nullptr;
}

// The offending text as it can appear in a message (and so in status JSON): bounded, valid UTF-8.
std::string quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  std::string shown = common::toValidUtf8(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) shown += "...";
  return "\"" + shown + "\"";
}

common::Error durationError(std::string_view text, std::string_view problem) {
  return common::makeError(common::ErrorCode::kInvalid,
                           "invalid duration " + quoted(text) + ": " + std::string(problem));
}

common::Error overflowError(std::string_view text) {
  return durationError(text, "too large (the limit is about 292 years)");
}

// The nanoseconds of `fraction` (the digits after the point) of one `unit`, rounded to nearest.
std::int64_t fractionNanoseconds(std::string_view fraction, std::int64_t unit) {
  long double value = 0.0L;
  long double scale = 1.0L;
  // Digits past the 20th cannot change a nanosecond count of at most an hour.
  for (const char digit : fraction.substr(0, 20)) {
    value = value * 10.0L + static_cast<long double>(digit - '0');
    scale *= 10.0L;
  }
  return std::llround(value / scale * static_cast<long double>(unit));
}

void appendDecimal(std::string& out, std::uint64_t value, std::uint64_t unit, int digits) {
  out += std::to_string(value / unit);
  std::uint64_t fraction = value % unit;
  if (fraction == 0) return;
  std::string text(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    text[static_cast<std::size_t>(i)] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  text.erase(text.find_last_not_of('0') + 1);
  out += "." + text;
}

}  // namespace

common::Result<common::Duration> parseDuration(std::string_view text) {
  if (text.empty()) return durationError(text, "empty; " + std::string(kUnitHint));
  if (text.front() == '-') return durationError(text, "must not be negative");

  std::int64_t total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t whole_start = pos;
    std::uint64_t whole = 0;
    bool whole_overflow = false;
    while (pos < text.size() && isDigit(text[pos])) {
      const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
      if (whole > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) whole_overflow = true;
      whole = whole * 10 + digit;
      ++pos;
    }
    if (pos == whole_start) {
      return durationError(
          text, "expected a number at " + quoted(text.substr(pos)) + "; " + std::string(kUnitHint));
    }

    std::string_view fraction;
    if (pos < text.size() && text[pos] == '.') {
      const std::size_t fraction_start = ++pos;
      while (pos < text.size() && isDigit(text[pos])) ++pos;
      fraction = text.substr(fraction_start, pos - fraction_start);
      if (fraction.empty()) return durationError(text, "a '.' must be followed by digits");
    }

    const std::size_t unit_start = pos;
    while (pos < text.size() && !isDigit(text[pos]) && text[pos] != '.') ++pos;
    const std::string_view unit_name = text.substr(unit_start, pos - unit_start);
    if (unit_name.empty()) {
      return durationError(text, "a number needs a unit; " + std::string(kUnitHint));
    }
    const Unit* unit = findUnit(unit_name);
    if (unit == nullptr) {
      return durationError(text,
                           "unknown unit " + quoted(unit_name) + "; " + std::string(kUnitHint));
    }

    if (whole_overflow || whole > static_cast<std::uint64_t>(kMaxNanoseconds / unit->nanoseconds)) {
      return overflowError(text);
    }
    std::int64_t part = static_cast<std::int64_t>(whole) * unit->nanoseconds;
    const std::int64_t fraction_part = fractionNanoseconds(fraction, unit->nanoseconds);
    if (part > kMaxNanoseconds - fraction_part) return overflowError(text);
    part += fraction_part;
    if (total > kMaxNanoseconds - part) return overflowError(text);
    total += part;
  }
  return common::Duration(total);
}

std::string formatDuration(common::Duration duration) {
  const std::int64_t count = duration.count();
  if (count == 0) return "0s";

  std::string out;
  // Unsigned negation, so the most negative count does not overflow.
  std::uint64_t rest = static_cast<std::uint64_t>(count);
  if (count < 0) {
    out = "-";
    rest = 0 - rest;
  }
  constexpr std::uint64_t kHour = 3'600'000'000'000;
  constexpr std::uint64_t kMinute = 60'000'000'000;
  constexpr std::uint64_t kSecond = 1'000'000'000;
  constexpr std::uint64_t kMillisecond = 1'000'000;

  const std::uint64_t hours = rest / kHour;
  rest %= kHour;
  const std::uint64_t minutes = rest / kMinute;
  rest %= kMinute;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (minutes > 0) out += std::to_string(minutes) + "m";
  if (rest == 0) return out;
  if (hours > 0 || minutes > 0 || rest >= kSecond) {
    appendDecimal(out, rest, kSecond, 9);
    out += "s";
  } else {
    appendDecimal(out, rest, kMillisecond, 6);
    out += "ms";
  }
  return out;
}

}  // namespace aftershock::op::v1alpha1
