#include "tests/support/service_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace aftershock::testing {

std::string makeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "aftershock-it-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

std::string binaryDir() {
  if (const char* dir = std::getenv("AFTERSHOCK_BIN_DIR")) return dir;
  return AFTERSHOCK_DEFAULT_BIN_DIR;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

int waitForPortFile(const std::string& port_file, ChildProcess& process,
                    std::chrono::milliseconds timeout) {
  int port = 0;
  eventually(
      [&] {
        std::ifstream in(port_file);
        if (in >> port && port > 0) return true;
        port = 0;
        return process.waitForExit(std::chrono::milliseconds(0)).has_value();
      },
      timeout);
  return port;
}

ChildProcess::ChildProcess(const std::string& path, std::vector<std::string> args)
    : work_dir_(makeTempDir()) {
  const std::string log_file = work_dir_ + "/output.log";
  args.insert(args.begin(), path);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int log_fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log_fd >= 0) {
      dup2(log_fd, STDERR_FILENO);
      dup2(log_fd, STDOUT_FILENO);
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  terminate();
  std::error_code ec;
  std::filesystem::remove_all(work_dir_, ec);
}

std::optional<int> ChildProcess::waitForExit(std::chrono::milliseconds timeout) {
  if (exit_status_ || pid_ <= 0) return exit_status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_status_ = status;
      return exit_status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (std::chrono::steady_clock::now() < deadline);
  return std::nullopt;
}

std::optional<int> ChildProcess::terminate(std::chrono::milliseconds timeout) {
  if (exit_status_ || pid_ <= 0) return exit_status_;
  ::kill(pid_, SIGTERM);
  if (auto status = waitForExit(timeout)) return status;
  kill();
  return std::nullopt;
}

void ChildProcess::kill() {
  if (exit_status_ || pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_status_ = status;
}

std::string ChildProcess::logs() const {
  std::ifstream in(work_dir_ + "/output.log");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> ServiceProcess::withPortFlags(std::vector<std::string> args,
                                                       const std::string& port_file) {
  args.insert(args.begin(), {"--bind=127.0.0.1", "--port=0", "--port-file=" + port_file});
  return args;
}

ServiceProcess::ServiceProcess(std::string binary, std::vector<std::string> args)
    : port_dir_(makeTempDir()),
      process_(binaryDir() + "/" + binary, withPortFlags(std::move(args), port_dir_ + "/port")) {
  port_ = waitForPortFile(port_dir_ + "/port", process_);
  if (port_ == 0) {
    const std::string output = logs();
    process_.terminate();
    std::error_code ec;
    std::filesystem::remove_all(port_dir_, ec);
    throw std::runtime_error(binary + " did not start; its output:\n" + output);
  }
}

ServiceProcess::~ServiceProcess() {
  std::error_code ec;
  std::filesystem::remove_all(port_dir_, ec);
}

}  // namespace aftershock::testing
