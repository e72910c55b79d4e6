// Watches and informers against a real kube-apiserver: event order, bookmarks, resuming after
// a dropped connection without losing events, and relisting after a 410 (etcd compaction).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "common/beast_http_client.h"
#include "common/random.h"
#include "operator/kube/informer.h"
#include "tests/integration/kube/kube_test_fixture.h"
#include "tests/support/service_process.h"
#include "tests/support/tcp_proxy.h"

namespace aftershock::op {
namespace {

using testing::eventually;

// What an informer's handlers saw, in order: "add:name", "update:name", "delete:name".
class Recorder {
 public:
  InformerHandlers handlers() {
    return {[this](const json& object) { note("add", object); },
            [this](const json&, const json& object) { note("update", object); },
            [this](const json& object) { note("delete", object); }};
  }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  bool saw(const std::string& entry) const {
    auto all = seen();
    return std::find(all.begin(), all.end(), entry) != all.end();
  }

 private:
  void note(const std::string& what, const json& object) {
    std::lock_guard lock(mutex_);
    seen_.push_back(what + ":" + object["metadata"]["name"].get<std::string>());
  }
  mutable std::mutex mutex_;
  std::vector<std::string> seen_;
};

class WatchTest : public KubeIntegrationTest {
 protected:
  InformerOptions informerOptions(const Resource& resource) const {
    InformerOptions options;
    options.resource = resource;
    options.namespace_name = namespace_;
    return options;
  }
  common::SystemRandom random_;
};

TEST_F(WatchTest, DeliversAddedModifiedDeletedInOrder) {
  auto listed = client_->list(resources::configMaps(), namespace_);
  ASSERT_TRUE(listed.ok());
  std::vector<std::string> types;
  std::mutex mutex;
  WatchCancel cancel;
  WatchOptions options;
  options.resource_version = listed->resource_version;
  std::thread watcher([&] {
    auto status = client_->watch(
        resources::configMaps(), namespace_, options,
        [&](const WatchEvent& event) {
          if (event.type == WatchEventType::kBookmark) return true;
          if (event.object["metadata"]["name"] != "ordered") return true;
          std::lock_guard lock(mutex);
          types.emplace_back(watchEventTypeName(event.type));
          return event.type != WatchEventType::kDeleted;
        },
        cancel);
    EXPECT_TRUE(status.ok()) << status.error().message;
  });
  auto created = client_->create(resources::configMaps(), namespace_, configMap("ordered"));
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(client_
                  ->patch(resources::configMaps(), namespace_, "ordered", PatchType::kMerge,
                          {{"data", {{"step", "2"}}}})
                  .ok());
  ASSERT_TRUE(client_->remove(resources::configMaps(), namespace_, "ordered").ok());
  const bool all_three = eventually([&] {
    std::lock_guard lock(mutex);
    return types.size() == 3;
  });
  cancel.cancel();
  watcher.join();
  ASSERT_TRUE(all_three);
  EXPECT_EQ(types, (std::vector<std::string>{"ADDED", "MODIFIED", "DELETED"}));
}

// The watch cache bookmarks about 2 s before a watch's deadline, with the newest version it has
// processed for the resource, but only when that version is newer than the one the watch
// started at. So the test writes once the watch is running (as a busy cluster always does).
TEST_F(WatchTest, ServerSendsBookmarksBeforeItEndsAWatch) {
  auto listed = client_->list(resources::configMaps(), namespace_);
  ASSERT_TRUE(listed.ok());
  ASSERT_TRUE(client_->create(resources::configMaps(), namespace_, configMap("marker")).ok());
  WatchOptions options;
  options.resource_version = listed->resource_version;
  options.timeout_seconds = 5;
  std::vector<std::string> seen;
  std::string bookmark_version, later_version;
  WatchCancel cancel;
  auto status = client_->watch(
      resources::configMaps(), namespace_, options,
      [&](const WatchEvent& event) {
        if (event.type == WatchEventType::kBookmark) {
          seen.emplace_back("BOOKMARK");
          bookmark_version = event.object["metadata"]["resourceVersion"];
          return false;
        }
        // The namespace's kube-root-ca.crt may arrive too; only ours matter here.
        const std::string name = event.object["metadata"]["name"];
        if (name != "marker" && name != "later") return true;
        seen.emplace_back("ADDED " + name);
        if (name == "marker") {
          auto later = client_->create(resources::configMaps(), namespace_, configMap("later"));
          EXPECT_TRUE(later.ok());
          if (later.ok()) later_version = (*later)["metadata"]["resourceVersion"];
        }
        return true;
      },
      cancel);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED marker", "ADDED later", "BOOKMARK"}));
  ASSERT_FALSE(bookmark_version.empty());
  ASSERT_FALSE(later_version.empty());
  EXPECT_GE(std::stoll(bookmark_version), std::stoll(later_version));
}

TEST_F(WatchTest, CancelEndsABlockedWatchPromptly) {
  WatchCancel cancel;
  common::Status status;
  std::thread watcher([&] {
    status = client_->watch(
        resources::configMaps(), namespace_, {}, [](const WatchEvent&) { return true; }, cancel);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let it block on the stream
  const auto asked = std::chrono::steady_clock::now();
  cancel.cancel();
  watcher.join();
  EXPECT_TRUE(status.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - asked, std::chrono::seconds(2));
}

TEST_F(WatchTest, InformerResumesAfterTheServerEndsAWatch) {
  Recorder recorder;
  InformerOptions options = informerOptions(resources::configMaps());
  options.watch_timeout_seconds = 2;
  Informer informer(*client_, options, recorder.handlers(), random_);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(10)));
  ASSERT_TRUE(eventually([&] { return informer.watchesStarted() >= 2; }, std::chrono::seconds(15)));
  ASSERT_TRUE(
      client_->create(resources::configMaps(), namespace_, configMap("after-rewatch")).ok());
  EXPECT_TRUE(eventually([&] { return recorder.saw("add:after-rewatch"); }));
  EXPECT_EQ(informer.relists(), 1);  // resumed from its resourceVersion, never relisted
  informer.stop();
}

TEST_F(WatchTest, InformerLosesNoEventAcrossAForcedDisconnect) {
  testing::TcpProxy proxy(apiPort());
  auto proxied_client = clientFor("aftershock", proxied(proxy));
  ASSERT_NE(proxied_client, nullptr);
  Recorder recorder;
  Informer informer(*proxied_client, informerOptions(resources::configMaps()), recorder.handlers(),
                    random_);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(10)));
  ASSERT_TRUE(client_->create(resources::configMaps(), namespace_, configMap("before")).ok());
  ASSERT_TRUE(eventually([&] { return recorder.saw("add:before"); }));

