// FakeKubeClient: an in-memory API server for unit tests. Objects are stored by their
// resourcePath(); create/update/patch/remove follow the API's optimistic-concurrency rules
// (resourceVersion from one counter per fake, kConflict for a stale one, kAlreadyExists for a
// taken name, kNotFound for a missing object). Test hooks script failures per verb, run code
// before a call (to interleave a concurrent writer), and log every call.
//
// Not modelled: watch (kInternal), pagination, admission, status subresource rules beyond
// "an update of /status replaces only .status", strategic merge and server-side apply (both
// are applied as a JSON merge patch), label selector set operators (`in`, `notin`).
//
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "operator/kube/kube_client.h"

namespace aftershock::testing {

class FakeKubeClient final : public op::KubeClient {
 public:
  enum class Verb { kGet, kList, kCreate, kUpdate, kPatch, kRemove, kWatch };

  struct Call {
    Verb verb = Verb::kGet;
    std::string path;  // resourcePath(resource, namespace, name, subresource)
  };

  // `clock`, when given, stamps metadata.creationTimestamp; otherwise a fixed time is used.
  explicit FakeKubeClient(const common::Clock* clock = nullptr) : clock_(clock) {}

  // --- Test hooks -------------------------------------------------------------------------

  // The next `count` calls of `verb` fail with `error` (after being logged), before touching
  // the store. Queued failures of the same verb are consumed in order.
  void failNext(Verb verb, common::Error error, int count = 1) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < count; ++i) failures_[verb].push_back(error);
  }
  // Drops every queued failure.
  void clearFailures() {
    std::lock_guard lock(mutex_);
    failures_.clear();
  }
  // Runs `hook` at the start of every call, outside the fake's lock, so it may call the fake
  // itself (e.g. to make a concurrent write land between a caller's get and its update).
  void setBeforeCall(std::function<void(const Call&)> hook) {
    std::lock_guard lock(mutex_);
    before_call_ = std::move(hook);
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::size_t callCount(Verb verb) const {
    std::lock_guard lock(mutex_);
    std::size_t count = 0;
    for (const Call& call : calls_) count += call.verb == verb ? 1 : 0;
    return count;
  }
  void clearCalls() {
    std::lock_guard lock(mutex_);
    calls_.clear();
  }

  // The stored object, read without logging a call or consuming a scripted failure.
  std::optional<op::json> stored(const op::Resource& resource, std::string_view namespace_name,
                                 std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = objects_.find(op::resourcePath(resource, namespace_name, name));
    if (it == objects_.end()) return std::nullopt;
    return it->second.object;
  }
  // Every stored object of `resource` in `namespace_name` ("" = all), in path order.
  std::vector<op::json> storedList(const op::Resource& resource,
                                   std::string_view namespace_name = {}) const {
    std::lock_guard lock(mutex_);
    std::vector<op::json> objects;
    for (const auto& [path, entry] : objects_) {
      if (inScope(entry, resource, namespace_name)) objects.push_back(entry.object);
    }
    return objects;
  }

  // --- KubeClient -------------------------------------------------------------------------

  common::Result<op::json> get(const op::Resource& resource, std::string_view namespace_name,
                               std::string_view name, std::string_view subresource = {}) override {
    if (auto error =
            begin(Verb::kGet, op::resourcePath(resource, namespace_name, name, subresource))) {
      return *error;
    }
    std::lock_guard lock(mutex_);
    auto it = objects_.find(op::resourcePath(resource, namespace_name, name));
    if (it == objects_.end()) return notFound(resource, name);
    return it->second.object;
  }

  common::Result<op::ObjectList> list(const op::Resource& resource, std::string_view namespace_name,
                                      const op::ListOptions& options = {}) override {
    if (auto error = begin(Verb::kList, op::resourcePath(resource, namespace_name))) {
      return *error;
    }
    auto labels = parseSelector(options.label_selector, "label_selector");
    if (!labels.ok()) return labels.error();
    auto fields = parseSelector(options.field_selector, "field_selector");
    if (!fields.ok()) return fields.error();

    std::lock_guard lock(mutex_);
    op::ObjectList result;
    for (const auto& [path, entry] : objects_) {
      if (!inScope(entry, resource, namespace_name)) continue;
      if (!matchesLabels(entry.object, *labels) || !matchesFields(entry.object, *fields)) {
        continue;
      }
      result.items.push_back(entry.object);
    }
    result.resource_version = std::to_string(resource_version_);
    return result;
  }

  common::Result<op::json> create(const op::Resource& resource, std::string_view namespace_name,
                                  const op::json& object) override {
    std::string name = stringAt(object, "/metadata/name");
    if (auto error = begin(Verb::kCreate, op::resourcePath(resource, namespace_name, name))) {
      return *error;
    }
    std::lock_guard lock(mutex_);
    if (name.empty()) {
      const std::string prefix = stringAt(object, "/metadata/generateName");
      if (prefix.empty()) {
        return common::fieldError("metadata.name", "name or generateName is required");
      }
      name = prefix + std::to_string(++generated_names_);
    }
    const std::string path = op::resourcePath(resource, namespace_name, name);
    if (objects_.contains(path)) {
      return common::makeError(common::ErrorCode::kAlreadyExists,
                               resource.qualifiedName() + " \"" + name + "\" already exists");
    }
    op::json stored_object = object;
    op::json& metadata = stored_object["metadata"];
    metadata["name"] = name;
    if (resource.namespaced) metadata["namespace"] = std::string(namespace_name);
    metadata["resourceVersion"] = nextResourceVersion();
    metadata["uid"] = nextUid();
    metadata["creationTimestamp"] = creationTimestamp();
    metadata.erase("generateName");
    if (!stored_object.contains("apiVersion")) stored_object["apiVersion"] = resource.apiVersion();
    objects_[path] = Entry{resource, std::string(namespace_name), stored_object};
    return stored_object;
  }

  common::Result<op::json> update(const op::Resource& resource, std::string_view namespace_name,
                                  const op::json& object,
                                  std::string_view subresource = {}) override {
    const std::string name = stringAt(object, "/metadata/name");
    if (auto error =
            begin(Verb::kUpdate, op::resourcePath(resource, namespace_name, name, subresource))) {
      return *error;
    }
    std::lock_guard lock(mutex_);
    auto it = objects_.find(op::resourcePath(resource, namespace_name, name));
    if (name.empty() || it == objects_.end()) return notFound(resource, name);
    op::json& current = it->second.object;
    const std::string expected = stringAt(object, "/metadata/resourceVersion");
    if (!expected.empty() && expected != currentVersion(current)) return conflict(resource, name);

    op::json replacement = object;
    if (subresource == "status") {
      replacement = current;
      if (object.contains("status")) {
        replacement["status"] = object["status"];
      } else {
        replacement.erase("status");
      }
    }
    // Fields only the server sets survive a client's PUT.
    for (const char* key : {"uid", "creationTimestamp", "namespace"}) {
      if (current["metadata"].contains(key))
        replacement["metadata"][key] = current["metadata"][key];
    }
    replacement["metadata"]["resourceVersion"] = nextResourceVersion();
    current = std::move(replacement);
    return current;
  }

  common::Result<op::json> patch(const op::Resource& resource, std::string_view namespace_name,
                                 std::string_view name, op::PatchType /*type*/,
                                 const op::json& patch,
                                 const op::PatchOptions& options = {}) override {
    if (auto error = begin(Verb::kPatch,
                           op::resourcePath(resource, namespace_name, name, options.subresource))) {
      return *error;
    }
    std::lock_guard lock(mutex_);
    auto it = objects_.find(op::resourcePath(resource, namespace_name, name));
    if (it == objects_.end()) return notFound(resource, name);
    op::json& current = it->second.object;
    const std::string expected = stringAt(patch, "/metadata/resourceVersion");
    if (!expected.empty() && expected != currentVersion(current)) return conflict(resource, name);

    op::json patched = current;
    patched.merge_patch(patch);
    // Identity fields cannot be patched away.
    for (const char* key : {"name", "namespace", "uid", "creationTimestamp"}) {
      if (current["metadata"].contains(key)) patched["metadata"][key] = current["metadata"][key];
    }
    patched["metadata"]["resourceVersion"] = nextResourceVersion();
    current = std::move(patched);
    return current;
  }

  common::Status remove(const op::Resource& resource, std::string_view namespace_name,
                        std::string_view name, const op::DeleteOptions& options = {}) override {
    const std::string path = op::resourcePath(resource, namespace_name, name);
    if (auto error = begin(Verb::kRemove, path)) return *error;
    std::lock_guard lock(mutex_);
    auto it = objects_.find(path);
    if (it == objects_.end()) return notFound(resource, name);
    if (!options.precondition_resource_version.empty() &&
        options.precondition_resource_version != currentVersion(it->second.object)) {
      return conflict(resource, name);
    }
    objects_.erase(it);
    ++resource_version_;
    return {};
  }

  common::Status watch(const op::Resource& resource, std::string_view namespace_name,
                       const op::WatchOptions& /*options*/,
                       const std::function<bool(const op::WatchEvent&)>& /*on_event*/,
                       op::WatchCancel& /*cancel*/) override {
    if (auto error = begin(Verb::kWatch, op::resourcePath(resource, namespace_name))) {
      return *error;
    }
    return common::makeError(common::ErrorCode::kInternal, "watch is not supported by the fake");
  }

 private:
  struct Entry {
    op::Resource resource;
    std::string namespace_name;
    op::json object;
  };

  // One `key=value`, `key==value`, `key!=value` or bare `key` (exists) requirement.
  struct Requirement {
    std::string key;
    std::optional<std::string> value;
    bool negated = false;
  };

  // Logs the call, runs the before-call hook, then pops a scripted failure if one is queued.
  std::optional<common::Error> begin(Verb verb, std::string path) {
    Call call{verb, std::move(path)};
    std::function<void(const Call&)> hook;
    {
      std::lock_guard lock(mutex_);
      calls_.push_back(call);
      hook = before_call_;
    }
    if (hook) hook(call);
    std::lock_guard lock(mutex_);
    auto it = failures_.find(verb);
    if (it == failures_.end() || it->second.empty()) return std::nullopt;
    common::Error error = std::move(it->second.front());
    it->second.pop_front();
    return error;
  }

  static bool inScope(const Entry& entry, const op::Resource& resource,
                      std::string_view namespace_name) {
    if (!(entry.resource == resource)) return false;
    return !resource.namespaced || namespace_name.empty() || entry.namespace_name == namespace_name;
  }

  static common::Result<std::vector<Requirement>> parseSelector(std::string_view selector,
                                                                const char* field) {
    std::vector<Requirement> requirements;
    while (!selector.empty()) {
      const std::size_t comma = selector.find(',');
      std::string_view term = selector.substr(0, comma);
      selector = comma == std::string_view::npos ? std::string_view() : selector.substr(comma + 1);
      if (term.empty()) continue;
      if (term.find(' ') != std::string_view::npos) {
        return common::fieldError(field, "the fake supports only =, == and != selectors");
      }
      Requirement requirement;
      std::size_t operator_at = term.find("!=");
      std::size_t value_at = operator_at + 2;
      if (operator_at != std::string_view::npos) {
        requirement.negated = true;
      } else if ((operator_at = term.find("==")) != std::string_view::npos) {
        value_at = operator_at + 2;
      } else if ((operator_at = term.find('=')) != std::string_view::npos) {
        value_at = operator_at + 1;
      }
      requirement.key = std::string(term.substr(0, operator_at));
      if (operator_at != std::string_view::npos) {
        requirement.value = std::string(term.substr(value_at));
      }
      requirements.push_back(std::move(requirement));
    }
    return requirements;
  }

  static bool matches(const std::optional<std::string>& actual, const Requirement& requirement) {
    if (!requirement.value) return actual.has_value();
    const bool equal = actual.has_value() && *actual == *requirement.value;
    return requirement.negated ? !equal : equal;
  }

  static bool matchesLabels(const op::json& object, const std::vector<Requirement>& selector) {
    const op::json::json_pointer labels_path("/metadata/labels");
    const op::json labels = object.contains(labels_path) ? object.at(labels_path) : op::json();
    for (const Requirement& requirement : selector) {
      std::optional<std::string> actual;
      if (labels.is_object() && labels.contains(requirement.key) &&
          labels[requirement.key].is_string()) {
        actual = labels[requirement.key].get<std::string>();
      }
      if (!matches(actual, requirement)) return false;
    }
    return true;
  }

  // Field selectors name a dotted path: metadata.name, spec.nodeName, status.phase.
  static bool matchesFields(const op::json& object, const std::vector<Requirement>& selector) {
    for (const Requirement& requirement : selector) {
      std::string pointer = "/" + requirement.key;
      for (char& c : pointer) c = c == '.' ? '/' : c;
      std::optional<std::string> actual;
      const op::json::json_pointer path(pointer);
      if (object.contains(path) && object.at(path).is_string()) {
        actual = object.at(path).get<std::string>();
      }
      if (!matches(actual, requirement)) return false;
    }
    return true;
  }

  // The string at a JSON pointer, or "" when it is absent or not a string.
  static std::string stringAt(const op::json& object, const std::string& pointer) {
    const op::json::json_pointer path(pointer);
    if (!object.contains(path)) return {};
    const op::json& value = object.at(path);
    return value.is_string() ? value.get<std::string>() : std::string();
  }

  static std::string currentVersion(const op::json& object) {
    return stringAt(object, "/metadata/resourceVersion");
  }

  static common::Error notFound(const op::Resource& resource, std::string_view name) {
    return common::makeError(common::ErrorCode::kNotFound,
                             resource.qualifiedName() + " \"" + std::string(name) + "\" not found");
  }

  static common::Error conflict(const op::Resource& resource, std::string_view name) {
    return common::makeError(common::ErrorCode::kConflict,
                             "Operation cannot be fulfilled on " + resource.qualifiedName() +
                                 " \"" + std::string(name) +
                                 "\": the object has been modified; please apply your changes "
                                 "to the latest version and try again");
  }

  // Callers hold mutex_.
  std::string nextResourceVersion() { return std::to_string(++resource_version_); }
  std::string nextUid() {
    char uid[40];
    std::snprintf(uid, sizeof(uid), "00000000-0000-0000-0000-%012llx",
                  static_cast<unsigned long long>(++uids_));
    return uid;
  }
  std::string creationTimestamp() const {
    if (clock_ == nullptr) return "2026-01-01T00:00:00Z";
    const auto seconds = std::chrono::floor<std::chrono::seconds>(clock_->wallNow());
    const auto days = std::chrono::floor<std::chrono::days>(seconds);
    const std::chrono::year_month_day date{days};
    const std::chrono::hh_mm_ss time{seconds - days};
    char text[32];
    std::snprintf(text, sizeof(text), "%04d-%02u-%02uT%02d:%02d:%02dZ", int(date.year()),
                  unsigned(date.month()), unsigned(date.day()), int(time.hours().count()),
                  int(time.minutes().count()), int(time.seconds().count()));
    return text;
  }

  const common::Clock* clock_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> objects_;
  std::uint64_t resource_version_ = 0;
  std::uint64_t uids_ = 0;
  std::uint64_t generated_names_ = 0;
  std::map<Verb, std::deque<common::Error>> failures_;
  std::function<void(const Call&)> before_call_;
  std::vector<Call> calls_;
};

}  // namespace aftershock::testing
