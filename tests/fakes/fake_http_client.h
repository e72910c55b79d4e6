// FakeHttpClient: answers from a script, records every request. Each call pops the next
// scripted outcome; when the script runs out, the fallback outcome repeats. An optional
// FakeClock is advanced by each outcome's `elapsed`, to model slow calls and timeouts.
#pragma once

#include <deque>
#include <mutex>
#include <vector>

#include "common/http.h"
#include "tests/fakes/fake_clock.h"

namespace aftershock::testing {

class FakeHttpClient final : public common::HttpClient {
 public:
  struct Outcome {
    common::Result<common::HttpResponse> result;
    common::Duration elapsed{0};
  };

  explicit FakeHttpClient(FakeClock* clock = nullptr) : clock_(clock) {}

  void push(Outcome outcome) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(outcome));
  }
  void pushStatus(int status, std::string body = "{}", common::Duration elapsed = {}) {
    push({common::HttpResponse::text(status, std::move(body), "application/json"), elapsed});
  }
  void pushError(common::ErrorCode code, common::Duration elapsed = {}) {
    push({common::makeError(code, "fake transport failure"), elapsed});
  }
  void setFallback(Outcome outcome) {
    std::lock_guard lock(mutex_);
    fallback_ = std::move(outcome);
  }

  common::Result<common::HttpResponse> send(const common::HttpClientRequest& request) override {
    Outcome outcome = next(request);
    if (clock_ != nullptr) clock_->advance(outcome.elapsed);
    return std::move(outcome.result);
  }

  std::vector<common::HttpClientRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t callCount() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  Outcome next(const common::HttpClientRequest& request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (script_.empty()) return fallback_;
    Outcome outcome = std::move(script_.front());
    script_.pop_front();
    return outcome;
  }

  FakeClock* clock_;
  mutable std::mutex mutex_;
  std::deque<Outcome> script_;
  Outcome fallback_{common::HttpResponse::text(200, "{}", "application/json"), {}};
  std::vector<common::HttpClientRequest> requests_;
};

}  // namespace aftershock::testing
