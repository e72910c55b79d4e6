#include "operator/kube/event_recorder.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <exception>
#include <utility>

#include "operator/kube/kube_time.h"
#include "operator/kube/resource.h"

namespace aftershock::op {
namespace {

// An object name is a DNS subdomain: at most 253 characters, the Event's name included.
constexpr std::size_t kMaxNameLength = 253;

std::string stringAt(const json& object, const char* pointer) {
  const json::json_pointer path(pointer);
  if (!object.contains(path)) return {};
  const json& value = object.at(path);
  return value.is_string() ? value.get<std::string>() : std::string();
}

// The ObjectReference of `object`, without the fields it does not have.
json objectReference(const json& object) {
  json reference = json::object();
  const std::pair<const char*, const char*> fields[] = {
      {"apiVersion", "/apiVersion"}, {"kind", "/kind"},
      {"name", "/metadata/name"},    {"namespace", "/metadata/namespace"},
      {"uid", "/metadata/uid"},      {"resourceVersion", "/metadata/resourceVersion"},
  };
  for (const auto& [key, pointer] : fields) {
    std::string value = stringAt(object, pointer);
    if (!value.empty()) reference[key] = std::move(value);
  }
  return reference;
}

// Identifies "the same event": the object (by uid when it has one), type, reason, message.
std::string correlationKey(const json& reference, EventType type, std::string_view reason,
                           std::string_view message) {
  std::string key = reference.value("uid", "");
  if (key.empty()) {
    key = reference.value("kind", "") + "/" + reference.value("namespace", "") + "/" +
          reference.value("name", "");
  }
  key += '\n';
  key += eventTypeName(type);
  key += '\n';
  key += reason;
  key += '\n';
  key += message;
  return key;
}

}  // namespace

std::string_view eventTypeName(EventType type) {
  switch (type) {
    case EventType::kNormal:
      return "Normal";
    case EventType::kWarning:
      return "Warning";
  }
  return "Normal";
}

EventRecorder::EventRecorder(KubeClient& client, common::Clock& clock, std::string component,
                             std::size_t cache_size)
    : client_(client), clock_(clock), component_(std::move(component)), cache_size_(cache_size) {
  assert(cache_size_ >= 1);
}

common::Status EventRecorder::record(const json& involved_object, EventType type,
                                     std::string_view reason, std::string_view message) {
  std::lock_guard lock(mutex_);
  try {
    return recordLocked(involved_object, type, reason, message);
  } catch (const std::exception& error) {
    // Only a JSON library surprise can land here; an event is never worth a crash.
    logger_.error("record event failed", {{"reason", reason}, {"error", error.what()}});
    return common::makeError(common::ErrorCode::kInternal,
                             std::string("record event: ") + error.what());
  }
}

common::Status EventRecorder::recordLocked(const json& involved_object, EventType type,
                                           std::string_view reason, std::string_view message) {
  const json reference = objectReference(involved_object);
  if (!reference.contains("name")) {
    logger_.warn("record event failed",
                 {{"reason", reason}, {"error", "the involved object has no name"}});
    return common::fieldError("metadata.name", "the involved object has no name");
  }
  const std::string namespace_name = reference.value("namespace", "default");
  const std::string key = correlationKey(reference, type, reason, message);

  auto seen = occurrences_.find(key);
  if (seen != occurrences_.end() && clock_.now() - seen->second.last_seen >= kAggregationWindow) {
    forget(key);
    seen = occurrences_.end();
  }
  if (seen == occurrences_.end()) {
    return createEvent(key, reference, namespace_name, type, reason, message);
  }

  Occurrence& occurrence = seen->second;
  const json patch = {{"count", occurrence.count + 1},
                      {"lastTimestamp", formatTime(clock_.wallNow())}};
  auto patched = client_.patch(resources::events(), occurrence.namespace_name,
                               occurrence.event_name, PatchType::kMerge, patch);
  if (!patched.ok()) {
    // The Event may have aged out of the API server (its TTL is short); start a new one.
    if (patched.error().code == common::ErrorCode::kNotFound) {
      forget(key);
      return createEvent(key, reference, namespace_name, type, reason, message);
    }
    logger_.warn(
        "update event failed",
        {{"event", occurrence.event_name}, {"reason", reason}, {"error", patched.error().message}});
    return patched.error();
  }
  occurrence.count += 1;
  occurrence.last_seen = clock_.now();
  recency_.splice(recency_.begin(), recency_, occurrence.recency);
  return {};
}

common::Status EventRecorder::createEvent(const std::string& key, const json& reference,
                                          const std::string& namespace_name, EventType type,
                                          std::string_view reason, std::string_view message) {
  const std::string suffix = nextSuffix();
  std::string object_name = reference.value("name", "");
  object_name.resize(std::min(object_name.size(), kMaxNameLength - 1 - suffix.size()));
  const std::string timestamp = formatTime(clock_.wallNow());
  const json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", object_name + "." + suffix}, {"namespace", namespace_name}}},
      {"involvedObject", reference},
      {"reason", reason},
      {"message", message},
      {"type", eventTypeName(type)},
      {"source", {{"component", component_}}},
      {"firstTimestamp", timestamp},
      {"lastTimestamp", timestamp},
      {"count", 1},
      {"reportingComponent", component_},
  };
  auto created = client_.create(resources::events(), namespace_name, event);
  if (!created.ok()) {
    logger_.warn("create event failed", {{"object", reference.value("name", "")},
                                         {"reason", reason},
                                         {"error", created.error().message}});
    return created.error();
  }
  remember(key,
           Occurrence{namespace_name, stringAt(*created, "/metadata/name"), 1, clock_.now(), {}});
  return {};
}

std::string EventRecorder::nextSuffix() {
  const auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.wallNow().time_since_epoch())
          .count();
  last_suffix_ =
      std::max(static_cast<std::uint64_t>(std::max<std::int64_t>(nanos, 0)), last_suffix_ + 1);
  char text[24];
  std::snprintf(text, sizeof(text), "%llx", static_cast<unsigned long long>(last_suffix_));
  return text;
}

void EventRecorder::remember(const std::string& key, Occurrence occurrence) {
  forget(key);
  recency_.push_front(key);
  occurrence.recency = recency_.begin();
  occurrences_.emplace(key, std::move(occurrence));
  while (occurrences_.size() > cache_size_) {
    occurrences_.erase(recency_.back());
    recency_.pop_back();
  }
}

void EventRecorder::forget(const std::string& key) {
  auto it = occurrences_.find(key);
  if (it == occurrences_.end()) return;
  recency_.erase(it->second.recency);
  occurrences_.erase(it);
}

}  // namespace aftershock::op
