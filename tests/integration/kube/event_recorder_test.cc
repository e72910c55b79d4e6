// EventRecorder against a real kube-apiserver: the Event is accepted, points at its object,
// and a repeat is folded into the same Event (count and lastTimestamp) by a merge patch.
#include "operator/kube/event_recorder.h"

#include <gtest/gtest.h>

#include "tests/integration/kube/kube_test_fixture.h"

namespace aftershock::op {
namespace {

class EventRecorderIntegrationTest : public KubeIntegrationTest {
 protected:
  json eventsAbout(const std::string& name) {
    ListOptions options;
    options.field_selector = "involvedObject.name=" + name;
    auto listed = client_->list(resources::events(), namespace_, options);
    EXPECT_TRUE(listed.ok()) << listed.error().message;
    return listed.ok() ? listed->items : json::array();
  }
};

TEST_F(EventRecorderIntegrationTest, RecordsAnEventAndFoldsRepeatsIntoIt) {
  auto target = client_->create(resources::configMaps(), namespace_, configMap("target"));
  ASSERT_TRUE(target.ok()) << target.error().message;
  EventRecorder recorder(*client_, clock_);

  ASSERT_TRUE(recorder.record(*target, EventType::kWarning, "FaultInjected", "deleted 1 pod").ok());
  auto first = eventsAbout("target");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]["type"], "Warning");
  EXPECT_EQ(first[0]["reason"], "FaultInjected");
  EXPECT_EQ(first[0]["message"], "deleted 1 pod");
  EXPECT_EQ(first[0]["involvedObject"]["kind"], "ConfigMap");
  EXPECT_EQ(first[0]["involvedObject"]["uid"], (*target)["metadata"]["uid"]);
  EXPECT_EQ(first[0]["source"]["component"], "aftershock-operator");
  EXPECT_EQ(first[0]["count"], 1);

  ASSERT_TRUE(recorder.record(*target, EventType::kWarning, "FaultInjected", "deleted 1 pod").ok());
  ASSERT_TRUE(recorder.record(*target, EventType::kNormal, "RolledBack", "restored").ok());
  auto after = eventsAbout("target");
  ASSERT_EQ(after.size(), 2u);  // the repeat was folded, the new reason was not
  for (const json& event : after) {
    EXPECT_EQ(event["count"], event["reason"] == "FaultInjected" ? 2 : 1) << event.dump();
  }
}

}  // namespace
}  // namespace aftershock::op
