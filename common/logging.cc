#include "common/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>

namespace aftershock::common {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %n %v";
// The message itself supplies the remaining JSON members, starting with "msg".
constexpr const char* kJsonPattern =
    R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n",%v})";

void applyPattern(spdlog::logger& logger) {
  const char* pattern = g_format.load() == LogFormat::kJson ? kJsonPattern : kTextPattern;
  logger.set_formatter(
      std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc));
}

// Log fields may carry text from peers (an error page, a server message) that is not valid
// UTF-8; a log line must never throw because of it, so bad bytes become U+FFFD.
std::string safeDump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string textValue(const nlohmann::json& value) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (!text.empty() && text.find_first_of(" \"=\n") == std::string::npos) return text;
  }
  return safeDump(value);
}

}  // namespace

Result<LogFormat> parseLogFormat(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return fieldError("log-format",
                    "log format must be 'text' or 'json', got '" + std::string(text) + "'");
}

Status setupLogging(LogFormat format, std::string_view level) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  // from_str answers "off" for anything it does not know; only accept "off" when asked.
  if (parsed == spdlog::level::off && level != "off") {
    return fieldError("log-level",
                      "log level must be one of trace, debug, info, warn, error, "
                      "critical, off; got '" +
                          std::string(level) + "'");
  }
  g_format.store(format);
  spdlog::set_level(parsed);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& logger) { applyPattern(*logger); });
  return {};
}

Logger::Logger(std::string component) {
  logger_ = spdlog::get(component);
  if (logger_) return;
  logger_ = std::make_shared<spdlog::logger>(component,
                                             std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger_->set_level(spdlog::get_level());
  applyPattern(*logger_);
  // A concurrent registration of the same name may win; use whichever is registered.
  try {
    spdlog::register_logger(logger_);
  } catch (const spdlog::spdlog_ex&) {
    logger_ = spdlog::get(component);
  }
}

void Logger::debug(std::string_view event, const nlohmann::json& fields) const {
  log(spdlog::level::debug, event, fields);
}
void Logger::info(std::string_view event, const nlohmann::json& fields) const {
  log(spdlog::level::info, event, fields);
}
void Logger::warn(std::string_view event, const nlohmann::json& fields) const {
  log(spdlog::level::warn, event, fields);
}
void Logger::error(std::string_view event, const nlohmann::json& fields) const {
  log(spdlog::level::err, event, fields);
}

void Logger::log(spdlog::level::level_enum level, std::string_view event,
                 const nlohmann::json& fields) const {
  if (!logger_->should_log(level)) return;
  std::string line;
  if (g_format.load() == LogFormat::kJson) {
    line = "\"msg\":" + safeDump(nlohmann::json(event));
    if (fields.is_object()) {
      for (const auto& [key, value] : fields.items()) {
        line += "," + safeDump(nlohmann::json(key)) + ":" + safeDump(value);
      }
    }
  } else {
    line = std::string(event);
    if (fields.is_object()) {
      for (const auto& [key, value] : fields.items()) line += " " + key + "=" + textValue(value);
    }
  }
  logger_->log(level, "{}", line);
}

}  // namespace aftershock::common
