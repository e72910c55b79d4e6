// KubeClient: the seam between the operator and the Kubernetes API. The real implementation
// (RestKubeClient) speaks HTTPS to an API server; unit tests use an in-memory fake.
//
// Objects are plain JSON (nlohmann::json) for any group/version/resource. Every failure is a
// value: the API's Status reason maps to an ErrorCode (NotFound, AlreadyExists, Conflict,
// Forbidden, Invalid with the first failing field in Error::field, Gone, TooManyRequests,
// Unauthorized), network and 5xx failures to Unavailable/Timeout/Transient.
//
// Thread-safety: every method may be called from any thread concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "operator/kube/resource.h"

namespace aftershock::op {

using nlohmann::json;

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  std::int64_t limit = 0;      // page size; 0 = the server's default (everything)
  std::string continue_token;  // from the previous page
  std::string resource_version;
};

struct ObjectList {
  json items = json::array();
  std::string resource_version;  // of the collection, for a watch that follows the list
  std::string continue_token;    // non-empty when more pages follow
};

enum class PatchType {
  kMerge,      // application/merge-patch+json (RFC 7386)
  kStrategic,  // application/strategic-merge-patch+json (built-in types only)
  kApply,      // application/apply-patch+yaml: server-side apply
};

struct PatchOptions {
  std::string subresource;  // "", "status", "scale"
  std::string field_manager = "aftershock";
  bool force = false;  // server-side apply: take ownership of conflicting fields
};

struct DeleteOptions {
  std::optional<std::int64_t> grace_period_seconds;
  std::string propagation_policy;  // "", "Foreground", "Background", "Orphan"
  std::string precondition_resource_version;
};

struct WatchOptions {
  std::string resource_version;  // start after this version ("" = most recent)
  std::string label_selector;
  std::string field_selector;
  int timeout_seconds = 300;  // the server ends the watch after this; the caller re-watches
  bool allow_bookmarks = true;
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  json object;  // for a bookmark, only metadata.resourceVersion is meaningful
};

std::string_view watchEventTypeName(WatchEventType type);

// Lets another thread end a blocking watch. cancel() is idempotent and thread-safe; a watch
// that sees it returns promptly with an OK status.
class WatchCancel {
 public:
  void cancel();
  bool cancelled() const { return cancelled_.load(); }
  // The transport registers how to interrupt its blocked read; replaced per connection.
  void setInterrupt(std::function<void()> interrupt);

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::function<void()> interrupt_;
};

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  virtual common::Result<json> get(const Resource& resource, std::string_view namespace_name,
                                   std::string_view name, std::string_view subresource = {}) = 0;
  // One page, or every page when options.limit is 0 and the server does not paginate.
  virtual common::Result<ObjectList> list(const Resource& resource, std::string_view namespace_name,
                                          const ListOptions& options = {}) = 0;
  virtual common::Result<json> create(const Resource& resource, std::string_view namespace_name,
                                      const json& object) = 0;
  // PUT of the whole object (or of a subresource); metadata.resourceVersion, when set, makes it
  // conditional: a stale one comes back as kConflict.
  virtual common::Result<json> update(const Resource& resource, std::string_view namespace_name,
                                      const json& object, std::string_view subresource = {}) = 0;
  virtual common::Result<json> patch(const Resource& resource, std::string_view namespace_name,
                                     std::string_view name, PatchType type, const json& patch,
                                     const PatchOptions& options = {}) = 0;
  virtual common::Status remove(const Resource& resource, std::string_view namespace_name,
                                std::string_view name, const DeleteOptions& options = {}) = 0;

  // Streams events to `on_event` until the server ends the watch (OK), `cancel` is triggered
  // (OK), `on_event` returns false (OK), or a failure (an error: kGone when the resource
  // version is too old, kUnavailable when the connection broke). Blocks the calling thread.
  virtual common::Status watch(const Resource& resource, std::string_view namespace_name,
                               const WatchOptions& options,
                               const std::function<bool(const WatchEvent&)>& on_event,
                               WatchCancel& cancel) = 0;
};

}  // namespace aftershock::op
