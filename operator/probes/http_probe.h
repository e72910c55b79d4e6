// HttpProbe: one request to a URL, judged on its status code, its latency and its body.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/http.h"
#include "common/result.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/probes/probe.h"

namespace aftershock::op {

// What a person reads when a probe's request never got an answer: "timed out after 2000 ms"
// for kTimeout, "invalid URL: ..." for kInvalid, "unreachable: <message>" for the rest.
// Shared by every probe that makes an HTTP request.
std::string describeTransportFailure(const common::Error& error, common::Duration timeout);

// Passes when the status is one of expect_status, the latency (measured on `clock` around
// the call) is at most max_latency when set, and the body contains body_contains when set.
// The first unmet condition, in that order, is the failure reported.
// Thread-safe: holds no state besides the spec.
class HttpProbe final : public Probe {
 public:
  HttpProbe(v1alpha1::HttpProbeSpec spec, common::HttpClient& http, common::Clock& clock);
  CheckResult check() override;

 private:
  v1alpha1::HttpProbeSpec spec_;
  common::HttpClient& http_;
  common::Clock& clock_;
};

}  // namespace aftershock::op
