#include "common/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace aftershock::common {

std::uint64_t residentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t total_pages = 0;
  std::uint64_t resident_pages = 0;
  if (!(statm >> total_pages >> resident_pages)) return 0;
  return resident_pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

double cpuSeconds() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0.0;
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

void registerProcessMetrics(MetricsRegistry& registry) {
  const double start_time =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  registry.gaugeFunction("process_resident_memory_bytes", "Resident memory size in bytes.",
                         [] { return static_cast<double>(residentMemoryBytes()); });
  registry.gaugeFunction("process_cpu_seconds_total", "User and system CPU time in seconds.",
                         [] { return cpuSeconds(); });
  registry.gaugeFunction("process_start_time_seconds",
                         "Start time of the process since the Unix epoch in seconds.",
                         [start_time] { return start_time; });
  registry.gaugeFunction("process_threads", "Number of OS threads in the process.", [] {
    std::error_code ec;
    double threads = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/task", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      ++threads;
    }
    return threads;
  });
}

}  // namespace aftershock::common
