#include "services/client/retry_policy.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>

namespace aftershock::client {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// A day longer than any sensible Retry-After; bounds delta-seconds before they overflow.
constexpr std::int64_t kMaxRetryAfterSeconds = 365LL * 24 * 3600;

std::optional<int> parseNumber(std::string_view text) {
  int value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

std::optional<unsigned> parseMonth(std::string_view text) {
  const auto it = std::find(kMonths.begin(), kMonths.end(), text);
  if (it == kMonths.end()) return std::nullopt;
  return static_cast<unsigned>(it - kMonths.begin()) + 1;
}

std::vector<std::string_view> splitOn(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (!text.empty()) {
    const auto at = text.find(separator);
    const std::string_view part = text.substr(0, at);
    if (!part.empty()) parts.push_back(part);
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

// "08:49:37" -> seconds since midnight.
std::optional<std::chrono::seconds> parseTimeOfDay(std::string_view text) {
  const auto parts = splitOn(text, ':');
  if (parts.size() != 3 || parts[0].size() != 2 || parts[1].size() != 2 || parts[2].size() != 2) {
    return std::nullopt;
  }
  const auto hours = parseNumber(parts[0]);
  const auto minutes = parseNumber(parts[1]);
  const auto seconds = parseNumber(parts[2]);
  // 60 seconds allows a leap second.
  if (!hours || !minutes || !seconds || *hours > 23 || *minutes > 59 || *seconds > 60) {
    return std::nullopt;
  }
  return std::chrono::hours(*hours) + std::chrono::minutes(*minutes) +
         std::chrono::seconds(*seconds);
}

std::optional<common::SystemTime> makeTime(std::optional<int> year, std::optional<unsigned> month,
                                           std::optional<int> day,
                                           std::optional<std::chrono::seconds> time_of_day) {
  if (!year || !month || !day || !time_of_day) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{*year}, std::chrono::month{*month},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days{date} + *time_of_day;
}

std::optional<common::SystemTime> parseHttpDate(std::string_view text) {
  const auto tokens = splitOn(text, ' ');
  const bool named_day = !tokens.empty() && tokens[0].back() == ',';
  if (tokens.size() == 6 && named_day && tokens[5] == "GMT") {
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    if (tokens[1].size() != 2 || tokens[3].size() != 4) return std::nullopt;
    return makeTime(parseNumber(tokens[3]), parseMonth(tokens[2]), parseNumber(tokens[1]),
                    parseTimeOfDay(tokens[4]));
  }
  if (tokens.size() == 4 && named_day && tokens[3] == "GMT") {
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT. A two-digit year is read as the nearest
    // plausible one (RFC 9110 asks for "within 50 years"; 70..99 -> 19xx is that today).
    const auto date = splitOn(tokens[1], '-');
    if (date.size() != 3 || date[2].size() != 2) return std::nullopt;
    std::optional<int> year = parseNumber(date[2]);
    if (year) *year += *year >= 70 ? 1900 : 2000;
    return makeTime(year, parseMonth(date[1]), parseNumber(date[0]), parseTimeOfDay(tokens[2]));
  }
  if (tokens.size() == 5 && !named_day) {
    // asctime: Sun Nov  6 08:49:37 1994
    if (tokens[4].size() != 4) return std::nullopt;
    return makeTime(parseNumber(tokens[4]), parseMonth(tokens[1]), parseNumber(tokens[2]),
                    parseTimeOfDay(tokens[3]));
  }
  return std::nullopt;
}

}  // namespace

common::Duration RetryPolicy::backoffCeiling(std::int64_t attempt) const {
  // Computed in double milliseconds and capped before converting, so a large attempt
  // number saturates at max_backoff instead of overflowing.
  const double exponent = static_cast<double>(std::max<std::int64_t>(attempt, 1) - 1);
  const double uncapped =
      static_cast<double>(config_.initial_backoff.count()) * std::pow(config_.multiplier, exponent);
  const double capped = std::min(uncapped, static_cast<double>(config_.max_backoff.count()));
  return std::chrono::duration_cast<common::Duration>(
      std::chrono::duration<double, std::milli>(capped));
}

common::Duration RetryPolicy::nextDelay(std::int64_t attempt) const {
  const double ceiling_ns = static_cast<double>(backoffCeiling(attempt).count());
  return common::Duration(static_cast<common::Duration::rep>(random_.uniform() * ceiling_ns));
}

bool RetryPolicy::isRetryableStatus(int status) const {
  const auto& codes = config_.retryable_status_codes;
  return std::find(codes.begin(), codes.end(), status) != codes.end();
}

bool RetryPolicy::isRetryableError(const common::Error& error) const {
  // kInvalid (a malformed URL) and the rest would fail the same way again.
  return config_.retry_transport_errors && (error.code == common::ErrorCode::kTimeout ||
                                            error.code == common::ErrorCode::kUnavailable);
}

bool RetryPolicy::isRetryable(const common::Result<common::HttpResponse>& result) const {
  if (!result.ok()) return isRetryableError(result.error());
  return isRetryableStatus(result->status);
}

RetryPlan RetryPolicy::plan(std::int64_t attempt,
                            const common::Result<common::HttpResponse>& result,
                            common::SystemTime wall_now) const {
  if (!config_.enabled) return {false, {}, stop_reason::kRetryDisabled};
  if (!isRetryable(result)) return {false, {}, stop_reason::kNotRetryable};
  if (attempt >= config_.max_attempts) return {false, {}, stop_reason::kRetriesExhausted};
  if (result.ok()) {
    if (const std::string_view header = result->header("Retry-After"); !header.empty()) {
      if (const auto wait = parseRetryAfter(header, wall_now)) {
        if (*wait > config_.max_retry_after) return {false, {}, stop_reason::kRetryAfterTooLong};
        return {true, *wait, {}};
      }
      // A malformed Retry-After is ignored, as if absent.
    }
  }
  return {true, nextDelay(attempt), {}};
}

std::optional<common::Duration> parseRetryAfter(std::string_view value, common::SystemTime now) {
  const auto first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  value = value.substr(first, value.find_last_not_of(" \t") - first + 1);

  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec == std::errc::result_out_of_range)
      seconds = kMaxRetryAfterSeconds;
    else if (ec != std::errc() || end != value.data() + value.size())
      return std::nullopt;
    return std::chrono::seconds(std::min(seconds, kMaxRetryAfterSeconds));
  }
  const auto date = parseHttpDate(value);
  if (!date) return std::nullopt;
  if (*date <= now) return common::Duration::zero();
  return std::chrono::duration_cast<common::Duration>(*date - now);
}

}  // namespace aftershock::client
