// Prometheus text format reader: one small cursor per line, so every error knows its line.
#include "operator/probes/prometheus_text.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <system_error>

namespace aftershock::op {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t'; }
bool isLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isMetricNameStart(char c) { return isLetter(c) || c == '_' || c == ':'; }
bool isMetricNameChar(char c) { return isMetricNameStart(c) || isDigit(c); }
bool isLabelNameStart(char c) { return isLetter(c) || c == '_'; }
bool isLabelNameChar(char c) { return isLabelNameStart(c) || isDigit(c); }

bool equalsIgnoringCase(std::string_view text, std::string_view lower_case) {
  if (text.size() != lower_case.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c =
        text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != lower_case[i]) return false;
  }
  return true;
}

// Go's strconv.ParseFloat syntax (what Prometheus uses), minus hexadecimal floats.
std::optional<double> parseValue(std::string_view token) {
  if (equalsIgnoringCase(token, "nan")) return std::numeric_limits<double>::quiet_NaN();
  bool negative = false;
  std::string_view digits = token;
  if (!digits.empty() && (digits.front() == '+' || digits.front() == '-')) {
    negative = digits.front() == '-';
    digits.remove_prefix(1);
  }
  if (equalsIgnoringCase(digits, "inf") || equalsIgnoringCase(digits, "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  // from_chars takes its own '-' and "nan"/"inf" spellings, which were handled above and must
  // not be accepted a second time ("--1", "+nan").
  if (digits.empty() || !(isDigit(digits.front()) || digits.front() == '.')) return std::nullopt;
  double value = 0.0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value,
                                            std::chars_format::general);
  // Out of range reads as the infinity Go would return; from_chars reports it as an error.
  if (error == std::errc::result_out_of_range) {
    value = std::numeric_limits<double>::infinity();
  } else if (error != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

std::optional<std::int64_t> parseTimestamp(std::string_view token) {
  std::int64_t timestamp = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), timestamp);
  if (error != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return timestamp;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Reads one sample line; each read either advances past what it consumed or records an error.
class LineParser {
 public:
  explicit LineParser(std::string_view line) : line_(line) {}

  // The sample, or nullopt with error() set.
  std::optional<Sample> parse() {
    Sample sample;
    skipBlanks();
    if (!isMetricNameStart(peek())) return fail("expected a metric name at " + describeHere());
    sample.name = std::string(readWhile(isMetricNameChar));
    skipBlanks();
    if (peek() == '{' && !readLabels(sample)) return std::nullopt;
    skipBlanks();
    const std::string_view value_token = readToken();
    if (value_token.empty()) return fail("missing value for " + quoted(sample.name));
    const std::optional<double> value = parseValue(value_token);
    if (!value) return fail("invalid value " + quoted(value_token));
    sample.value = *value;
    skipBlanks();
    if (atEnd()) return sample;
    const std::string_view timestamp_token = readToken();
    if (!parseTimestamp(timestamp_token)) {
      return fail("invalid timestamp " + quoted(timestamp_token) + " (want integer milliseconds)");
    }
    skipBlanks();
    if (!atEnd()) return fail("unexpected " + describeHere() + " after the timestamp");
    return sample;
  }

  const std::string& error() const { return error_; }

 private:
  // At '{': reads the label set through its '}'.
  bool readLabels(Sample& sample) {
    ++position_;
    while (true) {
      skipBlanks();
      if (peek() == '}') {
        ++position_;
        return true;
      }
      if (!isLabelNameStart(peek())) {
        return failed("expected a label name or '}' at " + describeHere());
      }
      const std::string_view name = readWhile(isLabelNameChar);
      skipBlanks();
      if (peek() != '=') return failed("expected '=' after label name " + quoted(name));
      ++position_;
      skipBlanks();
      if (peek() != '"') return failed("expected '\"' to open the value of label " + quoted(name));
      ++position_;
      std::optional<std::string> value = readLabelValue();
      if (!value) return failed("unterminated value of label " + quoted(name));
      if (!sample.labels.emplace(std::string(name), std::move(*value)).second) {
        return failed("duplicate label " + quoted(name));
      }
      skipBlanks();
      if (peek() == ',') {
        ++position_;
      } else if (peek() != '}') {
        return failed("expected ',' or '}' after the value of label " + quoted(name) + " at " +
                      describeHere());
      }
    }
  }

  // After the opening quote: the unescaped value through the closing quote.
  std::optional<std::string> readLabelValue() {
    std::string value;
    while (!atEnd()) {
      const char c = line_[position_++];
      if (c == '"') return value;
      if (c != '\\' || atEnd()) {
        value.push_back(c);
        continue;
      }
      const char escaped = line_[position_++];
      if (escaped == 'n') {
        value.push_back('\n');
      } else if (escaped == '\\' || escaped == '"') {
        value.push_back(escaped);
      } else {
        // Prometheus keeps unknown escapes as written.
        value.push_back('\\');
        value.push_back(escaped);
      }
    }
    return std::nullopt;
  }

  template <typename Predicate>
  std::string_view readWhile(Predicate predicate) {
    const std::size_t start = position_;
    while (!atEnd() && predicate(line_[position_])) ++position_;
    return line_.substr(start, position_ - start);
  }
  std::string_view readToken() {
    return readWhile([](char c) { return !isBlank(c); });
  }
  void skipBlanks() {
    while (!atEnd() && isBlank(line_[position_])) ++position_;
  }
  bool atEnd() const { return position_ >= line_.size(); }
  char peek() const { return atEnd() ? '\0' : line_[position_]; }

  std::string describeHere() const {
    if (atEnd()) return "end of line";
    return "column " + std::to_string(position_ + 1) + " ('" + std::string(1, line_[position_]) +
           "')";
  }

  std::nullopt_t fail(std::string message) {
    error_ = std::move(message);
    return std::nullopt;
  }
  bool failed(std::string message) {
    error_ = std::move(message);
    return false;
  }

  std::string_view line_;
  std::size_t position_ = 0;
  std::string error_;
};

bool isSkipped(std::string_view line) {
  std::size_t first = 0;
  while (first < line.size() && isBlank(line[first])) ++first;
  // Every comment is skipped, # HELP and # TYPE included: the probe selects by name and labels
  // only, so a family's type changes nothing it does.
  return first == line.size() || line[first] == '#';
}

}  // namespace

common::Result<std::vector<Sample>> parsePrometheusText(std::string_view text) {
  std::vector<Sample> samples;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (isSkipped(line)) continue;

    LineParser parser(line);
    std::optional<Sample> sample = parser.parse();
    if (!sample) {
      return common::makeError(common::ErrorCode::kInvalid,
                               "line " + std::to_string(line_number) + ": " + parser.error());
    }
    samples.push_back(std::move(*sample));
  }
  return samples;
}

}  // namespace aftershock::op
