// MetricProbe: scrapes a Prometheus endpoint and compares one series' value with a number.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/http.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/probes/probe.h"

namespace aftershock::op {

// "==", "!=", "<", "<=", ">", ">=".
std::string_view compareOpSymbol(v1alpha1::CompareOp op);
// `actual <op> wanted`, with IEEE semantics: NaN compares unequal to everything.
bool compareValues(double actual, v1alpha1::CompareOp op, double wanted);
// The series as Prometheus writes it: name{k="v",k2="v2"}, or the bare name without labels.
std::string describeSeries(std::string_view name, const std::map<std::string, std::string>& labels);

// Passes when the sum of every sample named spec.name that carries all of spec.labels (other
// labels may be present) satisfies `sum <op> value`. Fails on a transport error, a non-2xx
// status, a body that is not Prometheus text, or no matching sample.
// Thread-safe: holds no state besides the spec.
class MetricProbe final : public Probe {
 public:
  MetricProbe(v1alpha1::MetricProbeSpec spec, common::HttpClient& http);
  CheckResult check() override;

 private:
  v1alpha1::MetricProbeSpec spec_;
  common::HttpClient& http_;
};

}  // namespace aftershock::op
