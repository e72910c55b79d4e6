// TokenSource: the bearer token to send with the next request. Either a static token, or a token
// file that is re-read once the last read is older than a refresh period, as client-go does for
// projected service account tokens (which the kubelet rotates in place).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"

namespace aftershock::op {

// Reads a token file: its content without surrounding whitespace. An unreadable or empty file
// is a kUnavailable error (a projected token may not have been written yet).
common::Result<std::string> readTokenFile(const std::string& path);

class TokenSource {
 public:
  static constexpr std::chrono::seconds kDefaultRefreshPeriod{60};

  // `static_token` alone: always that token ("" when both are empty: no authentication).
  // With `token_file`: the file's content, re-read when the last successful read is at least
  // `refresh_period` old by `clock`; `static_token`, when set, is the token to fall back on
  // until the first read succeeds. `clock` must outlive the source.
  TokenSource(std::string static_token, std::string token_file, const common::Clock& clock,
              common::Duration refresh_period = kDefaultRefreshPeriod);

  TokenSource(const TokenSource&) = delete;
  TokenSource& operator=(const TokenSource&) = delete;

  // The current token. When a re-read fails the last good token is returned (and the read is
  // tried again on the next call); only a failure with no token to fall back on is an error.
  // Thread-safe.
  common::Result<std::string> token();

 private:
  const std::string token_file_;
  const common::Clock& clock_;
  const common::Duration refresh_period_;

  std::mutex mutex_;
  std::optional<std::string> last_good_;       // guarded by mutex_
  std::optional<common::SteadyTime> read_at_;  // of last_good_ from the file; guarded by mutex_
};

}  // namespace aftershock::op
