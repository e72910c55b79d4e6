#include "operator/kube/token_source.h"

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

namespace aftershock::op {
namespace {

std::string trimWhitespace(const std::string& text) {
  constexpr const char* kWhitespace = " \t\r\n\f\v";
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

}  // namespace

common::Result<std::string> readTokenFile(const std::string& path) {
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const std::string reason =
        errno != 0 ? std::error_code(errno, std::generic_category()).message() : "cannot open";
    return common::makeError(common::ErrorCode::kUnavailable,
                             "cannot read token file " + path + ": " + reason);
  }
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) {
    return common::makeError(common::ErrorCode::kUnavailable,
                             "cannot read token file " + path + ": read failed");
  }
  std::string token = trimWhitespace(content.str());
  if (token.empty()) {
    return common::makeError(common::ErrorCode::kUnavailable, "token file " + path + " is empty");
  }
  return token;
}

TokenSource::TokenSource(std::string static_token, std::string token_file,
                         const common::Clock& clock, common::Duration refresh_period)
    : token_file_(std::move(token_file)), clock_(clock), refresh_period_(refresh_period) {
  if (!static_token.empty() || token_file_.empty()) last_good_ = std::move(static_token);
}

common::Result<std::string> TokenSource::token() {
  std::lock_guard lock(mutex_);
  if (token_file_.empty()) return *last_good_;

  const common::SteadyTime now = clock_.now();
  if (read_at_.has_value() && now - *read_at_ < refresh_period_) return *last_good_;

  auto fresh = readTokenFile(token_file_);
  if (!fresh.ok()) {
    // Like client-go: a rotation hiccup must not fail requests that the old token still serves.
    if (last_good_.has_value()) return *last_good_;
    return fresh.error();
  }
  last_good_ = std::move(fresh).value();
  read_at_ = now;
  return *last_good_;
}

}  // namespace aftershock::op
