// Result<T>: an expected failure carried as a value (Abseil StatusOr in spirit).
//
// Library exceptions are caught at the boundary and turned into an Error; callers branch
// on Error::code, show Error::message to a person.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace aftershock::common {

enum class ErrorCode {
  kInvalid,          // the input is wrong; retrying the same input will not help
  kNotFound,         // the thing asked for does not exist
  kConflict,         // a concurrent change won; re-read and try again
  kAlreadyExists,    // a create found the name taken
  kUnauthorized,     // the caller's credentials were not accepted
  kForbidden,        // not allowed for this caller
  kGone,             // a resource version or stream that no longer exists
  kTooManyRequests,  // the peer asked us to slow down
  kTimeout,          // no answer within the deadline
  kUnavailable,      // the peer could not be reached (refused, reset, DNS)
  kTransient,        // any other failure that may pass by itself (5xx)
  kInternal,         // a bug or an unexpected state on our side
};

std::string_view errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;  // the input field at fault, when there is one (JSON path or flag name)

  // True for failures that may succeed on a later attempt without any change.
  bool retryable() const {
    return code == ErrorCode::kTimeout || code == ErrorCode::kUnavailable ||
           code == ErrorCode::kTransient || code == ErrorCode::kTooManyRequests ||
           code == ErrorCode::kConflict;
  }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }

 private:
  std::variant<T, Error> state_;
};

// Result<void> analogue: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

inline Error makeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message), {}};
}

// An kInvalid error about one input field.
inline Error fieldError(std::string field, std::string message) {
  return Error{ErrorCode::kInvalid, std::move(message), std::move(field)};
}

}  // namespace aftershock::common
