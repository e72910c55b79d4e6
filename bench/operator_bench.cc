// The operator's four figures, in one run against a local control plane of its own:
//
//   operator-bench [--reaction=200] [--back-to-back=100] [--kubectl=10] [--precision=10]
//                  [--precision-slow=5]
//                  [--scale=500] [--cache=1000] [--idle-seconds=20] [--source-dir=DIR]
//
// It brings up scripts/cluster/up.sh in a temporary folder, installs the CRD, starts
// aftershock-operator (from the folder holding this binary) as a child process with its
// default tuning, and serves a fake backend-service on 127.0.0.1 that timestamps the
// operator's calls. Then:
//   1. Reaction: create → the fault's first call (BackendFault's GET /config), no probes, one
//      experiment at a time (each aborted once it reacted, waited to its end), paced so the
//      operator's client-side rate limit refills; the same with `kubectl apply` as the
//      creator; and back to back, which holds the operator at its request limit.
//   2. Precision: BackendFault plus an http probe against the fake backend, which stays
//      unhealthy for a chosen delay after the rollback's PUT /config: measured
//      timeToRecoverSeconds against that delay.
//   3. Footprint: resident memory idle and with `--cache` experiments cached (they end Failed
//      at once: their namespace has not opted in), idle CPU.
//   4. Scale: `--scale` dry-run experiments created at once by 8 writers; time until every one
//      is terminal, and API requests per experiment.
// Everything listens on 127.0.0.1; every wait has a deadline. The cluster and the operator
// are stopped at the end (and by up.sh's watchdog and PR_SET_PDEATHSIG if this dies).
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/beast_http_client.h"
#include "common/beast_http_server.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "operator/kube/informer.h"
#include "operator/kube/instrumented_kube_client.h"
#include "operator/kube/kube_time.h"
#include "operator/kube/rest_config.h"
#include "operator/kube/rest_kube_client.h"

#ifndef AFTERSHOCK_SOURCE_DIR
#define AFTERSHOCK_SOURCE_DIR "."
#endif

namespace {

using namespace aftershock;
using op::json;
using Steady = std::chrono::steady_clock;
using Wall = std::chrono::system_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kGroup = "chaos.aftershock.dev";
constexpr std::string_view kAllowAnnotation = "chaos.aftershock.dev/allow";
constexpr double kMiB = 1048576.0;

// --- Small helpers ------------------------------------------------------------------------------

std::function<void()> g_cleanup;  // stops the operator and the cluster; run once on any exit

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "operator-bench: %s\n", message.c_str());
  std::fflush(stdout);
  if (auto cleanup = std::exchange(g_cleanup, nullptr)) cleanup();
  std::exit(1);
}

double millis(Steady::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

double secondsSince(Steady::time_point start) { return millis(Steady::now() - start) / 1000.0; }

double percentile(std::vector<double> values, double share) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(share * static_cast<double>(values.size() - 1))];
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return 0;
  double total = 0;
  for (double value : values) total += value;
  return total / static_cast<double>(values.size());
}

std::string runCommand(const std::string& command, int* exit_code = nullptr) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) fail("cannot run: " + command);
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  if (exit_code != nullptr) *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string loadAverage() {
  std::string text = readFile("/proc/loadavg");
  const auto cut = text.find(' ', text.find(' ', text.find(' ') + 1) + 1);
  return cut == std::string::npos ? text : text.substr(0, cut);
}

// Polls `condition` every `step` until it holds or `timeout` passes.
bool waitFor(const std::function<bool()>& condition, Steady::duration timeout,
             milliseconds step = milliseconds(20)) {
  const auto deadline = Steady::now() + timeout;
  while (Steady::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(step);
  }
  return condition();
}

// Prometheus text: "name{labels}" -> value.
using Samples = std::map<std::string, double>;

