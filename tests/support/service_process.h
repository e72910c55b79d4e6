// Child processes for integration tests.
// ChildProcess: runs a binary with arguments, its stdout and stderr captured to a file, and
// stops it with SIGTERM (then SIGKILL) on destruction.
// ServiceProcess: one of the project's services on 127.0.0.1 and a port the kernel picks
// (--port=0), learning the port from the file the service writes (--port-file).
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
// A fresh private directory under the system's temporary directory.
std::string makeTempDir();

class ChildProcess {
 public:
  // Starts `path` with `args` (argv[1..]). Throws std::runtime_error if fork fails.
  ChildProcess(const std::string& path, std::vector<std::string> args);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& workDir() const { return work_dir_; }

  // Sends SIGTERM and waits up to `timeout` for exit; returns the wait status (or nullopt
  // if it did not exit in time — then it is killed).
  std::optional<int> terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends SIGKILL and reaps the process: a crash, with no chance to clean up.
  void kill();
  // Waits up to `timeout` for the process to exit by itself; returns its wait status.
  std::optional<int> waitForExit(std::chrono::milliseconds timeout);
  // Everything the process wrote to stdout and stderr so far.
  std::string logs() const;

 private:
  std::string work_dir_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

class ServiceProcess {
 public:
  // Starts `binary` (a name in binaryDir()) with `args` plus --bind/--port/--port-file and
  // waits up to 10 s for the port. Throws std::runtime_error if it does not come up.
  ServiceProcess(std::string binary, std::vector<std::string> args);
  ~ServiceProcess();

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return process_.pid(); }

  std::optional<int> terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return process_.terminate(timeout);
  }
  std::optional<int> waitForExit(std::chrono::milliseconds timeout) {
    return process_.waitForExit(timeout);
  }
  // Everything the service wrote so far (its logs).
  std::string logs() const { return process_.logs(); }

 private:
  static std::vector<std::string> withPortFlags(std::vector<std::string> args,
                                                const std::string& port_file);

  std::string port_dir_;  // holds the port file; removed with the service
  ChildProcess process_;
  int port_ = 0;
};

// Polls `condition` every 10 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Waits up to `timeout` for `process` to write its port (a positive number) to `port_file`;
// returns it, or 0 if the process exited or the time ran out first.
int waitForPortFile(const std::string& port_file, ChildProcess& process,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace aftershock::testing
