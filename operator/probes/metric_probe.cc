#include "operator/probes/metric_probe.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <exception>
#include <utility>

#include "operator/probes/http_probe.h"
#include "operator/probes/prometheus_text.h"

namespace aftershock::op {
namespace {

using v1alpha1::CompareOp;

// The shortest text that reads back as the same double, as the exposition format writes it.
std::string valueText(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, end);
}

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool carriesLabels(const Sample& sample, const std::map<std::string, std::string>& wanted) {
  for (const auto& [key, value] : wanted) {
    const auto it = sample.labels.find(key);
    if (it == sample.labels.end() || it->second != value) return false;
  }
  return true;
}

CheckResult failure(std::string error) { return CheckResult{false, std::move(error)}; }

}  // namespace

std::string_view compareOpSymbol(CompareOp op) {
  switch (op) {
    case CompareOp::kEqual:
      return "==";
    case CompareOp::kNotEqual:
      return "!=";
    case CompareOp::kLess:
      return "<";
    case CompareOp::kLessEqual:
      return "<=";
    case CompareOp::kGreater:
      return ">";
    case CompareOp::kGreaterEqual:
      return ">=";
  }
  return "?";
}

bool compareValues(double actual, CompareOp op, double wanted) {
  switch (op) {
    case CompareOp::kEqual:
      return actual == wanted;
    case CompareOp::kNotEqual:
      return actual != wanted;
    case CompareOp::kLess:
      return actual < wanted;
    case CompareOp::kLessEqual:
      return actual <= wanted;
    case CompareOp::kGreater:
      return actual > wanted;
    case CompareOp::kGreaterEqual:
      return actual >= wanted;
  }
  return false;
}

std::string describeSeries(std::string_view name,
                           const std::map<std::string, std::string>& labels) {
  std::string text(name);
  if (labels.empty()) return text;
  text.push_back('{');
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) text.push_back(',');
    first = false;
    text += key + "=\"" + escapeLabelValue(value) + "\"";
  }
  text.push_back('}');
  return text;
}

MetricProbe::MetricProbe(v1alpha1::MetricProbeSpec spec, common::HttpClient& http)
    : spec_(std::move(spec)), http_(http) {}

CheckResult MetricProbe::check() {
  try {
    common::HttpClientRequest request;
    request.url = spec_.url;
    request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(spec_.timeout);
    request.headers.emplace_back("Accept", "text/plain;version=0.0.4");
    const common::Result<common::HttpResponse> response = http_.send(request);
    if (!response.ok()) return failure(describeTransportFailure(response.error(), spec_.timeout));
    if (response->status < 200 || response->status > 299) {
      return failure("status " + std::to_string(response->status) + " from " + spec_.url +
                     ", want 2xx");
    }

    const common::Result<std::vector<Sample>> samples = parsePrometheusText(response->body);
    if (!samples.ok()) return failure("malformed metrics: " + samples.error().message);

    bool found = false;
    double sum = 0.0;
    for (const Sample& sample : *samples) {
      if (sample.name != spec_.name || !carriesLabels(sample, spec_.labels)) continue;
      found = true;
      sum += sample.value;
    }
    const std::string series = describeSeries(spec_.name, spec_.labels);
    if (!found) return failure("no sample " + series);
    if (!compareValues(sum, spec_.op, spec_.value)) {
      return failure(series + " = " + valueText(sum) + ", want " +
                     std::string(compareOpSymbol(spec_.op)) + " " + valueText(spec_.value));
    }
    return CheckResult{true, {}};
  } catch (const std::exception& error) {
    return failure(std::string("probe error: ") + error.what());
  }
}

}  // namespace aftershock::op
