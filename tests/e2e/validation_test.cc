// Experiments that cannot run: a malformed one never gets past `kubectl apply`; an impossible
// one is accepted, then ends Failed/Error with a message a person can act on, while the
// operator keeps serving the others.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "tests/e2e/e2e_fixture.h"

namespace aftershock::op::e2e {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

class ValidationTest : public E2eTest {};

TEST_F(ValidationTest, AMalformedExperimentIsRefusedByKubectlApplyWithAMessageNamingTheField) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(sourcePath("config/samples/invalid"))) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 4u);

  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    const std::string field = headerValue(file, "expect-field");
    const std::string message = headerValue(file, "expect-message");
    const std::string name = file.stem().string();  // each names its experiment after itself
    ASSERT_FALSE(field.empty() || message.empty()) << "no expect-field/expect-message header";

    int exit_code = 0;
    const std::string output = kubectl("apply -f " + shellQuote(file.string()), &exit_code);
    EXPECT_NE(exit_code, 0) << output;
    EXPECT_TRUE(contains(output, "is invalid")) << output;
    // kubectl prints each cause as `<field path>: <reason>: <message>`.
    EXPECT_TRUE(contains(output, field + ": ")) << "expected the field " << field << ":\n"
                                                << output;
    EXPECT_TRUE(contains(output, message)) << "expected \"" << message << "\":\n" << output;
    // Refused means not stored: there is nothing for the operator to see.
    EXPECT_TRUE(experiment(name).is_null()) << name << " was stored";
  }
}

TEST_F(ValidationTest, AnImpossibleExperimentFailsWithAClearMessageWhileAnotherCompletes) {
  json impossible = localized(sample("pod-delete.yaml"));
  impossible["metadata"]["name"] = "pod-delete-of-nothing";
  impossible["spec"]["target"]["name"] = "no-such-deployment";
  const std::string impossible_name = apply(impossible);
  const std::string possible_name = apply(localized(sample("pod-delete.yaml")));

  const json failed = waitUntilFinished(impossible_name, seconds(60));
  ASSERT_TRUE(failed.is_object());
  const json& status = failed["status"];
  EXPECT_EQ(status.value("phase", ""), "Failed") << status.dump(1);
  EXPECT_EQ(status.value("verdict", ""), "Error") << status.dump(1);
  const std::string message = status.value("message", "");
  EXPECT_TRUE(contains(message, "no-such-deployment")) << message;
  EXPECT_TRUE(contains(message, "not found")) << message;
  EXPECT_FALSE(status.contains("injectionTime")) << "nothing should have been injected";
  bool has_reason = false;
  for (const json& condition : status.value("conditions", json::array())) {
    has_reason =
        has_reason || (condition.value("type", "") != "" && condition.value("reason", "") != "" &&
                       condition.value("status", "") != "");
  }
  EXPECT_TRUE(has_reason) << "no condition with a reason: " << status.dump(1);

  const json completed = waitUntilFinished(possible_name, seconds(60));
  EXPECT_EQ(phaseOf(completed), "Completed") << completed.dump(1);
  EXPECT_EQ(completed["status"].value("verdict", ""), "Pass") << completed["status"].dump(1);
  EXPECT_EQ(desiredReplicas(kBackendDeployment), kBackendReplicas);
}

}  // namespace
}  // namespace aftershock::op::e2e
