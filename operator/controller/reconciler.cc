#include "operator/controller/reconciler.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "operator/api/v1alpha1/codec.h"
#include "operator/api/v1alpha1/duration.h"
#include "operator/controller/conditions.h"
#include "operator/controller/phase_logic.h"
#include "operator/kube/object_fields.h"

namespace aftershock::op {

using v1alpha1::AffectedResource;
using v1alpha1::Phase;
using v1alpha1::Verdict;

namespace {

ReconcileResult retryAfterError(std::string what) {
  ReconcileResult result;
  result.retry = true;
  result.error = std::move(what);
  return result;
}

ReconcileResult requeueAfter(common::Duration after) {
  ReconcileResult result;
  result.requeue_after = std::max<common::Duration>(after, common::Duration::zero());
  return result;
}

// How soon to look again at an experiment whose cached copy is older than the reconciler's own
// last write, should the watch event that normally triggers the next reconcile be lost.
constexpr common::Duration kStaleReadRecheck = std::chrono::seconds(1);

bool optedIn(const json& namespace_object) {
  const json& annotations = memberOrNull(memberOrNull(namespace_object, "metadata"), "annotations");
  return stringMember(annotations, v1alpha1::kAllowAnnotation) == "true";
}

double roundTo(double value, double scale) { return std::round(value * scale) / scale; }

// The schema's bounds on status strings: a probe's error and the phase message.
constexpr std::size_t kMaxErrorLength = 1024;
constexpr std::size_t kMaxMessageLength = 4096;

std::string bounded(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  text.resize(limit - 3);
  // Do not leave half a UTF-8 sequence at the cut.
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80) != 0) text.pop_back();
  return text + "...";
}

// "Pod demo/a, Pod demo/b and 3 more": what a dry run would touch.
std::string describeAffected(const std::vector<AffectedResource>& affected) {
  constexpr std::size_t kShown = 5;
  std::string text;
  for (std::size_t i = 0; i < affected.size() && i < kShown; ++i) {
    if (!text.empty()) text += ", ";
    text += affected[i].kind + " ";
    if (!affected[i].namespace_name.empty()) text += affected[i].namespace_name + "/";
    text += affected[i].name;
  }
  if (affected.size() > kShown)
    text += " and " + std::to_string(affected.size() - kShown) + " more";
  return text;
}

// The fault recorded in an affected entry (the controller tags every planned entry), so a
// rollback never depends on a spec that may have changed since.
std::optional<v1alpha1::FaultType> recordedFault(const AffectedResource& entry) {
  return v1alpha1::parseFaultType(entry.fault);
}

}  // namespace

Resource chaosExperimentResource() {
  return Resource{std::string(v1alpha1::kGroup), std::string(v1alpha1::kVersion),
                  std::string(v1alpha1::kPlural), true};
}

struct Reconciler::Context {
  std::string key;
  json object;  // as last read or written
  v1alpha1::ChaosExperiment experiment;
  v1alpha1::ChaosExperimentStatus next;  // the status being built
  common::SteadyTime now{};
  std::string now_text;
};

Reconciler::Reconciler(ReconcilerDependencies deps, ReconcilerOptions options)
    : deps_(std::move(deps)), options_(std::move(options)), time_base_(deps_.clock) {
  if (!deps_.make_probe) {
    deps_.make_probe = [this](const v1alpha1::ProbeSpec& spec) {
      return makeProbe(spec, ProbeDependencies{deps_.kube, deps_.http, deps_.clock});
    };
  }
  if (!deps_.make_fault)
    deps_.make_fault = [](v1alpha1::FaultType type) { return makeFault(type); };
}

