// The ChaosExperiment's JSON codec and the semantic validation of its spec.
//
// JSON shape: /work/notes/api-shape.md (camelCase, durations as Go duration strings). The spec
// is read strictly: a wrong type, a bad value or a broken rule is an Error whose `field` is the
// JSON path ("spec.steadyState.probes[1].http.timeout") and whose message says what to change
// ("must be between 1ms and 5m, got 10m"). The status is read leniently: the operator wrote
// it, so a missing or unknown value falls back to its default instead of failing. Nothing here
// throws, whatever the input.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "operator/api/v1alpha1/chaos_experiment.h"

namespace aftershock::op::v1alpha1 {

// Limits the schema states and the operator enforces (api-shape.md).
inline constexpr std::size_t kMaxProbes = 16;
inline constexpr std::size_t kMaxAffected = 1000;

// The whole object as served by the API server: metadata (namespace, name, uid, generation,
// resourceVersion, creationTimestamp, deletionTimestamp -> deleting, kFinalizer in finalizers
// -> has_finalizer), spec (parseSpec, with metadata.namespace as the default namespace) and
// status (parseStatus). Metadata is read leniently, as the API server wrote it.
common::Result<ChaosExperiment> parseExperiment(const json& object);

// The metadata and status of `object` with a default spec; never fails. For when
// parseExperiment rejects the spec: the controller still needs the status (status.affected
// says what to roll back) and the metadata (finalizer, generation) to report the error.
ChaosExperiment parseMetadataAndStatus(const json& object);

// Reads `spec`, applies every default, resolves an empty target namespace and workload-probe
// namespace to `default_namespace`, then runs validateSpec: a parsed spec is always valid.
// Unknown members are ignored (the API server prunes them).
common::Result<ChaosExperimentSpec> parseSpec(const json& spec, std::string_view default_namespace);

// The rules a schema cannot express, or that must hold when the CRD is not installed: every
// range of api-shape.md, names and URLs, the fault's parameters for its type, unique probe
// names. The error's field is the JSON path of the offending member.
common::Status validateSpec(const ChaosExperimentSpec& spec);

// Never fails: each member that is missing, of the wrong type or unknown keeps its default.
ChaosExperimentStatus parseStatus(const json& status);

// The JSON forms. Optional members are omitted when unset or empty; specToJson writes only the
// fault sub-object that belongs to the fault's type. parseSpec(specToJson(s)) == s for a valid
// spec with resolved namespaces, and parseStatus(statusToJson(s)) == s for every status.
// statusToJson replaces malformed UTF-8 in strings so the result can always be serialized.
json specToJson(const ChaosExperimentSpec& spec);
json statusToJson(const ChaosExperimentStatus& status);

// "spec.duration: must be between 1s and 24h, got 0s" (or the message alone without a field):
// the text for a status message or an Event.
std::string describeError(const common::Error& error);

std::string_view compareOpName(CompareOp op);  // "==", "!=", "<", "<=", ">", ">="
std::optional<CompareOp> parseCompareOp(std::string_view name);
// True when `observed op threshold` holds.
bool compare(double observed, CompareOp op, double threshold);
std::string_view probeKindName(ProbeKind kind);  // "http", "workload", "metric"
std::string_view podDeleteModeName(PodDeleteMode mode);
std::optional<PodDeleteMode> parsePodDeleteMode(std::string_view name);
std::string_view concurrencyPolicyName(ConcurrencyPolicy policy);
std::optional<ConcurrencyPolicy> parseConcurrencyPolicy(std::string_view name);

}  // namespace aftershock::op::v1alpha1
