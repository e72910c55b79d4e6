// Controller: the running operator. It watches ChaosExperiments (and the control ConfigMap
// that holds the kill switch, and namespaces for their opt-in) through informers, feeds the
// experiments' keys into a work queue, and runs reconcile workers, the probe scheduler and the
// admission bookkeeping. The reconciler reads experiments and namespaces from these caches.
//
// Start order matters for restart safety: the experiment cache syncs first, every experiment
// that was running is registered with admission, and only then do workers take keys, so a
// restarted operator never admits an experiment that collides with one already running.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/http.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/random.h"
#include "common/worker_pool.h"
#include "operator/controller/admission.h"
#include "operator/controller/controller_metrics.h"
#include "operator/controller/reconciler.h"
#include "operator/kube/event_recorder.h"
#include "operator/kube/informer.h"
#include "operator/kube/work_queue.h"
#include "operator/probes/probe_scheduler.h"

namespace aftershock::op {

struct ControllerOptions {
  std::string watch_namespace;  // "" = every namespace
  int workers = 4;
  int max_active_experiments = 10;
  bool kill_switch = false;  // --kill-switch: engaged from the start, whatever the ConfigMap says
  std::string control_namespace = "aftershock-system";
  std::string control_config_map = "aftershock-control";
  std::string kill_switch_key = "kill-switch";
  int probe_threads = 8;
  std::chrono::seconds sync_timeout{60};
};

class Controller {
 public:
  Controller(KubeClient& kube, common::HttpClient& http, common::Clock& clock,
             common::Random& random, common::MetricsRegistry& registry, ControllerOptions options);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Starts the informers, waits for the experiment and namespace caches to sync (an error if
  // they do not within options.sync_timeout: RBAC or the CRD missing, say), restores admission,
  // then starts the probe scheduler and the workers.
  common::Status start();
  // Stops taking keys, lets running reconciles finish, stops probes and informers. Idempotent.
  void stop();

  bool ready() const { return ready_.load(); }
  bool killSwitchEngaged() const;
  std::size_t activeExperiments() const { return admission_.activeCount(); }

 private:
  void enqueue(const json& object);
  void enqueueAll();
  void restoreAdmission();
  void work();

  KubeClient& kube_;
  common::Clock& clock_;
  const ControllerOptions options_;
  common::Logger logger_{"controller"};

  ControllerMetrics metrics_;
  Admission admission_;
  EventRecorder events_;
  WorkQueue queue_;
  common::WorkerPool probe_pool_;
  ProbeScheduler probes_;
  Reconciler reconciler_;
  std::unique_ptr<Informer> experiments_;
  std::unique_ptr<Informer> control_;
  std::unique_ptr<Informer> namespaces_;  // name, resourceVersion and the opt-in annotation
  common::Random& random_;
  std::vector<std::thread> workers_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopped_{false};
};

}  // namespace aftershock::op
