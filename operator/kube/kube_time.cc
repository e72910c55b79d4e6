#include "operator/kube/kube_time.h"

#include <chrono>
#include <cstdio>

namespace aftershock::op {
namespace {

// "YYYY-MM-DDTHH:MM:SS", then ".ffffff" when micros is set, then "Z".
std::string formatUtc(common::SystemTime time, bool micros) {
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
  if (micros) {
    length += std::snprintf(text + length, sizeof(text) - length, ".%06lld",
                            static_cast<long long>(time_of_day.subseconds().count()));
  }
  std::snprintf(text + length, sizeof(text) - length, "Z");
  return text;
}

}  // namespace

std::string formatTime(common::SystemTime time) { return formatUtc(time, false); }

std::string formatMicroTime(common::SystemTime time) { return formatUtc(time, true); }

}  // namespace aftershock::op
