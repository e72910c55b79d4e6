#include "operator/kube/informer.h"

#include "common/logging.h"
#include "operator/kube/object_fields.h"

namespace aftershock::op {
namespace {

// client-go's reflector counts a watch shorter than this with no events as a failure.
constexpr auto kShortestNormalWatch = std::chrono::seconds(1);

common::Logger& log() {
  static common::Logger logger("informer");
  return logger;
}

}  // namespace

std::string objectKey(const json& object) {
  const std::string namespace_name = metadataString(object, "namespace");
  const std::string name = metadataString(object, "name");
  return namespace_name.empty() ? name : namespace_name + "/" + name;
}

void stripManagedFields(json& object) {
  auto metadata = object.find("metadata");
  if (metadata != object.end() && metadata->is_object()) metadata->erase("managedFields");
}

Informer::Informer(KubeClient& client, InformerOptions options, InformerHandlers handlers,
                   common::Random& random)
    : client_(client),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      random_(random) {}

Informer::~Informer() { stop(); }

void Informer::start() {
  thread_ = std::thread([this] { run(); });
}

void Informer::stop() {
  {
    std::lock_guard lock(wait_mutex_);
    stopping_.store(true);
  }
  wait_cv_.notify_all();
  cancel_.cancel();
  if (thread_.joinable()) thread_.join();
}

bool Informer::waitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(wait_mutex_);
  return wait_cv_.wait_for(lock, timeout, [this] { return synced_.load() || stopping_.load(); }) &&
         synced_.load();
}

std::optional<json> Informer::get(const std::string& key) const {
  std::shared_lock lock(cache_mutex_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return std::nullopt;
  return it->second;
}

std::vector<json> Informer::list() const {
  std::shared_lock lock(cache_mutex_);
  std::vector<json> objects;
  objects.reserve(cache_.size());
  for (const auto& [key, object] : cache_) objects.push_back(object);
  return objects;
}

std::size_t Informer::size() const {
  std::shared_lock lock(cache_mutex_);
  return cache_.size();
}

std::string Informer::resourceVersion() const {
  std::shared_lock lock(cache_mutex_);
  return resource_version_;
}

void Informer::pause(common::Duration delay) {
  std::unique_lock lock(wait_mutex_);
  wait_cv_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

void Informer::run() {
  bool need_list = true;
  int failures = 0;
  while (!stopping_.load()) {
    if (need_list) {
      auto listed = listAndReplace();
      if (!listed.ok()) {
        if (stopping_.load()) break;
        ++failures;
        log().warn("list failed", {{"resource", options_.resource.qualifiedName()},
                                   {"error", listed.error().message}});
        pause(reconnectDelay(options_.reconnect, failures, random_));
        continue;
      }
      need_list = false;
      failures = 0;
    }
    const auto began = std::chrono::steady_clock::now();
    std::int64_t events = 0;
    auto watched = watchOnce(events);
    if (stopping_.load()) break;
    if (watched.ok() && events == 0 &&
        std::chrono::steady_clock::now() - began < kShortestNormalWatch) {
      // Ended at once with nothing in it: a broken proxy, not the server's timeout. Re-watching
      // at once would spin (and spend the client's rate limit), so back off as for an error.
      ++failures;
      log().warn("watch ended at once without events",
                 {{"resource", options_.resource.qualifiedName()}});
      pause(reconnectDelay(options_.reconnect, failures, random_));
      continue;
    }
    if (watched.ok()) {  // the server's timeout: resume from the last version seen
      failures = 0;
      continue;
    }
    if (watched.error().code == common::ErrorCode::kGone) {
      log().info("watch expired, relisting", {{"resource", options_.resource.qualifiedName()}});
      need_list = true;
      continue;
    }
    ++failures;
    log().warn("watch failed", {{"resource", options_.resource.qualifiedName()},
                                {"error", watched.error().message}});
    pause(reconnectDelay(options_.reconnect, failures, random_));
  }
}

common::Status Informer::listAndReplace() {
  std::map<std::string, json> fresh;
  ListOptions list_options{
      options_.label_selector, options_.field_selector, options_.page_size, {}, {}};
  std::string version;
  do {
    auto page = client_.list(options_.resource, options_.namespace_name, list_options);
    if (!page.ok()) return page.error();
    for (auto& object : page->items) {
      if (options_.transform) options_.transform(object);
      std::string key = objectKey(object);
      fresh.emplace(std::move(key), std::move(object));
    }
    version = page->resource_version;
    list_options.continue_token = page->continue_token;
  } while (!list_options.continue_token.empty() && !stopping_.load());
  relists_.fetch_add(1);

  // Swap the cache first, then tell the handlers the difference, so a handler that reads the
  // cache sees the state it is told about. Only this thread writes the cache, so reading it
  // here without the lock is safe, and the new state is never copied.
  std::map<std::string, json> previous;
  {
    std::unique_lock lock(cache_mutex_);
    previous = std::move(cache_);
    cache_ = std::move(fresh);
    resource_version_ = version;
  }
  for (const auto& [key, object] : cache_) {
    auto old = previous.find(key);
    if (old == previous.end()) {
      if (handlers_.on_add) handlers_.on_add(object);
    } else if (metadataString(old->second, "resourceVersion") !=
               metadataString(object, "resourceVersion")) {
      if (handlers_.on_update) handlers_.on_update(old->second, object);
    }
  }
  for (const auto& [key, object] : previous) {
    if (!cache_.contains(key) && handlers_.on_delete) handlers_.on_delete(object);
  }
  {
    std::lock_guard lock(wait_mutex_);
    synced_.store(true);
  }
  wait_cv_.notify_all();
  return {};
}

common::Status Informer::watchOnce(std::int64_t& events) {
  WatchOptions watch_options{resourceVersion(), options_.label_selector, options_.field_selector,
                             options_.watch_timeout_seconds, true};
  watches_.fetch_add(1);
  return client_.watch(
      options_.resource, options_.namespace_name, watch_options,
      [this, &events](const WatchEvent& event) {
        ++events;
        apply(event);
        return !stopping_.load();
      },
      cancel_);
}

void Informer::apply(const WatchEvent& event) {
  const std::string version = metadataString(event.object, "resourceVersion");
  if (event.type == WatchEventType::kBookmark) {
    std::unique_lock lock(cache_mutex_);
    if (!version.empty()) resource_version_ = version;
    return;
  }
  json object = event.object;
  if (options_.transform) options_.transform(object);
  const std::string key = objectKey(object);
  // The old state moves out of the cache: no copy. Only this thread writes the cache, so the
  // handlers below may read the new entry by reference without the lock.
  std::optional<json> old;
  const json* current = nullptr;
  {
    std::unique_lock lock(cache_mutex_);
    if (!version.empty()) resource_version_ = version;
    auto it = cache_.find(key);
    if (it != cache_.end()) old = std::move(it->second);
    if (event.type == WatchEventType::kDeleted) {
      if (it != cache_.end()) cache_.erase(it);
    } else if (it != cache_.end()) {
      it->second = std::move(object);
      current = &it->second;
    } else {
      current = &cache_.emplace(key, std::move(object)).first->second;
    }
  }
  if (event.type == WatchEventType::kDeleted) {
    if (handlers_.on_delete) handlers_.on_delete(object);  // not moved on this path
  } else if (old) {
    if (handlers_.on_update) handlers_.on_update(*old, *current);
  } else if (handlers_.on_add) {
    handlers_.on_add(*current);
  }
}

}  // namespace aftershock::op