  proxy.setRefusing(true);
  proxy.cutAll();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        client_
            ->create(resources::configMaps(), namespace_, configMap("during-" + std::to_string(i)))
            .ok());
  }
  ASSERT_TRUE(client_->remove(resources::configMaps(), namespace_, "before").ok());
  proxy.setRefusing(false);

  EXPECT_TRUE(eventually([&] { return recorder.saw("delete:before"); }, std::chrono::seconds(30)));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(recorder.saw("add:during-" + std::to_string(i)));
  EXPECT_GE(informer.watchesStarted(), 2);
  EXPECT_EQ(informer.relists(), 1);  // resumed from its version, not relisted
  EXPECT_FALSE(informer.get(namespace_ + "/before").has_value());
  EXPECT_TRUE(informer.get(namespace_ + "/during-4").has_value());
  informer.stop();
}

TEST_F(WatchTest, TransformShapesWhatIsCachedFromListAndWatch) {
  ASSERT_TRUE(
      client_->create(resources::configMaps(), namespace_, configMap("listed", {{"k", "v"}})).ok());
  InformerOptions options = informerOptions(resources::configMaps());
  options.transform = stripManagedFields;
  Recorder recorder;
  Informer informer(*client_, options, recorder.handlers(), random_);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(10)));
  ASSERT_TRUE(
      client_->create(resources::configMaps(), namespace_, configMap("watched", {{"k", "v"}}))
          .ok());
  ASSERT_TRUE(eventually([&] { return recorder.saw("add:watched"); }));

  auto on_server = client_->get(resources::configMaps(), namespace_, "watched");
  ASSERT_TRUE(on_server.ok());
  // The server tracks the fields it was given (data), so there is something to strip.
  ASSERT_TRUE((*on_server)["metadata"].contains("managedFields"));
  for (const std::string name : {"listed", "watched"}) {
    auto cached = informer.get(namespace_ + "/" + name);
    ASSERT_TRUE(cached.has_value()) << name;
    EXPECT_FALSE((*cached)["metadata"].contains("managedFields")) << name;
    EXPECT_EQ((*cached)["metadata"]["name"], name);
  }
  informer.stop();
}

