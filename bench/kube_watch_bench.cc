// The Kubernetes client's two figures, against a real API server:
//
//   kube-watch-bench latency KUBECONFIG [COUNT]
//     Creates COUNT ConfigMaps one after another while two watchers run side by side: an
//     Informer (its add callback) and `kubectl get configmaps --watch-only -o name` (a line
//     on its stdout). Prints p50/p99/max of create-start → event for both.
//
//   kube-watch-bench cache KUBECONFIG [COUNT]
//     Creates COUNT small ConfigMaps, then starts a fresh process (this binary, `hold` mode)
//     that syncs an Informer over them and reports its resident memory before and after, with
//     the objects as the server sends them and with managedFields stripped.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/process_stats.h"
#include "common/random.h"
#include "operator/kube/informer.h"
#include "operator/kube/rest_config.h"
#include "operator/kube/rest_kube_client.h"

namespace {

using namespace aftershock;
using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "kube-watch-bench: %s\n", message.c_str());
  std::exit(1);
}

std::unique_ptr<op::RestKubeClient> connect(const std::string& kubeconfig, common::Clock& clock) {
  op::ConfigEnvironment environment;
  auto config = op::loadRestConfig({kubeconfig, ""}, environment);
  if (!config.ok()) fail(config.error().message);
  config->qps = 0;  // measure the API server, not our own client-side limit
  auto client = op::makeRestKubeClient(*config, clock);
  if (!client.ok()) fail(client.error().message);
  return std::move(client).value();
}

std::string freshNamespace(op::KubeClient& client, const std::string& prefix) {
  const std::string name = prefix + "-" + std::to_string(::getpid());
  auto created = client.create(op::resources::namespaces(), "", {{"metadata", {{"name", name}}}});
  if (!created.ok()) fail(created.error().message);
  return name;
}

op::json smallConfigMap(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}}},
          {"data", {{"key", "value"}}}};
}

double millis(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

double percentile(std::vector<double> values, double share) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(share * static_cast<double>(values.size() - 1))];
}

// When each watcher saw each object, by name.
class Arrivals {
 public:
  void note(const std::string& name) {
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    seen_.emplace(name, now);
  }
  bool has(const std::string& name) const {
    std::lock_guard lock(mutex_);
    return seen_.contains(name);
  }
  bool hasAll(const std::map<std::string, Clock::time_point>& sent) const {
    std::lock_guard lock(mutex_);
    for (const auto& [name, start] : sent) {
      if (!seen_.contains(name)) return false;
    }
    return true;
  }
  std::vector<double> latencies(const std::map<std::string, Clock::time_point>& sent) const {
    std::lock_guard lock(mutex_);
    std::vector<double> values;
    for (const auto& [name, start] : sent) {
      if (auto it = seen_.find(name); it != seen_.end())
        values.push_back(millis(it->second - start));
    }
    return values;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Clock::time_point> seen_;
};

// `kubectl get configmaps --watch-only -o name`, its stdout read line by line as it arrives.
class KubectlWatch {
 public:
  KubectlWatch(const std::string& kubeconfig, const std::string& namespace_name,
               Arrivals& arrivals) {
    int fds[2];
    if (pipe(fds) != 0) fail("pipe failed");
    pid_ = fork();
    if (pid_ < 0) fail("fork failed");
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execlp("kubectl", "kubectl", ("--kubeconfig=" + kubeconfig).c_str(), "get", "configmaps",
             "-n", namespace_name.c_str(), "--watch-only", "-o", "name",
             static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    reader_ = std::thread([fd = fds[0], &arrivals] {
      FILE* in = fdopen(fd, "r");
      char line[512];
      while (in != nullptr && std::fgets(line, sizeof(line), in) != nullptr) {
        std::string text(line);
        while (!text.empty() && text.back() == '\n') text.pop_back();
        const auto slash = text.find('/');  // "configmap/<name>"
        arrivals.note(slash == std::string::npos ? text : text.substr(slash + 1));
      }
      if (in != nullptr) std::fclose(in);
    });
  }
  ~KubectlWatch() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    reader_.join();
  }

