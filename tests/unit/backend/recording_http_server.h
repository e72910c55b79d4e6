// RecordingHttpServer: an HttpServer that never listens; it keeps the registered handlers
// so unit tests can call routes directly. Local to the backend tests (tests/fakes has no
// server fake).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

#include "common/http.h"

namespace aftershock::testing {

class RecordingHttpServer final : public common::HttpServer {
 public:
  void route(std::string method, std::string path, common::SyncHandler handler) override {
    routes_[{std::move(method), std::move(path)}] = std::move(handler);
  }
  void routeAsync(std::string method, std::string path, common::AsyncHandler handler) override {
    routes_[{method, path}] = [handler = std::move(handler)](const common::HttpRequest& request) {
      common::HttpResponse answer;
      handler(request, [&answer](common::HttpResponse response) { answer = std::move(response); });
      return answer;
    };
  }
  void setObserver(common::RequestObserver observer) override { observer_ = std::move(observer); }
  common::Status start() override { return {}; }
  std::uint16_t boundPort() const override { return 0; }
  int inflight() const override { return 0; }
  void stop(std::chrono::milliseconds) override {}

  // Runs the handler for method and path; 404 when none is registered.
  common::HttpResponse call(const std::string& method, const std::string& path,
                            std::string body = "") const {
    const auto it = routes_.find({method, path});
    if (it == routes_.end()) return common::HttpResponse::error(404, "no route");
    common::HttpRequest request;
    request.method = method;
    request.path = path;
    request.body = std::move(body);
    return it->second(request);
  }

  std::set<std::pair<std::string, std::string>> registered() const {
    std::set<std::pair<std::string, std::string>> keys;
    for (const auto& [key, handler] : routes_) keys.insert(key);
    return keys;
  }

 private:
  std::map<std::pair<std::string, std::string>, common::SyncHandler> routes_;
  common::RequestObserver observer_;
};

}  // namespace aftershock::testing
