#include "operator/api/v1alpha1/codec.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "common/http.h"
#include "common/json_fields.h"
#include "operator/api/v1alpha1/duration.h"
#include "operator/api/v1alpha1/selector.h"

namespace aftershock::op::v1alpha1 {
namespace {

using common::Duration;
using common::Error;
using common::fieldError;
using common::Result;
using common::Status;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Returns the error of a Status-returning expression from the enclosing function (which returns
// a Status or a Result<T>).
#define AFTERSHOCK_RETURN_IF_ERROR(expression)          \
  do {                                                  \
    if (Status status_ = (expression); !status_.ok()) { \
      return status_.error();                           \
    }                                                   \
  } while (false)

// --- Paths and messages ----------------------------------------------------------------------

std::string memberPath(std::string_view path, std::string_view key) {
  std::string out(path);
  out += '.';
  out += key;
  return out;
}

std::string elementPath(std::string_view path, std::size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

// User text as it may appear in a message (and so in status JSON): bounded and valid UTF-8.
std::string shown(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string out = common::toValidUtf8(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) out += "...";
  return "\"" + out + "\"";
}

std::string numberText(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string_view jsonTypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "a list";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

Error typeError(const std::string& path, std::string_view expected, const json& value) {
  return fieldError(
      path, "must be " + std::string(expected) + ", got " + std::string(jsonTypeName(value)));
}

// --- Strict reads for the spec ---------------------------------------------------------------
// Each reads `parent[key]` into `out`; an absent (or null) member leaves `out` as it is, which
// is how defaults apply. `path` is the parent's JSON path.

const json* findMember(const json& parent, std::string_view key) {
  if (!parent.is_object()) return nullptr;
  const auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::int64_t> integerValue(const json& value) {
  if (value.is_number_unsigned()) {
    const auto number = value.get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(number);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_float()) {
    // The API server may hand back 3.0 for 3; a fraction is not an integer.
    const double number = value.get<double>();
    if (std::isfinite(number) && std::trunc(number) == number && std::fabs(number) <= 9e18) {
      return static_cast<std::int64_t>(number);
    }
  }
  return std::nullopt;
}

Result<const json*> readObject(const json& parent, std::string_view key, std::string_view path) {
  const json* value = findMember(parent, key);
  if (value != nullptr && !value->is_object()) {
    return typeError(memberPath(path, key), "an object", *value);
  }
  return value;
}

Result<const json*> readArray(const json& parent, std::string_view key, std::string_view path) {
  const json* value = findMember(parent, key);
  if (value != nullptr && !value->is_array()) {
    return typeError(memberPath(path, key), "a list", *value);
  }
  return value;
}

Status readString(const json& parent, std::string_view key, std::string_view path,
                  std::string& out) {
  const json* value = findMember(parent, key);
  if (value == nullptr) return {};
  if (!value->is_string()) return typeError(memberPath(path, key), "a string", *value);
  out = value->get<std::string>();
  return {};
}

Status readBool(const json& parent, std::string_view key, std::string_view path, bool& out) {
  const json* value = findMember(parent, key);
  if (value == nullptr) return {};
  if (!value->is_boolean()) return typeError(memberPath(path, key), "true or false", *value);
  out = value->get<bool>();
  return {};
}

template <typename Int>
Status readInteger(const json& parent, std::string_view key, std::string_view path,
                   std::optional<Int>& out) {
  const json* value = findMember(parent, key);
  if (value == nullptr) return {};
  if (!value->is_number()) return typeError(memberPath(path, key), "an integer", *value);
  const std::optional<std::int64_t> number = integerValue(*value);
  if (!number) {
    return fieldError(memberPath(path, key),
                      "must be a whole number, got " + numberText(value->get<double>()));
  }
  if (*number < std::numeric_limits<Int>::min() || *number > std::numeric_limits<Int>::max()) {
    return fieldError(memberPath(path, key), "is out of range, got " + std::to_string(*number));
  }
  out = static_cast<Int>(*number);
  return {};
}

template <typename Int>
Status readInteger(const json& parent, std::string_view key, std::string_view path, Int& out) {
  std::optional<Int> value;
  AFTERSHOCK_RETURN_IF_ERROR(readInteger(parent, key, path, value));
  if (value) out = *value;
  return {};
}

Status readNumber(const json& parent, std::string_view key, std::string_view path,
                  std::optional<double>& out) {
  const json* value = findMember(parent, key);
  if (value == nullptr) return {};
  if (!value->is_number()) return typeError(memberPath(path, key), "a number", *value);
  out = value->get<double>();
  return {};
}

Status readNumber(const json& parent, std::string_view key, std::string_view path, double& out) {
  std::optional<double> value;
  AFTERSHOCK_RETURN_IF_ERROR(readNumber(parent, key, path, value));
  if (value) out = *value;
  return {};
}

Status readDuration(const json& parent, std::string_view key, std::string_view path,
                    std::optional<Duration>& out) {
  const json* value = findMember(parent, key);
  if (value == nullptr) return {};
  if (!value->is_string()) {
    return typeError(memberPath(path, key), "a duration string such as \"30s\"", *value);
  }
  Result<Duration> duration = parseDuration(value->get_ref<const std::string&>());
  if (!duration.ok()) return fieldError(memberPath(path, key), duration.error().message);
  out = *duration;
  return {};
}

Status readDuration(const json& parent, std::string_view key, std::string_view path,
                    Duration& out) {
  std::optional<Duration> value;
  AFTERSHOCK_RETURN_IF_ERROR(readDuration(parent, key, path, value));
  if (value) out = *value;
  return {};
}

Status readStringMap(const json& parent, std::string_view key, std::string_view path,
                     std::map<std::string, std::string>& out) {
  const json* value = findMember(parent, key);
  if (value == nullptr) return {};
  const std::string map_path = memberPath(path, key);
  if (!value->is_object()) return typeError(map_path, "an object of strings", *value);
  out.clear();
  for (const auto& [name, entry] : value->items()) {
    if (!entry.is_string()) {
      return typeError(memberPath(map_path, common::toValidUtf8(name)),
                       "a string (quote numbers and booleans)", entry);
    }
    out[name] = entry.get<std::string>();
  }
  return {};
}

// A string member that names one value of an enum; `choices` lists them for the message.
template <typename Enum, typename Parse>
Status readEnum(const json& parent, std::string_view key, std::string_view path, Parse parse,
                std::string_view choices, Enum& out) {
  const json* value = findMember(parent, key);
  if (value == nullptr) return {};
  if (!value->is_string()) {
    return typeError(memberPath(path, key), "one of " + std::string(choices), *value);
  }
  const std::string& name = value->get_ref<const std::string&>();
  const std::optional<Enum> parsed = parse(name);
  if (!parsed) {
    return fieldError(memberPath(path, key),
                      "must be one of " + std::string(choices) + ", got " + shown(name));
  }
  out = *parsed;
  return {};
}

Status requireMember(const json& parent, std::string_view key, std::string_view path,
                     std::string_view what) {
  if (findMember(parent, key) == nullptr) {
    return fieldError(memberPath(path, key), "is required: " + std::string(what));
  }
  return {};
}

// --- Spec sections ---------------------------------------------------------------------------

constexpr std::string_view kTargetKinds = "Deployment, StatefulSet or Pod";
constexpr std::string_view kWorkloadKinds = "Deployment or StatefulSet";
constexpr std::string_view kFaultTypes =
    "PodDelete, ScaleDown, RolloutRestart, BackendFault, NetworkPartition, CPUStress, "
    "MemoryStress or ProcessCrash";

Status readTarget(const json& spec, TargetSpec& target) {
  AFTERSHOCK_RETURN_IF_ERROR(
      requireMember(spec, "target", "spec", "the workload or pods the fault hits"));
  Result<const json*> object = readObject(spec, "target", "spec");
  if (!object.ok()) return object.error();
  const json& source = **object;
  const std::string path = "spec.target";
  AFTERSHOCK_RETURN_IF_ERROR(requireMember(source, "kind", path, kTargetKinds));
  AFTERSHOCK_RETURN_IF_ERROR(
      readEnum(source, "kind", path, parseTargetKind, kTargetKinds, target.kind));
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "name", path, target.name));
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "namespace", path, target.namespace_name));
  if (const json* selector = findMember(source, "selector")) {
    Result<LabelSelector> parsed = parseSelector(*selector, memberPath(path, "selector"));
    if (!parsed.ok()) return parsed.error();
    target.selector = std::move(*parsed);
  }
  return {};
}

Status readPodDelete(const json& source, std::string_view path, PodDeleteSpec& pod_delete) {
  AFTERSHOCK_RETURN_IF_ERROR(readEnum(source, "mode", path, parsePodDeleteMode,
                                      "One, All, Fixed or Percent", pod_delete.mode));
  AFTERSHOCK_RETURN_IF_ERROR(readInteger(source, "value", path, pod_delete.value));
  AFTERSHOCK_RETURN_IF_ERROR(
      readInteger(source, "gracePeriodSeconds", path, pod_delete.grace_period_seconds));
  return {};
}

Status readBackendFault(const json& source, std::string_view path, BackendFaultSpec& fault) {
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "url", path, fault.url));
  AFTERSHOCK_RETURN_IF_ERROR(readNumber(source, "failureRate", path, fault.failure_rate));
  AFTERSHOCK_RETURN_IF_ERROR(readInteger(source, "statusCode", path, fault.status_code));
  AFTERSHOCK_RETURN_IF_ERROR(readInteger(source, "delayMs", path, fault.delay_ms));
  AFTERSHOCK_RETURN_IF_ERROR(readNumber(source, "delayRate", path, fault.delay_rate));
  return {};
}

