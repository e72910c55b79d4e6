// ChaosExperiment (chaos.aftershock.dev/v1alpha1): the spec a user writes and the status the
// operator reports, as plain C++ values. The JSON codec and the semantic validation live in
// codec.h; the CRD's OpenAPI schema (crds/) rejects what a schema can, this code the rest.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace aftershock::op::v1alpha1 {

using nlohmann::json;

inline constexpr std::string_view kGroup = "chaos.aftershock.dev";
inline constexpr std::string_view kVersion = "v1alpha1";
inline constexpr std::string_view kKind = "ChaosExperiment";
inline constexpr std::string_view kPlural = "chaosexperiments";
// The finalizer that guarantees rollback of an experiment deleted mid-run.
inline constexpr std::string_view kFinalizer = "chaos.aftershock.dev/rollback";
// A namespace takes part only with this annotation set to "true".
inline constexpr std::string_view kAllowAnnotation = "chaos.aftershock.dev/allow";

// --- Spec ------------------------------------------------------------------------------------

// metav1.LabelSelector, matchLabels only plus matchExpressions with In/NotIn/Exists/DoesNotExist.
struct SelectorRequirement {
  std::string key;
  std::string op;  // In | NotIn | Exists | DoesNotExist
  std::vector<std::string> values;
};
struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<SelectorRequirement> match_expressions;
  bool empty() const { return match_labels.empty() && match_expressions.empty(); }
};

enum class TargetKind { kDeployment, kStatefulSet, kPod };
struct TargetSpec {
  TargetKind kind = TargetKind::kDeployment;
  std::string name;            // the workload (Deployment/StatefulSet); empty for kind Pod
  std::string namespace_name;  // resolved: the experiment's own when the spec leaves it empty
  LabelSelector selector;      // pods to choose from; defaults to the workload's selector
};

enum class FaultType {
  kPodDelete,
  kScaleDown,
  kRolloutRestart,
  kBackendFault,
  kNetworkPartition,
  kCpuStress,
  kMemoryStress,
  kProcessCrash,
};

enum class PodDeleteMode { kOne, kAll, kFixed, kPercent };
struct PodDeleteSpec {
  PodDeleteMode mode = PodDeleteMode::kOne;
  int value = 1;  // pods for Fixed, percent (1..100) for Percent; ignored otherwise
  std::int64_t grace_period_seconds = 0;
};

struct ScaleDownSpec {
  int replicas = 0;
};

// What to post to the backend's fault-injection config; unset fields are left as they are.
struct BackendFaultSpec {
  std::string url;  // the backend's base URL, e.g. http://backend-service:8000
  std::optional<double> failure_rate;
  std::optional<int> status_code;
  std::optional<int> delay_ms;
  std::optional<double> delay_rate;
};

struct NetworkPartitionSpec {
  LabelSelector from;  // pods whose traffic is cut ...
  LabelSelector to;    // ... towards these pods
};

// CPUStress, MemoryStress, ProcessCrash: the backend's chaos endpoints.
struct StressSpec {
  std::string url;
  int duration_seconds = 0;  // 0 = the fault's `duration`
  int memory_mb = 100;       // MemoryStress
  int threads = 0;           // CPUStress; 0 = the backend's default
};

struct FaultSpec {
  FaultType type = FaultType::kPodDelete;
  PodDeleteSpec pod_delete;
  ScaleDownSpec scale_down;
  BackendFaultSpec backend_fault;
  NetworkPartitionSpec network_partition;
  StressSpec stress;
};

struct HttpProbeSpec {
  std::string url;
  std::string method = "GET";
  std::vector<int> expect_status{200};
  common::Duration timeout = std::chrono::seconds(2);
  std::optional<common::Duration> max_latency;
  std::string body_contains;  // empty = no body match
};
struct WorkloadProbeSpec {
  TargetKind kind = TargetKind::kDeployment;
  std::string name;
  std::string namespace_name;  // resolved like the target's
};
enum class CompareOp { kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual };
struct MetricProbeSpec {
  std::string url;
  std::string name;                           // the sample's metric name
  std::map<std::string, std::string> labels;  // the sample must carry these
  CompareOp op = CompareOp::kEqual;
  double value = 0.0;
  common::Duration timeout = std::chrono::seconds(2);
};

enum class ProbeKind { kHttp, kWorkload, kMetric };
struct ProbeSpec {
  std::string name;
  ProbeKind kind = ProbeKind::kHttp;
  HttpProbeSpec http;
  WorkloadProbeSpec workload;
  MetricProbeSpec metric;
  common::Duration interval = std::chrono::seconds(1);
};

struct Hypothesis {
  std::optional<double> min_availability;  // 0..1
  std::optional<common::Duration> max_recovery_time;
};

