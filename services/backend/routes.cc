// BackendRoutes: HTTP mapping of the backend's faults, chaos actions and probes.
#include "services/backend/routes.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <utility>

#include "common/json_fields.h"
#include "common/process_stats.h"
#include "services/backend/data_payload.h"

namespace aftershock::backend {
namespace {

using common::HttpRequest;
using common::HttpResponse;

constexpr std::string_view kDataRoute = "/data";
constexpr std::int64_t kMaxMemoryHoldSeconds = 24 * 3600;
// Timed memory stress is released within this long after its hold ends.
constexpr std::chrono::milliseconds kHousekeepingPeriod{100};

struct CpuRequest {
  std::int64_t duration_seconds = 0;
  std::int64_t threads = 1;
};

struct MemoryRequest {
  std::int64_t megabytes = 0;
  std::optional<std::int64_t> duration_seconds;
};

common::Error missingField(std::string_view field) {
  return common::fieldError(std::string(field), "field '" + std::string(field) + "' is required");
}

std::int64_t maxCpuThreads() {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::thread::hardware_concurrency()));
}

common::Result<CpuRequest> parseCpuRequest(std::string_view body, std::int64_t max_seconds) {
  auto object = common::parseJsonObject(body);
  if (!object.ok()) return object.error();
  if (auto unknown = common::rejectUnknownFields(*object, {"duration_seconds", "threads"});
      !unknown.ok()) {
    return unknown.error();
  }
  auto duration = common::optionalInteger(*object, "duration_seconds", 1, max_seconds);
  if (!duration.ok()) return duration.error();
  if (!duration->has_value()) return missingField("duration_seconds");
  auto threads = common::optionalInteger(*object, "threads", 1, maxCpuThreads());
  if (!threads.ok()) return threads.error();
  return CpuRequest{**duration, threads->value_or(1)};
}

common::Result<MemoryRequest> parseMemoryRequest(std::string_view body,
                                                 std::int64_t max_megabytes) {
  auto object = common::parseJsonObject(body);
  if (!object.ok()) return object.error();
  if (auto unknown = common::rejectUnknownFields(*object, {"megabytes", "duration_seconds"});
      !unknown.ok()) {
    return unknown.error();
  }
  auto megabytes = common::optionalInteger(*object, "megabytes", 1, max_megabytes);
  if (!megabytes.ok()) return megabytes.error();
  if (!megabytes->has_value()) return missingField("megabytes");
  auto duration = common::optionalInteger(*object, "duration_seconds", 1, kMaxMemoryHoldSeconds);
  if (!duration.ok()) return duration.error();
  return MemoryRequest{**megabytes, *duration};
}

double seconds(common::Duration duration) { return common::toSeconds(duration); }

HttpResponse configResponse(const FaultConfig& config) {
  return HttpResponse::text(200, toWireJson(config), "application/json");
}

}  // namespace

void crashProcess() {
  // stderr is unbuffered, so the log line above the call is already out; nothing else
  // runs — no destructors, no graceful stop — exactly like a real crash.
  std::_Exit(kCrashExitCode);
}

BackendRoutes::BackendRoutes(const BackendOptions& options, const common::Clock& clock,
                             common::Random& random, common::MetricsRegistry& registry,
                             std::function<std::int64_t()> inflight, std::function<void()> crash)
    : options_(options),
      clock_(clock),
      registry_(registry),
      crash_(std::move(crash)),
      config_(options.initialFaults()),
      injector_(random),
      metrics_(registry),
      readiness_(
          clock, options.readinessLimits(),
          // Readiness is evaluated only while serving /ready or /metrics, and that request
          // is itself in flight; it must not count towards the overload it asks about.
          [inflight] { return std::max<std::int64_t>(0, inflight() - 1); },
          [] { return common::residentMemoryBytes(); },
          [this](const ReadinessState& state) {
            if (state.ready) {
              log_.info("ready again");
            } else {
              log_.warn("not ready", {{"reason", state.reason}});
            }
          }),
      guard_(clock, std::chrono::milliseconds(options.chaos_cooldown_ms),
             static_cast<int>(options.max_concurrent_chaos)),
      cpu_(clock,
           [this](bool completed) {
             if (completed) log_.info("cpu stress finished");
           }),
      memory_(clock) {
  metrics_.registerGauges(std::move(inflight), [this] { return readiness_.evaluate().ready; });
}

