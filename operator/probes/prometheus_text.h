// A reader of the Prometheus text exposition format (version 0.0.4), for the metric probe:
// one Sample per sample line, comments (# HELP, # TYPE, any other #) and blank lines skipped.
//
// What is accepted, as Prometheus itself does: blanks and tabs between tokens, label values
// with the escapes \\, \" and \n (any other escaped character is kept as written), a trailing
// comma in a label set, values in Go float syntax plus +Inf, -Inf and NaN, and an optional
// integer timestamp in milliseconds, which is read and dropped. Lines may end in "\r\n".
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace aftershock::op {

struct Sample {
  std::string name;  // for a histogram's buckets, the full series name: "x_bucket"
  std::map<std::string, std::string> labels;
  double value = 0.0;
};

// Every sample in `text`, in order. A malformed line is a kInvalid error whose message names
// its 1-based line number: "line 7: expected '=' after label name \"code\"".
common::Result<std::vector<Sample>> parsePrometheusText(std::string_view text);

}  // namespace aftershock::op
