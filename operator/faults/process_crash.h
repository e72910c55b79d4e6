// ProcessCrash: makes the bundled backend's process exit at once (POST /crash), as a real
// crash would; Kubernetes restarts the container and the probes measure the recovery.
#pragma once

#include <memory>

#include "operator/faults/fault.h"

namespace aftershock::op {

// Steps (held() is false: the crash is a single act that heals by restart):
//   plan              GET /health must answer 2xx (a backend already down cannot be crashed,
//                     and its outage would be measured as ours); the original is {}.
//   inject            POST /crash. The process exits without answering, so a transport failure
//                     (kUnavailable: connection closed or reset; kTimeout) counts as success,
//                     as does a 2xx. Any HTTP error answer (429 from the backend's chaos guard,
//                     another 4xx, a 5xx) is returned: the crash did not happen.
//   verifyInjected    true: a process that crashed cannot be asked whether it did. The probes
//                     (workload readiness, HTTP) observe the outage instead.
//   rollback          nothing to undo; verifyRolledBack is true.
// At most once per run: a repeat would crash the restarted process a second time, so the
// controller records the injection before calling inject and never calls it twice for the
// same run. Caveat: a backend that goes down between plan and inject also fails the POST
// with kUnavailable, which is taken as the crash.
std::unique_ptr<Fault> makeProcessCrashFault();

}  // namespace aftershock::op
