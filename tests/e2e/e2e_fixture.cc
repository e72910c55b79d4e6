#include "tests/e2e/e2e_fixture.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace aftershock::op::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSampleBackendUrl = "http://backend-service.demo:8000";
constexpr const char* kSampleClientUrl = "http://client-service.demo:9090";
constexpr const char* kControlNamespace = "aftershock-system";
constexpr const char* kControlConfigMap = "aftershock-control";
// Between two reads of the cluster while waiting: often enough to see a 3 s phase several
// times, rarely enough that kubectl does not load the two shared cores.
constexpr auto kPollInterval = std::chrono::milliseconds(200);

// Replaces the samples' in-cluster service URLs in every string of `value`.
void rewriteUrls(json& value, const std::string& backend, const std::string& client) {
  if (value.is_object() || value.is_array()) {
    for (json& member : value) rewriteUrls(member, backend, client);
    return;
  }
  if (!value.is_string()) return;
  std::string text = value.get<std::string>();
  for (const auto& [from, to] : {std::pair<std::string, std::string>{kSampleBackendUrl, backend},
                                 {kSampleClientUrl, client}}) {
    if (text.rfind(from, 0) == 0) text = to + text.substr(from.size());
  }
  value = text;
}

std::string lastLines(const std::string& text, std::size_t count) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  std::string tail;
  for (std::size_t i = lines.size() > count ? lines.size() - count : 0; i < lines.size(); ++i) {
    tail += lines[i] + "\n";
  }
  return tail;
}

std::string statusSummary(const json& object) {
  if (object.is_null()) return "(gone)";
  return object.contains("status") ? object["status"].dump(1) : std::string("(no status)");
}

bool install_attempted = false;
std::string install_error;  // why the shared setup failed; empty when it did not

}  // namespace

bool isTerminalPhase(const std::string& phase) {
  return phase == "Completed" || phase == "Failed" || phase == "Aborted";
}

bool pollUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string sourcePath(const std::string& relative) {
  return (testing::sourceDir() / relative).string();
}

World& E2eTest::world() {
  static World shared;
  return shared;
}

// --- Setup and cleanup -------------------------------------------------------------------------

void E2eTest::SetUpTestSuite() {
  if (install_attempted) return;
  install_attempted = true;
  try {
    install_error = installOnce();
  } catch (const std::exception& error) {
    install_error = error.what();
  }
}

std::string E2eTest::installOnce() {
  World& shared = world();
  shared.cluster = &testing::LocalCluster::shared();
  const std::vector<std::string> steps = {
      "apply -k " + shellQuote(sourcePath("crds")),
      "wait --for=condition=Established --timeout=60s crd/chaosexperiments.chaos.aftershock.dev",
      // The opted-in demo namespace and the backend and client Deployments (pods Running on
      // KWOK's fake nodes; nothing runs in them), and the operator's control ConfigMap.
      "apply -k " + shellQuote(sourcePath("config/services")),
      "apply -f " + shellQuote(sourcePath("config/manager/namespace.yaml")) + " -f " +
          shellQuote(sourcePath("config/manager/control_config_map.yaml")),
      // The operator's identity: its ServiceAccount and least-privilege rules.
      "apply -k " + shellQuote(sourcePath("config/rbac")),
      "-n demo rollout status deployment/backend-service --timeout=60s",
      "-n demo rollout status deployment/client-service --timeout=60s",
  };
  for (const std::string& step : steps) {
    int exit_code = 0;
    const std::string output = kubectl(step, &exit_code);
    if (exit_code != 0) return "kubectl " + step + " failed:\n" + output;
  }
  std::string error;
  shared.operator_kubeconfig = writeOperatorKubeconfig(&error);
  if (shared.operator_kubeconfig.empty()) return error;
  // The chaos cooldown guards a real backend against a burst of chaos calls; here one fault
  // follows another within seconds.
  shared.backend = std::make_unique<testing::RestartingService>(
      "backend-service", std::vector<std::string>{"--chaos-cooldown-ms=0", "--log-level=warn"});
  shared.client = std::make_unique<testing::ServiceProcess>(
      "client-service",
      std::vector<std::string>{"--backend-url=" + shared.backend->url(), "--log-level=warn"});
  return {};
}