ReconcileResult Reconciler::reconcile(const std::string& key) {
  const std::size_t slash = key.find('/');
  const std::string namespace_name = slash == std::string::npos ? "" : key.substr(0, slash);
  const std::string name = slash == std::string::npos ? key : key.substr(slash + 1);

  const auto forget = [&] {
    forgetSuperseded(key);
    deps_.probes.stop(key);
    deps_.admission.release(key);
  };
  Context context;
  context.key = key;
  if (deps_.cached_experiment) {
    std::optional<json> cached = deps_.cached_experiment(key);
    if (!cached) {
      forget();
      return {};
    }
    const std::string version = metadataString(*cached, "resourceVersion");
    if (isSuperseded(key, version)) {
      // The watch event of the write that superseded it is on its way and brings the key back;
      // the requeue only covers an event that never comes.
      logger_.debug("skipped stale cached experiment",
                    {{"experiment", key}, {"resource_version", version}});
      return requeueAfter(kStaleReadRecheck);
    }
    context.object = std::move(cached).value();
  } else {
    common::Result<json> object = deps_.kube.get(chaosExperimentResource(), namespace_name, name);
    if (!object) {
      if (object.error().code == common::ErrorCode::kNotFound) {
        forget();
        return {};
      }
      return retryAfterError("read " + key + ": " + object.error().message);
    }
    context.object = std::move(object).value();
  }
  context.now = deps_.clock.now();
  context.now_text = time_base_.format(context.now);

  common::Result<v1alpha1::ChaosExperiment> parsed = v1alpha1::parseExperiment(context.object);
  if (!parsed) {
    context.experiment = v1alpha1::parseMetadataAndStatus(context.object);
    context.next = context.experiment.status;
    return handleInvalid(context, parsed.error());
  }
  context.experiment = std::move(parsed).value();
  context.next = context.experiment.status;

  const v1alpha1::ChaosExperiment& experiment = context.experiment;
  if (experiment.deleting) return handleDeletion(context);
  const Phase phase = experiment.status.phase;
  if (isTerminal(phase)) {
    deps_.probes.stop(key);
    deps_.admission.release(key);
    if (experiment.has_finalizer) {
      if (common::Status removed = setFinalizer(context, false); !removed) {
        return retryAfterError("remove finalizer: " + removed.error().message);
      }
    }
    return {};
  }
  if (experiment.spec.abort) {
    return handleAbort(context, condition::kAborted, "spec.abort is true");
  }
  // A run under way, or cooling down between repeats, ends; one not started yet waits.
  const bool started = phase != Phase::kPending || experiment.status.current_run > 1;
  if (started && options_.kill_switch()) {
    return handleAbort(context, condition::kKillSwitch, "the kill switch is engaged");
  }
  switch (phase) {
    case Phase::kPending:
      return handlePending(context);
    case Phase::kSteadyStateCheck:
      return handleSteadyState(context);
    case Phase::kInjecting:
      return handleInjecting(context);
    case Phase::kFaultActive:
      return handleFaultActive(context);
    case Phase::kRollingBack:
      return handleRollingBack(context);
    case Phase::kRecovering:
      return handleRecovering(context);
    default:
      return {};
  }
}

// --- Phases -----------------------------------------------------------------------------------

ReconcileResult Reconciler::handleInvalid(Context& context, const common::Error& error) {
  const std::string problem = v1alpha1::describeError(error);
  if (context.experiment.deleting) return handleDeletion(context);
  if (isTerminal(context.experiment.status.phase)) {
    if (context.experiment.has_finalizer) (void)setFinalizer(context, false);
    return {};
  }
  if (touchesTarget(context.experiment.status.phase) && !context.next.affected.empty()) {
    if (common::Status rolled_back = rollbackAffected(context); !rolled_back) {
      return retryAfterError("roll back " + context.key + ": " + rolled_back.error().message);
    }
    return finish(context, Phase::kFailed, Verdict::kError, condition::kInvalidSpec,
                  "the spec became invalid mid-run (" + problem + "); the fault was rolled back");
  }
  return finish(context, Phase::kFailed, Verdict::kError, condition::kInvalidSpec,
                "invalid spec: " + problem);
}

ReconcileResult Reconciler::handleDeletion(Context& context) {
  if (!context.experiment.has_finalizer) return {};
  if (touchesTarget(context.experiment.status.phase) && !context.next.affected.empty()) {
    if (common::Status rolled_back = rollbackAffected(context); !rolled_back) {
      event(context, EventType::kWarning, condition::kRollbackFailing,
            "deleted mid-run, rollback failing: " + rolled_back.error().message);
      return retryAfterError("roll back deleted " + context.key + ": " +
                             rolled_back.error().message);
    }
    logger_.info("rolled back deleted experiment", {{"experiment", context.key}});
  }
  deps_.probes.stop(context.key);
  deps_.admission.release(context.key);
  if (common::Status removed = setFinalizer(context, false); !removed) {
    return retryAfterError("remove finalizer: " + removed.error().message);
  }
  return {};
}

ReconcileResult Reconciler::handleAbort(Context& context, std::string_view reason,
                                        std::string message) {
  if (touchesTarget(context.experiment.status.phase) && !context.next.affected.empty()) {
    if (common::Status rolled_back = rollbackAffected(context); !rolled_back) {
      transition(context, Phase::kRollingBack,
                 message + "; rollback failing: " + rolled_back.error().message);
      setCondition(context.next.conditions, condition::kFaultInjected, true,
                   condition::kRollbackFailing, rolled_back.error().message,
                   context.experiment.generation, context.now_text);
      (void)commit(context);
      return retryAfterError("roll back " + context.key + ": " + rolled_back.error().message);
    }
    if (context.next.fault_end_time.empty()) context.next.fault_end_time = context.now_text;
    message += "; the fault was rolled back";
  }
  return finish(context, Phase::kAborted, Verdict::kNone, reason, std::move(message));
}