struct RecoverySpec {
  common::Duration timeout = std::chrono::seconds(120);
  int consecutive_successes = 3;
};

struct RepeatSpec {
  int count = 1;
  common::Duration cooldown = std::chrono::seconds(10);
};

enum class ConcurrencyPolicy { kForbid, kAllow };
struct SafetySpec {
  int min_healthy_replicas = 0;
  ConcurrencyPolicy concurrency_policy = ConcurrencyPolicy::kForbid;
};

struct AbortWhen {
  std::optional<int> consecutive_probe_failures;
  std::optional<double> availability_below;
};

struct ChaosExperimentSpec {
  TargetSpec target;
  FaultSpec fault;
  common::Duration duration = std::chrono::seconds(30);
  std::vector<ProbeSpec> probes;  // spec.steadyState.probes
  Hypothesis hypothesis;
  RecoverySpec recovery;
  RepeatSpec repeat;
  SafetySpec safety;
  AbortWhen abort_when;
  bool dry_run = false;
  bool abort = false;
};

// --- Status ----------------------------------------------------------------------------------

enum class Phase {
  kPending,
  kSteadyStateCheck,
  kInjecting,
  kFaultActive,
  kRollingBack,
  kRecovering,
  kCompleted,
  kFailed,
  kAborted,
};
enum class Verdict { kNone, kPass, kFail, kError };

// metav1.Condition.
struct Condition {
  std::string type;
  std::string status;  // "True" | "False" | "Unknown"
  std::string reason;  // CamelCase
  std::string message;
  std::string last_transition_time;  // RFC 3339
  std::int64_t observed_generation = 0;
};

struct ProbeStatus {
  std::string name;
  std::int64_t checks = 0;
  std::int64_t failures = 0;
  std::string last_error;
  std::string first_failure_time;  // RFC 3339 with milliseconds
  std::string last_failure_time;
};

// What rollback must restore, written before the fault is injected.
struct AffectedResource {
  std::string kind;  // Pod | Deployment | StatefulSet | NetworkPolicy | Backend
  std::string namespace_name;
  std::string name;  // for kind Backend: the base URL
  std::string uid;
  json original = json::object();  // e.g. {"replicas": 3}, the backend's config
  std::string fault;  // the fault type that touched it, so rollback never depends on the spec
};

struct RunRecord {
  int index = 0;  // 1-based
  std::optional<double> time_to_detect_seconds;
  std::optional<double> time_to_recover_seconds;
  std::optional<double> availability;
  Verdict verdict = Verdict::kNone;
};

struct Summary {
  double mean_recovery_seconds = 0.0;
  double p95_recovery_seconds = 0.0;
  double worst_recovery_seconds = 0.0;
  double slo_compliance = 0.0;  // share of runs that passed
};

struct ChaosExperimentStatus {
  Phase phase = Phase::kPending;
  Verdict verdict = Verdict::kNone;
  std::int64_t observed_generation = 0;
  std::vector<Condition> conditions;
  std::string start_time, injection_time, fault_end_time, recovered_time, completion_time;
  std::optional<double> time_to_detect_seconds;
  std::optional<double> time_to_recover_seconds;
  std::optional<double> availability;
  std::vector<ProbeStatus> probes;
  std::vector<AffectedResource> affected;
  int current_run = 0;          // 1-based index of the run in progress (or the last one)
  std::vector<RunRecord> runs;  // capped at kMaxRuns, newest kept
  std::optional<Summary> summary;
  std::string next_run_time;  // RFC 3339: when a repeat's cooldown ends
  std::string message;
};

inline constexpr std::size_t kMaxRuns = 20;

// The whole object as the operator works with it.
struct ChaosExperiment {
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::int64_t generation = 0;
  std::string resource_version;
  bool deleting = false;       // metadata.deletionTimestamp is set
  bool has_finalizer = false;  // kFinalizer is present
  std::string creation_timestamp;
  ChaosExperimentSpec spec;
  ChaosExperimentStatus status;
};

bool isTerminal(Phase phase);
// Phases between the first mutation of a target and the end of its rollback.
bool touchesTarget(Phase phase);

std::string_view phaseName(Phase phase);
std::string_view verdictName(Verdict verdict);  // "" for kNone
std::string_view faultTypeName(FaultType type);
std::string_view targetKindName(TargetKind kind);
std::optional<Phase> parsePhase(std::string_view name);
std::optional<Verdict> parseVerdict(std::string_view name);
std::optional<FaultType> parseFaultType(std::string_view name);
std::optional<TargetKind> parseTargetKind(std::string_view name);

}  // namespace aftershock::op::v1alpha1
