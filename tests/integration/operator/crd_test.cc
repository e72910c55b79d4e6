// The ChaosExperiment CRD, its samples and the kustomize bases against a real API server:
// the server, not a linter, is the judge of whether the schema, its defaults, its CEL rules and
// the manifests in config/ are what they claim to be.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/local_cluster.h"
#include "tests/support/text.h"

namespace aftershock::op {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kCrdName = "chaosexperiments.chaos.aftershock.dev";
constexpr const char* kOperatorAccount =
    "system:serviceaccount:aftershock-system:aftershock-operator";

using testing::contains;
using testing::headerValue;
using testing::lines;
using testing::manifestsIn;
using testing::shellQuote;
using testing::sourceDir;
using testing::words;

class CrdIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = &testing::LocalCluster::shared(); }

  void SetUp() override { ASSERT_NO_FATAL_FAILURE(installCrdAndDemoNamespace()); }

  // kubectl against the test cluster with its own discovery cache: a cache shared with an
  // earlier cluster on the same port could predate the CRD. stderr is part of the output.
  static std::string kubectl(const std::string& arguments, int* exit_code = nullptr) {
    return cluster_->kubectl("--cache-dir=" + shellQuote(cluster_->stateDir() + "/kubectl-cache") +
                                 " " + arguments + " 2>&1",
                             exit_code);
  }

  static std::string kubectlOk(const std::string& arguments) {
    int exit_code = 0;
    std::string output = kubectl(arguments, &exit_code);
    EXPECT_EQ(exit_code, 0) << "kubectl " << arguments << "\n" << output;
    return output;
  }

  static std::string path(const fs::path& relative) {
    return shellQuote((sourceDir() / relative).string());
  }

  // Writes `manifest` to a file in the cluster's state folder and returns its quoted path.
  static std::string manifestFile(const std::string& name, const json& manifest) {
    const std::string file = cluster_->stateDir() + "/" + name + ".json";
    std::ofstream(file) << manifest.dump();
    return shellQuote(file);
  }

  // The CRD, Established, and the opted-in demo namespace the samples live in. Idempotent,
  // so every test can rely on it whatever order the tests run in.
  static void installCrdAndDemoNamespace() {
    static bool installed = false;
    if (installed) return;
    kubectlOk("apply -f " + path("crds/chaos.aftershock.dev_chaosexperiments.yaml"));
    kubectlOk("wait --for=condition=Established --timeout=60s crd/" + std::string(kCrdName));
    kubectlOk("apply -f " + path("config/services/namespace.yaml"));
    installed = !::testing::Test::HasFailure();
  }

  // config/default applied for real: the CRD, the operator's namespace, RBAC and Deployment,
  // and the demo services.
  static void applyDefaultKustomization() {
    static bool applied = false;
    if (applied) return;
    const std::string output = kubectlOk("apply -k " + path("config/default"));
    // Pod Security and deprecation problems are warnings, not errors; they must not be there.
    EXPECT_FALSE(contains(output, "Warning")) << output;
    applied = !::testing::Test::HasFailure();
  }

  // A minimal valid experiment in namespace demo.
  static json minimalExperiment(const std::string& name) {
    return {{"apiVersion", "chaos.aftershock.dev/v1alpha1"},
            {"kind", "ChaosExperiment"},
            {"metadata", {{"name", name}, {"namespace", "demo"}}},
            {"spec",
             {{"target", {{"kind", "Deployment"}, {"name", "backend-service"}}},
              {"fault", {{"type", "PodDelete"}}}}}};
  }

  static json getJson(const std::string& arguments) {
    int exit_code = 0;
    const std::string output = kubectl("get " + arguments + " -o json", &exit_code);
    EXPECT_EQ(exit_code, 0) << output;
    json parsed = json::parse(output, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << output;
    return parsed;
  }

  static inline testing::LocalCluster* cluster_ = nullptr;
};

