// Informer: a local cache of one resource kept current by list + watch, as client-go's
// reflector and informer do it.
//
// - Lists (in pages) and watches from the list's resourceVersion, with bookmarks, so the cache
//   never misses an event and a re-watch resumes where the last one ended.
// - The server ends each watch after `watch_timeout_seconds`; the informer re-watches from the
//   last resourceVersion it saw. A broken connection re-watches after a jittered, capped
//   backoff. 410 Gone (the version was compacted away) relists and hands the handlers the
//   difference against the cache, including deletions that happened while disconnected.
// - Handlers run on the informer's own thread, in event order; each informer has its own
//   connection, so a slow resource never blocks another.
//
// Thread-safety: get/list/size/hasSynced may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "operator/kube/backoff.h"
#include "operator/kube/kube_client.h"

namespace aftershock::op {

struct InformerHandlers {
  std::function<void(const json& object)> on_add;
  std::function<void(const json& old_object, const json& new_object)> on_update;
  // For a deletion seen only by a relist, the last state the cache had.
  std::function<void(const json& object)> on_delete;
};

struct InformerOptions {
  Resource resource;
  std::string namespace_name;  // "" = every namespace
  std::string label_selector;
  std::string field_selector;
  std::int64_t page_size = 500;
  int watch_timeout_seconds = 300;
  BackoffPolicy reconnect{std::chrono::milliseconds(100), std::chrono::seconds(30)};
  // Applied to every object before it is cached and handed to the handlers (client-go's
  // TransformFunc): drop what the cache does not need to keep its memory small.
  std::function<void(json& object)> transform;
};

// A transform that drops metadata.managedFields, which is often most of a small object and
// is never read by a controller.
void stripManagedFields(json& object);

// "namespace/name", or "name" for cluster-scoped objects: the cache and work-queue key.
std::string objectKey(const json& object);

class Informer {
 public:
  Informer(KubeClient& client, InformerOptions options, InformerHandlers handlers,
           common::Random& random);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Starts the list/watch thread. Call once.
  void start();
  // Ends the watch and joins the thread; handlers are not called after stop() returns.
  void stop();

  // True once the first list has been applied.
  bool hasSynced() const { return synced_.load(); }
  // Blocks until synced or `timeout` passes (real time); true when synced.
  bool waitForSync(std::chrono::milliseconds timeout) const;

  std::optional<json> get(const std::string& key) const;
  std::vector<json> list() const;
  std::size_t size() const;
  std::string resourceVersion() const;

  // Counters for tests and metrics.
  int relists() const { return relists_.load(); }
  int watchesStarted() const { return watches_.load(); }

 private:
  void run();
  common::Status listAndReplace();
  // Counts the events (bookmarks included) it delivered in `events`.
  common::Status watchOnce(std::int64_t& events);
  void apply(const WatchEvent& event);
  void pause(common::Duration delay);

  KubeClient& client_;
  const InformerOptions options_;
  const InformerHandlers handlers_;
  common::Random& random_;

  mutable std::shared_mutex cache_mutex_;
  std::map<std::string, json> cache_;
  std::string resource_version_;

  std::atomic<bool> synced_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> relists_{0};
  std::atomic<int> watches_{0};
  WatchCancel cancel_;
  mutable std::mutex wait_mutex_;
  mutable std::condition_variable wait_cv_;
  std::thread thread_;
};

}  // namespace aftershock::op
