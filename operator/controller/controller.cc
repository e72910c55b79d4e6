#include "operator/controller/controller.h"

#include <algorithm>
#include <cassert>
#include <chrono>

#include "operator/api/v1alpha1/codec.h"
#include "operator/kube/object_fields.h"

namespace aftershock::op {
namespace {

// The reconciler reads experiments from this cache and writes them back whole (a PUT adds or
// removes its finalizer), so only managedFields may go: the server keeps them when a PUT omits
// them, while an omitted annotation would be deleted.
void slimExperiment(json& object) { stripManagedFields(object); }

// The reconciler reads only a namespace's opt-in annotation; the rest of a namespace (its
// other annotations, kubectl's last-applied copy among them, labels, spec, status) stays out
// of the cache.
void slimNamespace(json& object) {
  json slim = {{"metadata", json::object()}};
  json& metadata = slim["metadata"];
  for (const char* field : {"name", "resourceVersion"}) {
    if (const json* value = findMember(memberOrNull(object, "metadata"), field)) {
      metadata[field] = *value;
    }
  }
  const json& annotations = memberOrNull(memberOrNull(object, "metadata"), "annotations");
  if (const json* allow = findMember(annotations, v1alpha1::kAllowAnnotation)) {
    metadata["annotations"] = {{std::string(v1alpha1::kAllowAnnotation), *allow}};
  }
  object = std::move(slim);
}

}  // namespace

Controller::Controller(KubeClient& kube, common::HttpClient& http, common::Clock& clock,
                       common::Random& random, common::MetricsRegistry& registry,
                       ControllerOptions options)
    : kube_(kube),
      clock_(clock),
      options_(std::move(options)),
      metrics_(registry),
      admission_(options_.max_active_experiments),
      events_(kube, clock),
      queue_(clock),
      probe_pool_(static_cast<std::size_t>(options_.probe_threads), 256),
      probes_(
          clock,
          [this](std::function<void()> task) { return probe_pool_.trySubmit(std::move(task)); },
          [this](const std::string& key) { queue_.add(key); }),
      reconciler_(ReconcilerDependencies{kube, http, clock, random, probes_, admission_, &events_,
                                         &metrics_, nullptr, nullptr,
                                         [this](const std::string& key) {
                                           // Workers, the only callers, start after the
                                           // informers exist.
                                           assert(experiments_ != nullptr);
                                           return experiments_->get(key);
                                         },
                                         [this](const std::string& name) {
                                           assert(namespaces_ != nullptr);
                                           return namespaces_->get(name);
                                         }},
                  ReconcilerOptions{[this] { return killSwitchEngaged(); }, std::chrono::seconds(2),
                                    std::chrono::seconds(60)}),
      random_(random) {
  registry.gaugeFunction("aftershock_active_experiments",
                         "Experiments between their start and their end.",
                         [this] { return static_cast<double>(admission_.activeCount()); });
  registry.gaugeFunction("aftershock_workqueue_depth", "Experiment keys waiting for a worker.",
                         [this] { return static_cast<double>(queue_.depth()); });
  registry.gaugeFunction("aftershock_kill_switch_engaged", "1 while the kill switch is engaged.",
                         [this] { return killSwitchEngaged() ? 1.0 : 0.0; });
}

Controller::~Controller() { stop(); }

common::Status Controller::start() {
  InformerOptions experiment_options;
  experiment_options.resource = chaosExperimentResource();
  experiment_options.namespace_name = options_.watch_namespace;
  experiment_options.transform = slimExperiment;
  experiments_ = std::make_unique<Informer>(
      kube_, experiment_options,
      InformerHandlers{[this](const json& object) { enqueue(object); },
                       [this](const json&, const json& object) { enqueue(object); },
                       [this](const json& object) { enqueue(object); }},
      random_);

  InformerOptions control_options;
  control_options.resource = resources::configMaps();
  control_options.namespace_name = options_.control_namespace;
  control_options.field_selector = "metadata.name=" + options_.control_config_map;
  control_options.transform = stripManagedFields;
  const auto control_changed = [this] {
    logger_.info("control config map changed", {{"kill_switch", killSwitchEngaged()}});
    enqueueAll();
  };
  control_ = std::make_unique<Informer>(
      kube_, control_options,
      InformerHandlers{[control_changed](const json&) { control_changed(); },
                       [control_changed](const json&, const json&) { control_changed(); },
                       [control_changed](const json&) { control_changed(); }},
      random_);

  // Namespaces are cached for the reconciler's opt-in check; one limited to a namespace needs
  // only that one (experiments aiming elsewhere are checked with a GET).
  InformerOptions namespace_options;
  namespace_options.resource = resources::namespaces();
  if (!options_.watch_namespace.empty()) {
    namespace_options.field_selector = "metadata.name=" + options_.watch_namespace;
  }
  namespace_options.transform = slimNamespace;
  namespaces_ = std::make_unique<Informer>(kube_, namespace_options, InformerHandlers{}, random_);

  experiments_->start();
  control_->start();
  namespaces_->start();
  const auto deadline = std::chrono::steady_clock::now() + options_.sync_timeout;
  const auto remaining = [&deadline] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::max(
        deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration::zero()));
  };
  if (!experiments_->waitForSync(remaining())) {
    return common::makeError(
        common::ErrorCode::kUnavailable,
        "the ChaosExperiment cache did not sync within " +
            std::to_string(options_.sync_timeout.count()) +
            "s: is the CRD installed (kubectl apply -k crds) and may this account list "
            "chaosexperiments?");
  }
  if (!namespaces_->waitForSync(remaining())) {
    return common::makeError(common::ErrorCode::kUnavailable,
                             "the Namespace cache did not sync within " +
                                 std::to_string(options_.sync_timeout.count()) +
                                 "s: may this account list and watch namespaces?");
  }
  restoreAdmission();
  probes_.start();
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { work(); });
  ready_ = true;
  logger_.info("controller started", {{"experiments", experiments_->size()},
                                      {"active", admission_.activeCount()},
                                      {"workers", options_.workers}});
  return {};
}

