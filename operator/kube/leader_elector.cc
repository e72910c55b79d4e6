#include "operator/kube/leader_elector.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "operator/kube/kube_time.h"
#include "operator/kube/object_fields.h"
#include "operator/kube/resource.h"

namespace aftershock::op {
namespace {

constexpr common::Duration kStopCheckInterval = std::chrono::milliseconds(100);

json specOf(const json& lease) {
  auto it = lease.find("spec");
  return it != lease.end() && it->is_object() ? *it : json::object();
}

std::int64_t wholeSeconds(common::Duration duration) {
  return std::chrono::duration_cast<std::chrono::seconds>(duration).count();
}

}  // namespace

common::Status validateLeaderElectorConfig(const LeaderElectorConfig& config) {
  if (config.lease_namespace.empty()) {
    return common::fieldError("lease_namespace", "the lease namespace is required");
  }
  if (config.lease_name.empty()) {
    return common::fieldError("lease_name", "the lease name is required");
  }
  if (config.identity.empty()) {
    return common::fieldError("identity", "the candidate identity is required");
  }
  if (config.retry_period <= common::Duration::zero()) {
    return common::fieldError("retry_period", "the retry period must be positive");
  }
  if (config.renew_deadline <= config.retry_period) {
    return common::fieldError("renew_deadline",
                              "the renew deadline must be longer than the retry period");
  }
  if (config.lease_duration <= config.renew_deadline) {
    return common::fieldError("lease_duration",
                              "the lease duration must be longer than the renew deadline");
  }
  if (config.lease_duration < std::chrono::seconds(1)) {
    return common::fieldError("lease_duration", "the lease duration must be at least 1s");
  }
  return {};
}

common::Duration leaderElectionRequestTimeout(const LeaderElectorConfig& config) {
  return (config.renew_deadline - config.retry_period) / 2;
}

LeaderElector::LeaderElector(LeaderElectorConfig config, KubeClient& client, common::Clock& clock)
    : config_(std::move(config)), client_(client), clock_(clock) {
  assert(validateLeaderElectorConfig(config_).ok());
}

bool LeaderElector::tryAcquireOrRenew() {
  Notifications notifications;
  bool leader = false;
  {
    std::lock_guard lock(step_mutex_);
    leader = step(notifications);
  }
  for (const auto& notify : notifications) notify();
  return leader;
}

bool LeaderElector::step(Notifications& notifications) {
  const common::SteadyTime started = clock_.now();
  {
    std::lock_guard lock(state_mutex_);
    if (done_) return false;
    // The lease may already be someone else's; a late success must not extend our claim.
    if (leading_ && renewDeadlinePassed(started)) {
      finish("no renewal within the renew deadline", /*lost=*/true, notifications);
      return false;
    }
  }

  auto lease = client_.get(resources::leases(), config_.lease_namespace, config_.lease_name);
  if (!lease.ok()) {
    if (lease.error().code == common::ErrorCode::kNotFound) {
      return createLease(started, notifications);
    }
    logger_.warn("read lease failed",
                 {{"lease", config_.lease_name}, {"error", lease.error().message}});
    failed(notifications);
    return false;
  }

  observe(*lease, notifications);
  const json spec = specOf(*lease);
  const std::string holder = stringMember(spec, "holderIdentity");
  if (!holder.empty() && holder != config_.identity && observedLeaseValid(*lease, clock_.now())) {
    std::lock_guard lock(state_mutex_);
    if (leading_) finish("another candidate holds the lease", /*lost=*/true, notifications);
    return false;
  }

  json updated = *lease;
  updated["spec"] = spec;
  json& updated_spec = updated["spec"];
  const std::string now_text = formatMicroTime(clock_.wallNow());
  if (holder != config_.identity) {
    logger_.info(holder.empty() ? "taking over released lease" : "taking over expired lease",
                 {{"lease", config_.lease_name}, {"holder", holder}});
    updated_spec["acquireTime"] = now_text;
    updated_spec["leaseTransitions"] = integerMember(spec, "leaseTransitions", 0) + 1;
  } else if (!updated_spec.contains("leaseTransitions")) {
    updated_spec["leaseTransitions"] = 0;
  }
  updated_spec["holderIdentity"] = config_.identity;
  updated_spec["leaseDurationSeconds"] = wholeSeconds(config_.lease_duration);
  updated_spec["renewTime"] = now_text;

  // Conditional on the resourceVersion we observed: a kConflict means another writer won.
  return settleWrite(client_.update(resources::leases(), config_.lease_namespace, updated),
                     common::ErrorCode::kConflict, "write", started, notifications);
}

bool LeaderElector::createLease(common::SteadyTime started, Notifications& notifications) {
  const std::string now_text = formatMicroTime(clock_.wallNow());
  const json lease = {
      {"apiVersion", resources::leases().apiVersion()},
      {"kind", "Lease"},
      {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
      {"spec",
       {{"holderIdentity", config_.identity},
        {"leaseDurationSeconds", wholeSeconds(config_.lease_duration)},
        {"acquireTime", now_text},
        {"renewTime", now_text},
        {"leaseTransitions", 0}}},
  };
  return settleWrite(client_.create(resources::leases(), config_.lease_namespace, lease),
                     common::ErrorCode::kAlreadyExists, "create", started, notifications);
}

bool LeaderElector::settleWrite(const common::Result<json>& written, common::ErrorCode lost_race,
                                std::string_view verb, common::SteadyTime started,
                                Notifications& notifications) {
  if (written.ok()) {
    succeeded(*written, started, notifications);
    return true;
  }
  // lost_race means another candidate wrote first: expected, not a fault.
  if (written.error().code == lost_race) {
    logger_.info("lost a race for the lease", {{"lease", config_.lease_name}, {"on", verb}});
  } else {
    logger_.warn("lease " + std::string(verb) + " failed",
                 {{"lease", config_.lease_name}, {"error", written.error().message}});
  }
  failed(notifications);
  return false;
}

void LeaderElector::observe(const json& lease, Notifications& notifications) {
  json record = {{"spec", specOf(lease)},
                 {"resourceVersion", metadataString(lease, "resourceVersion")}};
  const std::string holder = stringMember(record["spec"], "holderIdentity");
  const common::SteadyTime now = clock_.now();
  std::lock_guard lock(state_mutex_);
  if (!observed_record_ || *observed_record_ != record) {
    observed_record_ = std::move(record);
    observed_time_ = now;
  }
  observed_holder_ = holder;
  if (holder.empty() || holder == reported_leader_) return;
  reported_leader_ = holder;
  logger_.info("observed new leader", {{"lease", config_.lease_name}, {"leader", holder}});
  if (config_.on_new_leader) {
    notifications.push_back([callback = config_.on_new_leader, holder] { callback(holder); });
  }
}

bool LeaderElector::observedLeaseValid(const json& lease, common::SteadyTime now) const {
  // The holder's own declared duration wins, so candidates configured differently agree.
  const std::int64_t seconds = integerMember(specOf(lease), "leaseDurationSeconds", 0);
  const common::Duration duration =
      seconds > 0 ? common::Duration(std::chrono::seconds(seconds)) : config_.lease_duration;
  std::lock_guard lock(state_mutex_);
  return observed_time_ + duration > now;
}

void LeaderElector::succeeded(const json& lease, common::SteadyTime started,
                              Notifications& notifications) {
  observe(lease, notifications);
  std::lock_guard lock(state_mutex_);
  last_renew_ = started;
  if (leading_) return;
  leading_ = true;
  logger_.info("acquired leadership",
               {{"lease", config_.lease_name}, {"identity", config_.identity}});
  if (config_.on_started_leading) notifications.push_back(config_.on_started_leading);
}

void LeaderElector::failed(Notifications& notifications) {
  std::lock_guard lock(state_mutex_);
  if (leading_ && renewDeadlinePassed(clock_.now())) {
    finish("no renewal within the renew deadline", /*lost=*/true, notifications);
  }
}

void LeaderElector::finish(std::string_view reason, bool lost, Notifications& notifications) {
  done_ = true;
  if (!leading_) return;
  leading_ = false;
  const json fields = {
      {"lease", config_.lease_name}, {"identity", config_.identity}, {"reason", reason}};
  if (lost) {
    logger_.error("lost leadership", fields);
  } else {
    logger_.info("released leadership", fields);
  }
  if (config_.on_stopped_leading) notifications.push_back(config_.on_stopped_leading);
}

bool LeaderElector::renewDeadlinePassed(common::SteadyTime now) const {
  return now - last_renew_ >= config_.renew_deadline;
}

void LeaderElector::run(std::stop_token stop) {
  logger_.info("campaigning for leadership", {{"namespace", config_.lease_namespace},
                                              {"lease", config_.lease_name},
                                              {"identity", config_.identity}});
  while (!stop.stop_requested()) {
    tryAcquireOrRenew();
    if (done()) return;
    if (!waitFor(stop, config_.retry_period)) break;
  }
  bool holds = false;
  {
    std::lock_guard lock(state_mutex_);
    holds = leading_ || observed_holder_ == config_.identity;
    if (!holds) done_ = true;
  }
  // release() logs its own failure; the lease then expires by itself.
  if (holds) (void)release();
}

common::Status LeaderElector::release() {
  Notifications notifications;
  common::Status status;
  {
    std::lock_guard lock(step_mutex_);
    auto lease = client_.get(resources::leases(), config_.lease_namespace, config_.lease_name);
    if (!lease.ok()) {
      if (lease.error().code != common::ErrorCode::kNotFound) status = lease.error();
    } else if (stringMember(specOf(*lease), "holderIdentity") == config_.identity) {
      json updated = *lease;
      updated["spec"] = specOf(*lease);
      const std::string now_text = formatMicroTime(clock_.wallNow());
      updated["spec"]["holderIdentity"] = "";
      updated["spec"]["leaseDurationSeconds"] = 1;
      updated["spec"]["acquireTime"] = now_text;
      updated["spec"]["renewTime"] = now_text;
      auto written = client_.update(resources::leases(), config_.lease_namespace, updated);
      if (written.ok()) {
        observe(*written, notifications);
      } else {
        status = written.error();
      }
    }
    if (!status.ok()) {
      logger_.warn("release lease failed",
                   {{"lease", config_.lease_name}, {"error", status.error().message}});
    }
    std::lock_guard state_lock(state_mutex_);
    finish("released", /*lost=*/false, notifications);
  }
  for (const auto& notify : notifications) notify();
  return status;
}

bool LeaderElector::isLeader() const {
  std::lock_guard lock(state_mutex_);
  return leading_ && !renewDeadlinePassed(clock_.now());
}

bool LeaderElector::done() const {
  std::lock_guard lock(state_mutex_);
  return done_;
}

std::string LeaderElector::observedLeader() const {
  std::lock_guard lock(state_mutex_);
  return observed_holder_;
}

bool LeaderElector::waitFor(const std::stop_token& stop, common::Duration duration) {
  while (duration > common::Duration::zero()) {
    if (stop.stop_requested()) return false;
    const common::Duration slice = std::min(duration, kStopCheckInterval);
    clock_.sleepFor(slice);
    duration -= slice;
  }
  return !stop.stop_requested();
}

}  // namespace aftershock::op