std::string E2eTest::writeOperatorKubeconfig(std::string* error) {
  const testing::LocalCluster& cluster = *world().cluster;
  // stderr apart: these outputs go into the file as they are.
  const auto read = [&](const std::string& arguments, std::string* value) {
    int exit_code = 0;
    *value = cluster.kubectl(arguments + " 2>/dev/null", &exit_code);
    while (!value->empty() && (value->back() == '\n' || value->back() == ' ')) value->pop_back();
    if (exit_code != 0 || value->empty()) *error = "kubectl " + arguments + " failed";
    return exit_code == 0 && !value->empty();
  };
  std::string server, authority, token;
  if (!read("config view --minify -o jsonpath='{.clusters[0].cluster.server}'", &server) ||
      !read("config view --minify --raw "
            "-o jsonpath='{.clusters[0].cluster.certificate-authority-data}'",
            &authority) ||
      !read("create token aftershock-operator -n aftershock-system --duration=4h", &token)) {
    return {};
  }
  const std::string path = cluster.stateDir() + "/operator.kubeconfig";
  std::ofstream out(path);
  out << "apiVersion: v1\nkind: Config\n"
      << "clusters:\n- name: local\n  cluster:\n    server: " << server
      << "\n    certificate-authority-data: " << authority << "\n"
      << "users:\n- name: aftershock-operator\n  user:\n    token: " << token << "\n"
      << "contexts:\n- name: operator\n  context: {cluster: local, user: aftershock-operator}\n"
      << "current-context: operator\n";
  if (!out) {
    *error = "cannot write " + path;
    return {};
  }
  return path;
}

void E2eTest::SetUp() {
  ASSERT_TRUE(install_attempted && install_error.empty())
      << "the cluster, CRD or services did not come up:\n"
      << install_error;
  ASSERT_TRUE(pollUntil(
      [&] {
        int status = 0;
        http("GET", world().backend->url() + "/health", "", &status);
        return status == 200;
      },
      std::chrono::seconds(10)))
      << "backend-service is not answering; its log:\n"
      << lastLines(world().backend->logs(), 20);
  ASSERT_NO_FATAL_FAILURE(startOperator());
}

void E2eTest::TearDown() { cleanUp(); }

void E2eTest::cleanUp() {
  if (!install_error.empty()) return;
  setKillSwitch(false);
  // The finalizer's rollback needs a running operator.
  if (!operator_ || operator_->waitForExit(std::chrono::milliseconds(0))) {
    operator_.reset();
    startOperator();
  }
  kubectl(std::string("delete chaosexperiments --all --wait=false -n ") + kNamespace);
  const bool gone = pollUntil(
      [&] { return kubectl(std::string("get chaosexperiments -o name -n ") + kNamespace).empty(); },
      std::chrono::seconds(60));
  if (!gone) {
    ADD_FAILURE() << "experiments still there 60 s after their deletion:\n"
                  << kubectl(std::string("get chaosexperiments -n ") + kNamespace)
                  << "\noperator log:\n"
                  << lastLines(operatorLogs(), 30);
    // Let the next test start clean all the same.
    for (std::istringstream names(
             kubectl(std::string("get chaosexperiments -o name -n ") + kNamespace));
         !names.eof();) {
      std::string name;
      if (!std::getline(names, name) || name.empty()) continue;
      kubectl("patch -n " + std::string(kNamespace) + " " + name +
              " --type=merge -p '{\"metadata\":{\"finalizers\":null}}'");
    }
  }
  if (desiredReplicas(kBackendDeployment) != kBackendReplicas ||
      readyReplicas(kBackendDeployment) != kBackendReplicas) {
    scaleAndWait(kBackendDeployment, kBackendReplicas);
  }
  kubectl(std::string("delete networkpolicies --all -n ") + kNamespace);
  const std::string backend = world().backend->url();
  http("POST", backend + "/config/reset", "{}");
  http("DELETE", backend + "/load/cpu");
  http("DELETE", backend + "/load/memory");
  if (operator_) operator_->terminate();
  operator_.reset();
}

// --- kubectl -------------------------------------------------------------------------------------

std::string E2eTest::kubectl(const std::string& arguments, int* exit_code) {
  const testing::LocalCluster& cluster = *world().cluster;
  return cluster.kubectl("--cache-dir=" + shellQuote(cluster.stateDir() + "/kubectl-cache") + " " +
                             arguments + " 2>&1",
                         exit_code);
}

std::string E2eTest::kubectlOk(const std::string& arguments) {
  int exit_code = 0;
  std::string output = kubectl(arguments, &exit_code);
  EXPECT_EQ(exit_code, 0) << "kubectl " << arguments << "\n" << output;
  return output;
}

json E2eTest::getJson(const std::string& arguments) {
  const testing::LocalCluster& cluster = *world().cluster;
  int exit_code = 0;
  // stderr apart, so a warning cannot spoil the JSON; a missing object prints nothing.
  const std::string output =
      cluster.kubectl("--cache-dir=" + shellQuote(cluster.stateDir() + "/kubectl-cache") + " get " +
                          arguments + " --ignore-not-found -o json",
                      &exit_code);
  if (exit_code != 0) {
    ADD_FAILURE() << "kubectl get " << arguments << " failed:\n" << output;
    return nullptr;
  }
  if (output.empty()) return nullptr;
  json parsed = json::parse(output, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    ADD_FAILURE() << "kubectl get " << arguments << " printed no JSON:\n" << output;
    return nullptr;
  }
  return parsed;
}