BackendRoutes::~BackendRoutes() { stopChaos(); }

void BackendRoutes::registerRoutes(common::HttpServer& server) {
  using Handler = HttpResponse (BackendRoutes::*)(const HttpRequest&);
  const auto add = [&](std::string method, std::string path, Handler handler) {
    server.route(std::move(method), std::move(path),
                 [this, handler](const HttpRequest& request) { return (this->*handler)(request); });
  };
  add("GET", "/data", &BackendRoutes::getData);
  add("GET", "/config", &BackendRoutes::getConfig);
  add("PUT", "/config", &BackendRoutes::putConfig);
  add("POST", "/config/failure", &BackendRoutes::postFailure);
  add("POST", "/config/latency", &BackendRoutes::postLatency);
  add("POST", "/config/reset", &BackendRoutes::postReset);
  add("GET", "/load", &BackendRoutes::getLoad);
  add("POST", "/load/cpu", &BackendRoutes::postCpu);
  add("DELETE", "/load/cpu", &BackendRoutes::deleteCpu);
  add("POST", "/load/memory", &BackendRoutes::postMemory);
  add("DELETE", "/load/memory", &BackendRoutes::deleteMemory);
  add("POST", "/crash", &BackendRoutes::postCrash);
  add("GET", "/health", &BackendRoutes::getHealth);
  add("GET", "/ready", &BackendRoutes::getReady);
  add("GET", "/metrics", &BackendRoutes::getMetrics);
}

common::RequestObserver BackendRoutes::observer(common::RequestObserver next) {
  return [this, next = std::move(next)](const common::RequestRecord& record) {
    if (next) next(record);
    if (record.route == kDataRoute) {
      readiness_.recordLatency(std::chrono::duration_cast<common::Duration>(
          std::chrono::duration<double>(record.duration_seconds)));
    }
  };
}

void BackendRoutes::startHousekeeping() {
  if (housekeeping_) return;
  housekeeping_ =
      std::make_unique<PeriodicTask>(kHousekeepingPeriod, [this] { releaseExpiredMemory(); });
}

void BackendRoutes::stopChaos() {
  if (housekeeping_) housekeeping_->stop();
  if (cpu_.status().active) log_.info("stopping cpu stress for shutdown");
  cpu_.shutdown();
  memory_.shutdown();
}

HttpResponse BackendRoutes::getData(const HttpRequest&) {
  const FaultConfig config = config_.current();
  const FaultDecision decision = injector_.decide(config);
  metrics_.recordFault(decision);
  HttpResponse response =
      decision.failed()
          ? HttpResponse::json(
                *decision.failure_status,
                {{"error", "injected fault"}, {"status_code", *decision.failure_status}})
          : HttpResponse::json(200, makeDataPayload(next_request_id_.fetch_add(1),
                                                    options_.instance, clock_.wallNow()));
  // The server holds the answer on a timer: no thread waits out the injected latency.
  response.delay = decision.delay;
  return response;
}

HttpResponse BackendRoutes::getConfig(const HttpRequest&) {
  return configResponse(config_.current());
}

HttpResponse BackendRoutes::putConfig(const HttpRequest& request) {
  auto config = parseFullConfig(request.body, options_.faultLimits());
  if (!config.ok()) return HttpResponse::error(400, config.error().message, config.error().field);
  return configChanged("PUT /config", config_.replace(*config));
}

HttpResponse BackendRoutes::postFailure(const HttpRequest& request) {
  auto patch = parseFailurePatch(request.body, options_.faultLimits());
  if (!patch.ok()) return HttpResponse::error(400, patch.error().message, patch.error().field);
  return configChanged("POST /config/failure", config_.apply(*patch));
}

