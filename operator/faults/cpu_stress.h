// CPUStress: makes the bundled backend burn CPU through its chaos API (POST /load/cpu).
#pragma once

#include <memory>

#include "operator/faults/fault.h"

namespace aftershock::op {

// Steps (held() is true):
//   plan              GET /load answers and shows no CPU stress running (kConflict if one is:
//                     it is not ours); the original is {"cpu": <GET /load's cpu member>}.
//   inject            POST /load/cpu {duration_seconds, threads?}: stress.durationSeconds, or
//                     spec.duration rounded up to seconds; threads only when set. The backend
//                     refuses a second start (409, or 429 from its chaos guard); when GET /load
//                     then shows the CPU stress active, the refused repeat counts as injected.
//   verifyInjected    GET /load shows cpu.active.
//   rollback          DELETE /load/cpu (never refused; idempotent).
//   verifyRolledBack  GET /load shows cpu inactive.
// The burn also ends by itself after its duration, so a controller that dies mid-fault does
// not leave the backend burning for longer than that.
std::unique_ptr<Fault> makeCpuStressFault();

}  // namespace aftershock::op
