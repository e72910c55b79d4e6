// Reconciler: drives one ChaosExperiment through its phases, one step per call.
//
// Shape (controller-runtime style): read the object (gone: forget it) -> decide from its spec,
// its status and the clock -> act idempotently -> write the status through /status only when
// it changed (a 409 means re-read and try again) -> say when to look again. It never sleeps
// and never remembers a decision between calls: everything a later step needs, rollback above
// all, is in the status before the step that needs it runs. What lives in memory (the probes'
// measurement, admission) is rebuilt from the status after a restart.
//
// Phases: Pending -> SteadyStateCheck -> Injecting -> FaultActive -> RollingBack ->
// Recovering -> Completed (or Pending again for the next repeat, after its cooldown); Failed
// with verdict Error when the experiment cannot run; Aborted on spec.abort or the kill switch.
// A deleted experiment is rolled back before its finalizer is removed.
//
// Reads come from the controller's informer caches when it provides them. A cache lags the
// reconciler's own writes until their watch events arrive, so the reconciler remembers which
// versions of each experiment its writes superseded and does nothing with such a stale copy:
// acting on it could repeat a step (an injection) whose record is in the newer version.
//
// Thread-safety: reconcile() may run on several workers at once for different keys (the work
// queue never hands one key to two workers).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/http.h"
#include "common/logging.h"
#include "common/random.h"
#include "operator/api/v1alpha1/chaos_experiment.h"
#include "operator/controller/admission.h"
#include "operator/controller/controller_metrics.h"
#include "operator/controller/time_base.h"
#include "operator/faults/fault.h"
#include "operator/kube/event_recorder.h"
#include "operator/kube/kube_client.h"
#include "operator/probes/probe_scheduler.h"

namespace aftershock::op {

// chaosexperiments.chaos.aftershock.dev/v1alpha1.
Resource chaosExperimentResource();

struct ReconcilerOptions {
  // True while the kill switch (flag or control ConfigMap) is engaged: every active experiment
  // rolls back and ends Aborted, and none starts.
  std::function<bool()> kill_switch = [] { return false; };
  // How often to look again while waiting for time or for probes (probe results that matter
  // also trigger a reconcile at once).
  common::Duration poll_interval = std::chrono::seconds(2);
  // How long Injecting may keep failing with retryable errors before the run is given up.
  common::Duration inject_timeout = std::chrono::seconds(60);
};

struct ReconcilerDependencies {
  KubeClient& kube;
  common::HttpClient& http;
  common::Clock& clock;
  common::Random& random;
  ProbeScheduler& probes;
  Admission& admission;
  EventRecorder* events = nullptr;       // optional
  ControllerMetrics* metrics = nullptr;  // optional
  // Makes the probes of a run; defaults to makeProbe() with kube, http and clock.
  std::function<std::unique_ptr<Probe>(const v1alpha1::ProbeSpec&)> make_probe;
  // Makes the fault of a type; defaults to makeFault().
  std::function<std::unique_ptr<Fault>(v1alpha1::FaultType)> make_fault;
  // The experiment of a "namespace/name" key from an informer cache; nullopt means it is not in
  // the cache, i.e. deleted. The cached object must be whole but for managedFields: the
  // reconciler writes it back. Unset: every reconcile GETs the experiment. Called from any
  // worker thread.
  std::function<std::optional<json>(const std::string& key)> cached_experiment = nullptr;
  // A namespace by name from an informer cache (its metadata.annotations at least); nullopt
  // when it is not cached, and then the reconciler GETs it. Unset: always GET. Called from any
  // worker thread.
  std::function<std::optional<json>(const std::string& name)> cached_namespace = nullptr;
};

struct ReconcileResult {
  std::optional<common::Duration> requeue_after;  // look again after this long
  bool retry = false;  // a retryable failure: requeue with the queue's per-key backoff
  std::string error;   // what failed, for the log
};

class Reconciler {
 public:
  Reconciler(ReconcilerDependencies deps, ReconcilerOptions options);

  // `key` is "namespace/name".
  ReconcileResult reconcile(const std::string& key);

 private:
  struct Context;  // one reconcile's object, parsed experiment, and status being built

  ReconcileResult handleInvalid(Context& context, const common::Error& error);
  ReconcileResult handleDeletion(Context& context);
  ReconcileResult handleAbort(Context& context, std::string_view reason, std::string message);
  ReconcileResult handlePending(Context& context);
  ReconcileResult handleSteadyState(Context& context);
  ReconcileResult handleInjecting(Context& context);
  ReconcileResult handleFaultActive(Context& context);
  ReconcileResult handleRollingBack(Context& context);
  ReconcileResult handleRecovering(Context& context);

  ReconcileResult startRun(Context& context);
  ReconcileResult finishDryRun(Context& context);
  ReconcileResult finishRun(Context& context, std::optional<common::SteadyTime> recovered_at);
  // Ends the experiment in `phase` with `verdict`, releases its slot and probes.
  ReconcileResult finish(Context& context, v1alpha1::Phase phase, v1alpha1::Verdict verdict,
                         std::string_view reason, std::string message);
  // Moves to RollingBack (the fault ends early or on time); `verdict` is a marker for how the
  // run ends once rolled back: kNone (measure recovery), kFail (abortWhen), kError (inject
  // failed).
  ReconcileResult beginRollback(Context& context, std::string_view reason, std::string message,
                                v1alpha1::Verdict verdict);

  // Rolls back everything in status.affected, each entry with the fault recorded in it, and
  // verifies. OK once every object is back.
  common::Status rollbackAffected(Context& context);
  FaultContext faultContext(const Context& context) const;

  // The probe session of the current run, restored from the status after a restart.
  std::shared_ptr<ProbeSession> ensureSession(Context& context);
  // Copies the measurement into the status being built (probe counts, availability, detection).
  void recordMeasurement(Context& context, const RunMeasurement& measurement);

  // Writes the status being built when it differs from the object's; on success the context
  // holds the written object. Errors (409 included) come back for the caller to return.
  common::Status commit(Context& context);
  ReconcileResult commitAndRequeue(Context& context, std::optional<common::Duration> after);
  common::Status setFinalizer(Context& context, bool present);
  // The target namespace: from the cache when it is there and opted in, else from the API
  // (a refusal is final, so it is never decided on a cached copy that may predate the opt-in).
  common::Result<json> readTargetNamespace(const std::string& name);

  // Stale-read bookkeeping, used only with cached_experiment. After a successful write of
  // `key`, `version` (the one it replaced) is stale.
  void rememberSuperseded(const std::string& key, const std::string& version);
  // True when `version` of `key` was superseded by this reconciler's own write; otherwise the
  // cache has caught up (or someone else wrote) and the key's entry is forgotten.
  bool isSuperseded(const std::string& key, const std::string& version);
  void forgetSuperseded(const std::string& key);
  void event(const Context& context, EventType type, std::string_view reason,
             const std::string& message);
  void transition(Context& context, v1alpha1::Phase phase, std::string message);

  ReconcilerDependencies deps_;
  const ReconcilerOptions options_;
  TimeBase time_base_;
  common::Logger logger_{"reconciler"};

  std::mutex superseded_mutex_;
  // Per key, every version this reconciler's writes replaced since it last read a newer one
  // (one reconcile may write several times, each write superseding the one before).
  std::map<std::string, std::set<std::string>> superseded_;
};

}  // namespace aftershock::op