TEST_F(CrdIntegrationTest, CrdIsEstablishedWithItsNamesScopeAndStatusSubresource) {
  const json crd = getJson("crd " + std::string(kCrdName));
  ASSERT_TRUE(crd.is_object());

  const json& spec = crd["spec"];
  EXPECT_EQ(spec["group"], "chaos.aftershock.dev");
  EXPECT_EQ(spec["scope"], "Namespaced");
  EXPECT_EQ(spec["names"]["kind"], "ChaosExperiment");
  EXPECT_EQ(spec["names"]["listKind"], "ChaosExperimentList");
  EXPECT_EQ(spec["names"]["plural"], "chaosexperiments");
  EXPECT_EQ(spec["names"]["singular"], "chaosexperiment");
  EXPECT_EQ(spec["names"]["shortNames"], json::array({"cex"}));
  EXPECT_EQ(spec["names"]["categories"], json::array({"chaos"}));
  ASSERT_EQ(spec["versions"].size(), 1u);
  const json& version = spec["versions"][0];
  EXPECT_EQ(version["name"], "v1alpha1");
  EXPECT_EQ(version["served"], true);
  EXPECT_EQ(version["storage"], true);
  EXPECT_TRUE(version["subresources"].contains("status"));

  std::map<std::string, std::string> conditions;
  for (const json& condition : crd["status"]["conditions"]) {
    conditions[condition.value("type", "")] = condition.value("status", "");
  }
  EXPECT_EQ(conditions["Established"], "True");
  EXPECT_EQ(conditions["NamesAccepted"], "True");

  // The short name and the category resolve through discovery.
  kubectlOk("get cex -n demo");
  kubectlOk("get chaos -n demo");
}

TEST_F(CrdIntegrationTest, EverySampleIsAcceptedByTheServerAndTheyCoverEveryFaultType) {
  const std::vector<fs::path> samples = manifestsIn(sourceDir() / "config/samples");
  ASSERT_GE(samples.size(), 8u);

  std::set<std::string> fault_types;
  for (const fs::path& sample : samples) {
    int exit_code = 0;
    const std::string output = kubectl(
        "apply --dry-run=server -o jsonpath='{.spec.fault.type}' -f " + shellQuote(sample.string()),
        &exit_code);
    EXPECT_EQ(exit_code, 0) << sample.filename() << " was refused:\n" << output;
    if (exit_code == 0) fault_types.insert(output);
  }
  const std::set<std::string> all_types = {"PodDelete",    "ScaleDown",        "RolloutRestart",
                                           "BackendFault", "NetworkPartition", "CPUStress",
                                           "MemoryStress", "ProcessCrash"};
  EXPECT_EQ(fault_types, all_types);

  // The samples' kustomization lists every one of them, and nothing refused.
  const std::string names =
      kubectlOk("apply --dry-run=server -o name -k " + path("config/samples"));
  EXPECT_EQ(lines(names).size(), samples.size()) << names;
}

TEST_F(CrdIntegrationTest, ServerFillsTheDefaultsOfAnOmittedField) {
  const std::string name = "defaults-minimal";
  kubectlOk("create -f " + manifestFile(name, minimalExperiment(name)));
  const json created = getJson("cex -n demo " + name);
  kubectl("delete cex -n demo " + name + " --wait=false");
  ASSERT_TRUE(created.is_object());

  const json& spec = created["spec"];
  EXPECT_EQ(spec["duration"], "30s");
  EXPECT_EQ(spec["recovery"]["timeout"], "120s");
  EXPECT_EQ(spec["recovery"]["consecutiveSuccesses"], 3);
  EXPECT_EQ(spec["repeat"]["count"], 1);
  EXPECT_EQ(spec["repeat"]["cooldown"], "10s");
  EXPECT_EQ(spec["safety"]["minHealthyReplicas"], 0);
  EXPECT_EQ(spec["safety"]["concurrencyPolicy"], "Forbid");
  EXPECT_EQ(spec["dryRun"], false);
  EXPECT_EQ(spec["abort"], false);
}