Status readNetworkPartition(const json& source, std::string_view path,
                            NetworkPartitionSpec& partition) {
  for (auto [key, selector] :
       {std::pair{"from", &partition.from}, std::pair{"to", &partition.to}}) {
    AFTERSHOCK_RETURN_IF_ERROR(requireMember(source, key, path, "a label selector of pods"));
    Result<LabelSelector> parsed = parseSelector(*findMember(source, key), memberPath(path, key));
    if (!parsed.ok()) return parsed.error();
    *selector = std::move(*parsed);
  }
  return {};
}

Status readStress(const json& source, std::string_view path, StressSpec& stress) {
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "url", path, stress.url));
  AFTERSHOCK_RETURN_IF_ERROR(readInteger(source, "durationSeconds", path, stress.duration_seconds));
  AFTERSHOCK_RETURN_IF_ERROR(readInteger(source, "memoryMB", path, stress.memory_mb));
  AFTERSHOCK_RETURN_IF_ERROR(readInteger(source, "threads", path, stress.threads));
  return {};
}

bool isStressType(FaultType type) {
  return type == FaultType::kCpuStress || type == FaultType::kMemoryStress ||
         type == FaultType::kProcessCrash;
}

// One fault parameter object: which types it belongs to, and whether those types need it.
struct FaultSubObject {
  std::string_view key;
  bool (*belongs)(FaultType);
  std::string_view types;  // for the message
  bool required;
};

constexpr std::array<FaultSubObject, 5> kFaultSubObjects{{
    {"podDelete", [](FaultType type) { return type == FaultType::kPodDelete; }, "PodDelete", false},
    {"scaleDown", [](FaultType type) { return type == FaultType::kScaleDown; }, "ScaleDown", false},
    {"backendFault", [](FaultType type) { return type == FaultType::kBackendFault; },
     "BackendFault", true},
    {"networkPartition", [](FaultType type) { return type == FaultType::kNetworkPartition; },
     "NetworkPartition", true},
    {"stress", isStressType, "CPUStress, MemoryStress or ProcessCrash", true},
}};

Status readFault(const json& spec, FaultSpec& fault) {
  AFTERSHOCK_RETURN_IF_ERROR(
      requireMember(spec, "fault", "spec", "the fault's type and parameters"));
  Result<const json*> object = readObject(spec, "fault", "spec");
  if (!object.ok()) return object.error();
  const json& source = **object;
  const std::string path = "spec.fault";
  AFTERSHOCK_RETURN_IF_ERROR(requireMember(source, "type", path, kFaultTypes));
  AFTERSHOCK_RETURN_IF_ERROR(
      readEnum(source, "type", path, parseFaultType, kFaultTypes, fault.type));

  // The CRD's CEL rule, enforced here too so a spec means the same with or without the CRD: a
  // parameter object that does not belong to the type would be silently ignored otherwise.
  for (const FaultSubObject& sub_object : kFaultSubObjects) {
    const bool present = findMember(source, sub_object.key) != nullptr;
    const bool belongs = sub_object.belongs(fault.type);
    if (present && !belongs) {
      return fieldError(memberPath(path, sub_object.key),
                        "is only allowed with type " + std::string(sub_object.types) +
                            ", but the type is " + std::string(faultTypeName(fault.type)) +
                            "; remove it or change the type");
    }
    if (!present && belongs && sub_object.required) {
      return fieldError(memberPath(path, sub_object.key),
                        "is required for type " + std::string(faultTypeName(fault.type)));
    }
    if (!present) continue;
    Result<const json*> parameters = readObject(source, sub_object.key, path);
    if (!parameters.ok()) return parameters.error();
  }

  Result<const json*> pod_delete = readObject(source, "podDelete", path);
  if (pod_delete.ok() && *pod_delete != nullptr) {
    AFTERSHOCK_RETURN_IF_ERROR(
        readPodDelete(**pod_delete, "spec.fault.podDelete", fault.pod_delete));
  }
  Result<const json*> scale_down = readObject(source, "scaleDown", path);
  if (scale_down.ok() && *scale_down != nullptr) {
    AFTERSHOCK_RETURN_IF_ERROR(
        readInteger(**scale_down, "replicas", "spec.fault.scaleDown", fault.scale_down.replicas));
  }
  Result<const json*> backend = readObject(source, "backendFault", path);
  if (backend.ok() && *backend != nullptr) {
    AFTERSHOCK_RETURN_IF_ERROR(
        readBackendFault(**backend, "spec.fault.backendFault", fault.backend_fault));
  }
  Result<const json*> partition = readObject(source, "networkPartition", path);
  if (partition.ok() && *partition != nullptr) {
    AFTERSHOCK_RETURN_IF_ERROR(
        readNetworkPartition(**partition, "spec.fault.networkPartition", fault.network_partition));
  }
  Result<const json*> stress = readObject(source, "stress", path);
  if (stress.ok() && *stress != nullptr) {
    AFTERSHOCK_RETURN_IF_ERROR(readStress(**stress, "spec.fault.stress", fault.stress));
  }
  return {};
}

