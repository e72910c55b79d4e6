#include "operator/controller/operator_options.h"

#include <charconv>

namespace aftershock::op {
namespace {

constexpr std::string_view kDefaultSystemNamespace = "aftershock-system";

}  // namespace

void addOperatorFlags(common::Flags& flags, OperatorOptions& options) {
  flags.addString("kubeconfig", "",
                  "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)",
                  &options.kubeconfig);
  flags.addString("context", "", "kubeconfig context to use", &options.context);
  flags.addString("namespace", "WATCH_NAMESPACE",
                  "watch ChaosExperiments in this namespace only (default: every namespace)",
                  &options.watch_namespace);
  flags.addString("metrics-bind-address", "METRICS_BIND_ADDRESS",
                  "address of /metrics (\":8080\" for every interface, \"0\" to turn it off)",
                  &options.metrics_bind_address);
  flags.addString("health-probe-bind-address", "HEALTH_PROBE_BIND_ADDRESS",
                  "address of /healthz and /readyz (\"0\" to turn it off)",
                  &options.health_probe_bind_address);
  flags.addString("metrics-port-file", "", "write the metrics port here once listening",
                  &options.metrics_port_file);
  flags.addString("health-port-file", "", "write the health port here once listening",
                  &options.health_port_file);
  flags.addBool("leader-elect", "LEADER_ELECT",
                "elect a leader on a Lease so only one replica injects faults",
                &options.leader_elect);
  flags.addString("leader-election-namespace", "LEADER_ELECTION_NAMESPACE",
                  "namespace of the Lease (default: $POD_NAMESPACE, else aftershock-system)",
                  &options.leader_election_namespace);
  flags.addString("leader-election-id", "", "name of the Lease", &options.leader_election_id);
  flags.addString("identity", "POD_NAME", "this replica's name in the Lease (default: host name)",
                  &options.identity);
  flags.addInt("lease-duration-ms", "", "leader election: lease duration",
               &options.lease_duration_ms, 1000, 600000);
  flags.addInt("renew-deadline-ms", "", "leader election: renew deadline",
               &options.renew_deadline_ms, 100, 600000);
  flags.addInt("retry-period-ms", "", "leader election: retry period", &options.retry_period_ms, 50,
               600000);
  flags.addDouble("kube-api-qps", "KUBE_API_QPS", "client-side rate limit on API requests",
                  &options.qps, 1, 10000);
  flags.addInt("kube-api-burst", "KUBE_API_BURST", "client-side burst of API requests",
               &options.burst, 1, 100000);
  flags.addInt("workers", "WORKERS", "experiments reconciled at once", &options.workers, 1, 64);
  flags.addInt("max-active-experiments", "MAX_ACTIVE_EXPERIMENTS",
               "experiments running at once; more wait in Pending", &options.max_active_experiments,
               1, 10000);
  flags.addBool("kill-switch", "KILL_SWITCH",
                "roll back every active experiment and start none (also the control ConfigMap's "
                "kill-switch key)",
                &options.kill_switch);
  flags.addString("control-namespace", "",
                  "namespace of the control ConfigMap (default: $POD_NAMESPACE, else "
                  "aftershock-system)",
                  &options.control_namespace);
  flags.addString("control-config-map", "", "name of the control ConfigMap",
                  &options.control_config_map);
  flags.addString("log-format", "LOG_FORMAT", "text or json", &options.log_format);
  flags.addString("log-level", "LOG_LEVEL", "debug, info, warn or error", &options.log_level);
}

void resolveDefaults(OperatorOptions& options, const std::string& pod_namespace) {
  const std::string system_namespace =
      pod_namespace.empty() ? std::string(kDefaultSystemNamespace) : pod_namespace;
  if (options.leader_election_namespace.empty()) {
    options.leader_election_namespace = system_namespace;
  }
  if (options.control_namespace.empty()) options.control_namespace = system_namespace;
}

common::Result<std::optional<BindAddress>> parseBindAddress(const std::string& text,
                                                            std::string_view flag) {
  if (text == "0") return std::optional<BindAddress>();
  const auto invalid = [&](std::string why) {
    return common::Error{common::ErrorCode::kInvalid,
                         "--" + std::string(flag) + "=" + text + ": " + why +
                             " (want host:port, :port, or 0 to turn it off)",
                         std::string(flag)};
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return invalid("no port");
  std::string host = text.substr(0, colon);
  // As Go's net.SplitHostPort: an IPv6 host must be bracketed, and brackets must pair.
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return invalid("unbalanced brackets");
    host = host.substr(1, host.size() - 2);
  } else if (host.find_first_of(":[]") != std::string::npos) {
    return invalid("an IPv6 host must be in brackets");
  }
  if (host.empty()) host = "0.0.0.0";
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port > 65535 ||
      port_text.empty()) {
    return invalid("the port is not a number from 0 to 65535");
  }
  return std::optional<BindAddress>(BindAddress{host, static_cast<std::uint16_t>(port)});
}

ControllerOptions controllerOptions(const OperatorOptions& options) {
  ControllerOptions controller;
  controller.watch_namespace = options.watch_namespace;
  controller.workers = static_cast<int>(options.workers);
  controller.max_active_experiments = static_cast<int>(options.max_active_experiments);
  controller.kill_switch = options.kill_switch;
  controller.control_namespace = options.control_namespace;
  controller.control_config_map = options.control_config_map;
  return controller;
}

}  // namespace aftershock::op