 private:
  pid_t pid_ = -1;
  std::thread reader_;
};

// Creates `name` until `arrivals` has seen it: the watcher is established.
void waitUntilWatching(op::KubeClient& client, const std::string& namespace_name,
                       const std::string& name, const Arrivals& arrivals) {
  (void)client.create(op::resources::configMaps(), namespace_name, smallConfigMap(name));
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!arrivals.has(name)) {
    if (Clock::now() > deadline) fail("a watcher did not start within 30 s");
    // kubectl lists first, then watches: an object created before its watch never shows up.
    (void)client.remove(op::resources::configMaps(), namespace_name, name);
    (void)client.create(op::resources::configMaps(), namespace_name, smallConfigMap(name));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void printLatencyRow(const char* watcher, const std::vector<double>& values, int count) {
  std::printf("%-40s %6zu/%-6d %9.2f %9.2f %9.2f\n", watcher, values.size(), count,
              percentile(values, 0.50), percentile(values, 0.99), percentile(values, 1.0));
}

int latency(const std::string& kubeconfig, int count) {
  common::SystemClock clock;
  common::SystemRandom random;
  auto client = connect(kubeconfig, clock);
  const std::string namespace_name = freshNamespace(*client, "bench-latency");

  Arrivals ours, kubectls;
  op::InformerOptions options;
  options.resource = op::resources::configMaps();
  options.namespace_name = namespace_name;
  op::InformerHandlers handlers;
  handlers.on_add = [&ours](const op::json& object) {
    ours.note(object["metadata"]["name"].get<std::string>());
  };
  auto watch_client = connect(kubeconfig, clock);
  op::Informer informer(*watch_client, options, handlers, random);
  informer.start();
  if (!informer.waitForSync(std::chrono::seconds(30))) fail("the informer did not sync");
  KubectlWatch kubectl(kubeconfig, namespace_name, kubectls);
  waitUntilWatching(*client, namespace_name, "warmup", kubectls);
  waitUntilWatching(*client, namespace_name, "warmup", ours);

  std::map<std::string, Clock::time_point> sent;
  char name[32];
  for (int i = 0; i < count; ++i) {
    std::snprintf(name, sizeof(name), "object-%05d", i);
    sent[name] = Clock::now();
    auto created =
        client->create(op::resources::configMaps(), namespace_name, smallConfigMap(name));
    if (!created.ok()) fail(created.error().message);
  }
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!(ours.hasAll(sent) && kubectls.hasAll(sent)) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  informer.stop();

  std::printf("%-40s %13s %9s %9s %9s\n", "WATCHER", "EVENTS", "P50_MS", "P99_MS", "MAX_MS");
  printLatencyRow("aftershock Informer (add callback)", ours.latencies(sent), count);
  printLatencyRow("kubectl get --watch-only -o name", kubectls.latencies(sent), count);
  (void)client->remove(op::resources::namespaces(), "", namespace_name);
  return 0;
}

// Creates `count` ConfigMaps with a few writers at once.
void populate(op::KubeClient& client, const std::string& namespace_name, int count) {
  constexpr int kWriters = 8;
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      char name[32];
      for (int i = next++; i < count && !failed; i = next++) {
        std::snprintf(name, sizeof(name), "cached-%05d", i);
        auto created =
            client.create(op::resources::configMaps(), namespace_name, smallConfigMap(name));
        if (!created.ok()) {
          std::fprintf(stderr, "%s\n", created.error().message.c_str());
          failed = true;
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  if (failed) fail("could not create the ConfigMaps");
}

// `hold` mode, in a fresh process: prints "<rss before> <rss synced> <objects> <sync ms>".
int hold(const std::string& kubeconfig, const std::string& namespace_name, bool strip) {
  common::SystemClock clock;
  common::SystemRandom random;
  auto client = connect(kubeconfig, clock);
  // One request first, so the TLS and connection setup are in the baseline, not the cache.
  (void)client->get(op::resources::namespaces(), "", namespace_name);
  const std::uint64_t before = common::residentMemoryBytes();
  op::InformerOptions options;
  options.resource = op::resources::configMaps();
  options.namespace_name = namespace_name;
  if (strip) options.transform = op::stripManagedFields;
  op::Informer informer(*client, options, {}, random);
  const auto started = Clock::now();
  informer.start();
  if (!informer.waitForSync(std::chrono::seconds(120))) fail("the informer did not sync");
  const double sync_ms = millis(Clock::now() - started);
  std::printf("%llu %llu %zu %.0f\n", static_cast<unsigned long long>(before),
              static_cast<unsigned long long>(common::residentMemoryBytes()), informer.size(),
              sync_ms);
  std::fflush(stdout);
  informer.stop();
  return 0;
}

std::string runSelf(const char* self, const std::vector<std::string>& args) {
  std::string command = self;
  for (const auto& arg : args) command += " '" + arg + "'";
  FILE* out = popen(command.c_str(), "r");
  if (out == nullptr) fail("popen failed");
  std::string text;
  char buffer[256];
  while (std::fgets(buffer, sizeof(buffer), out) != nullptr) text += buffer;
  if (pclose(out) != 0) fail("hold mode failed: " + command);
  return text;
}

int cache(const char* self, const std::string& kubeconfig, int count) {
  common::SystemClock clock;
  auto client = connect(kubeconfig, clock);
  const std::string namespace_name = freshNamespace(*client, "bench-cache");
  const auto started = Clock::now();
  populate(*client, namespace_name, count);
  std::printf("created %d ConfigMaps in %.1f s\n", count, millis(Clock::now() - started) / 1000);

  std::printf("%-36s %8s %12s %12s %12s %9s\n", "CACHE", "OBJECTS", "RSS_BEFORE", "RSS_SYNCED",
              "BYTES/OBJ", "SYNC_MS");
  for (const bool strip : {false, true}) {
    const std::string line = runSelf(self, {"hold", kubeconfig, namespace_name, strip ? "1" : "0"});
    unsigned long long before = 0, after = 0;
    std::size_t objects = 0;
    double sync_ms = 0;
    if (std::sscanf(line.c_str(), "%llu %llu %zu %lf", &before, &after, &objects, &sync_ms) != 4) {
      fail("unexpected hold output: " + line);
    }
    // The namespace's kube-root-ca.crt is cached too.
    std::printf("%-36s %8zu %9.1f MiB %9.1f MiB %12.0f %9.0f\n",
                strip ? "Informer, managedFields stripped" : "Informer, objects as served", objects,
                before / 1048576.0, after / 1048576.0,
                objects > 0 ? static_cast<double>(after - before) / objects : 0.0, sync_ms);
  }
  (void)client->remove(op::resources::namespaces(), "", namespace_name);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (argc > 3 && std::atoi(argv[3]) <= 0 && mode != "hold") {
    std::fprintf(stderr, "kube-watch-bench: COUNT must be a positive number, got '%s'\n", argv[3]);
    return 2;
  }
  if (mode == "latency" && argc >= 3) {
    return latency(argv[2], argc > 3 ? std::atoi(argv[3]) : 1000);
  }
  if (mode == "cache" && argc >= 3) {
    return cache(argv[0], argv[2], argc > 3 ? std::atoi(argv[3]) : 10000);
  }
  if (mode == "hold" && argc == 5) return hold(argv[2], argv[3], std::string(argv[4]) == "1");
  std::fprintf(stderr,
               "usage: kube-watch-bench latency KUBECONFIG [COUNT]\n"
               "       kube-watch-bench cache KUBECONFIG [COUNT]\n");
  return 2;
}