ReconcileResult Reconciler::handlePending(Context& context) {
  const v1alpha1::ChaosExperimentSpec& spec = context.experiment.spec;
  if (const auto next_run = time_base_.parse(context.next.next_run_time);
      next_run && *next_run > context.now) {
    return requeueAfter(*next_run - context.now);
  }

  const std::string& target_namespace = spec.target.namespace_name;
  common::Result<json> namespace_object = readTargetNamespace(target_namespace);
  if (!namespace_object) {
    if (namespace_object.error().code == common::ErrorCode::kNotFound) {
      return finish(context, Phase::kFailed, Verdict::kError, condition::kNamespaceNotAllowed,
                    "the target namespace " + target_namespace + " does not exist");
    }
    return retryAfterError("read namespace " + target_namespace + ": " +
                           namespace_object.error().message);
  }
  if (!optedIn(*namespace_object)) {
    return finish(
        context, Phase::kFailed, Verdict::kError, condition::kNamespaceNotAllowed,
        "namespace " + target_namespace + " has not opted in to chaos: annotate it with " +
            std::string(v1alpha1::kAllowAnnotation) + "=true (kubectl annotate namespace " +
            target_namespace + " " + std::string(v1alpha1::kAllowAnnotation) + "=true)");
  }

  if (spec.dry_run) return finishDryRun(context);

  if (options_.kill_switch()) {
    setCondition(context.next.conditions, condition::kProgressing, false, condition::kKillSwitch,
                 "the kill switch is engaged; no experiment starts", context.experiment.generation,
                 context.now_text);
    context.next.message = "waiting: the kill switch is engaged";
    if (common::Status written = commit(context); !written) {
      return retryAfterError("write status: " + written.error().message);
    }
    return requeueAfter(options_.poll_interval);
  }
  if (std::optional<std::string> wait = deps_.admission.tryAdmit(context.key, spec)) {
    const bool busy_target = wait->find("concurrencyPolicy") != std::string::npos;
    setCondition(context.next.conditions, condition::kProgressing, false,
                 busy_target ? condition::kTargetBusy : condition::kWaitingForSlot, *wait,
                 context.experiment.generation, context.now_text);
    context.next.message = *wait;
    if (common::Status written = commit(context); !written) {
      return retryAfterError("write status: " + written.error().message);
    }
    return requeueAfter(options_.poll_interval);
  }
  return startRun(context);
}

ReconcileResult Reconciler::startRun(Context& context) {
  // The finalizer goes on before anything can be touched, so a deletion from here on waits
  // for the rollback.
  if (!context.experiment.has_finalizer) {
    if (common::Status added = setFinalizer(context, true); !added) {
      return retryAfterError("add finalizer: " + added.error().message);
    }
  }
  v1alpha1::ChaosExperimentStatus& next = context.next;
  next.current_run = std::max(1, next.current_run);
  if (next.start_time.empty()) next.start_time = context.now_text;
  next.injection_time.clear();
  next.fault_end_time.clear();
  next.recovered_time.clear();
  next.next_run_time.clear();
  next.time_to_detect_seconds.reset();
  next.time_to_recover_seconds.reset();
  next.availability.reset();
  next.affected.clear();
  next.probes.clear();
  next.verdict = Verdict::kNone;
  std::erase_if(next.conditions, [](const v1alpha1::Condition& entry) {
    return entry.type == condition::kEndedEarly;
  });
  const int runs = context.experiment.spec.repeat.count;
  transition(context, Phase::kSteadyStateCheck,
             "checking the steady state before injecting" +
                 (runs > 1 ? " (run " + std::to_string(next.current_run) + " of " +
                                 std::to_string(runs) + ")"
                           : std::string()));
  if (common::Status written = commit(context); !written) {
    deps_.admission.release(context.key);
    return retryAfterError("write status: " + written.error().message);
  }
  event(context, EventType::kNormal, condition::kCheckingSteadyState, context.next.message);
  ensureSession(context);
  return requeueAfter(options_.poll_interval);
}

ReconcileResult Reconciler::finishDryRun(Context& context) {
  std::unique_ptr<Fault> fault = deps_.make_fault(context.experiment.spec.fault.type);
  common::Result<std::vector<AffectedResource>> plan = fault->plan(faultContext(context));
  if (!plan) {
    // A passing API or transport failure (a timeout included) is retried, not reported.
    if (plan.error().retryable()) return retryAfterError("plan: " + plan.error().message);
    return finish(context, Phase::kFailed, Verdict::kError, condition::kPlanFailed,
                  "dry run: the fault cannot be planned: " + v1alpha1::describeError(plan.error()));
  }
  context.next.affected = std::move(plan).value();
  if (context.next.start_time.empty()) context.next.start_time = context.now_text;
  return finish(context, Phase::kCompleted, Verdict::kPass, condition::kDryRun,
                "dry run: would inject " +
                    std::string(v1alpha1::faultTypeName(context.experiment.spec.fault.type)) +
                    " into " + describeAffected(context.next.affected) + "; nothing was touched");
}

