// BackendApi: the operator's typed client for the bundled backend-service's chaos API
// (README "backend-service"): the fault-injection config (/config), the stress endpoints
// (/load, /load/cpu, /load/memory), /crash and /health.
//
// Every answer outside 2xx becomes an Error whose message names the backend, the request,
// the status and the backend's {"error"} text; transport failures keep their code
// (kUnavailable, kTimeout) with a message naming the backend's URL. Bodies are read
// defensively: nothing here throws.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http.h"
#include "common/result.h"
#include "operator/api/v1alpha1/chaos_experiment.h"

namespace aftershock::op {

// Each request's whole exchange; a backend slower than this is treated as unreachable.
inline constexpr std::chrono::milliseconds kBackendRequestTimeout{5000};

// `base` with any trailing slashes removed, then `path` (which starts with '/').
std::string joinBackendUrl(std::string_view base, std::string_view path);

// The members of GET /config, the whole config a PUT /config must carry.
inline constexpr std::string_view kConfigFailureRate = "failure_rate";
inline constexpr std::string_view kConfigStatusCode = "status_code";
inline constexpr std::string_view kConfigDelayMs = "delay_ms";
inline constexpr std::string_view kConfigDelayRate = "delay_rate";

// kOk when `config` is an object whose four members are numbers; kInvalid naming the first
// member that is missing or of the wrong type otherwise.
common::Status checkBackendConfig(const nlohmann::json& config);

// POST /config/failure: only the members that are set are sent.
struct FailurePatch {
  std::optional<double> failure_rate;
  std::optional<int> status_code;
  bool empty() const { return !failure_rate && !status_code; }
};

// POST /config/latency: only the members that are set are sent.
struct LatencyPatch {
  std::optional<int> delay_ms;
  std::optional<double> delay_rate;
  bool empty() const { return !delay_ms && !delay_rate; }
};

enum class LoadKind { kCpu, kMemory };
std::string_view loadKindName(LoadKind kind);  // "cpu" | "memory", the GET /load member

// One member of GET /load: {"active": bool, ...details while active}.
struct LoadState {
  bool active = false;
  nlohmann::json raw = nlohmann::json::object();  // the member exactly as answered
};

// GET /load.
struct LoadStatus {
  LoadState cpu;
  LoadState memory;
  const LoadState& of(LoadKind kind) const { return kind == LoadKind::kCpu ? cpu : memory; }
};

// POST /load/cpu.
struct CpuLoadRequest {
  int duration_seconds = 1;  // >= 1
  int threads = 0;           // 0: not sent, the backend's default
};

// POST /load/memory.
struct MemoryLoadRequest {
  int megabytes = 1;         // >= 1
  int duration_seconds = 0;  // 0: not sent, held until released
};

// Stateless apart from the borrowed client; thread-safe when `http` is.
class BackendApi {
 public:
  explicit BackendApi(common::HttpClient& http) : http_(http) {}

  // GET /config: the config object exactly as answered (checked by checkBackendConfig).
  common::Result<nlohmann::json> getConfig(std::string_view url);
  // PUT /config with `config` as it is (all four members).
  common::Status putConfig(std::string_view url, const nlohmann::json& config);
  // Precondition: the patch is not empty (the backend refuses an empty update).
  common::Status postFailure(std::string_view url, const FailurePatch& patch);
  common::Status postLatency(std::string_view url, const LatencyPatch& patch);

  common::Result<LoadStatus> getLoad(std::string_view url);
  common::Status startCpu(std::string_view url, const CpuLoadRequest& request);
  common::Status startMemory(std::string_view url, const MemoryLoadRequest& request);
  // DELETE /load/cpu | /load/memory. Never refused by the backend's chaos guard; stopping a
  // load that is not running succeeds.
  common::Status stopCpu(std::string_view url);
  common::Status stopMemory(std::string_view url);
  common::Status stopLoad(std::string_view url, LoadKind kind);

  // POST /crash: the raw outcome. The backend exits without answering, so a transport
  // error is the expected result; interpreting it is the caller's business.
  common::Status crash(std::string_view url);
  // GET /health.
  common::Status health(std::string_view url);

 private:
  // The request's answer when it is 2xx; otherwise the mapped error.
  common::Result<common::HttpResponse> call(std::string_view url, std::string_view method,
                                            std::string_view path, std::string body);
  // call(), then the body as a JSON object.
  common::Result<nlohmann::json> callForObject(std::string_view url, std::string_view method,
                                               std::string_view path, std::string body);

  common::HttpClient& http_;
};

// --- Shared by the faults that act through this API ----------------------------------------

inline constexpr std::string_view kBackendKind = "Backend";

// The plan of a fault that acts on the backend at `url`: one AffectedResource of kind
// "Backend" named by the URL, with `original` as what rollback restores or checks.
v1alpha1::AffectedResource backendResource(std::string_view url, nlohmann::json original);

// The planned "Backend" resources, in plan order, pointing into `affected`. kInternal when
// there is none: a backend fault was asked to act on a plan that is not its own.
common::Result<std::vector<const v1alpha1::AffectedResource*>> plannedBackends(
    const std::vector<v1alpha1::AffectedResource>& affected);

// The URLs of plannedBackends(affected), with the same error.
common::Result<std::vector<std::string>> plannedBackendUrls(
    const std::vector<v1alpha1::AffectedResource>& affected);

// Calls `act` with each planned backend's URL in turn and stops at the first error: the loop
// every backend fault's inject and rollback run.
common::Status forEachPlannedBackend(const std::vector<v1alpha1::AffectedResource>& affected,
                                     const std::function<common::Status(const std::string&)>& act);

// How long a stress runs: spec.fault.stress.durationSeconds, or when that is 0 the
// experiment's spec.duration rounded up to whole seconds (at least 1).
int stressDurationSeconds(const v1alpha1::ChaosExperiment& experiment);

// CPUStress / MemoryStress plan: the backend must answer GET /load and must not already run
// a `kind` load (kConflict otherwise: that load belongs to someone else, it would be
// measured as ours and our rollback would stop it). The original is {"<kind>": <member>}.
common::Result<std::vector<v1alpha1::AffectedResource>> planLoadStress(BackendApi& api,
                                                                       std::string_view url,
                                                                       LoadKind kind);

// Interprets the outcome of a start request. The backend refuses a start while that load is
// already running (409) or while its chaos guard holds (429, e.g. the cooldown after our own
// first start); when GET /load then shows `kind` active, the refused request repeats an
// earlier start of ours (an inject repeated after an operator restart) and counts as success.
// Any other outcome is returned as it is.
common::Status acceptRunningLoad(BackendApi& api, std::string_view url, LoadKind kind,
                                 common::Status started);

// Whether every planned backend shows a `kind` load active (`want_active`) or inactive.
common::Result<bool> loadsAre(BackendApi& api, const std::vector<std::string>& urls, LoadKind kind,
                              bool want_active);

}  // namespace aftershock::op
