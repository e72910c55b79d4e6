// The cost of the resilience path itself, isolated from HTTP hops and thread hand-offs:
// in one process, against one real backend-service, alternate a direct HttpClient call with
// a ResilientCaller::fetch() (retry, budget, breaker, stale cache, metrics, JSON answer)
// over the same client, and compare the latency distributions.
//   resilience-overhead [iterations]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "common/beast_http_client.h"
#include "common/clock.h"
#include "common/metrics.h"
#include "common/random.h"
#include "services/client/client_metrics.h"
#include "services/client/resilient_caller.h"
#include "tests/support/service_process.h"

namespace {

using Micros = std::vector<double>;

double percentile(Micros values, double share) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(share * static_cast<double>(values.size() - 1))];
}

template <typename Call>
double timeMicros(Call&& call) {
  const auto start = std::chrono::steady_clock::now();
  call();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace aftershock;
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 20000;
  testing::ServiceProcess backend("backend-service", {"--log-level=warn"});
  const std::string url = backend.url() + "/data";

  common::SystemClock clock;
  common::SystemRandom random;
  common::MetricsRegistry registry;
  client::ClientMetrics metrics(registry);
  auto http = common::makeBeastHttpClient();
  client::ResilientCaller caller(url, client::ResilienceConfig{}, *http, clock, random, &metrics);

  const common::HttpClientRequest direct{"GET", url, {}, "", std::chrono::milliseconds(2000)};
  Micros direct_us;
  Micros resilient_us;
  int failures = 0;
  for (int i = 0; i < iterations + 1000; ++i) {
    const double direct_time = timeMicros([&] {
      auto response = http->send(direct);
      if (!response.ok() || response->status != 200) ++failures;
    });
    const double resilient_time = timeMicros([&] {
      const auto result = caller.fetch();
      if (!result.served()) ++failures;
      const std::string body = client::toJson(result).dump();
      if (body.empty()) ++failures;
    });
    if (i < 1000) continue;  // warm-up: connections, caches, page faults
    direct_us.push_back(direct_time);
    resilient_us.push_back(resilient_time);
  }
  std::printf("%-36s %9s %9s %9s\n", "CALL (in-process, same HttpClient)", "P50_US", "P90_US",
              "P99_US");
  std::printf("%-36s %9.1f %9.1f %9.1f\n", "direct HttpClient::send", percentile(direct_us, 0.5),
              percentile(direct_us, 0.9), percentile(direct_us, 0.99));
  std::printf("%-36s %9.1f %9.1f %9.1f\n", "ResilientCaller::fetch + JSON answer",
              percentile(resilient_us, 0.5), percentile(resilient_us, 0.9),
              percentile(resilient_us, 0.99));
  std::printf(
      "resilience-path overhead at p50: %.1f us over %d interleaved calls each "
      "(goal < 100 us); failed calls: %d\n",
      percentile(resilient_us, 0.5) - percentile(direct_us, 0.5), iterations, failures);
  return failures == 0 ? 0 : 1;
}
