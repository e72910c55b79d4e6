#include "operator/probes/http_probe.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

namespace aftershock::op {
namespace {

using std::chrono::milliseconds;

// Rounded up, so a latency just over the limit never reads as equal to it.
std::string millisecondsText(common::Duration duration) {
  return std::to_string(std::chrono::ceil<milliseconds>(duration).count()) + " ms";
}

std::string expectedStatusText(const std::vector<int>& expected) {
  if (expected.size() == 1) return std::to_string(expected.front());
  std::string text = "one of ";
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(expected[i]);
  }
  return text;
}

CheckResult failure(std::string error) { return CheckResult{false, std::move(error)}; }

}  // namespace

std::string describeTransportFailure(const common::Error& error, common::Duration timeout) {
  switch (error.code) {
    case common::ErrorCode::kTimeout:
      return "timed out after " + millisecondsText(timeout);
    case common::ErrorCode::kInvalid:
      return "invalid URL: " + error.message;
    default:
      return "unreachable: " + error.message;
  }
}

HttpProbe::HttpProbe(v1alpha1::HttpProbeSpec spec, common::HttpClient& http, common::Clock& clock)
    : spec_(std::move(spec)), http_(http), clock_(clock) {}

CheckResult HttpProbe::check() {
  try {
    common::HttpClientRequest request;
    request.method = spec_.method;
    request.url = spec_.url;
    request.timeout = std::chrono::duration_cast<milliseconds>(spec_.timeout);

    const common::SteadyTime start = clock_.now();
    const common::Result<common::HttpResponse> response = http_.send(request);
    const common::Duration latency = clock_.now() - start;

    if (!response.ok()) return failure(describeTransportFailure(response.error(), spec_.timeout));
    const auto& expected = spec_.expect_status;
    if (std::find(expected.begin(), expected.end(), response->status) == expected.end()) {
      return failure("status " + std::to_string(response->status) + ", want " +
                     expectedStatusText(expected));
    }
    if (spec_.max_latency && latency > *spec_.max_latency) {
      return failure("latency " + millisecondsText(latency) + " over max " +
                     millisecondsText(*spec_.max_latency));
    }
    if (!spec_.body_contains.empty() &&
        response->body.find(spec_.body_contains) == std::string::npos) {
      return failure("body does not contain \"" + spec_.body_contains + "\"");
    }
    return CheckResult{true, {}};
  } catch (const std::exception& error) {
    return failure(std::string("probe error: ") + error.what());
  }
}

}  // namespace aftershock::op
