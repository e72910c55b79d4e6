#include "operator/kube/api_error.h"

#include <string>

#include "common/json_fields.h"
#include "operator/kube/object_fields.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;

// The Status reason decides first (two 409s differ by reason); the HTTP code is the fallback.
ErrorCode codeFor(int status_code, std::string_view reason) {
  if (reason == "NotFound") return ErrorCode::kNotFound;
  if (reason == "AlreadyExists") return ErrorCode::kAlreadyExists;
  if (reason == "Conflict") return ErrorCode::kConflict;
  if (reason == "Forbidden") return ErrorCode::kForbidden;
  if (reason == "Unauthorized") return ErrorCode::kUnauthorized;
  if (reason == "Invalid" || reason == "BadRequest" || reason == "MethodNotAllowed" ||
      reason == "UnsupportedMediaType" || reason == "NotAcceptable" ||
      reason == "RequestEntityTooLarge") {
    return ErrorCode::kInvalid;
  }
  if (reason == "Gone" || reason == "Expired") return ErrorCode::kGone;
  if (reason == "TooManyRequests") return ErrorCode::kTooManyRequests;
  if (reason == "Timeout" || reason == "ServerTimeout") return ErrorCode::kTimeout;
  // The API server's own meanings of two statuses a plain HTTP peer does not send: an Accept
  // it cannot serve, and a resourceVersion too old to watch or list from.
  if (status_code == 406) return ErrorCode::kInvalid;
  if (status_code == 410) return ErrorCode::kGone;
  return errorCodeForHttpStatus(status_code);
}

}  // namespace

ErrorCode errorCodeForHttpStatus(int status_code) {
  switch (status_code) {
    case 400:
    case 405:
    case 413:
    case 415:
    case 422:
      return ErrorCode::kInvalid;
    case 401:
      return ErrorCode::kUnauthorized;
    case 403:
      return ErrorCode::kForbidden;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kConflict;
    case 429:
      return ErrorCode::kTooManyRequests;
    case 504:
      return ErrorCode::kTimeout;
    default:
      return status_code >= 500 ? ErrorCode::kTransient : ErrorCode::kInternal;
  }
}

common::Error decodeStatusObject(const nlohmann::json& status, std::string_view what) {
  // A Status from a misbehaving peer may carry anything; a wrong type is ignored, not thrown.
  auto code_field = status.find("code");
  const int status_code =
      code_field != status.end() && code_field->is_number_integer() ? code_field->get<int>() : 0;
  const std::string reason = stringMember(status, "reason");
  std::string message = stringMember(status, "message");
  std::string field;
  if (auto details = status.find("details"); details != status.end() && details->is_object()) {
    if (auto causes = details->find("causes"); causes != details->end() && causes->is_array()) {
      for (const auto& cause : *causes) {
        if (!cause.is_object()) continue;
        if (field.empty()) field = stringMember(cause, "field");
      }
    }
  }
  if (message.empty()) message = reason.empty() ? "HTTP " + std::to_string(status_code) : reason;
  common::Error error{codeFor(status_code, reason), std::string(what) + ": " + message, field};
  return error;
}

common::Error decodeApiError(int status_code, std::string_view body, std::string_view what) {
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object() && stringMember(parsed, "kind") == "Status") {
    parsed["code"] = status_code;  // the HTTP status is what actually happened
    return decodeStatusObject(parsed, what);
  }
  // Not a Status (a proxy in between, or a plain-text answer): keep a bounded excerpt.
  constexpr std::size_t kExcerpt = 200;
  std::string excerpt = common::toValidUtf8(body.substr(0, kExcerpt));
  while (!excerpt.empty() && (excerpt.back() == '\n' || excerpt.back() == ' ')) excerpt.pop_back();
  std::string message = std::string(what) + ": HTTP " + std::to_string(status_code);
  if (!excerpt.empty()) message += ": " + excerpt;
  return common::Error{codeFor(status_code, ""), message, {}};
}

}  // namespace aftershock::op
