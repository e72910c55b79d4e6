// Shared setup of the fault unit tests: a fixture holding the fakes a fault acts through and
// the experiment it acts for, and builders of the Kubernetes objects and backend answers the
// tests seed.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "operator/faults/fault.h"
#include "tests/fakes/fake_http_client.h"
#include "tests/fakes/fake_kube_client.h"
#include "tests/fakes/fake_random.h"

namespace aftershock::op {

using Labels = std::map<std::string, std::string>;

// A Deployment or StatefulSet named `name` whose spec.selector and pod template carry
// `labels`. Without `replicas` spec.replicas is left out (the API's default, 1).
inline json workloadObject(const std::string& name, std::optional<int> replicas,
                           const Labels& labels) {
  json object = {{"metadata", {{"name", name}}},
                 {"spec",
                  {{"selector", {{"matchLabels", labels}}},
                   {"template", {{"metadata", {{"labels", labels}}}}}}}};
  if (replicas) object["spec"]["replicas"] = *replicas;
  return object;
}

// A pod carrying `labels`, in `phase`, whose Ready condition is `ready`.
inline json podObject(const std::string& name, const Labels& labels,
                      const std::string& phase = "Running", bool ready = true) {
  return {
      {"metadata", {{"name", name}, {"labels", labels}}},
      {"status",
       {{"phase", phase},
        {"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})}}}};
}

// The JSON body of a request the fake HTTP client recorded; discarded when it is not JSON.
inline json bodyOf(const common::HttpClientRequest& request) {
  return json::parse(request.body, nullptr, /*allow_exceptions=*/false);
}

// A fixture's SetUp names the experiment, sets `fault_` to the fault under test and seeds what
// the fault should find.
class FaultTest : public ::testing::Test {
 protected:
  // The experiment demo/<name>, of fault `type`.
  void nameExperiment(const std::string& name, v1alpha1::FaultType type) {
    experiment_.namespace_name = "demo";
    experiment_.name = name;
    experiment_.spec.fault.type = type;
  }
  // Targets Deployment demo/backend-service, and gives the experiment the uid the faults that
  // act on Kubernetes objects record.
  void targetBackendDeployment() {
    experiment_.uid = "experiment-uid";
    experiment_.spec.target.kind = v1alpha1::TargetKind::kDeployment;
    experiment_.spec.target.name = "backend-service";
    experiment_.spec.target.namespace_name = "demo";
  }

  FaultContext context() { return FaultContext{*fault_kube_, http_, random_, experiment_}; }
  // The plan of `fault_`, which the test expects to succeed; empty when it does not.
  std::vector<v1alpha1::AffectedResource> plan() {
    auto planned = fault_->plan(context());
    EXPECT_TRUE(planned.ok()) << planned.error().message;
    return planned.ok() ? *planned : std::vector<v1alpha1::AffectedResource>{};
  }
  // The answer of a verify step the test expects to succeed; false when it does not.
  bool verified(common::Result<bool> result) {
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() && *result;
  }

  testing::FakeKubeClient kube_;
  // The client context() hands the fault: `kube_`, unless a test puts a recorder in between.
  KubeClient* fault_kube_ = &kube_;
  testing::FakeHttpClient http_;
  testing::FakeRandom random_{{0.0}};
  v1alpha1::ChaosExperiment experiment_;
  std::unique_ptr<Fault> fault_;
};

}  // namespace aftershock::op
