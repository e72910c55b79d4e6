// Sliding windows over call outcomes, the memory a circuit breaker judges failure rates by.
//
// Two shapes, as in resilience4j: a count-based window holds the last N outcomes; a
// time-based window holds the outcomes of the last N seconds in one-second buckets. Both
// keep running totals, so recording and reading are O(1) (amortised for the time window).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace aftershock::client {

enum class WindowType { kCountBased, kTimeBased };

std::string_view windowTypeName(WindowType type);
common::Result<WindowType> parseWindowType(std::string_view text);

// Totals over what is currently in a window.
struct WindowCounts {
  std::int64_t calls = 0;
  std::int64_t failures = 0;
  std::int64_t slow_calls = 0;

  // Shares in [0, 1]; 0 when the window is empty.
  double failureRate() const;
  double slowCallRate() const;
};

// Not thread-safe: the owner (CircuitBreaker) serialises access under its own lock.
class SlidingWindow {
 public:
  virtual ~SlidingWindow() = default;
  // Records one finished call at `now`. `now` never goes backwards between calls.
  virtual void record(bool failure, bool slow, common::SteadyTime now) = 0;
  // The totals as of `now` (a time window first drops what has aged out).
  virtual WindowCounts counts(common::SteadyTime now) = 0;
  virtual void reset() = 0;
};

// The last `size` outcomes, whatever their age.
class CountSlidingWindow final : public SlidingWindow {
 public:
  explicit CountSlidingWindow(std::int64_t size);  // size >= 1
  void record(bool failure, bool slow, common::SteadyTime now) override;
  WindowCounts counts(common::SteadyTime now) override;
  void reset() override;

 private:
  struct Entry {
    bool failure = false;
    bool slow = false;
  };
  std::vector<Entry> ring_;
  std::size_t next_ = 0;    // where the next outcome goes
  std::size_t filled_ = 0;  // entries holding an outcome (== ring_.size() once wrapped)
  WindowCounts totals_;
};

// The outcomes of the last `seconds` seconds (the current, partial second included), in
// one bucket per second of the steady clock.
class TimeSlidingWindow final : public SlidingWindow {
 public:
  explicit TimeSlidingWindow(std::int64_t seconds);  // seconds >= 1
  void record(bool failure, bool slow, common::SteadyTime now) override;
  WindowCounts counts(common::SteadyTime now) override;
  void reset() override;

 private:
  // Moves the head to `second`, emptying the buckets of seconds that left the window.
  void advanceTo(std::int64_t second);

  std::vector<WindowCounts> buckets_;  // bucket of second s lives at s % size
  std::int64_t head_second_ = 0;       // the newest second the buckets describe
  bool started_ = false;
  WindowCounts totals_;
};

std::unique_ptr<SlidingWindow> makeSlidingWindow(WindowType type, std::int64_t size);

}  // namespace aftershock::client