TEST_F(CrdIntegrationTest, ServerFillsTheDefaultsInsideAnAppliedSample) {
  // backend-fault.yaml leaves recovery, repeat and safety out and gives its probe only a URL,
  // a timeout and a latency bound.
  kubectlOk("apply -f " + path("config/samples/backend-fault.yaml"));
  const json applied = getJson("cex -n demo backend-503-half");
  kubectl("delete cex -n demo backend-503-half --wait=false");
  ASSERT_TRUE(applied.is_object());

  const json& spec = applied["spec"];
  EXPECT_EQ(spec["duration"], "30s");
  EXPECT_EQ(spec["recovery"]["consecutiveSuccesses"], 3);
  EXPECT_EQ(spec["repeat"]["count"], 1);
  ASSERT_EQ(spec["steadyState"]["probes"].size(), 1u);
  const json& probe = spec["steadyState"]["probes"][0];
  EXPECT_EQ(probe["interval"], "500ms");
  EXPECT_EQ(probe["http"]["method"], "GET");
  EXPECT_EQ(probe["http"]["expectStatus"], json::array({200}));
}

TEST_F(CrdIntegrationTest, ServerFillsProbeAndPodDeleteDefaults) {
  json experiment = minimalExperiment("defaults-probes");
  experiment["spec"]["fault"]["podDelete"] = json::object();
  experiment["spec"]["steadyState"]["probes"] = {
      {{"name", "fetch"}, {"http", {{"url", "http://client-service.demo:9090/fetch-data"}}}},
      {{"name", "ready"}, {"workload", {{"name", "backend-service"}}}},
      {{"name", "breaker"},
       {"metric",
        {{"url", "http://client-service.demo:9090/metrics"},
         {"name", "client_circuit_breaker_state"},
         {"value", 0}}}}};
  const std::string output = kubectlOk("create --dry-run=server -o json -f " +
                                       manifestFile("defaults-probes", experiment));
  const json created = json::parse(output, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(created.is_object()) << output;

  const json& pod_delete = created["spec"]["fault"]["podDelete"];
  EXPECT_EQ(pod_delete["mode"], "One");
  EXPECT_EQ(pod_delete["value"], 1);
  EXPECT_EQ(pod_delete["gracePeriodSeconds"], 0);
  const json& probes = created["spec"]["steadyState"]["probes"];
  ASSERT_EQ(probes.size(), 3u);
  EXPECT_EQ(probes[0]["interval"], "1s");
  EXPECT_EQ(probes[0]["http"]["timeout"], "2s");
  EXPECT_EQ(probes[0]["http"]["expectStatus"], json::array({200}));
  EXPECT_EQ(probes[1]["workload"]["kind"], "Deployment");
  EXPECT_EQ(probes[2]["metric"]["op"], "==");
  EXPECT_EQ(probes[2]["metric"]["timeout"], "2s");
}

TEST_F(CrdIntegrationTest, EveryInvalidSampleIsRefusedWithAMessageNamingTheField) {
  const std::vector<fs::path> invalid = manifestsIn(sourceDir() / "config/samples/invalid");
  ASSERT_GE(invalid.size(), 4u);

  for (const fs::path& sample : invalid) {
    SCOPED_TRACE(sample.filename().string());
    const std::string field = headerValue(sample, "expect-field");
    const std::string message = headerValue(sample, "expect-message");
    ASSERT_FALSE(field.empty()) << "no `# expect-field:` header";
    ASSERT_FALSE(message.empty()) << "no `# expect-message:` header";

    int exit_code = 0;
    const std::string output =
        kubectl("apply --dry-run=server -f " + shellQuote(sample.string()), &exit_code);
    EXPECT_NE(exit_code, 0) << output;
    EXPECT_TRUE(contains(output, "is invalid")) << output;
    // kubectl prints each cause as `<field path>: <reason>: <message>`.
    EXPECT_TRUE(contains(output, field + ": ")) << "expected the field " << field << ":\n"
                                                << output;
    EXPECT_TRUE(contains(output, message)) << "expected \"" << message << "\":\n" << output;
  }
}

TEST_F(CrdIntegrationTest, AProbeNameAppearsOnlyOnce) {
  json experiment = minimalExperiment("duplicate-probes");
  const json probe = {{"name", "ready"}, {"workload", {{"name", "backend-service"}}}};
  experiment["spec"]["steadyState"]["probes"] = {probe, probe};
  int exit_code = 0;
  const std::string output = kubectl(
      "create --dry-run=server -f " + manifestFile("duplicate-probes", experiment), &exit_code);
  EXPECT_NE(exit_code, 0) << output;
  EXPECT_TRUE(contains(output, "spec.steadyState.probes[1]: Duplicate value")) << output;
}

TEST_F(CrdIntegrationTest, GetPrintsTheResultColumns) {
  const std::string name = "columns";
  kubectlOk("create -f " + manifestFile(name, minimalExperiment(name)));
  kubectlOk("patch cex -n demo " + name + " --subresource=status --type=merge -p " +
            shellQuote(json{{"status",
                             {{"phase", "Completed"},
                              {"verdict", "Pass"},
                              {"timeToRecoverSeconds", 37.2},
                              {"availability", 0.966}}}}
                           .dump()));
  const std::vector<std::string> table = lines(kubectlOk("get cex -n demo " + name));
  kubectl("delete cex -n demo " + name + " --wait=false");
  ASSERT_EQ(table.size(), 2u);

  const std::vector<std::string> header = words(table[0]);
  const std::vector<std::string> expected_header = {"NAME",    "FAULT",    "TARGET",       "PHASE",
                                                    "VERDICT", "RECOVERY", "AVAILABILITY", "AGE"};
  EXPECT_EQ(header, expected_header);
  const std::vector<std::string> row = words(table[1]);
  ASSERT_EQ(row.size(), expected_header.size()) << table[1];
  EXPECT_EQ(row[0], name);
  EXPECT_EQ(row[1], "PodDelete");
  EXPECT_EQ(row[2], "backend-service");
  EXPECT_EQ(row[3], "Completed");
  EXPECT_EQ(row[4], "Pass");
  EXPECT_EQ(row[5], "37.2");
  EXPECT_EQ(row[6], "0.966");
}

TEST_F(CrdIntegrationTest, StatusChangesOnlyThroughTheStatusSubresource) {
  const std::string name = "status-subresource";
  kubectlOk("create -f " + manifestFile(name, minimalExperiment(name)));
  // Through the main resource the status is silently dropped, as for built-in kinds.
  kubectlOk("patch cex -n demo " + name + " --type=merge -p " +
            shellQuote(R"({"status":{"phase":"Completed"}})"));
  const json object = getJson("cex -n demo " + name);
  kubectl("delete cex -n demo " + name + " --wait=false");
  EXPECT_FALSE(object.contains("status") && object["status"].contains("phase")) << object.dump();
}

TEST_F(CrdIntegrationTest, AFullStatusAsTheOperatorWritesItIsStoredAndRollbackStateKept) {
  const std::string name = "full-status";
  kubectlOk("create -f " + manifestFile(name, minimalExperiment(name)));
  const json original = {{"replicas", 2}, {"backendConfig", {{"failure_rate", 0.0}}}};
  const json status = {{"phase", "Completed"},
                       {"verdict", "Fail"},
                       {"observedGeneration", 1},
                       {"conditions",
                        {{{"type", "Completed"},
                          {"status", "True"},
                          {"reason", "HypothesisViolated"},
                          {"message", "availability 0.91 is below 0.95"},
                          {"lastTransitionTime", "2026-11-24T10:01:00.123Z"},
                          {"observedGeneration", 1}}}},
                       {"startTime", "2026-11-24T10:00:00.123Z"},
                       {"injectionTime", "2026-11-24T10:00:02.000Z"},
                       {"faultEndTime", "2026-11-24T10:00:32.000Z"},
                       {"recoveredTime", "2026-11-24T10:00:40.500Z"},
                       {"completionTime", "2026-11-24T10:01:00.123Z"},
                       {"timeToDetectSeconds", 0.8},
                       {"timeToRecoverSeconds", 8.5},
                       {"availability", 0.91},
                       {"probes",
                        {{{"name", "ready"},
                          {"checks", 60},
                          {"failures", 5},
                          {"lastError", "1 of 2 replicas ready"},
                          {"firstFailureTime", "2026-11-24T10:00:02.800Z"},
                          {"lastFailureTime", "2026-11-24T10:00:40.000Z"}}}},
                       {"affected",
                        {{{"kind", "Deployment"},
                          {"namespace", "demo"},
                          {"name", "backend-service"},
                          {"uid", "0d4f1b0e-0000-4000-8000-000000000000"},
                          {"original", original}}}},
                       {"currentRun", 1},
                       {"runs",
                        {{{"index", 1},
                          {"timeToDetectSeconds", 0.8},
                          {"timeToRecoverSeconds", 8.5},
                          {"availability", 0.91},
                          {"verdict", "Fail"}}}},
                       {"summary",
                        {{"meanRecoverySeconds", 8.5},
                         {"p95RecoverySeconds", 8.5},
                         {"worstRecoverySeconds", 8.5},
                         {"sloCompliance", 0}}},
                       {"message", "availability 0.91 is below the hypothesis' 0.95"},
                       {"notInTheSchema", "pruned"}};
  kubectlOk("patch cex -n demo " + name + " --subresource=status --type=merge -p " +
            shellQuote(json{{"status", status}}.dump()));
  const json stored = getJson("cex -n demo " + name);
  kubectl("delete cex -n demo " + name + " --wait=false");
  ASSERT_TRUE(stored.is_object());

  EXPECT_EQ(stored["status"]["affected"][0]["original"], original);
  EXPECT_EQ(stored["status"]["runs"][0]["verdict"], "Fail");
  EXPECT_EQ(stored["status"]["conditions"][0]["reason"], "HypothesisViolated");
  EXPECT_FALSE(stored["status"].contains("notInTheSchema"));
}

TEST_F(CrdIntegrationTest, AnInvalidStatusIsRefused) {
  const std::string name = "invalid-status";
  kubectlOk("create -f " + manifestFile(name, minimalExperiment(name)));
  int exit_code = 0;
  const std::string output =
      kubectl("patch cex -n demo " + name + " --subresource=status --type=merge -p " +
                  shellQuote(R"({"status":{"phase":"Exploded","availability":1.5}})"),
              &exit_code);
  kubectl("delete cex -n demo " + name + " --wait=false");
  EXPECT_NE(exit_code, 0) << output;
  EXPECT_TRUE(contains(output, "status.phase: Unsupported value")) << output;
  EXPECT_TRUE(contains(output, "status.availability: Invalid value")) << output;
}

TEST_F(CrdIntegrationTest, DefaultKustomizationRendersTheCrdOperatorAndServices) {
  const std::string output =
      kubectlOk("apply --dry-run=client -o name -k " + path("config/default"));
  for (const std::string& object : {
           "customresourcedefinition.apiextensions.k8s.io/" + std::string(kCrdName),
           std::string("namespace/aftershock-system"),
           std::string("namespace/demo"),
           std::string("serviceaccount/aftershock-operator"),
           std::string("clusterrole.rbac.authorization.k8s.io/aftershock-operator"),
           std::string("clusterrolebinding.rbac.authorization.k8s.io/aftershock-operator"),
           std::string("role.rbac.authorization.k8s.io/aftershock-operator"),
           std::string("rolebinding.rbac.authorization.k8s.io/aftershock-operator"),
           std::string("configmap/aftershock-control"),
           std::string("deployment.apps/aftershock-operator"),
           std::string("deployment.apps/backend-service"),
           std::string("deployment.apps/client-service"),
           std::string("service/backend-service"),
           std::string("service/client-service"),
       }) {
    EXPECT_TRUE(contains(output, object + "\n")) << "missing " << object << " in:\n" << output;
  }
}

TEST_F(CrdIntegrationTest, DefaultKustomizationIsAcceptedAndItsDeploymentsBecomeAvailable) {
  ASSERT_NO_FATAL_FAILURE(applyDefaultKustomization());
  kubectlOk("-n aftershock-system rollout status deployment/aftershock-operator --timeout=60s");
  kubectlOk("-n demo rollout status deployment/backend-service --timeout=60s");
  kubectlOk("-n demo rollout status deployment/client-service --timeout=60s");

  EXPECT_EQ(kubectlOk("get namespace demo -o jsonpath='{.metadata.annotations."
                      "chaos\\.aftershock\\.dev/allow}'"),
            "true");
  EXPECT_EQ(kubectlOk("-n aftershock-system get configmap aftershock-control "
                      "-o jsonpath='{.data.kill-switch}'"),
            "false");
}

TEST_F(CrdIntegrationTest, OperatorAccountMayDoWhatFaultsNeedAndNothingMore) {
  ASSERT_NO_FATAL_FAILURE(applyDefaultKustomization());
  struct Check {
    std::string request;  // kubectl auth can-i arguments
    bool allowed;
  };
  const std::vector<Check> checks = {
      {"watch chaosexperiments.chaos.aftershock.dev -n demo", true},
      {"update chaosexperiments.chaos.aftershock.dev --subresource=status -n demo", true},
      {"patch chaosexperiments.chaos.aftershock.dev --subresource=status -n demo", false},
      {"patch chaosexperiments.chaos.aftershock.dev -n demo", false},
      {"update chaosexperiments.chaos.aftershock.dev --subresource=finalizers -n demo", true},
      {"delete chaosexperiments.chaos.aftershock.dev -n demo", false},
      {"create chaosexperiments.chaos.aftershock.dev -n demo", false},
      {"delete pods -n demo", true},
      {"create pods -n demo", false},
      {"watch pods -n demo", false},
      {"patch deployments.apps -n demo", true},
      {"delete deployments.apps -n demo", false},
      {"list deployments.apps -n demo", false},
      {"patch deployments.apps --subresource=scale -n demo", true},
      {"update deployments.apps --subresource=scale -n demo", false},
      {"patch statefulsets.apps --subresource=scale -n demo", true},
      {"create networkpolicies.networking.k8s.io -n demo", true},
      {"delete networkpolicies.networking.k8s.io -n demo", true},
      {"update networkpolicies.networking.k8s.io -n demo", true},
      {"list networkpolicies.networking.k8s.io -n demo", false},
      {"get namespaces", true},
      {"list namespaces", true},
      {"watch namespaces", true},
      {"patch namespaces", false},
      {"create events -n demo", true},
      {"create events.events.k8s.io -n demo", false},
      {"get customresourcedefinitions.apiextensions.k8s.io", false},
      {"create leases.coordination.k8s.io -n aftershock-system", true},
      {"update leases.coordination.k8s.io -n aftershock-system", true},
      {"create leases.coordination.k8s.io -n demo", false},
      {"watch configmaps -n aftershock-system", true},
      {"get configmaps -n demo", false},
      {"get secrets -n aftershock-system", false},
      {"list secrets -n demo", false},
  };
  for (const Check& check : checks) {
    int exit_code = 0;
    const std::string output =
        kubectl("auth can-i " + check.request + " --as=" + kOperatorAccount, &exit_code);
    // can-i exits 0 for yes and 1 for no; anything else is a malformed request.
    ASSERT_TRUE(exit_code == 0 || exit_code == 1) << check.request << "\n" << output;
    EXPECT_EQ(exit_code == 0, check.allowed) << check.request << " -> " << output;
  }
}

}  // namespace
}  // namespace aftershock::op