HttpResponse BackendRoutes::postLatency(const HttpRequest& request) {
  auto patch = parseLatencyPatch(request.body, options_.faultLimits());
  if (!patch.ok()) return HttpResponse::error(400, patch.error().message, patch.error().field);
  return configChanged("POST /config/latency", config_.apply(*patch));
}

HttpResponse BackendRoutes::postReset(const HttpRequest&) {
  return configChanged("POST /config/reset", config_.replace(FaultConfig{}));
}

HttpResponse BackendRoutes::getLoad(const HttpRequest&) {
  releaseExpiredMemory();
  return HttpResponse::json(200, loadJson());
}

HttpResponse BackendRoutes::postCpu(const HttpRequest& request) {
  constexpr std::string_view kAction = "cpu";
  auto parsed = parseCpuRequest(request.body, options_.max_cpu_seconds);
  if (!parsed.ok()) return invalid(kAction, parsed.error());
  // A conflict is answered before the guard is asked, so it does not start a cooldown.
  if (cpu_.status().active) {
    return chaosFailed(kAction, common::makeError(common::ErrorCode::kConflict,
                                                  "a CPU stress is already running"));
  }
  const common::Duration duration = std::chrono::seconds(parsed->duration_seconds);
  ChaosAdmission admission = guard_.tryAcquire(duration);
  if (!admission.admitted()) return refused(kAction, admission.refusal);
  const int threads = static_cast<int>(parsed->threads);
  if (common::Status started = cpu_.start(duration, threads, std::move(*admission.permit));
      !started.ok()) {
    return chaosFailed(kAction, started.error());
  }
  metrics_.recordChaosAction(kAction, "started");
  log_.info("cpu stress started",
            {{"duration_seconds", parsed->duration_seconds}, {"threads", threads}});
  return HttpResponse::json(202, loadJson());
}

HttpResponse BackendRoutes::deleteCpu(const HttpRequest&) {
  const bool stopped = cpu_.stop();
  if (stopped) {
    metrics_.recordChaosAction("cpu_stop", "done");
    log_.info("cpu stress stopped on request");
  }
  nlohmann::json body = loadJson();
  body["stopped"] = stopped;
  return HttpResponse::json(200, body);
}

HttpResponse BackendRoutes::postMemory(const HttpRequest& request) {
  constexpr std::string_view kAction = "memory";
  auto parsed = parseMemoryRequest(request.body, options_.max_memory_mb);
  if (!parsed.ok()) return invalid(kAction, parsed.error());
  releaseExpiredMemory();
  if (memory_.status().active) {
    return chaosFailed(kAction,
                       common::makeError(common::ErrorCode::kConflict,
                                         "a memory stress is already held; DELETE /load/memory "
                                         "first"));
  }
  std::optional<common::Duration> hold;
  if (parsed->duration_seconds) hold = std::chrono::seconds(*parsed->duration_seconds);
  ChaosAdmission admission = guard_.tryAcquire(hold);
  if (!admission.admitted()) return refused(kAction, admission.refusal);
  if (common::Status allocated =
          memory_.allocate(parsed->megabytes, hold, std::move(*admission.permit));
      !allocated.ok()) {
    return chaosFailed(kAction, allocated.error());
  }
  metrics_.recordChaosAction(kAction, "started");
  log_.info(
      "memory stress started",
      {{"megabytes", parsed->megabytes},
       {"duration_seconds", parsed->duration_seconds ? nlohmann::json(*parsed->duration_seconds)
                                                     : nlohmann::json(nullptr)},
       {"resident_bytes", common::residentMemoryBytes()}});
  return HttpResponse::json(200, loadJson());
}

HttpResponse BackendRoutes::deleteMemory(const HttpRequest&) {
  // Not guarded: undoing a fault must always be possible.
  const std::int64_t released = memory_.release();
  if (released > 0) {
    metrics_.recordChaosAction("memory_release", "done");
    log_.info("memory stress released on request", {{"megabytes", released}});
  }
  nlohmann::json body = loadJson();
  body["released_megabytes"] = released;
  return HttpResponse::json(200, body);
}

