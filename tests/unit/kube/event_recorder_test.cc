// Events written to the in-memory API server: fields, aggregation of repeats, the window,
// the LRU bound, and failures as values.
#include "operator/kube/event_recorder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_kube_client.h"

namespace aftershock::op {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Verb = testing::FakeKubeClient::Verb;

json pod(const std::string& name, const std::string& uid) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name}, {"namespace", "chaos"}, {"uid", uid}, {"resourceVersion", "42"}}},
          {"spec", {{"nodeName", "node-1"}}}};
}

class EventRecorderTest : public ::testing::Test {
 protected:
  std::vector<json> events(const std::string& namespace_name = "chaos") const {
    return client_.storedList(resources::events(), namespace_name);
  }

  testing::FakeClock clock_;
  testing::FakeKubeClient client_{&clock_};
  EventRecorder recorder_{client_, clock_};
};

TEST_F(EventRecorderTest, CreatesAnEventAboutTheObjectInItsNamespace) {
  ASSERT_TRUE(
      recorder_.record(pod("web-1", "uid-1"), EventType::kWarning, "PodKilled", "killed by x")
          .ok());

  const std::vector<json> written = events();
  ASSERT_EQ(written.size(), 1u);
  const json& event = written[0];
  EXPECT_THAT(event["metadata"]["name"].get<std::string>(),
              ::testing::MatchesRegex("web-1\\.[0-9a-f]+"));
  EXPECT_EQ(event["metadata"]["namespace"], "chaos");
  EXPECT_EQ(event["involvedObject"], json({{"apiVersion", "v1"},
                                           {"kind", "Pod"},
                                           {"name", "web-1"},
                                           {"namespace", "chaos"},
                                           {"uid", "uid-1"},
                                           {"resourceVersion", "42"}}));
  EXPECT_EQ(event["reason"], "PodKilled");
  EXPECT_EQ(event["message"], "killed by x");
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["source"], json({{"component", "aftershock-operator"}}));
  EXPECT_EQ(event["reportingComponent"], "aftershock-operator");
  EXPECT_EQ(event["firstTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(event["lastTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(event["count"], 1);
}

TEST_F(EventRecorderTest, RepeatsWithinTheWindowIncreaseTheCountOfOneEvent) {
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m").ok());
  clock_.advance(minutes(5));
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m").ok());
  clock_.advance(minutes(9));
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m").ok());

  const std::vector<json> written = events();
  ASSERT_EQ(written.size(), 1u);
  EXPECT_EQ(written[0]["count"], 3);
  EXPECT_EQ(written[0]["firstTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(written[0]["lastTimestamp"], "2026-01-01T00:14:00Z");
  EXPECT_EQ(client_.callCount(Verb::kCreate), 1u);
  EXPECT_EQ(client_.callCount(Verb::kPatch), 2u);
}

TEST_F(EventRecorderTest, ADifferentReasonMessageOrObjectIsADifferentEvent) {
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m").ok());
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Verified", "m").ok());
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "n").ok());
  ASSERT_TRUE(recorder_.record(pod("web-2", "uid-2"), EventType::kNormal, "Injected", "m").ok());

  EXPECT_EQ(events().size(), 4u);
}

TEST_F(EventRecorderTest, ARepeatAfterTheWindowCreatesANewEvent) {
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m").ok());
  clock_.advance(minutes(10));

  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m").ok());

  const std::vector<json> written = events();
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0]["count"], 1);
  EXPECT_EQ(written[1]["count"], 1);
  EXPECT_NE(written[0]["metadata"]["name"], written[1]["metadata"]["name"]);
}

TEST_F(EventRecorderTest, CreateFailureIsReturnedAsAValueAndNotRemembered) {
  client_.failNext(Verb::kCreate, common::makeError(common::ErrorCode::kUnavailable, "outage"));

  const common::Status status =
      recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m");

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, common::ErrorCode::kUnavailable);
  EXPECT_TRUE(events().empty());
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m").ok());
  ASSERT_EQ(events().size(), 1u);
  EXPECT_EQ(events()[0]["count"], 1);
}

TEST_F(EventRecorderTest, UpdateFailureIsReturnedAsAValue) {
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m").ok());
  client_.failNext(Verb::kPatch, common::makeError(common::ErrorCode::kForbidden, "denied"));

  const common::Status status =
      recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m");

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, common::ErrorCode::kForbidden);
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m").ok());
  ASSERT_EQ(events().size(), 1u);
  EXPECT_EQ(events()[0]["count"], 2);
}

TEST_F(EventRecorderTest, ARepeatOfAnEventGoneFromTheServerCreatesItAgain) {
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m").ok());
  const std::string name = events()[0]["metadata"]["name"];
  ASSERT_TRUE(client_.remove(resources::events(), "chaos", name).ok());
  clock_.advance(seconds(1));

  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "Injected", "m").ok());

  ASSERT_EQ(events().size(), 1u);
  EXPECT_EQ(events()[0]["count"], 1);
  EXPECT_NE(events()[0]["metadata"]["name"], name);
}

TEST_F(EventRecorderTest, TheLeastRecentlyUsedRepeatIsForgottenBeyondTheCacheSize) {
  EventRecorder recorder(client_, clock_, "aftershock-operator", 2);
  ASSERT_TRUE(recorder.record(pod("web-1", "uid-1"), EventType::kNormal, "R", "m").ok());
  ASSERT_TRUE(recorder.record(pod("web-2", "uid-2"), EventType::kNormal, "R", "m").ok());
  ASSERT_TRUE(recorder.record(pod("web-1", "uid-1"), EventType::kNormal, "R", "m").ok());
  ASSERT_TRUE(recorder.record(pod("web-3", "uid-3"), EventType::kNormal, "R", "m").ok());

  // web-2 was the least recently used when web-3 arrived; web-1 is still remembered.
  ASSERT_TRUE(recorder.record(pod("web-2", "uid-2"), EventType::kNormal, "R", "m").ok());
  ASSERT_TRUE(recorder.record(pod("web-3", "uid-3"), EventType::kNormal, "R", "m").ok());

  EXPECT_EQ(client_.callCount(Verb::kCreate), 4u);
  EXPECT_EQ(client_.callCount(Verb::kPatch), 2u);
}

TEST_F(EventRecorderTest, ClusterScopedObjectEventsGoToTheDefaultNamespace) {
  const json node = {
      {"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "node-1"}, {"uid", "uid-n"}}}};

  ASSERT_TRUE(recorder_.record(node, EventType::kWarning, "Drained", "m").ok());

  ASSERT_EQ(events("default").size(), 1u);
  EXPECT_FALSE(events("default")[0]["involvedObject"].contains("namespace"));
}

TEST_F(EventRecorderTest, AnObjectWithoutANameIsInvalid) {
  const common::Status status =
      recorder_.record(json{{"kind", "Pod"}}, EventType::kNormal, "Injected", "m");

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, common::ErrorCode::kInvalid);
  EXPECT_EQ(client_.calls().size(), 0u);
}

TEST_F(EventRecorderTest, EventsRecordedAtTheSameInstantGetDistinctNames) {
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "A", "m").ok());
  ASSERT_TRUE(recorder_.record(pod("web-1", "uid-1"), EventType::kNormal, "B", "m").ok());

  const std::vector<json> written = events();
  ASSERT_EQ(written.size(), 2u);
  EXPECT_NE(written[0]["metadata"]["name"], written[1]["metadata"]["name"]);
}

}  // namespace
}  // namespace aftershock::op