Status readHttpProbe(const json& source, const std::string& path, HttpProbeSpec& http) {
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "url", path, http.url));
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "method", path, http.method));
  Result<const json*> expect = readArray(source, "expectStatus", path);
  if (!expect.ok()) return expect.error();
  if (*expect != nullptr) {
    http.expect_status.clear();
    const std::string expect_path = memberPath(path, "expectStatus");
    for (std::size_t i = 0; i < (*expect)->size(); ++i) {
      const json& entry = (**expect)[i];
      const std::optional<std::int64_t> code = integerValue(entry);
      if (!code || *code < std::numeric_limits<int>::min() ||
          *code > std::numeric_limits<int>::max()) {
        return typeError(elementPath(expect_path, i), "an HTTP status code such as 200", entry);
      }
      http.expect_status.push_back(static_cast<int>(*code));
    }
  }
  AFTERSHOCK_RETURN_IF_ERROR(readDuration(source, "timeout", path, http.timeout));
  AFTERSHOCK_RETURN_IF_ERROR(readDuration(source, "maxLatency", path, http.max_latency));
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "bodyContains", path, http.body_contains));
  return {};
}

Status readWorkloadProbe(const json& source, const std::string& path, WorkloadProbeSpec& workload) {
  AFTERSHOCK_RETURN_IF_ERROR(readEnum(
      source, "kind", path,
      [](std::string_view name) -> std::optional<TargetKind> {
        const std::optional<TargetKind> kind = parseTargetKind(name);
        if (kind == TargetKind::kPod) return std::nullopt;
        return kind;
      },
      kWorkloadKinds, workload.kind));
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "name", path, workload.name));
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "namespace", path, workload.namespace_name));
  return {};
}

Status readMetricProbe(const json& source, const std::string& path, MetricProbeSpec& metric) {
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "url", path, metric.url));
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "name", path, metric.name));
  AFTERSHOCK_RETURN_IF_ERROR(readStringMap(source, "labels", path, metric.labels));
  AFTERSHOCK_RETURN_IF_ERROR(readEnum(source, "op", path, parseCompareOp,
                                      "\"==\", \"!=\", \"<\", \"<=\", \">\" or \">=\"", metric.op));
  AFTERSHOCK_RETURN_IF_ERROR(
      requireMember(source, "value", path, "the number the metric is compared with"));
  AFTERSHOCK_RETURN_IF_ERROR(readNumber(source, "value", path, metric.value));
  AFTERSHOCK_RETURN_IF_ERROR(readDuration(source, "timeout", path, metric.timeout));
  return {};
}

Status readProbe(const json& source, const std::string& path, ProbeSpec& probe) {
  if (!source.is_object()) return typeError(path, "an object", source);
  AFTERSHOCK_RETURN_IF_ERROR(
      requireMember(source, "name", path, "a unique DNS-label name such as \"client-fetch\""));
  AFTERSHOCK_RETURN_IF_ERROR(readString(source, "name", path, probe.name));
  AFTERSHOCK_RETURN_IF_ERROR(readDuration(source, "interval", path, probe.interval));

  constexpr std::array<std::string_view, 3> kKinds{"http", "workload", "metric"};
  std::vector<std::string_view> present;
  for (const std::string_view kind : kKinds) {
    if (findMember(source, kind) != nullptr) present.push_back(kind);
  }
  if (present.empty()) {
    return fieldError(path, "needs exactly one of http, workload or metric");
  }
  if (present.size() > 1) {
    return fieldError(path, "has both " + std::string(present[0]) + " and " +
                                std::string(present[1]) +
                                "; a probe checks one thing, so give it exactly one of "
                                "http, workload or metric");
  }
  Result<const json*> object = readObject(source, present[0], path);
  if (!object.ok()) return object.error();
  const std::string kind_path = memberPath(path, present[0]);
  if (present[0] == "http") {
    probe.kind = ProbeKind::kHttp;
    return readHttpProbe(**object, kind_path, probe.http);
  }
  if (present[0] == "workload") {
    probe.kind = ProbeKind::kWorkload;
    return readWorkloadProbe(**object, kind_path, probe.workload);
  }
  probe.kind = ProbeKind::kMetric;
  return readMetricProbe(**object, kind_path, probe.metric);
}

Status readSteadyState(const json& spec, std::vector<ProbeSpec>& probes) {
  Result<const json*> steady_state = readObject(spec, "steadyState", "spec");
  if (!steady_state.ok()) return steady_state.error();
  if (*steady_state == nullptr) return {};
  Result<const json*> list = readArray(**steady_state, "probes", "spec.steadyState");
  if (!list.ok()) return list.error();
  if (*list == nullptr) return {};
  // Bounded before reading, so a huge list costs nothing.
  if ((*list)->size() > kMaxProbes) {
    return fieldError("spec.steadyState.probes", "must have at most " + std::to_string(kMaxProbes) +
                                                     " probes, got " +
                                                     std::to_string((*list)->size()));
  }
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    ProbeSpec probe;
    AFTERSHOCK_RETURN_IF_ERROR(
        readProbe((**list)[i], elementPath("spec.steadyState.probes", i), probe));
    probes.push_back(std::move(probe));
  }
  return {};
}

Status readHypothesis(const json& source, const std::string& path, Hypothesis& hypothesis) {
  AFTERSHOCK_RETURN_IF_ERROR(
      readNumber(source, "minAvailability", path, hypothesis.min_availability));
  return readDuration(source, "maxRecoveryTime", path, hypothesis.max_recovery_time);
}

Status readRecovery(const json& source, const std::string& path, RecoverySpec& recovery) {
  AFTERSHOCK_RETURN_IF_ERROR(readDuration(source, "timeout", path, recovery.timeout));
  return readInteger(source, "consecutiveSuccesses", path, recovery.consecutive_successes);
}

Status readRepeat(const json& source, const std::string& path, RepeatSpec& repeat) {
  AFTERSHOCK_RETURN_IF_ERROR(readInteger(source, "count", path, repeat.count));
  return readDuration(source, "cooldown", path, repeat.cooldown);
}

Status readSafety(const json& source, const std::string& path, SafetySpec& safety) {
  AFTERSHOCK_RETURN_IF_ERROR(
      readInteger(source, "minHealthyReplicas", path, safety.min_healthy_replicas));
  return readEnum(source, "concurrencyPolicy", path, parseConcurrencyPolicy, "Forbid or Allow",
                  safety.concurrency_policy);
}

Status readAbortWhen(const json& source, const std::string& path, AbortWhen& abort_when) {
  AFTERSHOCK_RETURN_IF_ERROR(
      readInteger(source, "consecutiveProbeFailures", path, abort_when.consecutive_probe_failures));
  return readNumber(source, "availabilityBelow", path, abort_when.availability_below);
}