Samples parseSamples(const std::string& text) {
  Samples samples;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    samples[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return samples;
}

std::string familyOf(const std::string& series) { return series.substr(0, series.find('{')); }

std::string labelOf(const std::string& series, const std::string& label) {
  const std::string key = label + "=\"";
  std::size_t at = series.find('{');
  while (at != std::string::npos) {
    at = series.find(key, at);
    if (at == std::string::npos) return {};
    // Only a whole label name: preceded by '{' or ','.
    if (series[at - 1] == '{' || series[at - 1] == ',') break;
    at += key.size();
  }
  if (at == std::string::npos) return {};
  const auto start = at + key.size();
  return series.substr(start, series.find('"', start) - start);
}

double sumFamily(const Samples& samples, const std::string& family) {
  double total = 0;
  for (const auto& [series, value] : samples) {
    if (familyOf(series) == family) total += value;
  }
  return total;
}

bool hasFamily(const Samples& samples, const std::string& family) {
  return std::any_of(samples.begin(), samples.end(),
                     [&](const auto& sample) { return familyOf(sample.first) == family; });
}

// Sum of `family` by the value of `label`.
std::map<std::string, double> byLabel(const Samples& samples, const std::string& family,
                                      const std::string& label) {
  std::map<std::string, double> totals;
  for (const auto& [series, value] : samples) {
    if (familyOf(series) == family) totals[labelOf(series, label)] += value;
  }
  return totals;
}

std::map<std::string, double> difference(const std::map<std::string, double>& after,
                                         const std::map<std::string, double>& before) {
  std::map<std::string, double> delta;
  for (const auto& [key, value] : after) {
    const auto it = before.find(key);
    const double change = value - (it == before.end() ? 0.0 : it->second);
    if (change != 0) delta[key] = change;
  }
  return delta;
}

// --- The cluster --------------------------------------------------------------------------------

class Cluster {
 public:
  void up(const std::string& source_dir) {
    char pattern[] = "/tmp/aftershock-opbench-cluster.XXXXXX";
    if (mkdtemp(pattern) == nullptr) fail("mkdtemp failed");
    state_dir_ = pattern;
    source_dir_ = source_dir;
    int exit_code = 0;
    const std::string output =
        runCommand("AFTERSHOCK_CLUSTER_OWNER_PID=" + std::to_string(getpid()) + " " + source_dir +
                       "/scripts/cluster/up.sh " + state_dir_ + " 2>&1",
                   &exit_code);
    if (exit_code != 0) {
      state_dir_.clear();
      fail("the cluster did not come up:\n" + output);
    }
    std::istringstream env(readFile(state_dir_ + "/cluster.env"));
    for (std::string line; std::getline(env, line);) {
      const auto equals = line.find('=');
      if (equals != std::string::npos) env_[line.substr(0, equals)] = line.substr(equals + 1);
    }
    if (env_["KUBECONFIG"].empty()) fail("the cluster came up without cluster.env:\n" + output);
  }
  void down() {
    if (state_dir_.empty()) return;
    runCommand(source_dir_ + "/scripts/cluster/down.sh " + state_dir_ + " >/dev/null 2>&1");
    state_dir_.clear();
  }
  std::string kubeconfig() const { return env_.at("KUBECONFIG"); }
  std::string kubectl(const std::string& arguments, int* exit_code = nullptr) const {
    return runCommand("kubectl --kubeconfig=" + kubeconfig() + " " + arguments, exit_code);
  }
  // The API server's own /metrics (as the admin client certificate).
  Samples apiServerMetrics() const {
    const std::string pki = state_dir_ + "/pki/";
    return parseSamples(runCommand("curl -sf --max-time 20 --cacert " + pki + "ca.crt --cert " +
                                   pki + "admin.crt --key " + pki + "admin.key " +
                                   env_.at("API_SERVER") + "/metrics"));
  }

 private:
  std::string state_dir_;
  std::string source_dir_;
  std::map<std::string, std::string> env_;
};

// API requests the API server counted, "VERB resource[/subresource]" -> count, for what the
// operator touches: its own group, namespaces, pods and events.
std::map<std::string, double> apiRequests(const Samples& samples) {
  std::map<std::string, double> totals;
  for (const auto& [series, value] : samples) {
    if (familyOf(series) != "apiserver_request_total") continue;
    const std::string group = labelOf(series, "group");
    const std::string resource = labelOf(series, "resource");
    const bool ours =
        group == kGroup || resource == "namespaces" || resource == "pods" || resource == "events";
    if (!ours) continue;
    std::string key = labelOf(series, "verb") + " " + resource;
    if (const std::string sub = labelOf(series, "subresource"); !sub.empty()) key += "/" + sub;
    totals[key] += value;
  }
  return totals;
}

// --- The operator as a child process --------------------------------------------------------

class OperatorProcess {
 public:
  OperatorProcess(const std::string& binary, const std::string& kubeconfig,
                  const std::vector<std::string>& extra, const std::string& work_dir)
      : http_(common::makeBeastHttpClient()) {
    std::filesystem::create_directories(work_dir);
    log_ = work_dir + "/operator.log";
    const std::string metrics_port = work_dir + "/metrics.port";
    const std::string health_port = work_dir + "/health.port";
    std::filesystem::remove(metrics_port);
    std::filesystem::remove(health_port);
    std::vector<std::string> args = {binary,
                                     "--kubeconfig=" + kubeconfig,
                                     "--metrics-bind-address=127.0.0.1:0",
                                     "--metrics-port-file=" + metrics_port,
                                     "--health-probe-bind-address=127.0.0.1:0",
                                     "--health-port-file=" + health_port};
    args.insert(args.end(), extra.begin(), extra.end());
    started_ = Steady::now();
    std::fflush(nullptr);  // or the child would inherit, and one day write, our buffered output
    pid_ = fork();
    if (pid_ < 0) fail("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      const int log_fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (log_fd >= 0) {
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        close(log_fd);
      }
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    const auto port_of = [](const std::string& file) {
      std::ifstream in(file);
      int port = 0;
      return in >> port ? port : 0;
    };
    if (!waitFor([&] { return port_of(metrics_port) > 0 && port_of(health_port) > 0; },
                 seconds(20)) ||
        !alive()) {
      fail("the operator did not start; its log:\n" + readFile(log_));
    }
    metrics_url_ = "http://127.0.0.1:" + std::to_string(port_of(metrics_port)) + "/metrics";
    ready_url_ = "http://127.0.0.1:" + std::to_string(port_of(health_port)) + "/readyz";
    if (!waitFor([&] { return get(ready_url_).first == 200 || !alive(); }, seconds(90),
                 milliseconds(10)) ||
        !alive()) {
      fail("the operator did not become ready; its log:\n" + readFile(log_));
    }
    ready_after_ = secondsSince(started_);
  }
  ~OperatorProcess() { stop(); }
  OperatorProcess(const OperatorProcess&) = delete;
  OperatorProcess& operator=(const OperatorProcess&) = delete;

  // SIGTERM, then SIGKILL after 15 s. Returns the seconds it took to exit.
  double stop() {
    if (pid_ <= 0) return 0;
    const auto start = Steady::now();
    kill(pid_, SIGTERM);
    int status = 0;
    const bool exited = waitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; },
                                seconds(15), milliseconds(5));
    if (!exited) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    return secondsSince(start);
  }
  bool alive() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
  pid_t pid() const { return pid_; }
  double readyAfterSeconds() const { return ready_after_; }
  const std::string& logPath() const { return log_; }

  Samples scrape() {
    const auto [status, body] = get(metrics_url_);
    if (status != 200) fail("cannot scrape the operator's /metrics");
    return parseSamples(body);
  }
  // From /proc, so reading it does not make the operator work.
  double rssMiB() const { return procStatusKb("VmRSS:") / 1024.0; }
  double peakRssMiB() const { return procStatusKb("VmHWM:") / 1024.0; }
  double cpuSeconds() const {
    const std::string stat = readFile("/proc/" + std::to_string(pid_) + "/stat");
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) fail("cannot read the operator's /proc stat");
    std::istringstream fields(stat.substr(paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    // After the command: state is field 3, utime field 14, stime field 15.
    for (int index = 3; index <= 15 && fields >> field; ++index) {
      if (index == 14) utime = std::stoull(field);
      if (index == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

  // Waits until the work queue is empty and the reconcile and request counters stop moving
  // for two scrapes in a row.
  bool quiesce(Steady::duration timeout) {
    double last = -1;
    int stable = 0;
    return waitFor(
        [&] {
          const Samples samples = scrape();
          const double activity = sumFamily(samples, "aftershock_reconcile_total") +
                                  sumFamily(samples, "aftershock_kube_requests_total");
          const bool idle = sumFamily(samples, "aftershock_workqueue_depth") == 0;
          stable = idle && activity == last ? stable + 1 : 0;
          last = activity;
          return stable >= 2;
        },
        timeout, milliseconds(500));
  }

 private:
  double procStatusKb(const std::string& key) const {
    std::istringstream lines(readFile("/proc/" + std::to_string(pid_) + "/status"));
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(key, 0) == 0) return std::strtod(line.c_str() + key.size(), nullptr);
    }
    return 0;
  }
  std::pair<int, std::string> get(const std::string& url) {
    common::HttpClientRequest request;
    request.url = url;
    request.timeout = milliseconds(5000);
    auto response = http_->send(request);
    if (!response.ok()) return {0, ""};
    return {response->status, response->body};
  }

  std::unique_ptr<common::HttpClient> http_;
  std::string log_;
  std::string metrics_url_;
  std::string ready_url_;
  pid_t pid_ = -1;
  Steady::time_point started_;
  double ready_after_ = 0;
};

// --- The fake backend ---------------------------------------------------------------------------

// A backend-service stand-in with one config per experiment under /<id>/: GET and PUT /config,
// POST /config/failure and /config/latency as the real one, and GET /health, which answers
// 503 from the fault's POST until `heal_delay` after the rollback's PUT /config (then 200).
class FakeBackends {
 public:
  struct Record {
    json config = {
        {"failure_rate", 0.0}, {"status_code", 500}, {"delay_ms", 0}, {"delay_rate", 0.0}};
    milliseconds heal_delay{0};
    std::optional<Steady::time_point> first_call;
    std::optional<Wall::time_point> fault_posted;
    std::optional<Steady::time_point> rolled_back;
    std::optional<Wall::time_point> rolled_back_wall;
    int calls = 0;
  };

  // Before start().
  void add(const std::string& id, milliseconds heal_delay = milliseconds(0)) {
    records_[id].heal_delay = heal_delay;
    const std::string base = "/" + id;
    server_->route("GET", base + "/config", [this, id](const common::HttpRequest&) {
      std::lock_guard lock(mutex_);
      Record& record = touch(id);
      return common::HttpResponse::json(200, record.config);
    });
    server_->route("PUT", base + "/config", [this, id](const common::HttpRequest& request) {
      const auto now = Steady::now();
      const auto wall = Wall::now();
      json body = json::parse(request.body, nullptr, false);
      for (const char* member : {"failure_rate", "status_code", "delay_ms", "delay_rate"}) {
        if (!body.is_object() || !body.contains(member) || !body[member].is_number()) {
          return common::HttpResponse::error(400, "config needs four numbers", member);
        }
      }
      std::lock_guard lock(mutex_);
      Record& record = touch(id);
      record.config = body;
      if (!record.rolled_back) {
        record.rolled_back = now;
        record.rolled_back_wall = wall;
      }
      return common::HttpResponse::json(200, record.config);
    });
    for (const char* path : {"/config/failure", "/config/latency"}) {
      server_->route("POST", base + path, [this, id](const common::HttpRequest& request) {
        const auto wall = Wall::now();
        json body = json::parse(request.body, nullptr, false);
        if (!body.is_object() || body.empty()) return common::HttpResponse::error(400, "empty");
        std::lock_guard lock(mutex_);
        Record& record = touch(id);
        for (const auto& [key, value] : body.items()) record.config[key] = value;
        if (!record.fault_posted) record.fault_posted = wall;
        return common::HttpResponse::json(200, record.config);
      });
    }
    server_->route("GET", base + "/health", [this, id](const common::HttpRequest&) {
      const auto now = Steady::now();
      std::lock_guard lock(mutex_);
      const Record& record = records_[id];
      const bool healing = record.fault_posted.has_value() &&
                           (!record.rolled_back || now < *record.rolled_back + record.heal_delay);
      return common::HttpResponse::json(healing ? 503 : 200, {{"healthy", !healing}});
    });
  }
  void start() {
    if (common::Status started = server_->start(); !started) {
      fail("the fake backend cannot listen: " + started.error().message);
    }
  }
  void stop() { server_->stop(milliseconds(1000)); }
  std::string url(const std::string& id) const {
    return "http://127.0.0.1:" + std::to_string(server_->boundPort()) + "/" + id;
  }
  Record record(const std::string& id) const {
    std::lock_guard lock(mutex_);
    return records_.at(id);
  }

 private:
  Record& touch(const std::string& id) {
    Record& record = records_[id];
    if (!record.first_call) record.first_call = Steady::now();
    ++record.calls;
    return record;
  }

  std::unique_ptr<common::HttpServer> server_ = [] {
    common::HttpServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    return common::makeBeastHttpServer(options);
  }();
  mutable std::mutex mutex_;
  std::map<std::string, Record> records_;
};

// --- Watching experiments -----------------------------------------------------------------------

op::Resource experimentResource() {
  return op::Resource{std::string(kGroup), "v1alpha1", "chaosexperiments", true};
}

std::string phaseOf(const json& object) {
  const auto it = object.find("status");
  if (it == object.end() || !it->is_object()) return {};
  const json& status = *it;
  return status.contains("phase") && status["phase"].is_string()
             ? status["phase"].get<std::string>()
             : std::string();
}

bool terminalPhase(const std::string& phase) {
  return phase == "Completed" || phase == "Failed" || phase == "Aborted";
}

// An informer over every ChaosExperiment that notes when each was first seen terminal.
class ExperimentWatch {
 public:
  ExperimentWatch(op::KubeClient& client, common::Random& random) {
    op::InformerOptions options;
    options.resource = experimentResource();
    options.transform = op::stripManagedFields;
    op::InformerHandlers handlers;
    handlers.on_add = [this](const json& object) { note(object); };
    handlers.on_update = [this](const json&, const json& object) { note(object); };
    informer_ = std::make_unique<op::Informer>(client, options, handlers, random);
    informer_->start();
    if (!informer_->waitForSync(seconds(30))) fail("the experiment watch did not sync");
  }
  ~ExperimentWatch() { informer_->stop(); }

  bool waitTerminal(const std::string& key, Steady::duration timeout) const {
    return waitFor([&] { return terminalAt(key).has_value(); }, timeout, milliseconds(5));
  }
  std::optional<Steady::time_point> terminalAt(const std::string& key) const {
    std::lock_guard lock(mutex_);
    const auto it = terminal_.find(key);
    if (it == terminal_.end()) return std::nullopt;
    return it->second;
  }
  std::size_t terminalIn(const std::string& namespace_name) const {
    std::lock_guard lock(mutex_);
    std::size_t count = 0;
    for (const auto& [key, at] : terminal_) count += key.rfind(namespace_name + "/", 0) == 0;
    return count;
  }
  std::optional<Steady::time_point> lastTerminalIn(const std::string& namespace_name) const {
    std::lock_guard lock(mutex_);
    std::optional<Steady::time_point> last;
    for (const auto& [key, at] : terminal_) {
      if (key.rfind(namespace_name + "/", 0) == 0 && (!last || at > *last)) last = at;
    }
    return last;
  }
  std::optional<json> get(const std::string& key) const { return informer_->get(key); }
  std::vector<json> list() const { return informer_->list(); }

 private:
  void note(const json& object) {
    if (!terminalPhase(phaseOf(object))) return;
    const auto now = Steady::now();
    std::lock_guard lock(mutex_);
    terminal_.emplace(op::objectKey(object), now);
  }

  mutable std::mutex mutex_;
  std::map<std::string, Steady::time_point> terminal_;
  std::unique_ptr<op::Informer> informer_;
};

// --- Experiments --------------------------------------------------------------------------------

json metadata(const std::string& name, const std::string& namespace_name) {
  return {{"name", name}, {"namespace", namespace_name}};
}

// A BackendFault on the fake backend `url`; the target is a Pod selector nothing else uses, so
// no implicit workload probe is added and no two experiments share a target.
json backendExperiment(const std::string& name, const std::string& namespace_name,
                       const std::string& url, const std::string& duration) {
  return {{"apiVersion", "chaos.aftershock.dev/v1alpha1"},
          {"kind", "ChaosExperiment"},
          {"metadata", metadata(name, namespace_name)},
          {"spec",
           {{"target", {{"kind", "Pod"}, {"selector", {{"matchLabels", {{"bench", name}}}}}}},
            {"fault",
             {{"type", "BackendFault"},
              {"backendFault", {{"url", url}, {"failureRate", 1.0}, {"statusCode", 503}}}}},
            {"duration", duration}}}};
}

json podDeleteExperiment(const std::string& name, const std::string& namespace_name, bool dry_run) {
  return {{"apiVersion", "chaos.aftershock.dev/v1alpha1"},
          {"kind", "ChaosExperiment"},
          {"metadata", metadata(name, namespace_name)},
          {"spec",
           {{"target", {{"kind", "Pod"}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}},
            {"fault", {{"type", "PodDelete"}, {"podDelete", {{"mode", "One"}}}}},
            {"duration", "30s"},
            {"dryRun", dry_run}}}};
}

// Creates `count` experiments named `prefix-NNNN` with 8 writers at once.
void createMany(op::KubeClient& client, const std::string& namespace_name,
                const std::string& prefix, int count,
                const std::function<json(const std::string&)>& make) {
  constexpr int kWriters = 8;
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      char name[64];
      for (int i = next++; i < count && !failed; i = next++) {
        std::snprintf(name, sizeof(name), "%s-%04d", prefix.c_str(), i);
        auto created = client.create(experimentResource(), namespace_name, make(name));
        if (!created.ok()) {
          std::lock_guard lock(error_mutex);
          error = created.error().message;
          failed = true;
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  if (failed) fail("could not create the experiments: " + error);
}

const json& statusOf(const json& object) {
  static const json kEmpty = json::object();
  const auto it = object.find("status");
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

double statusNumber(const json& object, const char* field) {
  const json& status = statusOf(object);
  return status.contains(field) && status[field].is_number() ? status[field].get<double>() : -1;
}

std::optional<Wall::time_point> statusTime(const json& object, const char* field) {
  const json& status = statusOf(object);
  if (!status.contains(field) || !status[field].is_string()) return std::nullopt;
  return op::parseTime(status[field].get<std::string>());
}

std::string statusText(const json& object, const char* field) {
  const json& status = statusOf(object);
  return status.contains(field) && status[field].is_string() ? status[field].get<std::string>()
                                                             : std::string();
}

// --- The bench ----------------------------------------------------------------------------------

struct Options {
  int reaction = 200;
  int back_to_back = 100;
  int kubectl = 10;
  int precision = 10;
  int precision_slow = 5;
  int scale = 500;
  int cache = 1000;
  int idle_seconds = 20;
  std::string source_dir;
};

Options parseOptions(int argc, char** argv) {
  Options options;
  if (const char* dir = std::getenv("AFTERSHOCK_SOURCE_DIR")) options.source_dir = dir;
  if (options.source_dir.empty()) options.source_dir = AFTERSHOCK_SOURCE_DIR;
  const std::map<std::string, int*> counts = {{"--reaction", &options.reaction},
                                              {"--back-to-back", &options.back_to_back},
                                              {"--kubectl", &options.kubectl},
                                              {"--precision", &options.precision},
                                              {"--precision-slow", &options.precision_slow},
                                              {"--scale", &options.scale},
                                              {"--cache", &options.cache},
                                              {"--idle-seconds", &options.idle_seconds}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto equals = arg.find('=');
    const std::string name = arg.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : arg.substr(equals + 1);
    if (name == "--source-dir") {
      options.source_dir = value;
      continue;
    }
    const auto it = counts.find(name);
    char* end = nullptr;
    const long number = std::strtol(value.c_str(), &end, 10);
    if (it == counts.end() || value.empty() || *end != '\0' || number < 0 || number > 100000) {
      std::fprintf(
          stderr,
          "usage: operator-bench [--reaction=N] [--back-to-back=N] [--kubectl=N] [--precision=N] "
          "[--precision-slow=N] [--scale=N] [--cache=N] [--idle-seconds=N] "
          "[--source-dir=DIR]\n");
      std::exit(2);
    }
    *it->second = static_cast<int>(number);
  }
  return options;
}

// One line of the final table.
struct Figure {
  std::string name;
  std::string value;
  std::string goal;
  std::string verdict;  // "yes", "NO", or ""
};

class Bench {
 public:
  explicit Bench(Options options, std::string operator_binary)
      : options_(std::move(options)), operator_binary_(std::move(operator_binary)) {}

  int run() {
    const auto started = Steady::now();
    std::printf("operator-bench: load average before: %s, %u cores\n", loadAverage().c_str(),
                std::thread::hardware_concurrency());
    setUp();
    idleFootprint();
    cacheFootprint();
    reaction_ms_ = reaction("paced", "reaction", options_.reaction, milliseconds(300));
    reactionKubectl();
    back_to_back_ms_ = reaction("back to back", "burst", options_.back_to_back, milliseconds(0));
    precision("200ms", milliseconds(200), options_.precision, milliseconds(400), milliseconds(137));
    precision("1s", milliseconds(1000), options_.precision_slow, milliseconds(700),
              milliseconds(311));
    scale("bench-scale", "default limiter qps 50/burst 100");
    restartWithCache();
    scaleUnthrottled();
    printSummary();
    std::printf("operator-bench: load average after: %s; whole bench %.0f s\n",
                loadAverage().c_str(), secondsSince(started));
    tearDown();
    return 0;
  }

 private:
  void setUp() {
    g_cleanup = [this] { tearDown(/*keep_logs=*/true); };
    auto started = Steady::now();
    cluster_.up(options_.source_dir);
    std::printf("cluster up in %.1f s\n", secondsSince(started));
    int exit_code = 0;
    const std::string applied =
        cluster_.kubectl("apply -k " + options_.source_dir + "/crds 2>&1", &exit_code);
    if (exit_code != 0) fail("kubectl apply -k crds failed:\n" + applied);
    const std::string established = cluster_.kubectl(
        "wait --for=condition=Established crd/chaosexperiments.chaos.aftershock.dev "
        "--timeout=60s 2>&1",
        &exit_code);
    if (exit_code != 0) fail("the CRD was not established:\n" + established);

    op::ConfigEnvironment environment;
    auto config = op::loadRestConfig({cluster_.kubeconfig(), ""}, environment);
    if (!config.ok()) fail(config.error().message);
    config->qps = 0;  // the bench must never be the bottleneck
    auto client = op::makeRestKubeClient(*config, clock_);
    if (!client.ok()) fail(client.error().message);
    rest_client_ = std::move(client).value();
    client_ = std::make_unique<op::InstrumentedKubeClient>(*rest_client_, bench_registry_);
    auto watch_client = op::makeRestKubeClient(*config, clock_);
    if (!watch_client.ok()) fail(watch_client.error().message);
    watch_client_ = std::move(watch_client).value();

    for (const char* name : {"bench-react", "bench-precision", "bench-scale", "bench-scale-fast"}) {
      createNamespace(name, true);
    }
    createNamespace("bench-cache", false);

    for (int i = 0; i < options_.reaction; ++i) backends_.add("reaction" + std::to_string(i));
    for (int i = 0; i < options_.back_to_back; ++i) backends_.add("burst" + std::to_string(i));
    for (int i = 0; i < options_.kubectl; ++i) backends_.add(kubectlId(i));
    for (int i = 0; i < options_.precision; ++i) {
      backends_.add(precisionId("200ms", i), milliseconds(400) + i * milliseconds(137));
    }
    for (int i = 0; i < options_.precision_slow; ++i) {
      backends_.add(precisionId("1s", i), milliseconds(700) + i * milliseconds(311));
    }
    backends_.start();
    watch_ = std::make_unique<ExperimentWatch>(*watch_client_, random_);

    work_dir_ = (std::filesystem::temp_directory_path() /
                 ("aftershock-opbench-" + std::to_string(getpid())))
                    .string();
    started = Steady::now();
    operator_ = std::make_unique<OperatorProcess>(operator_binary_, cluster_.kubeconfig(),
                                                  std::vector<std::string>{}, work_dir_ + "/a");
    std::printf("operator started (default flags), ready in %.2f s; log: %s\n",
                operator_->readyAfterSeconds(), operator_->logPath().c_str());
    const Samples first = operator_->scrape();
    requests_exported_ = hasFamily(first, "aftershock_kube_requests_total");
    if (!requests_exported_) {
      std::printf(
          "NOTE: the operator's /metrics has no aftershock_kube_requests_total series: API "
          "requests are counted from the API server's apiserver_request_total instead\n");
    }
    std::fflush(stdout);
  }

  // Stops everything this bench started. The operator logs stay when the bench failed, for
  // the messages that point at them.
  void tearDown(bool keep_logs = false) {
    g_cleanup = nullptr;
    if (operator_) operator_->stop();
    operator_.reset();
    watch_.reset();
    backends_.stop();
    cluster_.down();
    std::error_code ignored;
    if (!keep_logs && !work_dir_.empty()) std::filesystem::remove_all(work_dir_, ignored);
  }

  void createNamespace(const std::string& name, bool allowed) {
    json object = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    if (allowed) object["metadata"]["annotations"] = {{std::string(kAllowAnnotation), "true"}};
    auto created = client_->create(op::resources::namespaces(), "", object);
    if (!created.ok()) fail("create namespace " + name + ": " + created.error().message);
  }

  static std::string kubectlId(int i) { return "k" + std::to_string(i); }
  static std::string precisionId(const std::string& interval, int i) {
    return "p" + interval + "-" + std::to_string(i);
  }

  void abortAndWait(const std::string& namespace_name, const std::string& name) {
    auto patched = client_->patch(experimentResource(), namespace_name, name, op::PatchType::kMerge,
                                  {{"spec", {{"abort", true}}}});
    if (!patched.ok()) fail("abort " + name + ": " + patched.error().message);
    if (!watch_->waitTerminal(namespace_name + "/" + name, seconds(30))) {
      fail(name + " did not end within 30 s of its abort; operator log: " + operator_->logPath());
    }
  }

  // --- 3. Footprint ---------------------------------------------------------------------------

  void idleFootprint() {
    std::printf("\n== Footprint: idle (no experiments)\n");
    std::this_thread::sleep_for(seconds(3));  // let start-up allocations settle
    idle_rss_ = operator_->rssMiB();
    const Samples samples = operator_->scrape();
    const double cpu_before = operator_->cpuSeconds();
    const auto start = Steady::now();
    std::this_thread::sleep_for(seconds(options_.idle_seconds));
    idle_cpu_percent_ = (operator_->cpuSeconds() - cpu_before) / secondsSince(start) * 100.0;
    std::printf(
        "RSS %.1f MiB (process_resident_memory_bytes %.1f MiB, threads %.0f); idle CPU "
        "over %d s: %.2f %% of a core\n",
        idle_rss_, sumFamily(samples, "process_resident_memory_bytes") / kMiB,
        sumFamily(samples, "process_threads"), options_.idle_seconds, idle_cpu_percent_);
    std::fflush(stdout);
  }

  void cacheFootprint() {
    if (options_.cache == 0) return;
    std::printf(
        "\n== Footprint: %d experiments in a namespace that has not opted in (each ends "
        "Failed/Error at once)\n",
        options_.cache);
    const Samples before = operator_->scrape();
    const auto api_before = cluster_.apiServerMetrics();
    const auto start = Steady::now();
    createMany(*client_, "bench-cache", "cached", options_.cache, [](const std::string& name) {
      return podDeleteExperiment(name, "bench-cache", false);
    });
    const double created_after = secondsSince(start);
    if (!waitFor([&] { return watch_->terminalIn("bench-cache") >= std::size_t(options_.cache); },
                 seconds(300), milliseconds(50))) {
      fail("only " + std::to_string(watch_->terminalIn("bench-cache")) + " of " +
           std::to_string(options_.cache) + " cached experiments ended within 300 s");
    }
    const double drained_after = millis(*watch_->lastTerminalIn("bench-cache") - start) / 1000.0;
    if (!operator_->quiesce(seconds(60))) std::printf("(the operator did not quiesce in 60 s)\n");
    std::this_thread::sleep_for(seconds(3));
    cache_rss_ = operator_->rssMiB();
    const Samples after = operator_->scrape();
    const double cpu_before = operator_->cpuSeconds();
    const auto idle_start = Steady::now();
    std::this_thread::sleep_for(seconds(std::max(1, options_.idle_seconds / 2)));
    cache_idle_cpu_percent_ =
        (operator_->cpuSeconds() - cpu_before) / secondsSince(idle_start) * 100.0;
    std::printf("created in %.1f s, all Failed after %.1f s (%.0f experiments/s)\n", created_after,
                drained_after, options_.cache / drained_after);
    std::printf(
        "RSS %.1f MiB (+%.1f MiB over idle, %.0f bytes/experiment), peak RSS %.1f MiB; "
        "idle CPU afterwards %.2f %% of a core\n",
        cache_rss_, cache_rss_ - idle_rss_, (cache_rss_ - idle_rss_) * kMiB / options_.cache,
        operator_->peakRssMiB(), cache_idle_cpu_percent_);
    cache_requests_ = printRequests("per Failed experiment", before, after, api_before,
                                    cluster_.apiServerMetrics(), options_.cache, options_.cache);
    std::fflush(stdout);
  }

  void restartWithCache() {
    if (options_.cache == 0) return;
    std::printf(
        "\n== Footprint: a fresh operator (--namespace=bench-cache) starting over the %d "
        "cached experiments\n",
        options_.cache);
    const double stop_seconds = operator_->stop();
    operator_.reset();
    const auto api_before = cluster_.apiServerMetrics();
    operator_ = std::make_unique<OperatorProcess>(
        operator_binary_, cluster_.kubeconfig(),
        std::vector<std::string>{"--namespace=bench-cache"}, work_dir_ + "/b");
    const double ready = operator_->readyAfterSeconds();
    const auto start = Steady::now();
    const bool quiet = operator_->quiesce(seconds(120));
    const double settled = secondsSince(start) + ready;
    std::this_thread::sleep_for(seconds(3));
    restart_rss_ = operator_->rssMiB();
    const Samples after = operator_->scrape();
    std::printf(
        "previous operator stopped in %.2f s; ready in %.2f s, work queue drained %s%.1f "
        "s after start\n",
        stop_seconds, ready, quiet ? "" : "(NOT) ", settled);
    std::printf("RSS %.1f MiB, peak %.1f MiB; %.0f reconciles on start-up\n", restart_rss_,
                operator_->peakRssMiB(), sumFamily(after, "aftershock_reconcile_total"));
    restart_requests_ = printRequests("per cached experiment on restart", Samples{}, after,
                                      api_before, cluster_.apiServerMetrics(), 0, options_.cache);
    restart_drain_s_ = settled;
    std::fflush(stdout);
  }

  // --- 1. Reaction ------------------------------------------------------------------------------

  // `pause` between one experiment's end and the next one's create: with it the operator's
  // client-side limiter (--kube-api-qps 50) refills between experiments, so the figure is
  // what one experiment on an idle operator sees; without it the loop itself keeps the
  // operator at its request limit.
  std::vector<double> reaction(const std::string& label, const std::string& prefix, int count,
                               milliseconds pause) {
    if (count == 0) return {};
    std::printf(
        "\n== Reaction, %s: create → BackendFault's first call (GET /config), no probes, %d "
        "experiments one at a time (each aborted once it reacted, waited to its end, then %lld "
        "ms pause)\n",
        label.c_str(), count, static_cast<long long>(pause.count()));
    const Samples before = operator_->scrape();
    const auto api_before = cluster_.apiServerMetrics();
    std::vector<double> reactions, creates;
    char name[32];
    const auto start = Steady::now();
    for (int i = 0; i < count; ++i) {
      std::snprintf(name, sizeof(name), "%s-%03d", prefix.c_str(), i);
      const std::string id = prefix + std::to_string(i);
      const json object = backendExperiment(name, "bench-react", backends_.url(id), "30s");
      const auto t0 = Steady::now();
      auto created = client_->create(experimentResource(), "bench-react", object);
      const auto t1 = Steady::now();
      if (!created.ok()) fail("create " + std::string(name) + ": " + created.error().message);
      if (!waitFor([&] { return backends_.record(id).first_call.has_value(); }, seconds(20),
                   milliseconds(1))) {
        fail(std::string(name) +
             ": no fault call within 20 s; operator log: " + operator_->logPath());
      }
      reactions.push_back(millis(*backends_.record(id).first_call - t0));
      creates.push_back(millis(t1 - t0));
      abortAndWait("bench-react", name);
      std::this_thread::sleep_for(pause);
    }
    const double elapsed = secondsSince(start);
    std::printf("%-44s %7s %9s %9s %9s %9s\n", "CREATOR", "N", "P50_MS", "P90_MS", "P99_MS",
                "MAX_MS");
    printLatency("aftershock kube client (create -> call)", reactions);
    printLatency("  of which the create request itself", creates);
    const std::size_t quarter = reactions.size() / 4;
    if (quarter > 0) {
      const std::vector<double> first(reactions.begin(), reactions.begin() + quarter);
      const std::vector<double> last(reactions.end() - quarter, reactions.end());
      std::printf("p50 of the first %zu: %.1f ms, of the last %zu: %.1f ms\n", quarter,
                  percentile(first, 0.5), quarter, percentile(last, 0.5));
    }
    const double requests = printRequests(
        "per experiment (create, react, inject, abort, roll back)", before, operator_->scrape(),
        api_before, cluster_.apiServerMetrics(), count, count, count);
    std::printf("%d experiments in %.1f s: the operator made about %.0f API requests/s\n", count,
                elapsed, requests * count / elapsed);
    if (reaction_requests_ == 0) reaction_requests_ = requests;
    std::fflush(stdout);
    return reactions;
  }

  void reactionKubectl() {
    if (options_.kubectl == 0) return;
    std::vector<double> reactions, exits;
    char name[32];
    const std::string file = work_dir_ + "/kubectl-experiment.json";
    for (int i = 0; i < options_.kubectl; ++i) {
      std::snprintf(name, sizeof(name), "kubectl-%03d", i);
      const std::string id = kubectlId(i);
      {
        std::ofstream out(file);
        out << backendExperiment(name, "bench-react", backends_.url(id), "30s").dump();
      }
      const auto t0 = Steady::now();
      int exit_code = 0;
      const std::string output = cluster_.kubectl("apply -f " + file + " 2>&1", &exit_code);
      const auto t1 = Steady::now();
      if (exit_code != 0) fail("kubectl apply failed:\n" + output);
      if (!waitFor([&] { return backends_.record(id).first_call.has_value(); }, seconds(20),
                   milliseconds(1))) {
        fail(std::string(name) + ": no fault call within 20 s");
      }
      reactions.push_back(millis(*backends_.record(id).first_call - t0));
      exits.push_back(millis(t1 - t0));
      abortAndWait("bench-react", name);
      std::this_thread::sleep_for(milliseconds(250));
    }
    kubectl_ms_ = reactions;
    printLatency("kubectl apply -f (start -> call)", reactions);
    printLatency("  kubectl apply's own run time", exits);
    std::fflush(stdout);
  }

  void printLatency(const char* label, const std::vector<double>& values) {
    std::printf("%-44s %7zu %9.1f %9.1f %9.1f %9.1f\n", label, values.size(),
                percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99),
                percentile(values, 1.0));
  }

  // --- 2. Precision ---------------------------------------------------------------------------

  struct PrecisionResult {
    std::string interval;
    double interval_ms = 0;
    std::vector<double> errors;  // measured - truth, ms
    int failed = 0;
  };

  void precision(const std::string& interval, milliseconds interval_ms, int runs,
                 milliseconds first_delay, milliseconds delay_step) {
    if (runs == 0) return;
    std::printf(
        "\n== Precision: BackendFault 1s + http probe every %s (3 passes to recover); "
        "the backend heals a known delay after the rollback's PUT /config\n",
        interval.c_str());
    std::printf("%-24s %9s %10s %10s %9s %12s %12s %10s %10s\n", "EXPERIMENT", "TRUTH_MS",
                "MEASURED", "ERROR_MS", "VERDICT", "END_SKEW_MS", "RECOV_SKEW", "DETECT_MS",
                "RUN_S");
    PrecisionResult result{interval, static_cast<double>(interval_ms.count()), {}, 0};
    for (int i = 0; i < runs; ++i) {
      const std::string id = precisionId(interval, i);
      const std::string name = "precision-" + interval + "-" + std::to_string(i);
      const milliseconds truth = first_delay + i * delay_step;
      json object = backendExperiment(name, "bench-precision", backends_.url(id), "1s");
      object["spec"]["steadyState"] = {
          {"probes",
           {{{"name", "health"},
             {"interval", interval},
             {"http", {{"url", backends_.url(id) + "/health"}, {"timeout", "1s"}}}}}}};
      object["spec"]["recovery"] = {{"timeout", "60s"}, {"consecutiveSuccesses", 3}};
      object["spec"]["hypothesis"] = {{"maxRecoveryTime", "30s"}};
      const auto start = Steady::now();
      auto created = client_->create(experimentResource(), "bench-precision", object);
      if (!created.ok()) fail("create " + name + ": " + created.error().message);
      const std::string key = "bench-precision/" + name;
      if (!watch_->waitTerminal(key, seconds(90))) {
        fail(name + " did not end within 90 s; operator log: " + operator_->logPath());
      }
      const double run_seconds = secondsSince(start);
      const json status_object = watch_->get(key).value_or(json::object());
      const FakeBackends::Record record = backends_.record(id);
      const double measured = statusNumber(status_object, "timeToRecoverSeconds");
      const std::string verdict = statusText(status_object, "verdict");
      if (measured < 0 || !record.rolled_back_wall) {
        ++result.failed;
        std::printf("%-24s %9lld %10s %10s %9s  %s\n", name.c_str(),
                    static_cast<long long>(truth.count()), "-", "-", verdict.c_str(),
                    statusText(status_object, "message").c_str());
        continue;
      }
      const double error = measured * 1000.0 - static_cast<double>(truth.count());
      result.errors.push_back(error);
      // Where the error comes from: the operator's fault end against the PUT it sent, and its
      // recovery instant against the true heal instant (wall clocks of one machine, ms).
      const auto fault_end = statusTime(status_object, "faultEndTime");
      const auto recovered = statusTime(status_object, "recoveredTime");
      const auto wall_ms = [](Wall::duration duration) {
        return std::chrono::duration<double, std::milli>(duration).count();
      };
      const double end_skew = fault_end ? wall_ms(*fault_end - *record.rolled_back_wall) : 0;
      const double recovered_skew =
          recovered ? wall_ms(*recovered - (*record.rolled_back_wall + truth)) : 0;
      std::printf("%-24s %9lld %10.3f %+10.0f %9s %+12.0f %+12.0f %10.0f %10.1f\n", name.c_str(),
                  static_cast<long long>(truth.count()), measured, error, verdict.c_str(), end_skew,
                  recovered_skew, statusNumber(status_object, "timeToDetectSeconds") * 1000.0,
                  run_seconds);
    }
    std::vector<double> magnitudes;
    for (double error : result.errors) magnitudes.push_back(std::abs(error));
    std::printf(
        "error: mean %+.0f ms, max |error| %.0f ms over %zu runs (bound: probe interval + "
        "100 ms = %.0f ms)%s\n",
        mean(result.errors), percentile(magnitudes, 1.0), result.errors.size(),
        result.interval_ms + 100,
        result.failed > 0 ? (", " + std::to_string(result.failed) +
                             " runs without a "
                             "measurement")
                                .c_str()
                          : "");
    precision_.push_back(result);
    std::fflush(stdout);
  }

  // --- 4. Scale -----------------------------------------------------------------------------

  struct ScaleResult {
    std::string label;
    double drain_seconds = 0;
    double requests = 0;  // per experiment
  };

  // `namespace_name` is opted in and holds no experiments yet; `label` says which operator.
  void scale(const std::string& namespace_name, const std::string& label) {
    if (options_.scale == 0) return;
    std::printf(
        "\n== Scale (%s): %d dry-run PodDelete experiments (Pod selector over 2 pods) "
        "created at once by 8 writers\n",
        label.c_str(), options_.scale);
    const json deployment = {
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata", metadata("web", namespace_name)},
        {"spec",
         {{"replicas", 2},
          {"selector", {{"matchLabels", {{"app", "web"}}}}},
          {"template",
           {{"metadata", {{"labels", {{"app", "web"}}}}},
            {"spec",
             {{"containers", {{{"name", "web"}, {"image", "registry.invalid/web:1"}}}}}}}}}}};
    auto created = client_->create(op::resources::deployments(), namespace_name, deployment);
    if (!created.ok()) fail("create deployment: " + created.error().message);
    const bool pods_running = waitFor(
        [&] {
          op::ListOptions list_options;
          list_options.label_selector = "app=web";
          auto pods = client_->list(op::resources::pods(), namespace_name, list_options);
          if (!pods.ok()) return false;
          int running = 0;
          for (const json& pod : pods->items) running += phaseOf(pod) == "Running";
          return running >= 2;
        },
        seconds(60), milliseconds(200));
    if (!pods_running) std::printf("(the 2 pods were not Running within 60 s; going on)\n");
    if (!operator_->quiesce(seconds(60))) std::printf("(the operator did not quiesce in 60 s)\n");

    const std::size_t count = static_cast<std::size_t>(options_.scale);
    const Samples before = operator_->scrape();
    const auto api_before = cluster_.apiServerMetrics();
    const double cpu_before = operator_->cpuSeconds();
    const auto start = Steady::now();
    createMany(*client_, namespace_name, "scale", options_.scale, [&](const std::string& name) {
      return podDeleteExperiment(name, namespace_name, true);
    });
    const double created_after = secondsSince(start);
    if (!waitFor([&] { return watch_->terminalIn(namespace_name) >= count; }, seconds(300),
                 milliseconds(20))) {
      fail("only " + std::to_string(watch_->terminalIn(namespace_name)) + " of " +
           std::to_string(count) + " dry runs reached a verdict within 300 s");
    }
    ScaleResult result{label, millis(*watch_->lastTerminalIn(namespace_name) - start) / 1000.0, 0};
    const double rss_at_drain = operator_->rssMiB();
    if (!operator_->quiesce(seconds(60))) std::printf("(the operator did not quiesce in 60 s)\n");
    const double cpu = operator_->cpuSeconds() - cpu_before;
    const Samples after = operator_->scrape();

    std::map<std::string, int> verdicts;
    for (const json& object : watch_->list()) {
      if (op::objectKey(object).rfind(namespace_name + "/", 0) != 0) continue;
      ++verdicts[phaseOf(object) + "/" + statusText(object, "verdict")];
    }
    std::printf(
        "created in %.1f s; every one terminal %.1f s after the first create (%.0f "
        "experiments/s)\n",
        created_after, result.drain_seconds, options_.scale / result.drain_seconds);
    std::printf("outcomes:");
    for (const auto& [outcome, n] : verdicts) std::printf(" %s %d", outcome.c_str(), n);
    std::printf("\noperator CPU %.2f s for the burst (%.1f ms/experiment), RSS at drain %.1f MiB\n",
                cpu, cpu * 1000 / options_.scale, rss_at_drain);
    result.requests = printRequests("per dry-run experiment", before, after, api_before,
                                    cluster_.apiServerMetrics(), options_.scale, options_.scale);
    scale_.push_back(result);
    std::fflush(stdout);
  }

  // The same burst against a fresh operator whose client-side limit is out of the way, to
  // tell the limiter's share of the drain time from the operator's own.
  void scaleUnthrottled() {
    if (options_.scale == 0) return;
    operator_->stop();
    operator_.reset();
    operator_ = std::make_unique<OperatorProcess>(
        operator_binary_, cluster_.kubeconfig(),
        std::vector<std::string>{"--namespace=bench-scale-fast", "--kube-api-qps=2000",
                                 "--kube-api-burst=4000"},
        work_dir_ + "/c");
    scale("bench-scale-fast", "limiter qps 2000/burst 4000");
  }

  // Prints the API requests made between two snapshots, per experiment: the operator's own
  // count when it exports one, and the API server's minus this bench's own requests in the
  // window (`bench_creates` POSTs and `bench_patches` PATCHes of ChaosExperiments). Returns
  // the operator-side total per experiment (the API server's when the operator has none).
  double printRequests(const std::string& what, const Samples& before, const Samples& after,
                       const Samples& api_before, const Samples& api_after, int bench_creates,
                       int experiments, int bench_patches = 0) {
    double operator_total = -1;
    if (hasFamily(after, "aftershock_kube_requests_total")) {
      const auto delta = difference(byLabel(after, "aftershock_kube_requests_total", "verb"),
                                    byLabel(before, "aftershock_kube_requests_total", "verb"));
      operator_total = 0;
      std::string breakdown;
      for (const auto& [verb, count] : delta) {
        operator_total += count;
        char text[64];
        std::snprintf(text, sizeof(text), " %s %.2f", verb.c_str(), count / experiments);
        breakdown += text;
      }
      const auto errors = difference(byLabel(after, "aftershock_kube_requests_total", "code"),
                                     byLabel(before, "aftershock_kube_requests_total", "code"));
      std::string codes;
      for (const auto& [code, count] : errors) {
        if (code != "OK") codes += " " + code + "=" + std::to_string(static_cast<long>(count));
      }
      std::printf("API requests %s (operator's aftershock_kube_requests_total): %.2f =%s%s\n",
                  what.c_str(), operator_total / experiments, breakdown.c_str(),
                  codes.empty() ? "" : ("; errors:" + codes).c_str());
    }
    auto api_delta = difference(apiRequests(api_after), apiRequests(api_before));
    api_delta["POST chaosexperiments"] -= bench_creates;
    api_delta["PATCH chaosexperiments"] -= bench_patches;
    double api_total = 0;
    std::string breakdown;
    for (const auto& [key, count] : api_delta) {
      if (count == 0) continue;
      api_total += count;
      char text[96];
      std::snprintf(text, sizeof(text), " [%s %.2f]", key.c_str(), count / experiments);
      breakdown += text;
    }
    std::printf("API requests %s (API server's count, bench's own creates removed): %.2f =%s\n",
                what.c_str(), api_total / experiments, breakdown.c_str());
    const double reconciles = sumFamily(after, "aftershock_reconcile_total") -
                              sumFamily(before, "aftershock_reconcile_total");
    std::printf("reconciles %s: %.2f\n", what.c_str(), reconciles / experiments);
    return operator_total >= 0 ? operator_total / experiments : api_total / experiments;
  }

  // --- Summary --------------------------------------------------------------------------------

  void printSummary() {
    std::vector<Figure> figures;
    char text[160];
    const auto add = [&](std::string name, std::string value, std::string goal = "",
                         std::string verdict = "") {
      figures.push_back({std::move(name), std::move(value), std::move(goal), std::move(verdict)});
    };
    if (!reaction_ms_.empty()) {
      std::snprintf(text, sizeof(text), "p50 %.1f ms, p99 %.1f ms (n=%zu)",
                    percentile(reaction_ms_, 0.5), percentile(reaction_ms_, 0.99),
                    reaction_ms_.size());
      add("reaction: client create -> first fault call (paced)", text);
    }
    if (!back_to_back_ms_.empty()) {
      std::snprintf(text, sizeof(text), "p50 %.1f ms, p99 %.1f ms (n=%zu)",
                    percentile(back_to_back_ms_, 0.5), percentile(back_to_back_ms_, 0.99),
                    back_to_back_ms_.size());
      add("reaction: the same, back to back (limiter-bound)", text);
    }
    if (!kubectl_ms_.empty()) {
      std::snprintf(text, sizeof(text), "p50 %.1f ms, max %.1f ms (n=%zu)",
                    percentile(kubectl_ms_, 0.5), percentile(kubectl_ms_, 1.0), kubectl_ms_.size());
      add("reaction: kubectl apply -> first fault call", text);
    }
    for (const PrecisionResult& result : precision_) {
      std::vector<double> magnitudes;
      for (double error : result.errors) magnitudes.push_back(std::abs(error));
      const double bound = result.interval_ms + 100;
      const double worst = percentile(magnitudes, 1.0);
      std::snprintf(text, sizeof(text), "mean %+.0f ms, max |err| %.0f ms (n=%zu)",
                    mean(result.errors), worst, result.errors.size());
      const bool ok = result.failed == 0 && !result.errors.empty() && worst < bound;
      add("precision: recovery error, probe every " + result.interval, text,
          "< " + std::to_string(static_cast<int>(bound)) + " ms", ok ? "yes" : "NO");
    }
    std::snprintf(text, sizeof(text), "%.1f MiB", idle_rss_);
    add("footprint: RSS idle", text, "< 20 MiB", idle_rss_ < 20 ? "yes" : "NO");
    if (options_.cache > 0) {
      std::snprintf(text, sizeof(text), "%.1f MiB", restart_rss_);
      add("footprint: RSS, fresh, " + std::to_string(options_.cache) + " cached (Failed)", text,
          "< 64 MiB", restart_rss_ < 64 ? "yes" : "NO");
      std::snprintf(text, sizeof(text), "%.1f MiB", cache_rss_);
      add("footprint: RSS after running " + std::to_string(options_.cache) + " to Failed", text,
          "< 64 MiB", cache_rss_ < 64 ? "yes" : "NO");
    }
    const char* counted_by = requests_exported_ ? "" : " (API server)";
    if (options_.cache > 0) {
      std::snprintf(text, sizeof(text), "%.2f requests each%s", cache_requests_, counted_by);
      add("API cost: experiment refused (namespace not opted in)", text);
      std::snprintf(text, sizeof(text), "ready + drained in %.1f s, %.2f requests each%s",
                    restart_drain_s_, restart_requests_, counted_by);
      add("restart over " + std::to_string(options_.cache) + " finished experiments", text);
    }
    if (!reaction_ms_.empty()) {
      std::snprintf(text, sizeof(text), "%.2f requests each%s", reaction_requests_, counted_by);
      add("API cost: run with no probes, aborted after inject", text);
    }
    std::snprintf(text, sizeof(text), "%.2f %% of a core", idle_cpu_percent_);
    add("footprint: CPU idle (" + std::to_string(options_.idle_seconds) + " s)", text);
    for (const ScaleResult& result : scale_) {
      std::snprintf(text, sizeof(text), "%.1f s (%.0f/s), %.2f requests each%s",
                    result.drain_seconds, options_.scale / result.drain_seconds, result.requests,
                    requests_exported_ ? "" : " (API server)");
      add("scale: " + std::to_string(options_.scale) + " dry runs, " + result.label, text);
    }
    std::printf("\n== Summary\n%-58s %-48s %-10s %s\n", "FIGURE", "VALUE", "GOAL", "MET");
    for (const Figure& figure : figures) {
      std::printf("%-58s %-48s %-10s %s\n", figure.name.c_str(), figure.value.c_str(),
                  figure.goal.c_str(), figure.verdict.c_str());
    }
  }

  const Options options_;
  const std::string operator_binary_;
  common::SystemClock clock_;
  common::SystemRandom random_;
  common::MetricsRegistry bench_registry_;
  Cluster cluster_;
  std::unique_ptr<op::RestKubeClient> rest_client_;
  std::unique_ptr<op::KubeClient> client_;
  std::unique_ptr<op::RestKubeClient> watch_client_;
  FakeBackends backends_;
  std::unique_ptr<ExperimentWatch> watch_;
  std::unique_ptr<OperatorProcess> operator_;
  std::string work_dir_;
  bool requests_exported_ = false;

  double idle_rss_ = 0, cache_rss_ = 0, restart_rss_ = 0;
  double idle_cpu_percent_ = 0, cache_idle_cpu_percent_ = 0;
  std::vector<double> reaction_ms_, back_to_back_ms_, kubectl_ms_;
  std::vector<PrecisionResult> precision_;
  std::vector<ScaleResult> scale_;
  double cache_requests_ = 0, reaction_requests_ = 0, restart_requests_ = 0;
  double restart_drain_s_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const Options options = parseOptions(argc, argv);
  const std::string operator_binary =
      (std::filesystem::path(argv[0]).parent_path() / "aftershock-operator").string();
  if (!std::filesystem::exists(operator_binary)) {
    std::fprintf(stderr, "operator-bench: %s not found (build aftershock-operator)\n",
                 operator_binary.c_str());
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  Bench bench(options, operator_binary);
  return bench.run();
}
