#include "operator/kube/kube_time.h"

#include <chrono>
#include <cstdio>

namespace aftershock::op {
namespace {

// "YYYY-MM-DDTHH:MM:SS", then `fraction_digits` (0, 3 or 6) digits of the second, then "Z".
std::string formatUtc(common::SystemTime time, int fraction_digits) {
  const auto exact = std::chrono::floor<std::chrono::microseconds>(time);
  const auto days = std::chrono::floor<std::chrono::days>(exact);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss time_of_day{exact - days};
  char text[48];
  int length = std::snprintf(text, sizeof(text), "%04d-%02u-%02uT%02d:%02d:%02d",
                             static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                             static_cast<unsigned>(date.day()),
                             static_cast<int>(time_of_day.hours().count()),
                             static_cast<int>(time_of_day.minutes().count()),
                             static_cast<int>(time_of_day.seconds().count()));
  const long long micros = time_of_day.subseconds().count();
  if (fraction_digits == 6) {
    length += std::snprintf(text + length, sizeof(text) - length, ".%06lld", micros);
  } else if (fraction_digits == 3) {
    length += std::snprintf(text + length, sizeof(text) - length, ".%03lld", micros / 1000);
  }
  std::snprintf(text + length, sizeof(text) - length, "Z");
  return text;
}

// Reads exactly `width` decimal digits at `position`; advances it.
std::optional<int> readDigits(std::string_view text, std::size_t& position, std::size_t width) {
  if (position + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char digit = text[position + i];
    if (digit < '0' || digit > '9') return std::nullopt;
    value = value * 10 + (digit - '0');
  }
  position += width;
  return value;
}

bool expect(std::string_view text, std::size_t& position, char wanted) {
  if (position >= text.size() ||
      (text[position] != wanted && !(wanted == 'T' && text[position] == 't'))) {
    return false;
  }
  ++position;
  return true;
}

}  // namespace

std::string formatTime(common::SystemTime time) { return formatUtc(time, 0); }
std::string formatMicroTime(common::SystemTime time) { return formatUtc(time, 6); }
std::string formatMilliTime(common::SystemTime time) { return formatUtc(time, 3); }

std::optional<common::SystemTime> parseTime(std::string_view text) {
  std::size_t at = 0;
  const auto year = readDigits(text, at, 4);
  if (!year || !expect(text, at, '-')) return std::nullopt;
  const auto month = readDigits(text, at, 2);
  if (!month || !expect(text, at, '-')) return std::nullopt;
  const auto day = readDigits(text, at, 2);
  if (!day || !expect(text, at, 'T')) return std::nullopt;
  const auto hours = readDigits(text, at, 2);
  if (!hours || !expect(text, at, ':')) return std::nullopt;
  const auto minutes = readDigits(text, at, 2);
  if (!minutes || !expect(text, at, ':')) return std::nullopt;
  const auto seconds = readDigits(text, at, 2);
  if (!seconds || *hours > 23 || *minutes > 59 || *seconds > 60) return std::nullopt;

  std::chrono::nanoseconds fraction{0};
  if (at < text.size() && text[at] == '.') {
    ++at;
    long long scale = 100'000'000;
    const std::size_t first = at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      fraction += std::chrono::nanoseconds((text[at] - '0') * scale);
      scale /= 10;
      ++at;
    }
    if (at == first) return std::nullopt;
  }
  std::chrono::minutes offset{0};
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const int sign = text[at] == '-' ? -1 : 1;
    ++at;
    const auto offset_hours = readDigits(text, at, 2);
    if (!offset_hours || !expect(text, at, ':')) return std::nullopt;
    const auto offset_minutes = readDigits(text, at, 2);
    if (!offset_minutes) return std::nullopt;
    offset = std::chrono::minutes(sign * (*offset_hours * 60 + *offset_minutes));
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;

  const std::chrono::year_month_day date{std::chrono::year{*year},
                                         std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  const auto time = std::chrono::sys_days{date} + std::chrono::hours(*hours) +
                    std::chrono::minutes(*minutes) + std::chrono::seconds(*seconds) + fraction -
                    offset;
  return std::chrono::time_point_cast<common::SystemTime::duration>(time);
}

}  // namespace aftershock::op
