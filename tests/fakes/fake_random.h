// FakeRandom: scripted values in [0,1), repeated cyclically; a single value makes every
// draw the same (0.0 always "hits" a probability, 0.999 never does below 1).
#pragma once

#include <cassert>
#include <mutex>
#include <vector>

#include "common/random.h"

namespace aftershock::testing {

class FakeRandom final : public common::Random {
 public:
  explicit FakeRandom(std::vector<double> values) : values_(std::move(values)) {
    assert(!values_.empty());
  }
  double uniform() override {
    std::lock_guard lock(mutex_);
    const double value = values_[next_ % values_.size()];
    ++next_;
    return value;
  }
  void setValues(std::vector<double> values) {
    std::lock_guard lock(mutex_);
    values_ = std::move(values);
    next_ = 0;
  }

 private:
  std::mutex mutex_;
  std::vector<double> values_;
  std::size_t next_ = 0;
};

}  // namespace aftershock::testing
