#include "common/service_main.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/signals.h"

namespace aftershock::common {

HttpServerOptions ServiceOptions::serverOptions() const {
  HttpServerOptions server;
  server.bind_address = bind;
  server.port = static_cast<std::uint16_t>(port);
  server.threads = static_cast<int>(threads);
  server.max_body_bytes = static_cast<std::size_t>(max_body_bytes);
  return server;
}

void addServiceFlags(Flags& flags, ServiceOptions& options) {
  flags.addString("bind", "BIND_ADDRESS", "address to listen on", &options.bind);
  flags.addInt("port", "PORT", "port to listen on (0 picks a free one)", &options.port, 0, 65535);
  flags.addString("port-file", "PORT_FILE", "write the bound port to this file once listening",
                  &options.port_file);
  flags.addInt("threads", "THREADS", "HTTP server threads", &options.threads, 1, 64);
  flags.addInt("max-body-bytes", "MAX_BODY_BYTES", "largest accepted request body (413 above)",
               &options.max_body_bytes, 1, 16 * 1024 * 1024);
  flags.addInt("shutdown-grace-ms", "SHUTDOWN_GRACE_MS",
               "how long in-flight requests may finish after SIGTERM", &options.shutdown_grace_ms,
               0, 600'000);
  flags.addString("log-format", "LOG_FORMAT", "text or json", &options.log_format);
  flags.addString("log-level", "LOG_LEVEL", "trace, debug, info, warn, error", &options.log_level);
}

std::optional<int> parseFlagsAndSetupLogging(Flags& flags, const ServiceOptions& options, int argc,
                                             const char* const* argv) {
  if (Status parsed = flags.parse(argc, argv); !parsed.ok()) {
    if (parsed.error().code == ErrorCode::kNotFound) return 0;  // --help
    std::cerr << argv[0] << ": " << parsed.error().message << "\n";
    return 2;
  }
  auto format = parseLogFormat(options.log_format);
  if (!format.ok()) {
    std::cerr << argv[0] << ": " << format.error().message << "\n";
    return 2;
  }
  if (Status setup = setupLogging(*format, options.log_level); !setup.ok()) {
    std::cerr << argv[0] << ": " << setup.error().message << "\n";
    return 2;
  }
  return std::nullopt;
}

RequestObserver httpMetricsObserver(MetricsRegistry& registry, const std::string& prefix) {
  const std::string requests = prefix + "_http_requests_total";
  const std::string durations = prefix + "_http_request_duration_seconds";
  return [&registry, requests, durations](const RequestRecord& record) {
    const std::string route(record.route);
    registry
        .counter(requests, "HTTP requests answered, by route and status code.",
                 {{"route", route}, {"code", std::to_string(record.status)}})
        .inc();
    registry
        .histogram(durations, "HTTP request handling time in seconds, by route.",
                   defaultLatencyBuckets(), {{"route", route}})
        .observe(record.duration_seconds);
  };
}

Status writePortFile(const std::string& path, std::uint16_t port) {
  // Write then rename, so a reader never sees a half-written port.
  const std::string temp = path + ".tmp";
  std::ofstream(temp) << port << "\n";
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return makeError(ErrorCode::kInvalid, "cannot write " + path + ": " + ec.message());
  return {};
}

int serveUntilTerminated(HttpServer& server, const ServiceOptions& options, const Logger& log,
                         const std::function<void()>& stop_background_work) {
  if (Status started = server.start(); !started.ok()) {
    log.error("cannot listen",
              {{"bind", options.bind}, {"port", options.port}, {"error", started.error().message}});
    return 1;
  }
  if (!options.port_file.empty()) {
    if (Status written = writePortFile(options.port_file, server.boundPort()); !written.ok()) {
      log.error("cannot write port file",
                {{"path", options.port_file}, {"error", written.error().message}});
      server.stop(std::chrono::milliseconds(0));
      return 1;
    }
  }
  log.info("listening", {{"address", options.bind}, {"port", server.boundPort()}});

  TerminationSignals signals;
  const int signal_number = signals.wait();
  log.info("shutting down", {{"signal", signal_number}, {"inflight", server.inflight()}});
  server.stop(std::chrono::milliseconds(options.shutdown_grace_ms));
  if (stop_background_work) stop_background_work();
  log.info("stopped");
  return 0;
}

}  // namespace aftershock::common
