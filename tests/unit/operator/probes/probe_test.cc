// makeProbe: each spec kind gets the probe that uses the matching dependency.
#include "operator/probes/probe.h"

#include <gtest/gtest.h>

#include "operator/kube/resource.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_kube_client.h"

namespace aftershock::op {
namespace {

class MakeProbeTest : public ::testing::Test {
 protected:
  testing::FakeClock clock_;
  testing::FakeHttpClient http_{&clock_};
  testing::FakeKubeClient kube_;
  ProbeDependencies deps_{kube_, http_, clock_};
};

TEST_F(MakeProbeTest, HttpSpecMakesAProbeThatSendsTheRequest) {
  v1alpha1::ProbeSpec spec;
  spec.kind = v1alpha1::ProbeKind::kHttp;
  spec.http.url = "http://client-service:9090/fetch-data";
  http_.pushStatus(503);
  const CheckResult result = makeProbe(spec, deps_)->check();
  EXPECT_EQ(result.error, "status 503, want 200");
  ASSERT_EQ(http_.callCount(), 1u);
  EXPECT_EQ(http_.requests()[0].url, "http://client-service:9090/fetch-data");
}

TEST_F(MakeProbeTest, WorkloadSpecMakesAProbeThatReadsTheWorkload) {
  v1alpha1::ProbeSpec spec;
  spec.kind = v1alpha1::ProbeKind::kWorkload;
  spec.workload.kind = v1alpha1::TargetKind::kStatefulSet;
  spec.workload.name = "db";
  spec.workload.namespace_name = "demo";
  const CheckResult result = makeProbe(spec, deps_)->check();
  EXPECT_EQ(result.error, "StatefulSet demo/db not found");
  EXPECT_EQ(http_.callCount(), 0u);
  ASSERT_EQ(kube_.calls().size(), 1u);
  EXPECT_EQ(kube_.calls()[0].path, resourcePath(resources::statefulSets(), "demo", "db"));
}

TEST_F(MakeProbeTest, MetricSpecMakesAProbeThatScrapesTheUrl) {
  v1alpha1::ProbeSpec spec;
  spec.kind = v1alpha1::ProbeKind::kMetric;
  spec.metric.url = "http://client-service:9090/metrics";
  spec.metric.name = "client_circuit_breaker_state";
  spec.metric.labels = {{"state", "open"}};
  http_.push({common::HttpResponse::text(200, "client_circuit_breaker_state{state=\"open\"} 0\n",
                                         "text/plain"),
              {}});
  const CheckResult result = makeProbe(spec, deps_)->check();
  EXPECT_TRUE(result.passed) << result.error;
  ASSERT_EQ(http_.callCount(), 1u);
  EXPECT_EQ(http_.requests()[0].url, "http://client-service:9090/metrics");
}

}  // namespace
}  // namespace aftershock::op