// An optional object member of the spec, read by `read` into `out` when present.
template <typename Section>
Status readSection(const json& spec, std::string_view key,
                   Status (*read)(const json&, const std::string&, Section&), Section& out) {
  Result<const json*> object = readObject(spec, key, "spec");
  if (!object.ok()) return object.error();
  if (*object == nullptr) return {};
  return read(**object, memberPath("spec", key), out);
}

Status readSpecSections(const json& spec, ChaosExperimentSpec& out) {
  AFTERSHOCK_RETURN_IF_ERROR(readTarget(spec, out.target));
  AFTERSHOCK_RETURN_IF_ERROR(readFault(spec, out.fault));
  AFTERSHOCK_RETURN_IF_ERROR(readDuration(spec, "duration", "spec", out.duration));
  AFTERSHOCK_RETURN_IF_ERROR(readSteadyState(spec, out.probes));
  AFTERSHOCK_RETURN_IF_ERROR(readSection(spec, "hypothesis", readHypothesis, out.hypothesis));
  AFTERSHOCK_RETURN_IF_ERROR(readSection(spec, "recovery", readRecovery, out.recovery));
  AFTERSHOCK_RETURN_IF_ERROR(readSection(spec, "repeat", readRepeat, out.repeat));
  AFTERSHOCK_RETURN_IF_ERROR(readSection(spec, "safety", readSafety, out.safety));
  AFTERSHOCK_RETURN_IF_ERROR(readSection(spec, "abortWhen", readAbortWhen, out.abort_when));
  AFTERSHOCK_RETURN_IF_ERROR(readBool(spec, "dryRun", "spec", out.dry_run));
  AFTERSHOCK_RETURN_IF_ERROR(readBool(spec, "abort", "spec", out.abort));
  return {};
}

// --- Validation ------------------------------------------------------------------------------

template <typename Number>
Status checkRange(const std::string& path, Number value, Number min, Number max) {
  if (value >= min && value <= max) return {};  // false for NaN
  const auto text = [](Number number) {
    if constexpr (std::is_floating_point_v<Number>) {
      return numberText(number);
    } else {
      return std::to_string(number);
    }
  };
  return fieldError(path,
                    "must be between " + text(min) + " and " + text(max) + ", got " + text(value));
}

template <typename Number>
Status checkAtLeast(const std::string& path, Number value, Number min) {
  if (value >= min) return {};
  return fieldError(path,
                    "must be " + std::to_string(min) + " or more, got " + std::to_string(value));
}

Status checkDuration(const std::string& path, Duration value, Duration min, Duration max) {
  if (value >= min && value <= max) return {};
  return fieldError(path, "must be between " + formatDuration(min) + " and " + formatDuration(max) +
                              ", got " + formatDuration(value));
}

bool hasSpaceOrControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F;
  });
}

Status checkUrl(const std::string& path, const std::string& url) {
  if (url.empty()) return fieldError(path, "is required: an http:// or https:// URL");
  // A space or line break would end up inside the HTTP request line.
  if (hasSpaceOrControl(url)) {
    return fieldError(path, "must not contain spaces or control characters, got " + shown(url));
  }
  Result<common::ParsedUrl> parsed = common::parseUrl(url);
  if (!parsed.ok()) return fieldError(path, common::toValidUtf8(parsed.error().message));
  return {};
}