ReconcileResult Reconciler::handleSteadyState(Context& context) {
  const std::vector<v1alpha1::ProbeSpec> probes = effectiveProbes(context.experiment.spec);
  if (probes.empty()) {
    transition(context, Phase::kInjecting, "no steady-state probes; injecting");
    if (common::Status written = commit(context); !written) {
      return retryAfterError("write status: " + written.error().message);
    }
    return handleInjecting(context);
  }
  std::shared_ptr<ProbeSession> session = ensureSession(context);
  const SteadyStateOutcome outcome = session->withMeasurement([&](RunMeasurement& measurement) {
    recordMeasurement(context, measurement);
    return steadyStateOutcome(measurement, session->startedAt(), context.now, probes);
  });
  switch (outcome) {
    case SteadyStateOutcome::kWaiting:
      return requeueAfter(options_.poll_interval);
    case SteadyStateOutcome::kNotMet:
    case SteadyStateOutcome::kTimedOut: {
      const std::string why = session->withMeasurement([&](RunMeasurement& measurement) {
        if (const ProbeTally* failing = measurement.firstFailingProbe()) {
          return "probe " + failing->name + ": " + failing->last_error;
        }
        return std::string("the probes did not report within the steady-state timeout");
      });
      setCondition(context.next.conditions, condition::kSteadyStateMet, false,
                   condition::kSteadyStateNotMet, why, context.experiment.generation,
                   context.now_text);
      return finish(context, Phase::kFailed, Verdict::kError, condition::kSteadyStateNotMet,
                    "the system was not in steady state before injection, so nothing was "
                    "touched: " +
                        why);
    }
    case SteadyStateOutcome::kMet:
      break;
  }
  setCondition(context.next.conditions, condition::kSteadyStateMet, true, condition::kProbesMet,
               "every probe passed before injection", context.experiment.generation,
               context.now_text);
  transition(context, Phase::kInjecting, "steady state met; injecting the fault");
  if (common::Status written = commit(context); !written) {
    return retryAfterError("write status: " + written.error().message);
  }
  return handleInjecting(context);
}

ReconcileResult Reconciler::handleInjecting(Context& context) {
  const v1alpha1::ChaosExperimentSpec& spec = context.experiment.spec;
  const std::string fault_name(v1alpha1::faultTypeName(spec.fault.type));
  std::unique_ptr<Fault> fault = deps_.make_fault(spec.fault.type);
  std::shared_ptr<ProbeSession> session = ensureSession(context);
  bool assume_injected = false;

  if (context.next.affected.empty()) {
    common::Result<std::vector<AffectedResource>> plan = fault->plan(faultContext(context));
    if (!plan) {
      // Like inject: a passing API or transport failure is retried within inject_timeout.
      const bool within_timeout = context.now - session->startedAt() < options_.inject_timeout;
      if (plan.error().retryable() && within_timeout) {
        return retryAfterError("plan: " + plan.error().message);
      }
      return finish(context, Phase::kFailed, Verdict::kError, condition::kPlanFailed,
                    "the fault cannot be injected, nothing was touched: " +
                        v1alpha1::describeError(plan.error()));
    }
    if (plan->empty()) {
      return finish(context, Phase::kFailed, Verdict::kError, condition::kPlanFailed,
                    "the fault found nothing to act on; nothing was touched");
    }
    if (plan->size() > v1alpha1::kMaxAffected) {
      return finish(context, Phase::kFailed, Verdict::kError, condition::kPlanFailed,
                    "the fault would touch " + std::to_string(plan->size()) +
                        " objects, more than the " + std::to_string(v1alpha1::kMaxAffected) +
                        " the status can record for rollback; narrow the target. Nothing was "
                        "touched");
    }
    for (AffectedResource& entry : *plan) entry.fault = fault_name;
    // Everything rollback needs is stored before the first mutation.
    context.next.affected = std::move(plan).value();
    context.next.message =
        "injecting " + fault_name + " into " + describeAffected(context.next.affected);
    if (common::Status written = commit(context); !written) {
      return retryAfterError("write status: " + written.error().message);
    }
  } else if (!fault->repeatable()) {
    // Planned by an earlier reconcile that did not get to record the injection: it may have
    // happened, and this fault must not happen twice.
    assume_injected = true;
  }

  const common::SteadyTime injected_at = deps_.clock.now();
  if (!assume_injected) {
    common::Status injected = fault->inject(faultContext(context), context.next.affected);
    if (!injected) {
      const common::Error& error = injected.error();
      const bool within_timeout = context.now - session->startedAt() < options_.inject_timeout;
      if (error.retryable() && within_timeout) {
        return retryAfterError("inject " + fault_name + ": " + error.message);
      }
      return beginRollback(context, condition::kInjectFailed,
                           "injecting " + fault_name + " failed: " + v1alpha1::describeError(error),
                           Verdict::kError);
    }
    common::Result<bool> verified =
        fault->verifyInjected(faultContext(context), context.next.affected);
    if (!verified || !*verified) {
      logger_.warn(
          "fault not verified after inject",
          {{"experiment", context.key},
           {"error", verified ? std::string("not in effect yet") : verified.error().message}});
    }
  }
  if (deps_.metrics != nullptr) deps_.metrics->injected(fault_name);

  // The first recorded instant stands (an inject repeated after a failed status write), so the
  // status and the measurement agree on it.
  const common::SteadyTime injection = session->withMeasurement([&](RunMeasurement& measurement) {
    measurement.markInjected(injected_at);
    if (!fault->held()) measurement.markFaultEnded(*measurement.injectedAt());
    recordMeasurement(context, measurement);
    return *measurement.injectedAt();
  });
  context.next.injection_time = time_base_.format(injection);
  const std::string injected_message =
      fault_name + " injected into " + describeAffected(context.next.affected);
  event(context, EventType::kNormal, condition::kInjected, injected_message);
  if (fault->held()) {
    setCondition(context.next.conditions, condition::kFaultInjected, true, condition::kInjected,
                 injected_message, context.experiment.generation, context.now_text);
    transition(context, Phase::kFaultActive,
               injected_message + "; holding for " + v1alpha1::formatDuration(spec.duration));
  } else {
    // A single act (a delete, a restart, a crash): the fault ends where it happens.
    context.next.fault_end_time = context.next.injection_time;
    setCondition(context.next.conditions, condition::kFaultInjected, false, condition::kInjected,
                 injected_message + " (a single act, nothing to roll back)",
                 context.experiment.generation, context.now_text);
    transition(context, Phase::kRecovering, injected_message + "; waiting for the steady state");
  }
  if (common::Status written = commit(context); !written) {
    return retryAfterError("write status: " + written.error().message);
  }
  return requeueAfter(fault->held()
                          ? std::min<common::Duration>(spec.duration, options_.poll_interval)
                          : options_.poll_interval);
}

