// Every fault type of the samples, applied with kubectl, runs to its verdict; and
// `kubectl get chaosexperiments` is the results table.
#include <map>
#include <set>
#include <sstream>

#include "tests/e2e/e2e_fixture.h"

namespace aftershock::op::e2e {
namespace {

class FaultTypesTest : public E2eTest {};

struct FaultCase {
  std::string sample;   // file in config/samples
  std::string fault;    // spec.fault.type
  std::string verdict;  // expected on the local control plane
};

TEST_F(FaultTypesTest, EveryFaultTypeCompletesWithTheExpectedVerdict) {
  // Every sample passes its hypothesis here: KWOK replaces a deleted or restarted pod at once;
  // while the backend is scaled to zero only the workload probe fails (the sample allows 0.6);
  // the client's retries absorb 50% 503s; no CNI enforces the partition; a stressed backend
  // still answers in time; the crashed backend is restarted within a second while the
  // client's fallback answers.
  const std::vector<FaultCase> cases = {
      {"pod-delete.yaml", "PodDelete", "Pass"},
      {"scale-down.yaml", "ScaleDown", "Pass"},
      {"rollout-restart.yaml", "RolloutRestart", "Pass"},
      {"backend-fault.yaml", "BackendFault", "Pass"},
      {"network-partition.yaml", "NetworkPartition", "Pass"},
      {"cpu-stress.yaml", "CPUStress", "Pass"},
      {"memory-stress.yaml", "MemoryStress", "Pass"},
      {"process-crash.yaml", "ProcessCrash", "Pass"},
  };
  const std::string backend = world().backend->url();
  const json config_before = httpJson("GET", backend + "/config");
  const int restarts_before = world().backend->restarts();

  std::map<std::string, const FaultCase*> by_name;
  for (const FaultCase& fault_case : cases) {
    const json experiment = localized(sample(fault_case.sample));
    ASSERT_TRUE(experiment.is_object()) << fault_case.sample;
    ASSERT_EQ(experiment["spec"]["fault"]["type"], fault_case.fault) << fault_case.sample;
    by_name[apply(experiment)] = &fault_case;
  }

  // They share their target, so the operator runs them one at a time
  // (concurrencyPolicy: Forbid). Meanwhile, the partition's NetworkPolicy is looked for while
  // that fault is active: nothing enforces it locally, but it must exist then.
  const std::string partition = "client-backend-partition";
  const std::string policy = "aftershock-" + partition;
  ASSERT_TRUE(by_name.count(partition)) << "network-partition.yaml was renamed";
  bool policy_seen_during_fault = false;
  json list;
  const bool finished = pollUntil(
      [&] {
        list = getJson(std::string("chaosexperiments -n ") + kNamespace);
        if (!list.is_object()) return false;
        bool all_finished = true;
        for (const json& item : list["items"]) {
          const std::string phase = phaseOf(item);
          if (item["metadata"]["name"] == partition && phase == "FaultActive" &&
              getJson("networkpolicy -n " + std::string(kNamespace) + " " + policy).is_object()) {
            policy_seen_during_fault = true;
          }
          all_finished = all_finished && isTerminalPhase(phase);
        }
        return all_finished;
      },
      std::chrono::seconds(240));
  ASSERT_TRUE(finished) << "not every experiment finished within 240 s:\n"
                        << kubectl(std::string("get chaosexperiments -n ") + kNamespace);

  std::set<std::string> seen;
  for (const json& item : list["items"]) {
    const std::string name = item["metadata"]["name"];
    ASSERT_TRUE(by_name.count(name)) << "an experiment nobody applied: " << name;
    const FaultCase& expected = *by_name[name];
    const json& status = item["status"];
    SCOPED_TRACE(name + " " + status.dump(1));
    seen.insert(name);
    EXPECT_EQ(item["spec"]["fault"]["type"], expected.fault);
    EXPECT_EQ(status.value("phase", ""), "Completed");
    EXPECT_EQ(status.value("verdict", ""), expected.verdict);
    EXPECT_FALSE(status.value("injectionTime", "").empty());
    EXPECT_FALSE(status.value("completionTime", "").empty());
    EXPECT_FALSE(status.value("message", "").empty());
    EXPECT_TRUE(status.contains("availability"));
    EXPECT_TRUE(status.contains("timeToRecoverSeconds"));
    ASSERT_TRUE(status.contains("affected") && !status["affected"].empty());
    EXPECT_EQ(status["affected"][0].value("fault", ""), expected.fault);
  }
  EXPECT_EQ(seen.size(), cases.size());

  // What each fault touched is back as it was.
  EXPECT_TRUE(policy_seen_during_fault)
      << "NetworkPolicy " << policy << " was never seen while the partition was active";
  EXPECT_EQ(kubectl("get networkpolicies -o name -n " + std::string(kNamespace)), "")
      << "the partition's NetworkPolicy outlived the experiment";
  EXPECT_EQ(desiredReplicas(kBackendDeployment), kBackendReplicas);
  EXPECT_EQ(httpJson("GET", backend + "/config"), config_before);
  const json load = httpJson("GET", backend + "/load");
  EXPECT_EQ(load["cpu"]["active"], false) << load.dump();
  EXPECT_EQ(load["memory"]["active"], false) << load.dump();
  // ProcessCrash really crashed the backend, and the restart loop brought it back.
  EXPECT_GT(world().backend->restarts(), restarts_before);
}

TEST_F(FaultTypesTest, GetChaosExperimentsPrintsTheResultColumnsWithValues) {
  const std::string name = apply(localized(sample("pod-delete.yaml")));
  const json finished = waitUntilFinished(name, std::chrono::seconds(60));
  ASSERT_EQ(phaseOf(finished), "Completed") << finished.dump(1);

  const std::vector<std::string> table =
      lines(kubectlOk("get chaosexperiments -n " + std::string(kNamespace) + " " + name));
  ASSERT_EQ(table.size(), 2u);
  const std::vector<std::string> expected_header = {"NAME",    "FAULT",    "TARGET",       "PHASE",
                                                    "VERDICT", "RECOVERY", "AVAILABILITY", "AGE"};
  EXPECT_EQ(words(table[0]), expected_header);
  const std::vector<std::string> row = words(table[1]);
  // Every column has a value: an empty one would shift the rest left.
  ASSERT_EQ(row.size(), expected_header.size()) << table[1];
  const json& status = finished["status"];
  EXPECT_EQ(row[0], name);
  EXPECT_EQ(row[1], "PodDelete");
  EXPECT_EQ(row[2], kBackendDeployment);
  EXPECT_EQ(row[3], "Completed");
  EXPECT_EQ(row[4], "Pass");
  EXPECT_DOUBLE_EQ(std::stod(row[5]), status["timeToRecoverSeconds"].get<double>()) << table[1];
  EXPECT_DOUBLE_EQ(std::stod(row[6]), status["availability"].get<double>()) << table[1];
  EXPECT_TRUE(row[7].back() == 's' || row[7].back() == 'm') << "AGE " << row[7];

  // The short name, the category and `-A` print the same table.
  EXPECT_TRUE(contains(kubectlOk("get cex -n " + std::string(kNamespace)), name));
  EXPECT_TRUE(contains(kubectlOk("get chaos -n " + std::string(kNamespace)), name));
  const std::vector<std::string> all = lines(kubectlOk("get chaosexperiments -A"));
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(words(all[0]).front(), "NAMESPACE");
}

}  // namespace
}  // namespace aftershock::op::e2e
