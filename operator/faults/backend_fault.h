// BackendFault: sets the bundled backend's fault-injection config (error rate, status code,
// latency) through its HTTP API and restores the exact config it found.
#pragma once

#include <memory>

#include "operator/faults/fault.h"

namespace aftershock::op {

// Steps (held() is true):
//   plan              GET /config; the answer is recorded verbatim as the original.
//   inject            POST /config/failure with the failure fields the spec sets, POST
//                     /config/latency with the latency fields it sets (a call is skipped when
//                     the spec sets none of its fields). Both set absolute values, so a repeat
//                     is harmless.
//   verifyInjected    GET /config carries every field the spec sets.
//   rollback          PUT /config with the recorded original.
//   verifyRolledBack  GET /config equals the recorded original.
// A backend that cannot be reached fails the step with kUnavailable / kTimeout and a message
// naming its URL.
std::unique_ptr<Fault> makeBackendFault();

}  // namespace aftershock::op