ReconcileResult Reconciler::handleFaultActive(Context& context) {
  const v1alpha1::ChaosExperimentSpec& spec = context.experiment.spec;
  std::shared_ptr<ProbeSession> session = ensureSession(context);
  const std::optional<std::string> abort =
      session->withMeasurement([&](RunMeasurement& measurement) {
        recordMeasurement(context, measurement);
        return abortReason(spec.abort_when, measurement);
      });
  if (abort) {
    event(context, EventType::kWarning, condition::kAbortConditionMet, *abort);
    return beginRollback(context, condition::kAbortConditionMet, "rolling back early: " + *abort,
                         Verdict::kFail);
  }
  const common::SteadyTime injected_at =
      time_base_.parse(context.next.injection_time).value_or(context.now);
  const common::SteadyTime ends_at = injected_at + spec.duration;
  if (context.now >= ends_at) {
    return beginRollback(context, condition::kRollingBack, "the fault's duration is over",
                         Verdict::kNone);
  }
  if (common::Status written = commit(context); !written) {
    return retryAfterError("write status: " + written.error().message);
  }
  return requeueAfter(std::min<common::Duration>(ends_at - context.now, options_.poll_interval));
}

ReconcileResult Reconciler::beginRollback(Context& context, std::string_view reason,
                                          std::string message, Verdict verdict) {
  // How the run ends once rolled back is kept in a condition, not in status.verdict, which
  // stays empty until the experiment ends.
  if (verdict != Verdict::kNone) {
    setCondition(context.next.conditions, condition::kEndedEarly, true, reason, message,
                 context.experiment.generation, context.now_text);
  }
  transition(context, Phase::kRollingBack, message);
  setCondition(context.next.conditions, condition::kFaultInjected, true, reason, message,
               context.experiment.generation, context.now_text);
  if (common::Status written = commit(context); !written) {
    return retryAfterError("write status: " + written.error().message);
  }
  return handleRollingBack(context);
}

ReconcileResult Reconciler::handleRollingBack(Context& context) {
  if (common::Status rolled_back = rollbackAffected(context); !rolled_back) {
    const std::string problem = rolled_back.error().message;
    setCondition(context.next.conditions, condition::kFaultInjected, true,
                 condition::kRollbackFailing, problem, context.experiment.generation,
                 context.now_text);
    context.next.message = "rollback failing, retrying: " + problem;
    event(context, EventType::kWarning, condition::kRollbackFailing, problem);
    (void)commit(context);
    return retryAfterError("roll back " + context.key + ": " + problem);
  }
  const common::SteadyTime ended_at = deps_.clock.now();
  std::shared_ptr<ProbeSession> session = ensureSession(context);
  // As with the injection: a rollback repeated after a failed status write keeps the first end.
  const common::SteadyTime fault_end = session->withMeasurement([&](RunMeasurement& measurement) {
    measurement.markFaultEnded(ended_at);
    recordMeasurement(context, measurement);
    return *measurement.faultEndedAt();
  });
  if (context.next.fault_end_time.empty())
    context.next.fault_end_time = time_base_.format(fault_end);
  setCondition(context.next.conditions, condition::kFaultInjected, false, condition::kRolledBack,
               "every affected object is back as it was", context.experiment.generation,
               context.now_text);
  event(context, EventType::kNormal, condition::kRolledBack,
        "rolled back " + describeAffected(context.next.affected));
  const v1alpha1::Condition* ended_early =
      findCondition(context.next.conditions, condition::kEndedEarly);
  if (ended_early != nullptr && ended_early->status == "True" &&
      ended_early->reason == condition::kInjectFailed) {
    return finish(context, Phase::kFailed, Verdict::kError, condition::kInjectFailed,
                  context.next.message + "; what was touched is rolled back");
  }
  transition(context, Phase::kRecovering, "fault rolled back; waiting for the steady state");
  if (common::Status written = commit(context); !written) {
    return retryAfterError("write status: " + written.error().message);
  }
  return requeueAfter(options_.poll_interval);
}