bool isLowerAlphanumeric(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ of at most `max_length`; with `dots`, a DNS-1123 subdomain.
bool isDnsName(std::string_view name, std::size_t max_length, bool dots) {
  if (name.empty() || name.size() > max_length) return false;
  if (!isLowerAlphanumeric(name.front()) || !isLowerAlphanumeric(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [dots](char c) {
    return isLowerAlphanumeric(c) || c == '-' || (dots && c == '.');
  });
}

Status checkObjectName(const std::string& path, const std::string& name) {
  if (isDnsName(name, 253, /*dots=*/true)) return {};
  return fieldError(path,
                    "must be a Kubernetes object name (lower-case letters, digits, '-' and "
                    "'.', at most 253), got " +
                        shown(name));
}

Status checkNamespace(const std::string& path, const std::string& name) {
  if (name.empty() || isDnsName(name, 63, /*dots=*/false)) return {};
  return fieldError(path,
                    "must be a namespace name (lower-case letters, digits and '-', at most "
                    "63), got " +
                        shown(name));
}

// Prometheus' classic names: [a-zA-Z_:][a-zA-Z0-9_:]* for metrics, no ':' for labels.
bool isPrometheusName(std::string_view name, bool colons) {
  const auto letter = [colons](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colons && c == ':');
  };
  if (name.empty() || !letter(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&letter](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

constexpr Duration kMinProbeInterval = milliseconds(100);
constexpr Duration kMaxProbeInterval = hours(1);
constexpr Duration kMinProbeTimeout = milliseconds(1);
constexpr Duration kMaxProbeTimeout = minutes(5);
constexpr Duration kMaxLongDuration = hours(24);

Status validateTarget(const TargetSpec& target) {
  const std::string path = "spec.target";
  if (target.kind == TargetKind::kPod) {
    if (target.selector.empty()) {
      return fieldError(path + ".selector",
                        "is required for kind Pod: the labels of the pods to choose from");
    }
  } else {
    if (target.name.empty()) {
      return fieldError(path + ".name", "is required for kind " +
                                            std::string(targetKindName(target.kind)) +
                                            ": the workload's name");
    }
  }
  if (!target.name.empty())
    AFTERSHOCK_RETURN_IF_ERROR(checkObjectName(path + ".name", target.name));
  AFTERSHOCK_RETURN_IF_ERROR(checkNamespace(path + ".namespace", target.namespace_name));
  return validateSelector(target.selector, path + ".selector");
}

Status validatePodDelete(const PodDeleteSpec& pod_delete) {
  const std::string path = "spec.fault.podDelete";
  if (pod_delete.mode == PodDeleteMode::kPercent) {
    AFTERSHOCK_RETURN_IF_ERROR(checkRange(path + ".value", pod_delete.value, 1, 100));
  } else {
    AFTERSHOCK_RETURN_IF_ERROR(checkAtLeast(path + ".value", pod_delete.value, 1));
  }
  return checkAtLeast(path + ".gracePeriodSeconds", pod_delete.grace_period_seconds,
                      std::int64_t{0});
}

Status validateBackendFault(const BackendFaultSpec& fault) {
  const std::string path = "spec.fault.backendFault";
  AFTERSHOCK_RETURN_IF_ERROR(checkUrl(path + ".url", fault.url));
  if (!fault.failure_rate && !fault.status_code && !fault.delay_ms && !fault.delay_rate) {
    return fieldError(path,
                      "must set at least one of failureRate, statusCode, delayMs or "
                      "delayRate");
  }
  if (fault.failure_rate) {
    AFTERSHOCK_RETURN_IF_ERROR(checkRange(path + ".failureRate", *fault.failure_rate, 0.0, 1.0));
  }
  if (fault.status_code) {
    AFTERSHOCK_RETURN_IF_ERROR(checkRange(path + ".statusCode", *fault.status_code, 100, 599));
  }
  if (fault.delay_ms) {
    AFTERSHOCK_RETURN_IF_ERROR(checkRange(path + ".delayMs", *fault.delay_ms, 0, 600000));
  }
  if (fault.delay_rate) {
    AFTERSHOCK_RETURN_IF_ERROR(checkRange(path + ".delayRate", *fault.delay_rate, 0.0, 1.0));
  }
  return {};
}

Status validatePartition(const NetworkPartitionSpec& partition) {
  const std::string path = "spec.fault.networkPartition";
  for (auto [key, selector] :
       {std::pair{".from", &partition.from}, std::pair{".to", &partition.to}}) {
    if (selector->empty()) {
      return fieldError(path + key, "must select pods: give matchLabels or matchExpressions");
    }
    AFTERSHOCK_RETURN_IF_ERROR(validateSelector(*selector, path + key));
  }
  return {};
}

Status validateStress(const StressSpec& stress) {
  const std::string path = "spec.fault.stress";
  AFTERSHOCK_RETURN_IF_ERROR(checkUrl(path + ".url", stress.url));
  AFTERSHOCK_RETURN_IF_ERROR(
      checkRange(path + ".durationSeconds", stress.duration_seconds, 0, 3600));
  AFTERSHOCK_RETURN_IF_ERROR(checkRange(path + ".memoryMB", stress.memory_mb, 1, 65536));
  return checkRange(path + ".threads", stress.threads, 0, 64);
}

Status validateFault(const FaultSpec& fault) {
  switch (fault.type) {
    case FaultType::kPodDelete:
      return validatePodDelete(fault.pod_delete);
    case FaultType::kScaleDown:
      return checkAtLeast("spec.fault.scaleDown.replicas", fault.scale_down.replicas, 0);
    case FaultType::kRolloutRestart:
      return {};
    case FaultType::kBackendFault:
      return validateBackendFault(fault.backend_fault);
    case FaultType::kNetworkPartition:
      return validatePartition(fault.network_partition);
    case FaultType::kCpuStress:
    case FaultType::kMemoryStress:
    case FaultType::kProcessCrash:
      return validateStress(fault.stress);
  }
  return fieldError("spec.fault.type", "is not a known fault type");
}

Status validateHttpProbe(const HttpProbeSpec& http, const std::string& path) {
  AFTERSHOCK_RETURN_IF_ERROR(checkUrl(path + ".url", http.url));
  if (http.method != "GET" && http.method != "HEAD" && http.method != "POST") {
    return fieldError(path + ".method",
                      "must be one of GET, HEAD or POST, got " + shown(http.method));
  }
  if (http.expect_status.empty()) {
    return fieldError(path + ".expectStatus", "must list at least one status code, e.g. [200]");
  }
  for (std::size_t i = 0; i < http.expect_status.size(); ++i) {
    AFTERSHOCK_RETURN_IF_ERROR(
        checkRange(elementPath(path + ".expectStatus", i), http.expect_status[i], 100, 599));
  }
  AFTERSHOCK_RETURN_IF_ERROR(
      checkDuration(path + ".timeout", http.timeout, kMinProbeTimeout, kMaxProbeTimeout));
  if (http.max_latency) {
    AFTERSHOCK_RETURN_IF_ERROR(
        checkDuration(path + ".maxLatency", *http.max_latency, kMinProbeTimeout, kMaxProbeTimeout));
  }
  return {};
}

Status validateWorkloadProbe(const WorkloadProbeSpec& workload, const std::string& path) {
  if (workload.kind == TargetKind::kPod) {
    return fieldError(path + ".kind", "must be Deployment or StatefulSet, got Pod");
  }
  if (workload.name.empty()) return fieldError(path + ".name", "is required: the workload's name");
  AFTERSHOCK_RETURN_IF_ERROR(checkObjectName(path + ".name", workload.name));
  return checkNamespace(path + ".namespace", workload.namespace_name);
}

Status validateMetricProbe(const MetricProbeSpec& metric, const std::string& path) {
  AFTERSHOCK_RETURN_IF_ERROR(checkUrl(path + ".url", metric.url));
  if (metric.name.empty()) {
    return fieldError(path + ".name", "is required: the metric's name, e.g. http_requests_total");
  }
  if (!isPrometheusName(metric.name, /*colons=*/true)) {
    return fieldError(
        path + ".name",
        "must be a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), got " + shown(metric.name));
  }
  for (const auto& [label, value] : metric.labels) {
    if (!isPrometheusName(label, /*colons=*/false)) {
      return fieldError(path + ".labels", "has an invalid Prometheus label name " + shown(label) +
                                              " ([a-zA-Z_][a-zA-Z0-9_]*)");
    }
  }
  if (!std::isfinite(metric.value)) {
    return fieldError(path + ".value", "must be a finite number");
  }
  return checkDuration(path + ".timeout", metric.timeout, kMinProbeTimeout, kMaxProbeTimeout);
}

Status validateProbes(const std::vector<ProbeSpec>& probes) {
  const std::string list_path = "spec.steadyState.probes";
  if (probes.size() > kMaxProbes) {
    return fieldError(list_path, "must have at most " + std::to_string(kMaxProbes) +
                                     " probes, got " + std::to_string(probes.size()));
  }
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < probes.size(); ++i) {
    const ProbeSpec& probe = probes[i];
    const std::string path = elementPath(list_path, i);
    if (!isDnsName(probe.name, 63, /*dots=*/false)) {
      return fieldError(path + ".name",
                        "must be lower-case letters, digits and '-', starting and ending with a "
                        "letter or digit, at most 63, got " +
                            shown(probe.name));
    }
    if (!names.insert(probe.name).second) {
      return fieldError(path + ".name",
                        "duplicates the name of another probe: " + shown(probe.name));
    }
    AFTERSHOCK_RETURN_IF_ERROR(
        checkDuration(path + ".interval", probe.interval, kMinProbeInterval, kMaxProbeInterval));
    switch (probe.kind) {
      case ProbeKind::kHttp:
        AFTERSHOCK_RETURN_IF_ERROR(validateHttpProbe(probe.http, path + ".http"));
        break;
      case ProbeKind::kWorkload:
        AFTERSHOCK_RETURN_IF_ERROR(validateWorkloadProbe(probe.workload, path + ".workload"));
        break;
      case ProbeKind::kMetric:
        AFTERSHOCK_RETURN_IF_ERROR(validateMetricProbe(probe.metric, path + ".metric"));
        break;
    }
  }
  return {};
}

// --- Lenient reads for the status ------------------------------------------------------------

std::string lenientString(const json& object, std::string_view key) {
  const json* value = findMember(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

std::int64_t lenientInteger(const json& object, std::string_view key, std::int64_t fallback) {
  const json* value = findMember(object, key);
  if (value == nullptr) return fallback;
  return integerValue(*value).value_or(fallback);
}

int lenientInt(const json& object, std::string_view key, int fallback) {
  const std::int64_t value = lenientInteger(object, key, fallback);
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
    return fallback;
  }
  return static_cast<int>(value);
}

std::optional<double> lenientNumber(const json& object, std::string_view key) {
  const json* value = findMember(object, key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->get<double>();
}

// The objects of list `key`; anything else in the list (or a non-list) is skipped.
template <typename Read>
void forEachObject(const json& object, std::string_view key, Read read) {
  const json* list = findMember(object, key);
  if (list == nullptr || !list->is_array()) return;
  for (const json& entry : *list) {
    if (entry.is_object()) read(entry);
  }
}

Verdict lenientVerdict(const json& object) {
  return parseVerdict(lenientString(object, "verdict")).value_or(Verdict::kNone);
}

// --- Writing ---------------------------------------------------------------------------------

// Strings the operator writes can carry a peer's bytes (an error page); JSON needs UTF-8.
void putString(json& out, std::string_view key, const std::string& value) {
  if (!value.empty()) out[std::string(key)] = common::toValidUtf8(value);
}

void putNumber(json& out, std::string_view key, const std::optional<double>& value) {
  if (value) out[std::string(key)] = *value;
}

}  // namespace

// --- Public ----------------------------------------------------------------------------------

common::Result<ChaosExperimentSpec> parseSpec(const json& spec,
                                              std::string_view default_namespace) {
  if (!spec.is_object()) return typeError("spec", "an object", spec);
  ChaosExperimentSpec out;
  try {
    AFTERSHOCK_RETURN_IF_ERROR(readSpecSections(spec, out));
  } catch (const std::exception& error) {
    // Every read above is checked; this is the boundary should a library call still throw.
    return fieldError("spec", std::string("could not be read: ") + error.what());
  }
  if (out.target.namespace_name.empty()) out.target.namespace_name = default_namespace;
  for (ProbeSpec& probe : out.probes) {
    if (probe.kind == ProbeKind::kWorkload && probe.workload.namespace_name.empty()) {
      probe.workload.namespace_name = default_namespace;
    }
  }
  AFTERSHOCK_RETURN_IF_ERROR(validateSpec(out));
  return out;
}

common::Status validateSpec(const ChaosExperimentSpec& spec) {
  AFTERSHOCK_RETURN_IF_ERROR(validateTarget(spec.target));
  AFTERSHOCK_RETURN_IF_ERROR(validateFault(spec.fault));
  AFTERSHOCK_RETURN_IF_ERROR(
      checkDuration("spec.duration", spec.duration, seconds(1), kMaxLongDuration));
  AFTERSHOCK_RETURN_IF_ERROR(validateProbes(spec.probes));
  if (spec.hypothesis.min_availability) {
    AFTERSHOCK_RETURN_IF_ERROR(
        checkRange("spec.hypothesis.minAvailability", *spec.hypothesis.min_availability, 0.0, 1.0));
  }
  if (spec.hypothesis.max_recovery_time) {
    AFTERSHOCK_RETURN_IF_ERROR(checkDuration("spec.hypothesis.maxRecoveryTime",
                                             *spec.hypothesis.max_recovery_time, milliseconds(1),
                                             kMaxLongDuration));
  }
  AFTERSHOCK_RETURN_IF_ERROR(
      checkDuration("spec.recovery.timeout", spec.recovery.timeout, seconds(1), kMaxLongDuration));
  AFTERSHOCK_RETURN_IF_ERROR(checkRange("spec.recovery.consecutiveSuccesses",
                                        spec.recovery.consecutive_successes, 1, 100));
  AFTERSHOCK_RETURN_IF_ERROR(
      checkRange("spec.repeat.count", spec.repeat.count, 1, static_cast<int>(kMaxRuns)));
  AFTERSHOCK_RETURN_IF_ERROR(
      checkDuration("spec.repeat.cooldown", spec.repeat.cooldown, Duration(0), kMaxLongDuration));
  AFTERSHOCK_RETURN_IF_ERROR(
      checkAtLeast("spec.safety.minHealthyReplicas", spec.safety.min_healthy_replicas, 0));
  if (spec.abort_when.consecutive_probe_failures) {
    AFTERSHOCK_RETURN_IF_ERROR(checkAtLeast("spec.abortWhen.consecutiveProbeFailures",
                                            *spec.abort_when.consecutive_probe_failures, 1));
  }
  if (spec.abort_when.availability_below) {
    AFTERSHOCK_RETURN_IF_ERROR(checkRange("spec.abortWhen.availabilityBelow",
                                          *spec.abort_when.availability_below, 0.0, 1.0));
  }
  return {};
}

ChaosExperiment parseMetadataAndStatus(const json& object) {
  ChaosExperiment experiment;
  if (const json* metadata = findMember(object, "metadata"); metadata != nullptr) {
    experiment.namespace_name = lenientString(*metadata, "namespace");
    experiment.name = lenientString(*metadata, "name");
    experiment.uid = lenientString(*metadata, "uid");
    experiment.generation = lenientInteger(*metadata, "generation", 0);
    experiment.resource_version = lenientString(*metadata, "resourceVersion");
    experiment.creation_timestamp = lenientString(*metadata, "creationTimestamp");
    experiment.deleting = findMember(*metadata, "deletionTimestamp") != nullptr;
    if (const json* finalizers = findMember(*metadata, "finalizers");
        finalizers != nullptr && finalizers->is_array()) {
      experiment.has_finalizer =
          std::any_of(finalizers->begin(), finalizers->end(), [](const json& finalizer) {
            return finalizer.is_string() && finalizer.get_ref<const std::string&>() == kFinalizer;
          });
    }
  }
  if (const json* status = findMember(object, "status"); status != nullptr) {
    experiment.status = parseStatus(*status);
  }
  return experiment;
}

common::Result<ChaosExperiment> parseExperiment(const json& object) {
  if (!object.is_object()) {
    return common::makeError(
        common::ErrorCode::kInvalid,
        "a ChaosExperiment must be a JSON object, got " + std::string(jsonTypeName(object)));
  }
  ChaosExperiment experiment = parseMetadataAndStatus(object);
  const json* spec = findMember(object, "spec");
  if (spec == nullptr) return fieldError("spec", "is required");
  Result<ChaosExperimentSpec> parsed = parseSpec(*spec, experiment.namespace_name);
  if (!parsed.ok()) return parsed.error();
  experiment.spec = std::move(*parsed);
  return experiment;
}

ChaosExperimentStatus parseStatus(const json& status) {
  ChaosExperimentStatus out;
  if (!status.is_object()) return out;
  try {
    out.phase = parsePhase(lenientString(status, "phase")).value_or(Phase::kPending);
    out.verdict = lenientVerdict(status);
    out.observed_generation = lenientInteger(status, "observedGeneration", 0);
    forEachObject(status, "conditions", [&out](const json& entry) {
      Condition condition;
      condition.type = lenientString(entry, "type");
      condition.status = lenientString(entry, "status");
      condition.reason = lenientString(entry, "reason");
      condition.message = lenientString(entry, "message");
      condition.last_transition_time = lenientString(entry, "lastTransitionTime");
      condition.observed_generation = lenientInteger(entry, "observedGeneration", 0);
      out.conditions.push_back(std::move(condition));
    });
    out.start_time = lenientString(status, "startTime");
    out.injection_time = lenientString(status, "injectionTime");
    out.fault_end_time = lenientString(status, "faultEndTime");
    out.recovered_time = lenientString(status, "recoveredTime");
    out.completion_time = lenientString(status, "completionTime");
    out.time_to_detect_seconds = lenientNumber(status, "timeToDetectSeconds");
    out.time_to_recover_seconds = lenientNumber(status, "timeToRecoverSeconds");
    out.availability = lenientNumber(status, "availability");
    forEachObject(status, "probes", [&out](const json& entry) {
      ProbeStatus probe;
      probe.name = lenientString(entry, "name");
      probe.checks = lenientInteger(entry, "checks", 0);
      probe.failures = lenientInteger(entry, "failures", 0);
      probe.last_error = lenientString(entry, "lastError");
      probe.first_failure_time = lenientString(entry, "firstFailureTime");
      probe.last_failure_time = lenientString(entry, "lastFailureTime");
      out.probes.push_back(std::move(probe));
    });
    forEachObject(status, "affected", [&out](const json& entry) {
      AffectedResource resource;
      resource.kind = lenientString(entry, "kind");
      resource.namespace_name = lenientString(entry, "namespace");
      resource.name = lenientString(entry, "name");
      resource.uid = lenientString(entry, "uid");
      resource.fault = lenientString(entry, "fault");
      if (const json* original = findMember(entry, "original")) resource.original = *original;
      out.affected.push_back(std::move(resource));
    });
    out.current_run = lenientInt(status, "currentRun", 0);
    forEachObject(status, "runs", [&out](const json& entry) {
      RunRecord run;
      run.index = lenientInt(entry, "index", 0);
      run.time_to_detect_seconds = lenientNumber(entry, "timeToDetectSeconds");
      run.time_to_recover_seconds = lenientNumber(entry, "timeToRecoverSeconds");
      run.availability = lenientNumber(entry, "availability");
      run.verdict = lenientVerdict(entry);
      out.runs.push_back(std::move(run));
    });
    if (const json* summary = findMember(status, "summary");
        summary != nullptr && summary->is_object()) {
      Summary read;
      read.mean_recovery_seconds = lenientNumber(*summary, "meanRecoverySeconds").value_or(0.0);
      read.p95_recovery_seconds = lenientNumber(*summary, "p95RecoverySeconds").value_or(0.0);
      read.worst_recovery_seconds = lenientNumber(*summary, "worstRecoverySeconds").value_or(0.0);
      read.slo_compliance = lenientNumber(*summary, "sloCompliance").value_or(0.0);
      out.summary = read;
    }
    out.next_run_time = lenientString(status, "nextRunTime");
    out.message = lenientString(status, "message");
  } catch (const std::exception&) {
    // Unreachable with the checked reads above; the boundary keeps "never throws" a guarantee.
    return ChaosExperimentStatus{};
  }
  return out;
}

json specToJson(const ChaosExperimentSpec& spec) {
  json target = {{"kind", targetKindName(spec.target.kind)}};
  putString(target, "name", spec.target.name);
  putString(target, "namespace", spec.target.namespace_name);
  if (!spec.target.selector.empty()) target["selector"] = selectorToJson(spec.target.selector);

  const FaultSpec& fault = spec.fault;
  json fault_json = {{"type", faultTypeName(fault.type)}};
  switch (fault.type) {
    case FaultType::kPodDelete:
      fault_json["podDelete"] = {{"mode", podDeleteModeName(fault.pod_delete.mode)},
                                 {"value", fault.pod_delete.value},
                                 {"gracePeriodSeconds", fault.pod_delete.grace_period_seconds}};
      break;
    case FaultType::kScaleDown:
      fault_json["scaleDown"] = {{"replicas", fault.scale_down.replicas}};
      break;
    case FaultType::kRolloutRestart:
      break;
    case FaultType::kBackendFault: {
      json backend = json::object();
      putString(backend, "url", fault.backend_fault.url);
      putNumber(backend, "failureRate", fault.backend_fault.failure_rate);
      if (fault.backend_fault.status_code) backend["statusCode"] = *fault.backend_fault.status_code;
      if (fault.backend_fault.delay_ms) backend["delayMs"] = *fault.backend_fault.delay_ms;
      putNumber(backend, "delayRate", fault.backend_fault.delay_rate);
      fault_json["backendFault"] = std::move(backend);
      break;
    }
    case FaultType::kNetworkPartition:
      fault_json["networkPartition"] = {{"from", selectorToJson(fault.network_partition.from)},
                                        {"to", selectorToJson(fault.network_partition.to)}};
      break;
    case FaultType::kCpuStress:
    case FaultType::kMemoryStress:
    case FaultType::kProcessCrash: {
      json stress = json::object();
      putString(stress, "url", fault.stress.url);
      stress["durationSeconds"] = fault.stress.duration_seconds;
      stress["memoryMB"] = fault.stress.memory_mb;
      stress["threads"] = fault.stress.threads;
      fault_json["stress"] = std::move(stress);
      break;
    }
  }

  json probes = json::array();
  for (const ProbeSpec& probe : spec.probes) {
    json entry = {{"name", probe.name}, {"interval", formatDuration(probe.interval)}};
    switch (probe.kind) {
      case ProbeKind::kHttp: {
        json http = {{"method", probe.http.method},
                     {"expectStatus", probe.http.expect_status},
                     {"timeout", formatDuration(probe.http.timeout)}};
        putString(http, "url", probe.http.url);
        if (probe.http.max_latency) http["maxLatency"] = formatDuration(*probe.http.max_latency);
        putString(http, "bodyContains", probe.http.body_contains);
        entry["http"] = std::move(http);
        break;
      }
      case ProbeKind::kWorkload: {
        json workload = {{"kind", targetKindName(probe.workload.kind)}};
        putString(workload, "name", probe.workload.name);
        putString(workload, "namespace", probe.workload.namespace_name);
        entry["workload"] = std::move(workload);
        break;
      }
      case ProbeKind::kMetric: {
        json metric = {{"op", compareOpName(probe.metric.op)},
                       {"value", probe.metric.value},
                       {"timeout", formatDuration(probe.metric.timeout)}};
        putString(metric, "url", probe.metric.url);
        putString(metric, "name", probe.metric.name);
        if (!probe.metric.labels.empty()) metric["labels"] = probe.metric.labels;
        entry["metric"] = std::move(metric);
        break;
      }
    }
    probes.push_back(std::move(entry));
  }

  json out = {{"target", std::move(target)},
              {"fault", std::move(fault_json)},
              {"duration", formatDuration(spec.duration)},
              {"recovery",
               {{"timeout", formatDuration(spec.recovery.timeout)},
                {"consecutiveSuccesses", spec.recovery.consecutive_successes}}},
              {"repeat",
               {{"count", spec.repeat.count}, {"cooldown", formatDuration(spec.repeat.cooldown)}}},
              {"safety",
               {{"minHealthyReplicas", spec.safety.min_healthy_replicas},
                {"concurrencyPolicy", concurrencyPolicyName(spec.safety.concurrency_policy)}}},
              {"dryRun", spec.dry_run},
              {"abort", spec.abort}};
  if (!probes.empty()) out["steadyState"] = {{"probes", std::move(probes)}};
  json hypothesis = json::object();
  putNumber(hypothesis, "minAvailability", spec.hypothesis.min_availability);
  if (spec.hypothesis.max_recovery_time) {
    hypothesis["maxRecoveryTime"] = formatDuration(*spec.hypothesis.max_recovery_time);
  }
  if (!hypothesis.empty()) out["hypothesis"] = std::move(hypothesis);
  json abort_when = json::object();
  if (spec.abort_when.consecutive_probe_failures) {
    abort_when["consecutiveProbeFailures"] = *spec.abort_when.consecutive_probe_failures;
  }
  putNumber(abort_when, "availabilityBelow", spec.abort_when.availability_below);
  if (!abort_when.empty()) out["abortWhen"] = std::move(abort_when);
  return out;
}

json statusToJson(const ChaosExperimentStatus& status) {
  json out = {{"phase", phaseName(status.phase)}};
  if (status.verdict != Verdict::kNone) out["verdict"] = verdictName(status.verdict);
  if (status.observed_generation != 0) out["observedGeneration"] = status.observed_generation;
  if (!status.conditions.empty()) {
    json conditions = json::array();
    // metav1.Condition's members are all required, so each is written even when empty.
    for (const Condition& condition : status.conditions) {
      conditions.push_back(
          {{"type", common::toValidUtf8(condition.type)},
           {"status", common::toValidUtf8(condition.status)},
           {"reason", common::toValidUtf8(condition.reason)},
           {"message", common::toValidUtf8(condition.message)},
           {"lastTransitionTime", common::toValidUtf8(condition.last_transition_time)},
           {"observedGeneration", condition.observed_generation}});
    }
    out["conditions"] = std::move(conditions);
  }
  putString(out, "startTime", status.start_time);
  putString(out, "injectionTime", status.injection_time);
  putString(out, "faultEndTime", status.fault_end_time);
  putString(out, "recoveredTime", status.recovered_time);
  putString(out, "completionTime", status.completion_time);
  putNumber(out, "timeToDetectSeconds", status.time_to_detect_seconds);
  putNumber(out, "timeToRecoverSeconds", status.time_to_recover_seconds);
  putNumber(out, "availability", status.availability);
  if (!status.probes.empty()) {
    json probes = json::array();
    for (const ProbeStatus& probe : status.probes) {
      json entry = {{"checks", probe.checks}, {"failures", probe.failures}};
      putString(entry, "name", probe.name);
      putString(entry, "lastError", probe.last_error);
      putString(entry, "firstFailureTime", probe.first_failure_time);
      putString(entry, "lastFailureTime", probe.last_failure_time);
      probes.push_back(std::move(entry));
    }
    out["probes"] = std::move(probes);
  }
  if (!status.affected.empty()) {
    json affected = json::array();
    for (const AffectedResource& resource : status.affected) {
      json entry = {{"original", resource.original}};
      putString(entry, "kind", resource.kind);
      putString(entry, "namespace", resource.namespace_name);
      putString(entry, "name", resource.name);
      putString(entry, "uid", resource.uid);
      putString(entry, "fault", resource.fault);
      affected.push_back(std::move(entry));
    }
    out["affected"] = std::move(affected);
  }
  if (status.current_run != 0) out["currentRun"] = status.current_run;
  if (!status.runs.empty()) {
    json runs = json::array();
    for (const RunRecord& run : status.runs) {
      json entry = {{"index", run.index}};
      putNumber(entry, "timeToDetectSeconds", run.time_to_detect_seconds);
      putNumber(entry, "timeToRecoverSeconds", run.time_to_recover_seconds);
      putNumber(entry, "availability", run.availability);
      if (run.verdict != Verdict::kNone) entry["verdict"] = verdictName(run.verdict);
      runs.push_back(std::move(entry));
    }
    out["runs"] = std::move(runs);
  }
  if (status.summary) {
    out["summary"] = {{"meanRecoverySeconds", status.summary->mean_recovery_seconds},
                      {"p95RecoverySeconds", status.summary->p95_recovery_seconds},
                      {"worstRecoverySeconds", status.summary->worst_recovery_seconds},
                      {"sloCompliance", status.summary->slo_compliance}};
  }
  putString(out, "nextRunTime", status.next_run_time);
  putString(out, "message", status.message);
  return out;
}

std::string describeError(const common::Error& error) {
  if (error.field.empty()) return error.message;
  return error.field + ": " + error.message;
}

namespace {

constexpr std::array<std::pair<CompareOp, std::string_view>, 6> kCompareOpNames{{
    {CompareOp::kEqual, "=="},
    {CompareOp::kNotEqual, "!="},
    {CompareOp::kLess, "<"},
    {CompareOp::kLessEqual, "<="},
    {CompareOp::kGreater, ">"},
    {CompareOp::kGreaterEqual, ">="},
}};
constexpr std::array<std::pair<PodDeleteMode, std::string_view>, 4> kPodDeleteModeNames{{
    {PodDeleteMode::kOne, "One"},
    {PodDeleteMode::kAll, "All"},
    {PodDeleteMode::kFixed, "Fixed"},
    {PodDeleteMode::kPercent, "Percent"},
}};
constexpr std::array<std::pair<ConcurrencyPolicy, std::string_view>, 2> kConcurrencyPolicyNames{{
    {ConcurrencyPolicy::kForbid, "Forbid"},
    {ConcurrencyPolicy::kAllow, "Allow"},
}};

template <typename Enum, std::size_t N>
std::string_view nameIn(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [entry, name] : table) {
    if (entry == value) return name;
  }
  return {};
}

template <typename Enum, std::size_t N>
std::optional<Enum> valueIn(const std::array<std::pair<Enum, std::string_view>, N>& table,
                            std::string_view name) {
  for (const auto& [entry, entry_name] : table) {
    if (entry_name == name) return entry;
  }
  return std::nullopt;
}

}  // namespace

std::string_view compareOpName(CompareOp op) { return nameIn(kCompareOpNames, op); }
std::optional<CompareOp> parseCompareOp(std::string_view name) {
  return valueIn(kCompareOpNames, name);
}

bool compare(double observed, CompareOp op, double threshold) {
  switch (op) {
    case CompareOp::kEqual:
      return observed == threshold;
    case CompareOp::kNotEqual:
      return observed != threshold;
    case CompareOp::kLess:
      return observed < threshold;
    case CompareOp::kLessEqual:
      return observed <= threshold;
    case CompareOp::kGreater:
      return observed > threshold;
    case CompareOp::kGreaterEqual:
      return observed >= threshold;
  }
  return false;
}

std::string_view probeKindName(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kHttp:
      return "http";
    case ProbeKind::kWorkload:
      return "workload";
    case ProbeKind::kMetric:
      return "metric";
  }
  return {};
}

std::string_view podDeleteModeName(PodDeleteMode mode) { return nameIn(kPodDeleteModeNames, mode); }
std::optional<PodDeleteMode> parsePodDeleteMode(std::string_view name) {
  return valueIn(kPodDeleteModeNames, name);
}
std::string_view concurrencyPolicyName(ConcurrencyPolicy policy) {
  return nameIn(kConcurrencyPolicyNames, policy);
}
std::optional<ConcurrencyPolicy> parseConcurrencyPolicy(std::string_view name) {
  return valueIn(kConcurrencyPolicyNames, name);
}

#undef AFTERSHOCK_RETURN_IF_ERROR

}  // namespace aftershock::op::v1alpha1
