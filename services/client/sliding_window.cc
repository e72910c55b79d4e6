#include "services/client/sliding_window.h"

#include <cassert>
#include <chrono>
#include <string>

namespace aftershock::client {
namespace {

void add(WindowCounts& totals, const WindowCounts& delta, int sign) {
  totals.calls += sign * delta.calls;
  totals.failures += sign * delta.failures;
  totals.slow_calls += sign * delta.slow_calls;
}

std::int64_t epochSecond(common::SteadyTime now) {
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

}  // namespace

std::string_view windowTypeName(WindowType type) {
  return type == WindowType::kCountBased ? "count_based" : "time_based";
}

common::Result<WindowType> parseWindowType(std::string_view text) {
  if (text == "count_based") return WindowType::kCountBased;
  if (text == "time_based") return WindowType::kTimeBased;
  return common::fieldError(
      "window_type",
      "window_type must be 'count_based' or 'time_based', got '" + std::string(text) + "'");
}

double WindowCounts::failureRate() const {
  return calls == 0 ? 0.0 : static_cast<double>(failures) / static_cast<double>(calls);
}

double WindowCounts::slowCallRate() const {
  return calls == 0 ? 0.0 : static_cast<double>(slow_calls) / static_cast<double>(calls);
}

CountSlidingWindow::CountSlidingWindow(std::int64_t size) : ring_(static_cast<std::size_t>(size)) {
  assert(size >= 1);
}

void CountSlidingWindow::record(bool failure, bool slow, common::SteadyTime /*now*/) {
  Entry& entry = ring_[next_];
  if (filled_ == ring_.size()) {
    // The oldest outcome leaves as the newest arrives.
    add(totals_, {1, entry.failure ? 1 : 0, entry.slow ? 1 : 0}, -1);
  } else {
    ++filled_;
  }
  entry = {failure, slow};
  add(totals_, {1, failure ? 1 : 0, slow ? 1 : 0}, +1);
  next_ = (next_ + 1) % ring_.size();
}

WindowCounts CountSlidingWindow::counts(common::SteadyTime /*now*/) { return totals_; }

void CountSlidingWindow::reset() {
  std::fill(ring_.begin(), ring_.end(), Entry{});
  next_ = 0;
  filled_ = 0;
  totals_ = {};
}

TimeSlidingWindow::TimeSlidingWindow(std::int64_t seconds)
    : buckets_(static_cast<std::size_t>(seconds)) {
  assert(seconds >= 1);
}

void TimeSlidingWindow::advanceTo(std::int64_t second) {
  const auto size = static_cast<std::int64_t>(buckets_.size());
  if (!started_ || second - head_second_ >= size) {
    // Everything recorded so far has aged out.
    std::fill(buckets_.begin(), buckets_.end(), WindowCounts{});
    totals_ = {};
    head_second_ = second;
    started_ = true;
    return;
  }
  while (head_second_ < second) {
    ++head_second_;
    WindowCounts& bucket = buckets_[static_cast<std::size_t>(head_second_ % size)];
    add(totals_, bucket, -1);
    bucket = {};
  }
}

void TimeSlidingWindow::record(bool failure, bool slow, common::SteadyTime now) {
  const std::int64_t second = epochSecond(now);
  advanceTo(second);
  const auto size = static_cast<std::int64_t>(buckets_.size());
  const WindowCounts delta{1, failure ? 1 : 0, slow ? 1 : 0};
  add(buckets_[static_cast<std::size_t>(second % size)], delta, +1);
  add(totals_, delta, +1);
}

WindowCounts TimeSlidingWindow::counts(common::SteadyTime now) {
  advanceTo(epochSecond(now));
  return totals_;
}

void TimeSlidingWindow::reset() {
  std::fill(buckets_.begin(), buckets_.end(), WindowCounts{});
  totals_ = {};
  started_ = false;
}

std::unique_ptr<SlidingWindow> makeSlidingWindow(WindowType type, std::int64_t size) {
  if (type == WindowType::kCountBased) return std::make_unique<CountSlidingWindow>(size);
  return std::make_unique<TimeSlidingWindow>(size);
}

}  // namespace aftershock::client
