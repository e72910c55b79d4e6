// What every service binary does the same way: standard flags (bind, port, port file,
// threads, logging), serving until SIGTERM/SIGINT, and a graceful stop.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/flags.h"
#include "common/http.h"
#include "common/logging.h"
#include "common/metrics.h"

namespace aftershock::common {

struct ServiceOptions {
  std::string bind = "127.0.0.1";
  std::int64_t port = 0;
  std::string port_file;  // written with the bound port once listening (tests use --port=0)
  std::int64_t threads = 2;
  std::int64_t max_body_bytes = 64 * 1024;
  std::int64_t shutdown_grace_ms = 10'000;
  std::string log_format = "text";
  std::string log_level = "info";

  HttpServerOptions serverOptions() const;
};

// Registers --bind, --port (env PORT), --port-file, --threads, --max-body-bytes,
// --shutdown-grace-ms, --log-format, --log-level. `options` holds the defaults.
void addServiceFlags(Flags& flags, ServiceOptions& options);

// Parses flags and sets up logging. Returns an exit code when main should stop now (0 after
// --help, 2 after a bad flag, with one clear line on stderr), nullopt to go on.
std::optional<int> parseFlagsAndSetupLogging(Flags& flags, const ServiceOptions& options, int argc,
                                             const char* const* argv);

// A RequestObserver feeding <prefix>_http_requests_total{route,code} and
// <prefix>_http_request_duration_seconds{route}.
RequestObserver httpMetricsObserver(MetricsRegistry& registry, const std::string& prefix);

// Writes `port` to `path` atomically (write, then rename), for tests that start a server on
// port 0 and need to learn which port it got.
Status writePortFile(const std::string& path, std::uint16_t port);

// Starts `server`, writes the port file, logs "listening", blocks until SIGTERM/SIGINT,
// stops the server gracefully (in-flight requests finish), then calls
// `stop_background_work` — after the server, because in-flight async handlers may still
// need that work (e.g. a worker pool) to answer. Returns the process exit code.
// TerminationSignals must have been constructed before any thread was started.
int serveUntilTerminated(HttpServer& server, const ServiceOptions& options, const Logger& log,
                         const std::function<void()>& stop_background_work = {});

}  // namespace aftershock::common