void Controller::stop() {
  if (stopped_.exchange(true)) return;
  ready_ = false;
  queue_.shutDown();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  probes_.shutdown();
  probe_pool_.shutdown();
  if (experiments_) experiments_->stop();
  if (control_) control_->stop();
  if (namespaces_) namespaces_->stop();
}

bool Controller::killSwitchEngaged() const {
  if (options_.kill_switch) return true;
  if (!control_) return false;
  const std::optional<json> config_map =
      control_->get(options_.control_namespace + "/" + options_.control_config_map);
  if (!config_map || !config_map->contains("data")) return false;
  return stringMember((*config_map)["data"], options_.kill_switch_key) == "true";
}

void Controller::enqueue(const json& object) { queue_.add(objectKey(object)); }

void Controller::enqueueAll() {
  if (!experiments_) return;
  for (const json& object : experiments_->list()) enqueue(object);
}

void Controller::restoreAdmission() {
  for (const json& object : experiments_->list()) {
    common::Result<v1alpha1::ChaosExperiment> experiment = v1alpha1::parseExperiment(object);
    if (!experiment) continue;
    const v1alpha1::ChaosExperimentStatus& status = experiment->status;
    const bool running = status.phase != v1alpha1::Phase::kPending || status.current_run > 1;
    if (!v1alpha1::isTerminal(status.phase) && running) {
      admission_.restore(objectKey(object), experiment->spec);
    }
  }
}

void Controller::work() {
  while (std::optional<std::string> key = queue_.get()) {
    const common::SteadyTime started = clock_.now();
    const ReconcileResult result = reconciler_.reconcile(*key);
    const double seconds = common::toSeconds(clock_.now() - started);
    if (result.retry) {
      logger_.warn("reconcile failed, retrying", {{"experiment", *key}, {"error", result.error}});
      metrics_.reconciled("error", seconds);
      queue_.addRateLimited(*key);
    } else {
      metrics_.reconciled("success", seconds);
      queue_.forget(*key);
      if (result.requeue_after) queue_.addAfter(*key, *result.requeue_after);
    }
    queue_.done(*key);
  }
}

}  // namespace aftershock::op