ReconcileResult Reconciler::handleRecovering(Context& context) {
  const v1alpha1::ChaosExperimentSpec& spec = context.experiment.spec;
  std::shared_ptr<ProbeSession> session = ensureSession(context);
  const bool has_probes = !effectiveProbes(spec).empty();
  const std::optional<common::SteadyTime> recovered_at =
      session->withMeasurement([&](RunMeasurement& measurement) {
        recordMeasurement(context, measurement);
        return has_probes ? measurement.recoveredAt() : measurement.faultEndedAt();
      });
  if (recovered_at) return finishRun(context, recovered_at);

  const common::SteadyTime fault_end =
      time_base_.parse(context.next.fault_end_time).value_or(context.now);
  if (context.now - fault_end >= spec.recovery.timeout) return finishRun(context, std::nullopt);
  setCondition(context.next.conditions, condition::kRecovered, false,
               condition::kWaitingForRecovery, "waiting for the steady state",
               context.experiment.generation, context.now_text);
  if (common::Status written = commit(context); !written) {
    return retryAfterError("write status: " + written.error().message);
  }
  return requeueAfter(std::min<common::Duration>(fault_end + spec.recovery.timeout - context.now,
                                                 options_.poll_interval));
}

ReconcileResult Reconciler::finishRun(Context& context,
                                      std::optional<common::SteadyTime> recovered_at) {
  const v1alpha1::ChaosExperimentSpec& spec = context.experiment.spec;
  v1alpha1::ChaosExperimentStatus& next = context.next;
  std::shared_ptr<ProbeSession> session = ensureSession(context);
  const std::optional<common::SteadyTime> fault_end = session->withMeasurement(
      [&](RunMeasurement& measurement) { return measurement.faultEndedAt(); });

  RunOutcome outcome;
  outcome.availability = next.availability;
  const v1alpha1::Condition* ended_early = findCondition(next.conditions, condition::kEndedEarly);
  outcome.aborted_early = ended_early != nullptr && ended_early->status == "True" &&
                          ended_early->reason == condition::kAbortConditionMet;
  if (recovered_at && fault_end) {
    outcome.time_to_recover_seconds = roundToMilliseconds(*recovered_at - *fault_end);
    next.recovered_time = time_base_.format(*recovered_at);
    next.time_to_recover_seconds = outcome.time_to_recover_seconds;
    setCondition(next.conditions, condition::kRecovered, true, condition::kRecoveredInTime,
                 "steady state back after " + v1alpha1::formatDuration(*recovered_at - *fault_end),
                 context.experiment.generation, context.now_text);
    if (deps_.metrics != nullptr) deps_.metrics->timeToRecover(*outcome.time_to_recover_seconds);
  } else {
    setCondition(next.conditions, condition::kRecovered, false, condition::kRecoveryTimedOut,
                 "steady state not back within recovery.timeout", context.experiment.generation,
                 context.now_text);
  }
  if (next.time_to_detect_seconds && deps_.metrics != nullptr) {
    deps_.metrics->timeToDetect(*next.time_to_detect_seconds);
  }
  auto [verdict, why] = judgeRun(spec.hypothesis, outcome);
  if (!recovered_at) {
    why = "steady state not back within recovery.timeout";
    if (const auto failing = session->withMeasurement([](RunMeasurement& measurement) {
          const ProbeTally* tally = measurement.firstFailingProbe();
          return tally ? std::optional<std::string>(tally->name + ": " + tally->last_error)
                       : std::nullopt;
        })) {
      why += " (probe " + *failing + ")";
    }
  }
  if (outcome.aborted_early) {
    why = ended_early->message + (recovered_at ? "; the steady state came back afterwards" : "");
  }

  v1alpha1::RunRecord run;
  run.index = next.current_run;
  run.time_to_detect_seconds = next.time_to_detect_seconds;
  run.time_to_recover_seconds = next.time_to_recover_seconds;
  run.availability = next.availability;
  run.verdict = verdict;
  appendRun(next.runs, run);
  if (spec.repeat.count > 1) next.summary = summarize(next.runs);

  const std::string run_label = spec.repeat.count > 1
                                    ? "run " + std::to_string(next.current_run) + " of " +
                                          std::to_string(spec.repeat.count) + ": "
                                    : std::string();
  if (next.current_run < spec.repeat.count) {
    deps_.probes.stop(context.key);
    const common::SteadyTime next_run = context.now + spec.repeat.cooldown;
    next.next_run_time = time_base_.format(next_run);
    next.current_run += 1;
    next.verdict = Verdict::kNone;
    setCondition(next.conditions, condition::kProgressing, true, condition::kCoolingDown,
                 "next run at " + next.next_run_time, context.experiment.generation,
                 context.now_text);
    next.phase = Phase::kPending;
    next.message = run_label + std::string(v1alpha1::verdictName(verdict)) + " (" + why +
                   "); next run at " + next.next_run_time;
    event(context, EventType::kNormal, "RunFinished", next.message);
    if (common::Status written = commit(context); !written) {
      return retryAfterError("write status: " + written.error().message);
    }
    return requeueAfter(spec.repeat.cooldown);
  }
  const Verdict final_verdict = spec.repeat.count > 1 ? finalVerdict(next.runs) : verdict;
  std::string message = run_label + why;
  if (spec.repeat.count > 1 && next.summary) {
    message = std::to_string(static_cast<int>(std::lround(next.summary->slo_compliance * 100))) +
              "% of runs met the hypothesis; last " + message;
  }
  return finish(context, Phase::kCompleted, final_verdict,
                final_verdict == Verdict::kPass ? condition::kPassed : condition::kFailed, message);
}