HttpResponse BackendRoutes::postCrash(const HttpRequest&) {
  constexpr std::string_view kAction = "crash";
  ChaosAdmission admission = guard_.tryAcquire(common::Duration::zero());
  if (!admission.admitted()) return refused(kAction, admission.refusal);
  metrics_.recordChaosAction(kAction, "started");
  log_.error("crashing on request", {{"exit_code", kCrashExitCode}});
  std::fflush(nullptr);
  crash_();
  return HttpResponse::json(202, {{"crashing", true}, {"exit_code", kCrashExitCode}});
}

HttpResponse BackendRoutes::getHealth(const HttpRequest&) {
  return HttpResponse::json(200, {{"status", "ok"}});
}

HttpResponse BackendRoutes::getReady(const HttpRequest&) {
  const ReadinessState state = readiness_.evaluate();
  if (state.ready) return HttpResponse::json(200, {{"ready", true}});
  return HttpResponse::json(503, {{"ready", false}, {"reason", state.reason}});
}

HttpResponse BackendRoutes::getMetrics(const HttpRequest&) {
  return HttpResponse::text(200, registry_.render(), std::string(common::kPrometheusContentType));
}

HttpResponse BackendRoutes::configChanged(std::string_view route, const ConfigChange& change) {
  log_.info("config changed",
            {{"route", route}, {"old", toJson(change.before)}, {"new", toJson(change.after)}});
  return configResponse(change.after);
}

HttpResponse BackendRoutes::refused(std::string_view action, const ChaosRefusal& refusal) {
  metrics_.recordChaosAction(action, "refused");
  const std::int64_t retry_after = retryAfterSeconds(refusal.retry_after);
  const std::string_view reason = refusalReasonName(refusal.reason);
  log_.info("chaos action refused",
            {{"action", action}, {"reason", reason}, {"retry_after_seconds", retry_after}});
  HttpResponse response = HttpResponse::json(
      429, {{"error", refusal.message}, {"reason", reason}, {"retry_after_seconds", retry_after}});
  response.headers.emplace_back("Retry-After", std::to_string(retry_after));
  return response;
}

HttpResponse BackendRoutes::chaosFailed(std::string_view action, const common::Error& error) {
  const bool conflict = error.code == common::ErrorCode::kConflict;
  metrics_.recordChaosAction(action, conflict ? "conflict" : "failed");
  log_.warn("chaos action failed", {{"action", action}, {"error", error.message}});
  return HttpResponse::error(conflict ? 409 : 503, error.message);
}

HttpResponse BackendRoutes::invalid(std::string_view action, const common::Error& error) {
  metrics_.recordChaosAction(action, "invalid");
  return HttpResponse::error(400, error.message, error.field);
}

nlohmann::json BackendRoutes::loadJson() const {
  const CpuStressStatus cpu = cpu_.status();
  const MemoryStressStatus memory = memory_.status();
  nlohmann::json cpu_json = {{"active", cpu.active}};
  if (cpu.active) {
    cpu_json["threads"] = cpu.threads;
    cpu_json["duration_seconds"] = seconds(cpu.duration);
    cpu_json["remaining_seconds"] = seconds(cpu.remaining);
  }
  nlohmann::json memory_json = {{"active", memory.active}};
  if (memory.active) {
    memory_json["megabytes"] = memory.megabytes;
    memory_json["remaining_seconds"] =
        memory.remaining ? nlohmann::json(seconds(*memory.remaining)) : nlohmann::json(nullptr);
  }
  return {{"cpu", std::move(cpu_json)},
          {"memory", std::move(memory_json)},
          {"active_actions", guard_.active()},
          {"max_concurrent", options_.max_concurrent_chaos}};
}

void BackendRoutes::releaseExpiredMemory() {
  if (const std::int64_t released = memory_.releaseIfExpired(); released > 0) {
    metrics_.recordChaosAction("memory_release", "done");
    log_.info("memory stress released after its hold time", {{"megabytes", released}});
  }
}

}  // namespace aftershock::backend
