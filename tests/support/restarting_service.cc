#include "tests/support/restarting_service.h"

#include <chrono>
#include <filesystem>
#include <stdexcept>

namespace aftershock::testing {
namespace {

// How often the supervisor looks at its child, and how long it waits before a restart (a
// kubelet backs off longer; a test wants the service back quickly).
constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr auto kRestartDelay = std::chrono::milliseconds(200);

// Sleeps up to `duration`, waking early when a stop is requested; false if it was.
bool pause(const std::stop_token& stop, std::chrono::milliseconds duration) {
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < deadline) {
    if (stop.stop_requested()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return !stop.stop_requested();
}

}  // namespace

RestartingService::RestartingService(std::string binary, std::vector<std::string> args)
    : binary_(std::move(binary)), args_(std::move(args)), port_dir_(makeTempDir()) {
  // The first start takes a port the kernel picks; every restart reuses it, so URLs handed to
  // the system under test stay valid across crashes.
  process_ = std::make_unique<ChildProcess>(binaryDir() + "/" + binary_, argumentsForPort(0));
  port_ = waitForPortFile(port_dir_ + "/port", *process_);
  if (port_ == 0) {
    const std::string output = process_->logs();
    process_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(port_dir_, ignored);
    throw std::runtime_error(binary_ + " did not start; its output:\n" + output);
  }
  supervisor_ = std::jthread([this](std::stop_token stop) { supervise(std::move(stop)); });
}

RestartingService::~RestartingService() {
  supervisor_.request_stop();
  if (supervisor_.joinable()) supervisor_.join();
  {
    std::lock_guard lock(mutex_);
    process_.reset();  // ChildProcess's destructor stops it
  }
  std::error_code ignored;
  std::filesystem::remove_all(port_dir_, ignored);
}

pid_t RestartingService::pid() const {
  std::lock_guard lock(mutex_);
  return process_ ? process_->pid() : -1;
}

std::string RestartingService::logs() const {
  std::lock_guard lock(mutex_);
  return earlier_logs_ + (process_ ? process_->logs() : std::string());
}

std::vector<std::string> RestartingService::argumentsForPort(int port) const {
  std::vector<std::string> arguments = {"--bind=127.0.0.1", "--port=" + std::to_string(port),
                                        "--port-file=" + port_dir_ + "/port"};
  arguments.insert(arguments.end(), args_.begin(), args_.end());
  return arguments;
}

void RestartingService::supervise(std::stop_token stop) {
  while (pause(stop, kPollInterval)) {
    {
      std::lock_guard lock(mutex_);
      if (!process_->waitForExit(std::chrono::milliseconds(0))) continue;
      earlier_logs_ += process_->logs();
      process_.reset();
    }
    if (!pause(stop, kRestartDelay)) return;
    std::lock_guard lock(mutex_);
    process_ = std::make_unique<ChildProcess>(binaryDir() + "/" + binary_, argumentsForPort(port_));
    restarts_.fetch_add(1);
  }
}

}  // namespace aftershock::testing
