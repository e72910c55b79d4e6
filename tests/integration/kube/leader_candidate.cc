// leader-candidate: one leader-election candidate as its own process, for the integration
// test that kills a leader. It campaigns for a Lease with short timings and prints one line
// per transition on stdout ("started leading <id>", "new leader <holder>", "stopped leading
// <id>"). SIGTERM releases the Lease and exits 0; losing the Lease exits 3, as the operator
// stops its work when it loses leadership.
#include <cstdio>
#include <iostream>
#include <stop_token>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/flags.h"
#include "common/signals.h"
#include "operator/kube/leader_elector.h"
#include "operator/kube/rest_config.h"
#include "operator/kube/rest_kube_client.h"

namespace {

void say(const std::string& line) {
  std::cout << line << std::endl;  // flushed: the test reads it while we run
}

}  // namespace

int main(int argc, char** argv) {
  using namespace aftershock;
  common::TerminationSignals signals;  // before any thread, so all inherit the mask

  std::string kubeconfig, context, lease_namespace = "default", lease_name, identity;
  std::int64_t lease_ms = 2000, renew_ms = 1500, retry_ms = 250;
  common::Flags flags("leader-candidate", "A leader-election candidate for integration tests.");
  flags.addString("kubeconfig", "", "kubeconfig file", &kubeconfig);
  flags.addString("context", "", "kubeconfig context", &context);
  flags.addString("namespace", "", "namespace of the Lease", &lease_namespace);
  flags.addString("lease", "", "name of the Lease", &lease_name);
  flags.addString("identity", "", "this candidate's holderIdentity", &identity);
  flags.addInt("lease-ms", "", "lease duration (whole seconds)", &lease_ms, 1000, 60000);
  flags.addInt("renew-ms", "", "renew deadline", &renew_ms, 10, 60000);
  flags.addInt("retry-ms", "", "retry period", &retry_ms, 10, 60000);
  if (auto parsed = flags.parse(argc, argv); !parsed.ok()) {
    std::cerr << parsed.error().message << "\n";
    return 2;
  }

  op::ConfigEnvironment environment = op::ConfigEnvironment::fromProcess();
  auto config = op::loadRestConfig({kubeconfig, context}, environment);
  if (!config.ok()) {
    std::cerr << config.error().message << "\n";
    return 2;
  }
  op::LeaderElectorConfig election;
  election.lease_namespace = lease_namespace;
  election.lease_name = lease_name;
  election.identity = identity;
  election.lease_duration = std::chrono::milliseconds(lease_ms);
  election.renew_deadline = std::chrono::milliseconds(renew_ms);
  election.retry_period = std::chrono::milliseconds(retry_ms);
  election.on_started_leading = [&] { say("started leading " + identity); };
  election.on_stopped_leading = [&] { say("stopped leading " + identity); };
  election.on_new_leader = [](const std::string& holder) { say("new leader " + holder); };
  if (auto valid = op::validateLeaderElectorConfig(election); !valid.ok()) {
    std::cerr << valid.error().message << "\n";
    return 2;
  }
  common::SystemClock clock;
  config->request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      op::leaderElectionRequestTimeout(election));
  auto client = op::makeRestKubeClient(*config, clock);
  if (!client.ok()) {
    std::cerr << client.error().message << "\n";
    return 2;
  }
  op::LeaderElector elector(election, **client, clock);

  std::stop_source stop;
  std::jthread campaign([&] { elector.run(stop.get_token()); });
  // The signal waiter: a stop request makes run() release the Lease and return.
  std::thread waiter([&] {
    signals.wait();
    stop.request_stop();
  });
  waiter.detach();
  campaign.join();
  if (stop.stop_requested()) return 0;
  say("lost the lease, exiting");
  return 3;
}
