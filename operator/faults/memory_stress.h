// MemoryStress: makes the bundled backend hold memory through its chaos API
// (POST /load/memory).
#pragma once

#include <memory>

#include "operator/faults/fault.h"

namespace aftershock::op {

// Steps (held() is true):
//   plan              GET /load answers and shows no memory stress held (kConflict if one is:
//                     it is not ours); the original is {"memory": <GET /load's memory member>}.
//   inject            POST /load/memory {megabytes, duration_seconds}: stress.memoryMB, and
//                     stress.durationSeconds or spec.duration rounded up to seconds. The backend
//                     refuses a second hold (409, or 429 from its chaos guard); when GET /load
//                     then shows memory active, the refused repeat counts as injected.
//   verifyInjected    GET /load shows memory.active.
//   rollback          DELETE /load/memory (never refused; idempotent).
//   verifyRolledBack  GET /load shows memory inactive.
// The hold always carries a duration, so the backend frees the memory by itself even if the
// operator never rolls back.
std::unique_ptr<Fault> makeMemoryStressFault();

}  // namespace aftershock::op