ReconcileResult Reconciler::finish(Context& context, Phase phase, Verdict verdict,
                                   std::string_view reason, std::string message) {
  v1alpha1::ChaosExperimentStatus& next = context.next;
  next.phase = phase;
  next.verdict = verdict;
  next.message = std::move(message);
  next.completion_time = context.now_text;
  next.next_run_time.clear();
  setCondition(next.conditions, condition::kProgressing, false, reason, next.message,
               context.experiment.generation, context.now_text);
  setCondition(next.conditions, condition::kComplete, true, reason, next.message,
               context.experiment.generation, context.now_text);
  if (common::Status written = commit(context); !written) {
    return retryAfterError("write status: " + written.error().message);
  }
  deps_.probes.stop(context.key);
  deps_.admission.release(context.key);
  const std::string verdict_name = verdict == Verdict::kNone
                                       ? std::string(v1alpha1::phaseName(phase))
                                       : std::string(v1alpha1::verdictName(verdict));
  if (deps_.metrics != nullptr) {
    deps_.metrics->experimentFinished(v1alpha1::faultTypeName(context.experiment.spec.fault.type),
                                      verdict_name);
  }
  logger_.info("experiment finished", {{"experiment", context.key},
                                       {"phase", v1alpha1::phaseName(phase)},
                                       {"verdict", verdict_name},
                                       {"message", next.message}});
  event(context,
        verdict == Verdict::kPass || verdict == Verdict::kNone ? EventType::kNormal
                                                               : EventType::kWarning,
        reason, next.message);
  // Nothing is left to roll back: the finalizer goes, so deleting a finished experiment never
  // needs the operator.
  if (context.experiment.has_finalizer) {
    if (common::Status removed = setFinalizer(context, false); !removed) {
      return retryAfterError("remove finalizer: " + removed.error().message);
    }
  }
  return {};
}

// --- Helpers ----------------------------------------------------------------------------------

common::Status Reconciler::rollbackAffected(Context& context) {
  // Group the entries by the fault that touched them; each fault restores its own.
  std::map<v1alpha1::FaultType, std::vector<AffectedResource>> by_fault;
  for (const AffectedResource& entry : context.next.affected) {
    const std::optional<v1alpha1::FaultType> type = recordedFault(entry);
    by_fault[type.value_or(context.experiment.spec.fault.type)].push_back(entry);
  }
  const FaultContext fault_context = faultContext(context);
  for (const auto& [type, entries] : by_fault) {
    std::unique_ptr<Fault> fault = deps_.make_fault(type);
    if (common::Status rolled_back = fault->rollback(fault_context, entries); !rolled_back) {
      if (deps_.metrics != nullptr) deps_.metrics->rollback(false);
      return rolled_back;
    }
    common::Result<bool> verified = fault->verifyRolledBack(fault_context, entries);
    if (!verified) {
      if (deps_.metrics != nullptr) deps_.metrics->rollback(false);
      return verified.error();
    }
    if (!*verified) {
      if (deps_.metrics != nullptr) deps_.metrics->rollback(false);
      return common::makeError(
          common::ErrorCode::kTransient,
          std::string(v1alpha1::faultTypeName(type)) + " rollback not in effect yet");
    }
  }
  if (deps_.metrics != nullptr) deps_.metrics->rollback(true);
  return {};
}

FaultContext Reconciler::faultContext(const Context& context) const {
  return FaultContext{deps_.kube, deps_.http, deps_.random, context.experiment};
}

std::shared_ptr<ProbeSession> Reconciler::ensureSession(Context& context) {
  const v1alpha1::ChaosExperiment& experiment = context.experiment;
  const std::string run_id =
      experiment.uid + "#" + std::to_string(std::max(1, context.next.current_run));
  // Runs only for a new session, before its first check can land: for a run that was already
  // under way (an operator restart), carry on from what the status recorded.
  const auto restore = [&](RunMeasurement& measurement) {
    const std::optional<common::SteadyTime> injected =
        time_base_.parse(context.next.injection_time);
    if (!injected) return;
    std::vector<std::optional<common::SteadyTime>> first_failures;
    std::vector<std::optional<common::SteadyTime>> last_failures;
    for (const v1alpha1::ProbeStatus& probe : context.next.probes) {
      first_failures.push_back(time_base_.parse(probe.first_failure_time));
      last_failures.push_back(time_base_.parse(probe.last_failure_time));
    }
    std::optional<common::SteadyTime> detected;
    if (context.next.time_to_detect_seconds) {
      // Rounded, not truncated: 0.123 s is 0.12299.. s as a double, and truncation would lose a
      // millisecond at every restart.
      detected = *injected + std::chrono::round<common::Duration>(std::chrono::duration<double>(
                                 *context.next.time_to_detect_seconds));
    }
    measurement.restore(context.next.probes, first_failures, last_failures, detected);
    measurement.markInjected(*injected);
    if (const auto ended = time_base_.parse(context.next.fault_end_time)) {
      measurement.markFaultEnded(*ended);
    }
  };
  return deps_.probes.ensure(context.key, run_id, effectiveProbes(experiment.spec),
                             experiment.spec.recovery.consecutive_successes, deps_.make_probe,
                             restore);
}

