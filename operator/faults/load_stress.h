// LoadStressFault: what CPUStress and MemoryStress share. Both start a bounded stress through
// the backend's chaos API and stop it on rollback; they differ only in the start request.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "operator/faults/backend_api.h"
#include "operator/faults/fault.h"

namespace aftershock::op {

// Starts the stress of one kind on the backend at `url`, as the experiment's spec asks.
using StartLoad =
    std::function<common::Status(BackendApi& api, const std::string& url, const FaultContext&)>;

// A held fault over GET /load, `start` and DELETE /load/<kind>; see cpu_stress.h for the steps.
std::unique_ptr<Fault> makeLoadStressFault(LoadKind kind, StartLoad start);

}  // namespace aftershock::op
