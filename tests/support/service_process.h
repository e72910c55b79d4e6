// ServiceProcess: runs one of the project's binaries as a real child process for
// integration tests, on 127.0.0.1 and a port the kernel picks (--port=0), and learns the
// port from the file the service writes (--port-file). Stopped with SIGTERM on destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace aftershock::testing {

// The directory holding the built binaries (build/bin).
std::string binaryDir();

class ServiceProcess {
 public:
  // Starts `binary` (a name in binaryDir()) with `args` plus --bind/--port/--port-file and
  // waits up to 10 s for the port. Throws std::runtime_error if it does not come up.
  ServiceProcess(std::string binary, std::vector<std::string> args);
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }

  // Sends SIGTERM and waits up to `timeout` for exit; returns the wait status (or nullopt
  // if it did not exit in time — then it is killed).
  std::optional<int> terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits up to `timeout` for the process to exit by itself; returns its wait status.
  std::optional<int> waitForExit(std::chrono::milliseconds timeout);
  // Everything the process wrote to stderr so far (its logs).
  std::string logs() const;

 private:
  std::string work_dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::optional<int> exit_status_;
};

// Polls `condition` every 10 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace aftershock::testing
