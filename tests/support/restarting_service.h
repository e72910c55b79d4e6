// RestartingService: one of the project's services kept running on a fixed loopback port and
// started again whenever it exits, as a kubelet restarts a crashed container. The local control
// plane has no kubelet (KWOK only pretends pods run), so an end-to-end test of ProcessCrash
// needs this stand-in.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/service_process.h"

namespace aftershock::testing {

class RestartingService {
 public:
  // Starts `binary` (a name in binaryDir()) with `args` plus --bind=127.0.0.1 --port=0
  // --port-file, waits up to 10 s for the port, and from then on restarts it on that same port
  // whenever it exits. Throws std::runtime_error if the first start fails.
  RestartingService(std::string binary, std::vector<std::string> args);
  // Stops the supervision, then the running instance (SIGTERM, then SIGKILL).
  ~RestartingService();
  RestartingService(const RestartingService&) = delete;
  RestartingService& operator=(const RestartingService&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // How many times the process was started again after exiting. Thread-safe.
  int restarts() const { return restarts_.load(); }
  // The pid of the running instance (or of the last one, if it just exited). Thread-safe.
  pid_t pid() const;
  // Everything every instance wrote so far, oldest first. Thread-safe.
  std::string logs() const;

 private:
  std::vector<std::string> argumentsForPort(int port) const;
  void supervise(std::stop_token stop);

  const std::string binary_;
  const std::vector<std::string> args_;
  std::string port_dir_;
  int port_ = 0;
  std::atomic<int> restarts_{0};
  mutable std::mutex mutex_;
  std::unique_ptr<ChildProcess> process_;  // guarded by mutex_
  std::string earlier_logs_;               // guarded by mutex_
  std::jthread supervisor_;
};

}  // namespace aftershock::testing
