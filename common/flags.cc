#include "common/flags.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace aftershock::common {
namespace {

Result<std::int64_t> parseInt(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return makeError(ErrorCode::kInvalid, "'" + std::string(text) + "' is not an integer");
  }
  return value;
}

Result<double> parseDouble(std::string_view text) {
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(value)) {
    return makeError(ErrorCode::kInvalid, "'" + copy + "' is not a number");
  }
  return value;
}

Result<bool> parseBool(std::string_view text) {
  if (text == "true" || text == "1" || text == "yes" || text.empty()) return true;
  if (text == "false" || text == "0" || text == "no") return false;
  return makeError(ErrorCode::kInvalid, "'" + std::string(text) + "' is not true or false");
}

}  // namespace

Flags::Flags(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void Flags::addString(std::string name, std::string env, std::string help, std::string* target) {
  std::string default_text = *target;
  add({std::move(name), std::move(env), std::move(help), std::move(default_text), false,
       [target](std::string_view text) -> Status {
         *target = std::string(text);
         return {};
       }});
}

void Flags::addInt(std::string name, std::string env, std::string help, std::int64_t* target,
                   std::int64_t min, std::int64_t max) {
  std::string default_text = std::to_string(*target);
  add({std::move(name), std::move(env), std::move(help), std::move(default_text), false,
       [target, min, max](std::string_view text) -> Status {
         auto value = parseInt(text);
         if (!value.ok()) return value.error();
         if (*value < min || *value > max) {
           return makeError(ErrorCode::kInvalid, std::to_string(*value) + " is outside [" +
                                                     std::to_string(min) + ", " +
                                                     std::to_string(max) + "]");
         }
         *target = *value;
         return {};
       }});
}

void Flags::addDouble(std::string name, std::string env, std::string help, double* target,
                      double min, double max) {
  std::ostringstream default_text;
  default_text << *target;
  add({std::move(name), std::move(env), std::move(help), default_text.str(), false,
       [target, min, max](std::string_view text) -> Status {
         auto value = parseDouble(text);
         if (!value.ok()) return value.error();
         if (*value < min || *value > max) {
           std::ostringstream message;
           message << *value << " is outside [" << min << ", " << max << "]";
           return makeError(ErrorCode::kInvalid, message.str());
         }
         *target = *value;
         return {};
       }});
}

void Flags::addBool(std::string name, std::string env, std::string help, bool* target) {
  add({std::move(name), std::move(env), std::move(help), *target ? "true" : "false", true,
       [target](std::string_view text) -> Status {
         auto value = parseBool(text);
         if (!value.ok()) return value.error();
         *target = *value;
         return {};
       }});
}

const Flags::Flag* Flags::find(std::string_view name) const {
  for (const auto& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

Status Flags::parse(int argc, const char* const* argv) {
  for (const auto& flag : flags_) {
    if (flag.env.empty()) continue;
    const char* value = std::getenv(flag.env.c_str());
    if (value == nullptr) continue;
    if (Status status = flag.assign(value); !status.ok()) {
      return fieldError(flag.env,
                        "environment variable " + flag.env + ": " + status.error().message);
    }
  }
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << help();
      return makeError(ErrorCode::kNotFound, "help requested");
    }
    if (arg.substr(0, 2) != "--") {
      return makeError(ErrorCode::kInvalid, "unexpected argument '" + std::string(arg) +
                                                "' (flags look like --name=value; see --help)");
    }
    arg.remove_prefix(2);
    const auto eq = arg.find('=');
    const std::string_view name = arg.substr(0, eq);
    const Flag* flag = find(name);
    if (flag == nullptr) {
      return fieldError(std::string(name), "unknown flag --" + std::string(name) + " (see --help)");
    }
    std::string_view value;
    if (eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
    } else if (flag->is_bool) {
      value = "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return fieldError(flag->name, "flag --" + flag->name + " needs a value");
    }
    if (Status status = flag->assign(value); !status.ok()) {
      return fieldError(flag->name, "flag --" + flag->name + ": " + status.error().message);
    }
  }
  return {};
}

std::string Flags::help() const {
  std::ostringstream out;
  out << "Usage: " << program_ << " [flags]\n\n" << summary_ << "\n\nFlags:\n";
  for (const auto& flag : flags_) {
    out << "  --" << flag.name;
    if (!flag.env.empty()) out << " ($" << flag.env << ")";
    out << "\n      " << flag.help << " (default: " << flag.default_text << ")\n";
  }
  return out.str();
}

Result<std::int64_t> parseDurationMillis(std::string_view text) {
  if (text.empty()) return makeError(ErrorCode::kInvalid, "empty duration");
  if (auto whole = parseDouble(text); whole.ok()) {
    if (*whole < 0) return makeError(ErrorCode::kInvalid, "negative duration");
    return static_cast<std::int64_t>(std::llround(*whole * 1000.0));
  }
  double total_ms = 0.0;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t number_end = 0;
    while (
        number_end < rest.size() &&
        (std::isdigit(static_cast<unsigned char>(rest[number_end])) || rest[number_end] == '.')) {
      ++number_end;
    }
    std::size_t unit_end = number_end;
    while (unit_end < rest.size() && std::isalpha(static_cast<unsigned char>(rest[unit_end]))) {
      ++unit_end;
    }
    auto number = parseDouble(rest.substr(0, number_end));
    const std::string_view unit = rest.substr(number_end, unit_end - number_end);
    double scale = 0.0;
    if (unit == "ms")
      scale = 1.0;
    else if (unit == "s")
      scale = 1000.0;
    else if (unit == "m")
      scale = 60'000.0;
    else if (unit == "h")
      scale = 3'600'000.0;
    if (!number.ok() || scale == 0.0) {
      return makeError(ErrorCode::kInvalid,
                       "'" + std::string(text) + "' is not a duration like 500ms, 30s, 1m30s");
    }
    total_ms += *number * scale;
    rest.remove_prefix(unit_end);
  }
  return static_cast<std::int64_t>(std::llround(total_ms));
}

}  // namespace aftershock::common