void Reconciler::recordMeasurement(Context& context, const RunMeasurement& measurement) {
  v1alpha1::ChaosExperimentStatus& next = context.next;
  next.probes.clear();
  for (const ProbeTally& tally : measurement.probes()) {
    v1alpha1::ProbeStatus probe;
    probe.name = tally.name;
    probe.checks = tally.checks;
    probe.failures = tally.failures;
    probe.last_error = bounded(tally.last_error, kMaxErrorLength);
    if (tally.first_failure) probe.first_failure_time = time_base_.format(*tally.first_failure);
    if (tally.last_failure) probe.last_failure_time = time_base_.format(*tally.last_failure);
    next.probes.push_back(std::move(probe));
  }
  if (const std::optional<double> availability = measurement.availability()) {
    next.availability = roundTo(*availability, 10000.0);
  }
  if (measurement.detectedAt() && measurement.injectedAt()) {
    next.time_to_detect_seconds =
        roundToMilliseconds(*measurement.detectedAt() - *measurement.injectedAt());
  }
}

common::Status Reconciler::commit(Context& context) {
  context.next.observed_generation = context.experiment.generation;
  context.next.message = bounded(std::move(context.next.message), kMaxMessageLength);
  for (v1alpha1::Condition& entry : context.next.conditions) {
    entry.message = bounded(std::move(entry.message), kMaxMessageLength);
  }
  json status = v1alpha1::statusToJson(context.next);
  if (context.object.contains("status") && context.object["status"] == status) return {};
  json object = context.object;
  object["status"] = std::move(status);
  common::Result<json> written = deps_.kube.update(
      chaosExperimentResource(), context.experiment.namespace_name, object, "status");
  if (!written) return written.error();
  rememberSuperseded(context.key, metadataString(context.object, "resourceVersion"));
  context.object = std::move(written).value();
  context.experiment.status = context.next;
  return {};
}

common::Status Reconciler::setFinalizer(Context& context, bool present) {
  json object = context.object;
  json& metadata = object["metadata"];
  json finalizers = json::array();
  if (metadata.contains("finalizers") && metadata["finalizers"].is_array()) {
    for (const json& finalizer : metadata["finalizers"]) {
      if (finalizer.is_string() && finalizer.get<std::string>() == v1alpha1::kFinalizer) continue;
      finalizers.push_back(finalizer);
    }
  }
  if (present) finalizers.push_back(std::string(v1alpha1::kFinalizer));
  metadata["finalizers"] = std::move(finalizers);
  common::Result<json> written =
      deps_.kube.update(chaosExperimentResource(), context.experiment.namespace_name, object);
  if (!written) {
    // Already gone: a deleted object whose last finalizer someone else removed.
    if (!present && written.error().code == common::ErrorCode::kNotFound) return {};
    return written.error();
  }
  rememberSuperseded(context.key, metadataString(context.object, "resourceVersion"));
  context.object = std::move(written).value();
  context.experiment.has_finalizer = present;
  return {};
}

common::Result<json> Reconciler::readTargetNamespace(const std::string& name) {
  if (deps_.cached_namespace) {
    std::optional<json> cached = deps_.cached_namespace(name);
    if (cached && optedIn(*cached)) return std::move(cached).value();
  }
  return deps_.kube.get(resources::namespaces(), "", name);
}

void Reconciler::rememberSuperseded(const std::string& key, const std::string& version) {
  if (!deps_.cached_experiment || version.empty()) return;
  std::lock_guard lock(superseded_mutex_);
  superseded_[key].insert(version);
}

bool Reconciler::isSuperseded(const std::string& key, const std::string& version) {
  std::lock_guard lock(superseded_mutex_);
  auto it = superseded_.find(key);
  if (it == superseded_.end()) return false;
  if (!version.empty() && it->second.contains(version)) return true;
  // Versions only move forward: once a newer one is read, none of the old ones comes back.
  superseded_.erase(it);
  return false;
}

void Reconciler::forgetSuperseded(const std::string& key) {
  std::lock_guard lock(superseded_mutex_);
  superseded_.erase(key);
}

void Reconciler::event(const Context& context, EventType type, std::string_view reason,
                       const std::string& message) {
  if (deps_.events == nullptr) return;
  (void)deps_.events->record(context.object, type, reason, message);
}

void Reconciler::transition(Context& context, Phase phase, std::string message) {
  if (context.next.phase != phase) {
    logger_.info("phase changed", {{"experiment", context.key},
                                   {"from", v1alpha1::phaseName(context.next.phase)},
                                   {"to", v1alpha1::phaseName(phase)}});
  }
  context.next.phase = phase;
  context.next.message = std::move(message);
  setCondition(context.next.conditions, condition::kProgressing, true, v1alpha1::phaseName(phase),
               context.next.message, context.experiment.generation, context.now_text);
}

}  // namespace aftershock::op
