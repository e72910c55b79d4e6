// The operator's command line: conventional controller-runtime flags, each with an
// environment fallback, and the checks that turn a bad value into one clear line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/flags.h"
#include "common/result.h"
#include "operator/controller/controller.h"

namespace aftershock::op {

struct OperatorOptions {
  std::string kubeconfig;
  std::string context;
  std::string metrics_bind_address = "127.0.0.1:8080";  // "0" turns the endpoint off
  std::string health_probe_bind_address = "127.0.0.1:8081";
  std::string metrics_port_file;  // written with the bound port (tests bind port 0)
  std::string health_port_file;
  bool leader_elect = false;
  std::string leader_election_namespace;  // default: POD_NAMESPACE, else aftershock-system
  std::string leader_election_id = "aftershock-operator";
  std::string identity;  // default: POD_NAME or the host name, plus a random suffix
  std::int64_t lease_duration_ms = 15000;
  std::int64_t renew_deadline_ms = 10000;
  std::int64_t retry_period_ms = 2000;
  double qps = 50;
  std::int64_t burst = 100;
  std::int64_t workers = 4;
  std::int64_t max_active_experiments = 10;
  std::string watch_namespace;
  bool kill_switch = false;
  std::string control_namespace;  // default: POD_NAMESPACE, else aftershock-system
  std::string control_config_map = "aftershock-control";
  std::string log_format = "text";
  std::string log_level = "info";
};

void addOperatorFlags(common::Flags& flags, OperatorOptions& options);

// Fills the defaults that depend on the environment (namespaces from `pod_namespace`).
void resolveDefaults(OperatorOptions& options, const std::string& pod_namespace);

struct BindAddress {
  std::string host;  // "0.0.0.0" for ":8080"
  std::uint16_t port = 0;
};
// "host:port", ":port" (every interface), "[v6]:port"; nullopt for "0" (the endpoint is off).
// kInvalid naming `flag` for anything else.
common::Result<std::optional<BindAddress>> parseBindAddress(const std::string& text,
                                                            std::string_view flag);

ControllerOptions controllerOptions(const OperatorOptions& options);

}  // namespace aftershock::op