// --- Experiments
// -----------------------------------------------------------------------------------

json E2eTest::sample(const std::string& file) {
  // kubectl reads the YAML (client side, nothing is created) and hands it over as JSON.
  const std::string path = sourcePath("config/samples/" + file);
  int exit_code = 0;
  const testing::LocalCluster& cluster = *world().cluster;
  const std::string output =
      cluster.kubectl("--cache-dir=" + shellQuote(cluster.stateDir() + "/kubectl-cache") +
                          " create --dry-run=client -o json -f " + shellQuote(path),
                      &exit_code);
  json parsed = json::parse(output, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(exit_code == 0 && parsed.is_object()) << file << ":\n" << output;
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

json E2eTest::localized(json experiment, const std::string& duration) {
  if (!experiment.is_object()) return experiment;
  rewriteUrls(experiment, world().backend->url(), world().client->url());
  json& spec = experiment["spec"];
  spec["duration"] = duration;
  json& fault = spec["fault"];
  if (fault.contains("stress")) {
    // 0: as long as spec.duration. One thread: the machine's two cores are shared with the
    // control plane and the operator.
    if (fault["type"] != "ProcessCrash") fault["stress"]["durationSeconds"] = 0;
    if (fault["stress"].contains("threads")) fault["stress"]["threads"] = 1;
  }
  if (spec.contains("repeat")) spec["repeat"]["cooldown"] = "1s";
  return experiment;
}

std::string E2eTest::apply(const json& experiment) {
  const std::string name = experiment["metadata"]["name"].get<std::string>();
  const std::string file = world().cluster->stateDir() + "/e2e-" + name + ".json";
  std::ofstream(file) << experiment.dump(2);
  kubectlOk("apply -f " + shellQuote(file));
  return name;
}

json E2eTest::experiment(const std::string& name) {
  return getJson("chaosexperiments -n " + std::string(kNamespace) + " " + name);
}

std::string E2eTest::phaseOf(const json& experiment) {
  if (!experiment.is_object() || !experiment.contains("status")) return "";
  return experiment["status"].value("phase", "");
}

json E2eTest::waitFor(const std::string& name, const std::string& what,
                      const std::function<bool(const json&)>& done, std::chrono::seconds timeout) {
  json last;
  const auto started = std::chrono::steady_clock::now();
  if (pollUntil(
          [&] {
            last = experiment(name);
            return done(last);
          },
          timeout)) {
    return last;
  }
  ADD_FAILURE() << name << " did not " << what << " within " << timeout.count() << " s (after "
                << std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - started)
                       .count()
                << " s); its status:\n"
                << statusSummary(last) << "\noperator log (last lines):\n"
                << lastLines(operatorLogs(), 25);
  return last;
}

json E2eTest::waitForPhase(const std::string& name, const std::string& phase,
                           std::chrono::seconds timeout) {
  // Stops early at a terminal phase: an experiment that has ended will not reach another.
  json last = waitFor(
      name, "reach " + phase,
      [&](const json& object) {
        const std::string now = phaseOf(object);
        return object.is_null() || now == phase || isTerminalPhase(now);
      },
      timeout);
  EXPECT_EQ(phaseOf(last), phase) << name << ":\n" << statusSummary(last);
  return last;
}

json E2eTest::waitUntilFinished(const std::string& name, std::chrono::seconds timeout) {
  return waitFor(
      name, "finish",
      [](const json& object) { return object.is_null() || isTerminalPhase(phaseOf(object)); },
      timeout);
}

bool E2eTest::waitUntilGone(const std::string& name, std::chrono::seconds timeout) {
  return waitFor(
             name, "disappear", [](const json& object) { return object.is_null(); }, timeout)
      .is_null();
}

// --- The target
// ------------------------------------------------------------------------------------

namespace {

int intOr(const std::string& text, int fallback) {
  try {
    std::size_t used = 0;
    const int value = std::stoi(text, &used);
    return used == text.size() ? value : fallback;
  } catch (const std::exception&) {
    return fallback;
  }
}

}  // namespace

int E2eTest::desiredReplicas(const std::string& deployment) {
  return intOr(kubectl("get deployment -n " + std::string(kNamespace) + " " + deployment +
                       " -o jsonpath='{.spec.replicas}'"),
               -1);
}

int E2eTest::readyReplicas(const std::string& deployment) {
  // Absent (not 0) while no replica is ready.
  return intOr(kubectl("get deployment -n " + std::string(kNamespace) + " " + deployment +
                       " -o jsonpath='{.status.readyReplicas}'"),
               0);
}

void E2eTest::scaleAndWait(const std::string& deployment, int replicas) {
  kubectlOk("scale deployment -n " + std::string(kNamespace) + " " + deployment +
            " --replicas=" + std::to_string(replicas));
  EXPECT_TRUE(pollUntil(
      [&] {
        return desiredReplicas(deployment) == replicas && readyReplicas(deployment) == replicas;
      },
      std::chrono::seconds(60)))
      << deployment << " did not reach " << replicas << " ready replicas";
}

std::vector<std::pair<std::string, std::string>> E2eTest::runningBackendPods() {
  std::vector<std::pair<std::string, std::string>> pods;
  const json list = getJson("pods -n " + std::string(kNamespace) + " -l app=backend-service");
  if (!list.is_object()) return pods;
  for (const json& pod : list["items"]) {
    if (pod["metadata"].contains("deletionTimestamp")) continue;
    if (pod["status"].value("phase", "") != "Running") continue;
    pods.emplace_back(pod["metadata"].value("uid", ""), pod["metadata"].value("name", ""));
  }
  return pods;
}

// --- HTTP
// --------------------------------------------------------------------------------------------

std::string E2eTest::http(const std::string& method, const std::string& url,
                          const std::string& body, int* status) {
  std::string command = "curl -s --max-time 5 -X " + method + " -w '\\n%{http_code}'";
  if (!body.empty()) {
    command += " -H 'Content-Type: application/json' --data-binary " + shellQuote(body);
  }
  command += " " + shellQuote(url);
  std::string output = testing::runCommand(command);
  const std::size_t newline = output.rfind('\n');
  const std::string code = newline == std::string::npos ? output : output.substr(newline + 1);
  if (status != nullptr) *status = intOr(code, 0);
  return newline == std::string::npos ? std::string() : output.substr(0, newline);
}

json E2eTest::httpJson(const std::string& method, const std::string& url, const std::string& body) {
  int status = 0;
  const std::string text = http(method, url, body, &status);
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(status >= 200 && status < 300 && !parsed.is_discarded())
      << method << " " << url << " answered " << status << ": " << text;
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

// --- The operator
// ------------------------------------------------------------------------------------

void E2eTest::startOperator() {
  ASSERT_FALSE(operator_) << "an operator is already running";
  static std::atomic<int> instances{0};
  const std::string dir =
      world().cluster->stateDir() + "/operator-" + std::to_string(instances.fetch_add(1));
  fs::create_directories(dir);
  operator_ = std::make_unique<testing::ChildProcess>(
      testing::binaryDir() + "/aftershock-operator",
      std::vector<std::string>{
          "--kubeconfig=" + world().operator_kubeconfig, "--metrics-bind-address=127.0.0.1:0",
          "--metrics-port-file=" + dir + "/metrics.port", "--health-probe-bind-address=127.0.0.1:0",
          "--health-port-file=" + dir + "/health.port", "--log-format=json", "--log-level=info"});
  int health_port = 0;
  const bool listening = pollUntil(
      [&] {
        std::ifstream health(dir + "/health.port");
        std::ifstream metrics(dir + "/metrics.port");
        return (health >> health_port) && (metrics >> metrics_port_);
      },
      std::chrono::seconds(10));
  ASSERT_TRUE(listening) << "aftershock-operator did not start:\n" << operatorLogs();
  const bool ready = pollUntil(
      [&] {
        int status = 0;
        http("GET", "http://127.0.0.1:" + std::to_string(health_port) + "/readyz", "", &status);
        return status == 200 || operator_->waitForExit(std::chrono::milliseconds(0)).has_value();
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(ready && !operator_->waitForExit(std::chrono::milliseconds(0)))
      << "aftershock-operator did not become ready:\n"
      << operatorLogs();
}

void E2eTest::killOperator() {
  ASSERT_TRUE(operator_) << "no operator to kill";
  operator_->kill();
  operator_.reset();
}

std::string E2eTest::operatorLogs() const { return operator_ ? operator_->logs() : ""; }

std::vector<json> E2eTest::operatorLogRecords() const {
  std::vector<json> records;
  std::istringstream lines(operatorLogs());
  for (std::string line; std::getline(lines, line);) {
    json record = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_object()) records.push_back(std::move(record));
  }
  return records;
}

std::optional<double> E2eTest::operatorMetric(const std::string& name, const std::string& labels) {
  int status = 0;
  const std::string text =
      http("GET", "http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics", "", &status);
  EXPECT_EQ(status, 200) << "GET /metrics of the operator";
  const std::string prefix = name + labels + " ";
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(prefix.size()));
  }
  return std::nullopt;
}

void E2eTest::setKillSwitch(bool engaged) {
  kubectlOk("patch configmap -n " + std::string(kControlNamespace) + " " + kControlConfigMap +
            " --type=merge -p " +
            shellQuote(json{{"data", {{"kill-switch", engaged ? "true" : "false"}}}}.dump()));
}

}  // namespace aftershock::op::e2e
