// Structured logging on spdlog: one Logger per component, an event phrase plus fields.
// Text:  2026-11-24T10:00:00.000Z info backend config changed failure_rate=0.5
// JSON:  {"time":"...","level":"info","logger":"backend","msg":"config changed","failure_rate":0.5}
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aftershock::common {

enum class LogFormat { kText, kJson };

// Sets the process-wide format and level ("trace".."critical", "off"). Call once from main
// before creating loggers; loggers created earlier keep working with the new settings.
Status setupLogging(LogFormat format, std::string_view level);
Result<LogFormat> parseLogFormat(std::string_view text);

class Logger {
 public:
  explicit Logger(std::string component);

  // `fields` is a JSON object (or null); its members follow the event phrase.
  void debug(std::string_view event, const nlohmann::json& fields = nullptr) const;
  void info(std::string_view event, const nlohmann::json& fields = nullptr) const;
  void warn(std::string_view event, const nlohmann::json& fields = nullptr) const;
  void error(std::string_view event, const nlohmann::json& fields = nullptr) const;

 private:
  void log(spdlog::level::level_enum level, std::string_view event,
           const nlohmann::json& fields) const;

  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace aftershock::common