// Both informers share one client (and its connection pool); a handler stuck on one resource
// must not hold up the other resource's events.
TEST_F(WatchTest, AStalledWatchDoesNotDelayAnother) {
  const Resource secrets{"", "v1", "secrets", true};
  std::mutex gate;
  std::unique_lock closed(gate);
  std::atomic<bool> stalled{false};
  InformerHandlers stuck;
  stuck.on_add = [&](const json& object) {
    if (object["metadata"]["name"] != "slow") return;
    stalled = true;
    std::lock_guard wait_here(gate);  // until the test opens the gate
  };
  Informer slow(*client_, informerOptions(resources::configMaps()), stuck, random_);
  Recorder recorder;
  Informer fast(*client_, informerOptions(secrets), recorder.handlers(), random_);
  slow.start();
  fast.start();
  ASSERT_TRUE(slow.waitForSync(std::chrono::seconds(10)));
  ASSERT_TRUE(fast.waitForSync(std::chrono::seconds(10)));

  ASSERT_TRUE(client_->create(resources::configMaps(), namespace_, configMap("slow")).ok());
  ASSERT_TRUE(eventually([&] { return stalled.load(); }));
  const json secret = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "fast"}}}};
  ASSERT_TRUE(client_->create(secrets, namespace_, secret).ok());
  EXPECT_TRUE(eventually([&] { return recorder.saw("add:fast"); }));

  closed.unlock();
  fast.stop();
  slow.stop();
}

// The local cluster serves podtemplates without the API server's watch cache, so a watch from
// a version that etcd has compacted away fails with 410 Gone, as it would on any cluster once
// the version falls out of the watch cache's window.
TEST_F(WatchTest, InformerRelistsAfterCompactionAndReportsWhatChangedMeanwhile) {
  const Resource podtemplates{"", "v1", "podtemplates", true};
  auto podTemplate = [](const std::string& name, const std::string& image) {
    return json{{"apiVersion", "v1"},
                {"kind", "PodTemplate"},
                {"metadata", {{"name", name}}},
                {"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", image}}}}}}}}};
  };
  ASSERT_TRUE(client_->create(podtemplates, namespace_, podTemplate("kept", "v1")).ok());
  ASSERT_TRUE(client_->create(podtemplates, namespace_, podTemplate("removed", "v1")).ok());

  testing::TcpProxy proxy(apiPort());
  auto proxied_client = clientFor("aftershock", proxied(proxy));
  ASSERT_NE(proxied_client, nullptr);
  Recorder recorder;
  Informer informer(*proxied_client, informerOptions(podtemplates), recorder.handlers(), random_);
  informer.start();
  ASSERT_TRUE(informer.waitForSync(std::chrono::seconds(10)));
  ASSERT_EQ(informer.size(), 2u);

  proxy.setRefusing(true);
  proxy.cutAll();
  ASSERT_TRUE(client_->remove(podtemplates, namespace_, "removed").ok());
  ASSERT_TRUE(client_
                  ->patch(podtemplates, namespace_, "kept", PatchType::kMerge,
                          {{"metadata", {{"labels", {{"changed", "yes"}}}}}})
                  .ok());
  ASSERT_TRUE(client_->create(podtemplates, namespace_, podTemplate("added", "v1")).ok());

  // Compact etcd at its current revision through its HTTP gateway.
  auto http = common::makeBeastHttpClient();
  auto range = http->send({"POST",
                           cluster_->etcdEndpoint() + "/v3/kv/range",
                           {},
                           R"({"key":"AA=="})",
                           std::chrono::milliseconds(5000)});
  ASSERT_TRUE(range.ok() && range->status == 200);
  const std::string revision = json::parse(range->body)["header"]["revision"];
  auto compacted = http->send({"POST",
                               cluster_->etcdEndpoint() + "/v3/kv/compaction",
                               {},
                               json{{"revision", revision}, {"physical", true}}.dump(),
                               std::chrono::milliseconds(5000)});
  ASSERT_TRUE(compacted.ok() && compacted->status == 200)
      << (compacted.ok() ? compacted->body : "");
  proxy.setRefusing(false);

  EXPECT_TRUE(eventually([&] { return informer.relists() >= 2; }, std::chrono::seconds(30)));
  EXPECT_TRUE(eventually([&] { return recorder.saw("delete:removed"); }));
  EXPECT_TRUE(recorder.saw("update:kept"));
  EXPECT_TRUE(recorder.saw("add:added"));
  EXPECT_EQ(informer.size(), 2u);
  informer.stop();
}

}  // namespace
}  // namespace aftershock::op
