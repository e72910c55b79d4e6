// Turns an API server error answer (an HTTP status and, usually, a metav1.Status body) into a
// common::Error whose code a caller can branch on and whose message a person can act on.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/result.h"

namespace aftershock::op {

// The code for an HTTP error status alone, for any peer that answers with plain HTTP
// statuses (the API server's extra meanings are in decodeApiError): 400, 405, 413, 415 and
// 422 kInvalid; 401 kUnauthorized; 403 kForbidden; 404 kNotFound; 409 kConflict; 429
// kTooManyRequests; 504 kTimeout; any other 5xx kTransient; anything else kInternal.
common::ErrorCode errorCodeForHttpStatus(int status_code);

// `status_code` is the HTTP status; `body` the answer (a Status object, or anything else);
// `what` names the request for the message ("GET /api/v1/namespaces/x/pods/y").
common::Error decodeApiError(int status_code, std::string_view body, std::string_view what);

// The same, from a Status object already parsed (a watch stream's ERROR event).
common::Error decodeStatusObject(const nlohmann::json& status, std::string_view what);

}  // namespace aftershock::op
