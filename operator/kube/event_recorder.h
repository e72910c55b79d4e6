// EventRecorder: writes core/v1 Events about the objects the operator acts on, so
// `kubectl describe` shows what happened and why.
//
// Like client-go's event correlator, a repeat of the same event (same involved object, type,
// reason and message) within kAggregationWindow of its previous occurrence updates the
// existing Event's count and lastTimestamp with a merge patch instead of creating another.
// The correlation cache is LRU-bounded. Events are best effort: every failure is logged and
// returned as a Status, never thrown.
//
// Thread-safety: record() may be called from any thread; calls are serialized, each holding
// the recorder's lock across its API call (one create or patch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/logging.h"
#include "common/result.h"
#include "operator/kube/kube_client.h"

namespace aftershock::op {

enum class EventType { kNormal, kWarning };

// "Normal", "Warning": the Event's type field.
std::string_view eventTypeName(EventType type);

class EventRecorder {
 public:
  static constexpr std::size_t kDefaultCacheSize = 4096;
  static constexpr common::Duration kAggregationWindow = std::chrono::minutes(10);

  // `client` and `clock` must outlive the recorder. `component` fills source.component and
  // reportingComponent. `cache_size` (at least 1) bounds the correlation cache.
  EventRecorder(KubeClient& client, common::Clock& clock,
                std::string component = "aftershock-operator",
                std::size_t cache_size = kDefaultCacheSize);

  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Records an event about `involved_object` (a whole object: apiVersion, kind and metadata
  // with name, and namespace/uid/resourceVersion when it has them) in the object's namespace,
  // or in "default" for a cluster-scoped object. kInvalid when the object has no name; the
  // API's error when the create or patch failed.
  common::Status record(const json& involved_object, EventType type, std::string_view reason,
                        std::string_view message);

 private:
  struct Occurrence {
    std::string namespace_name;
    std::string event_name;
    std::int64_t count = 0;
    common::SteadyTime last_seen{};
    std::list<std::string>::iterator recency;  // position in recency_
  };

  common::Status recordLocked(const json& involved_object, EventType type, std::string_view reason,
                              std::string_view message);
  common::Status createEvent(const std::string& key, const json& involved_object,
                             const std::string& namespace_name, EventType type,
                             std::string_view reason, std::string_view message);
  // A name suffix unique within this recorder: the wall time in hex nanoseconds, as
  // client-go, bumped past the previous suffix when the clock has not moved.
  std::string nextSuffix();
  void remember(const std::string& key, Occurrence occurrence);
  void forget(const std::string& key);

  KubeClient& client_;
  common::Clock& clock_;
  const std::string component_;
  const std::size_t cache_size_;
  common::Logger logger_{"event-recorder"};

  std::mutex mutex_;
  std::unordered_map<std::string, Occurrence> occurrences_;
  std::list<std::string> recency_;  // keys, most recently used first
  std::uint64_t last_suffix_ = 0;
};

}  // namespace aftershock::op
