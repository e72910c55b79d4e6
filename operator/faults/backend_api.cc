// BackendApi: requests, answer decoding and error mapping for the backend's chaos API.
#include "operator/faults/backend_api.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "common/json_fields.h"
#include "operator/kube/api_error.h"
#include "operator/kube/object_fields.h"

namespace aftershock::op {
namespace {

using common::Error;
using common::ErrorCode;
using common::HttpResponse;
using common::makeError;
using common::Result;
using common::Status;
using nlohmann::json;

// Enough of an unexpected body (an HTML error page) to recognise it, not enough to flood
// a status message.
constexpr std::size_t kBodyExcerptBytes = 200;

std::string describe(std::string_view method, std::string_view path) {
  return std::string(method) + " " + std::string(path);
}

// Parses without throwing; anything but an object is nullopt.
std::optional<json> parseObject(std::string_view body) {
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

std::string excerpt(std::string_view body) {
  if (body.size() <= kBodyExcerptBytes) return common::toValidUtf8(body);
  return common::toValidUtf8(body.substr(0, kBodyExcerptBytes)) + "...";
}

// The Retry-After header, or the body's retry_after_seconds; empty when neither is there.
std::string retryAfter(const HttpResponse& response, const std::optional<json>& body) {
  if (std::string_view header = response.header("Retry-After"); !header.empty()) {
    return common::toValidUtf8(header);
  }
  if (body) {
    auto seconds = body->find("retry_after_seconds");
    if (seconds != body->end() && seconds->is_number()) return seconds->dump();
  }
  return {};
}

Error statusError(std::string_view url, std::string_view what, const HttpResponse& response) {
  const std::optional<json> body = parseObject(response.body);
  std::string message = "backend " + std::string(url) + ": " + std::string(what) + " answered " +
                        std::to_string(response.status) + ": ";
  std::string text = body ? stringMember(*body, "error") : std::string();
  if (text.empty()) text = response.body.empty() ? "(empty body)" : excerpt(response.body);
  message += text;
  if (body) {
    if (std::string field = stringMember(*body, "field"); !field.empty()) {
      message += " (field " + field + ")";
    }
    if (std::string reason = stringMember(*body, "reason"); !reason.empty()) {
      message += " (reason " + reason + ")";
    }
  }
  if (response.status == 429) {
    const std::string wait = retryAfter(response, body);
    message += wait.empty() ? "; retry later" : "; retry after " + wait + "s";
  }
  // The backend's `field` names a member of our request, not of the experiment, so it
  // stays in the message rather than in Error::field (which callers map to the spec).
  return makeError(errorCodeForHttpStatus(response.status), std::move(message));
}

Error transportError(std::string_view url, const Error& error) {
  std::string prefix = "backend " + std::string(url);
  switch (error.code) {
    case ErrorCode::kUnavailable:
      prefix += " unreachable: ";
      break;
    case ErrorCode::kTimeout:
      prefix +=
          " did not answer within " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(kBackendRequestTimeout).count()) +
          "s: ";
      break;
    default:
      prefix += ": ";
      break;
  }
  return makeError(error.code, prefix + error.message);
}

// A request whose 2xx answer carries nothing the caller needs: only whether it succeeded.
Status succeeded(const Result<HttpResponse>& response) {
  if (!response.ok()) return response.error();
  return {};
}

bool isNumberMember(const json& object, std::string_view name) {
  auto member = object.find(name);
  return member != object.end() && member->is_number();
}

json failureBody(const FailurePatch& patch) {
  json body = json::object();
  if (patch.failure_rate) body[kConfigFailureRate] = *patch.failure_rate;
  if (patch.status_code) body[kConfigStatusCode] = *patch.status_code;
  return body;
}

json latencyBody(const LatencyPatch& patch) {
  json body = json::object();
  if (patch.delay_ms) body[kConfigDelayMs] = *patch.delay_ms;
  if (patch.delay_rate) body[kConfigDelayRate] = *patch.delay_rate;
  return body;
}

std::string loadPath(LoadKind kind) { return "/load/" + std::string(loadKindName(kind)); }

Result<LoadState> readLoadState(std::string_view url, const json& load, LoadKind kind) {
  const std::string_view name = loadKindName(kind);
  auto member = load.find(name);
  if (member == load.end() || !member->is_object()) {
    return makeError(ErrorCode::kInvalid, "backend " + std::string(url) +
                                              ": GET /load answered without a '" +
                                              std::string(name) + "' object");
  }
  auto active = member->find("active");
  if (active == member->end() || !active->is_boolean()) {
    return makeError(ErrorCode::kInvalid, "backend " + std::string(url) + ": GET /load member '" +
                                              std::string(name) + "' has no boolean 'active'");
  }
  return LoadState{active->get<bool>(), *member};
}

}  // namespace

std::string joinBackendUrl(std::string_view base, std::string_view path) {
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  std::string url(base);
  if (!path.empty() && path.front() != '/') url += '/';
  url += path;
  return url;
}

Status checkBackendConfig(const json& config) {
  if (!config.is_object()) return makeError(ErrorCode::kInvalid, "config is not a JSON object");
  for (std::string_view name :
       {kConfigFailureRate, kConfigStatusCode, kConfigDelayMs, kConfigDelayRate}) {
    if (!isNumberMember(config, name)) {
      return makeError(ErrorCode::kInvalid,
                       "config has no numeric '" + std::string(name) + "' member");
    }
  }
  return {};
}

std::string_view loadKindName(LoadKind kind) { return kind == LoadKind::kCpu ? "cpu" : "memory"; }

Result<HttpResponse> BackendApi::call(std::string_view url, std::string_view method,
                                      std::string_view path, std::string body) {
  common::HttpClientRequest request;
  request.method = std::string(method);
  request.url = joinBackendUrl(url, path);
  request.timeout = kBackendRequestTimeout;
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  Result<HttpResponse> response = http_.send(request);
  if (!response.ok()) return transportError(url, response.error());
  if (response->status < 200 || response->status > 299) {
    return statusError(url, describe(method, path), *response);
  }
  return response;
}

Result<json> BackendApi::callForObject(std::string_view url, std::string_view method,
                                       std::string_view path, std::string body) {
  auto response = call(url, method, path, std::move(body));
  if (!response.ok()) return response.error();
  std::optional<json> object = parseObject(response->body);
  if (!object) {
    return makeError(ErrorCode::kInvalid,
                     "backend " + std::string(url) + ": " + describe(method, path) +
                         " answered a body that is not a JSON object (is the url a "
                         "backend-service?): " +
                         excerpt(response->body));
  }
  return std::move(*object);
}

Result<json> BackendApi::getConfig(std::string_view url) {
  auto config = callForObject(url, "GET", "/config", {});
  if (!config.ok()) return config.error();
  if (Status valid = checkBackendConfig(*config); !valid.ok()) {
    return makeError(ErrorCode::kInvalid, "backend " + std::string(url) +
                                              ": GET /config answered an unexpected " +
                                              valid.error().message);
  }
  return config;
}

Status BackendApi::putConfig(std::string_view url, const json& config) {
  return succeeded(call(url, "PUT", "/config", config.dump()));
}

Status BackendApi::postFailure(std::string_view url, const FailurePatch& patch) {
  return succeeded(call(url, "POST", "/config/failure", failureBody(patch).dump()));
}

Status BackendApi::postLatency(std::string_view url, const LatencyPatch& patch) {
  return succeeded(call(url, "POST", "/config/latency", latencyBody(patch).dump()));
}

Result<LoadStatus> BackendApi::getLoad(std::string_view url) {
  auto load = callForObject(url, "GET", "/load", {});
  if (!load.ok()) return load.error();
  auto cpu = readLoadState(url, *load, LoadKind::kCpu);
  if (!cpu.ok()) return cpu.error();
  auto memory = readLoadState(url, *load, LoadKind::kMemory);
  if (!memory.ok()) return memory.error();
  return LoadStatus{std::move(*cpu), std::move(*memory)};
}

Status BackendApi::startCpu(std::string_view url, const CpuLoadRequest& request) {
  json body = {{"duration_seconds", request.duration_seconds}};
  if (request.threads > 0) body["threads"] = request.threads;
  return succeeded(call(url, "POST", loadPath(LoadKind::kCpu), body.dump()));
}

Status BackendApi::startMemory(std::string_view url, const MemoryLoadRequest& request) {
  json body = {{"megabytes", request.megabytes}};
  if (request.duration_seconds > 0) body["duration_seconds"] = request.duration_seconds;
  return succeeded(call(url, "POST", loadPath(LoadKind::kMemory), body.dump()));
}

Status BackendApi::stopCpu(std::string_view url) { return stopLoad(url, LoadKind::kCpu); }

Status BackendApi::stopMemory(std::string_view url) { return stopLoad(url, LoadKind::kMemory); }

Status BackendApi::stopLoad(std::string_view url, LoadKind kind) {
  return succeeded(call(url, "DELETE", loadPath(kind), {}));
}

Status BackendApi::crash(std::string_view url) {
  return succeeded(call(url, "POST", "/crash", {}));
}

Status BackendApi::health(std::string_view url) {
  return succeeded(call(url, "GET", "/health", {}));
}

v1alpha1::AffectedResource backendResource(std::string_view url, json original) {
  v1alpha1::AffectedResource resource;
  resource.kind = std::string(kBackendKind);
  resource.name = std::string(url);
  resource.original = std::move(original);
  return resource;
}

Result<std::vector<const v1alpha1::AffectedResource*>> plannedBackends(
    const std::vector<v1alpha1::AffectedResource>& affected) {
  std::vector<const v1alpha1::AffectedResource*> backends;
  for (const v1alpha1::AffectedResource& resource : affected) {
    if (resource.kind == kBackendKind) backends.push_back(&resource);
  }
  if (backends.empty()) {
    return makeError(ErrorCode::kInternal, "the plan names no Backend to act on");
  }
  return backends;
}

Result<std::vector<std::string>> plannedBackendUrls(
    const std::vector<v1alpha1::AffectedResource>& affected) {
  auto backends = plannedBackends(affected);
  if (!backends.ok()) return backends.error();
  std::vector<std::string> urls;
  urls.reserve(backends->size());
  for (const v1alpha1::AffectedResource* resource : *backends) urls.push_back(resource->name);
  return urls;
}

common::Status forEachPlannedBackend(const std::vector<v1alpha1::AffectedResource>& affected,
                                     const std::function<common::Status(const std::string&)>& act) {
  auto urls = plannedBackendUrls(affected);
  if (!urls.ok()) return urls.error();
  for (const std::string& url : *urls) {
    if (common::Status done = act(url); !done.ok()) return done;
  }
  return {};
}

int stressDurationSeconds(const v1alpha1::ChaosExperiment& experiment) {
  const v1alpha1::StressSpec& stress = experiment.spec.fault.stress;
  if (stress.duration_seconds > 0) return stress.duration_seconds;
  // Rounded up: a stress that ends before the hold does would make the end of the hold
  // measure nothing.
  const auto nanoseconds = std::max<std::int64_t>(0, experiment.spec.duration.count());
  constexpr std::int64_t kPerSecond = 1'000'000'000;
  const std::int64_t seconds = (nanoseconds + kPerSecond - 1) / kPerSecond;
  return static_cast<int>(std::clamp<std::int64_t>(seconds, 1, std::numeric_limits<int>::max()));
}

Result<std::vector<v1alpha1::AffectedResource>> planLoadStress(BackendApi& api,
                                                               std::string_view url,
                                                               LoadKind kind) {
  auto load = api.getLoad(url);
  if (!load.ok()) return load.error();
  const LoadState& state = load->of(kind);
  if (state.active) {
    return makeError(ErrorCode::kConflict, "backend " + std::string(url) + " already runs a " +
                                               std::string(loadKindName(kind)) +
                                               " stress that this experiment did not start");
  }
  json original = json::object();
  original[loadKindName(kind)] = state.raw;
  return std::vector<v1alpha1::AffectedResource>{backendResource(url, std::move(original))};
}

Status acceptRunningLoad(BackendApi& api, std::string_view url, LoadKind kind, Status started) {
  if (started.ok()) return started;
  const ErrorCode code = started.error().code;
  if (code != ErrorCode::kConflict && code != ErrorCode::kTooManyRequests) return started;
  auto load = api.getLoad(url);
  if (!load.ok() || !load->of(kind).active) return started;
  return {};
}

Result<bool> loadsAre(BackendApi& api, const std::vector<std::string>& urls, LoadKind kind,
                      bool want_active) {
  for (const std::string& url : urls) {
    auto load = api.getLoad(url);
    if (!load.ok()) return load.error();
    if (load->of(kind).active != want_active) return false;
  }
  return true;
}

}  // namespace aftershock::op
