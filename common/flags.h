// Command-line flags with environment-variable fallbacks: --name=value or --name value,
// then $ENV_NAME, then the default. `--help` prints every flag with its variable.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace aftershock::common {

class Flags {
 public:
  Flags(std::string program, std::string summary);

  // `env` may be empty for flags without a variable. Numeric flags are range-checked.
  void addString(std::string name, std::string env, std::string help, std::string* target);
  void addInt(std::string name, std::string env, std::string help, std::int64_t* target,
              std::int64_t min, std::int64_t max);
  void addDouble(std::string name, std::string env, std::string help, double* target, double min,
                 double max);
  void addBool(std::string name, std::string env, std::string help, bool* target);

  // Applies defaults (the targets' current values), then environment, then argv. An error
  // names the flag and the value; kNotFound means --help was asked (help() was printed).
  Status parse(int argc, const char* const* argv);
  std::string help() const;

 private:
  struct Flag {
    std::string name;
    std::string env;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    std::function<Status(std::string_view)> assign;
  };
  void add(Flag flag) { flags_.push_back(std::move(flag)); }
  const Flag* find(std::string_view name) const;

  std::string program_;
  std::string summary_;
  std::vector<Flag> flags_;
};

// Parses a Go-style duration ("250ms", "2s", "1m30s", "1h"); a bare number means seconds.
Result<std::int64_t> parseDurationMillis(std::string_view text);

}  // namespace aftershock::common
