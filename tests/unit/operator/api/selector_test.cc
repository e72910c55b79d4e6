#include "operator/api/v1alpha1/selector.h"

#include <gtest/gtest.h>

namespace aftershock::op::v1alpha1 {
namespace {

LabelSelector webSelector() {
  LabelSelector selector;
  selector.match_labels = {{"app", "web"}};
  selector.match_expressions = {
      {"tier", "In", {"a", "b"}},
      {"gone", "DoesNotExist", {}},
      {"x", "Exists", {}},
  };
  return selector;
}

common::Error selectorError(const json& object) {
  common::Result<LabelSelector> result = parseSelector(object, "spec.target.selector");
  EXPECT_FALSE(result.ok()) << object.dump();
  if (result.ok()) return {};
  EXPECT_EQ(result.error().code, common::ErrorCode::kInvalid);
  return result.error();
}

TEST(SelectorStringTest, LabelsComeFirstThenExpressionsInOrder) {
  EXPECT_EQ(selectorString(webSelector()), "app=web,tier in (a,b),!gone,x");
}

TEST(SelectorStringTest, NotInAndSeveralLabelsUseTheServerSyntax) {
  LabelSelector selector;
  selector.match_labels = {{"tier", "db"}, {"app", "web"}};
  selector.match_expressions = {{"zone", "NotIn", {"us-1"}}};
  EXPECT_EQ(selectorString(selector), "app=web,tier=db,zone notin (us-1)");
}

TEST(SelectorStringTest, EmptySelectorIsEmptyString) {
  EXPECT_EQ(selectorString(LabelSelector{}), "");
}

TEST(SelectorMatchesTest, MatchLabelsNeedEveryPairEqual) {
  LabelSelector selector;
  selector.match_labels = {{"app", "web"}, {"tier", "front"}};
  EXPECT_TRUE(selectorMatches(selector, {{"app", "web"}, {"tier", "front"}, {"extra", "1"}}));
  EXPECT_FALSE(selectorMatches(selector, {{"app", "web"}}));
  EXPECT_FALSE(selectorMatches(selector, {{"app", "web"}, {"tier", "back"}}));
}

TEST(SelectorMatchesTest, ExpressionsFollowTheApiServersRules) {
  const LabelSelector selector = webSelector();
  EXPECT_TRUE(selectorMatches(selector, {{"app", "web"}, {"tier", "b"}, {"x", ""}}));
  EXPECT_FALSE(selectorMatches(selector, {{"app", "web"}, {"tier", "c"}, {"x", ""}}));
  EXPECT_FALSE(selectorMatches(selector, {{"app", "web"}, {"tier", "a"}}));  // x missing
  EXPECT_FALSE(
      selectorMatches(selector, {{"app", "web"}, {"tier", "a"}, {"x", "1"}, {"gone", "1"}}));
}

TEST(SelectorMatchesTest, NotInMatchesAMissingKey) {
  LabelSelector selector;
  selector.match_expressions = {{"zone", "NotIn", {"us-1"}}};
  EXPECT_TRUE(selectorMatches(selector, {}));
  EXPECT_TRUE(selectorMatches(selector, {{"zone", "eu-1"}}));
  EXPECT_FALSE(selectorMatches(selector, {{"zone", "us-1"}}));
}

TEST(SelectorMatchesTest, EmptySelectorMatchesEverything) {
  EXPECT_TRUE(selectorMatches(LabelSelector{}, {}));
  EXPECT_TRUE(selectorMatches(LabelSelector{}, {{"app", "web"}}));
}

TEST(SelectorMatchesTest, UnknownOperatorMatchesNothing) {
  LabelSelector selector;
  selector.match_expressions = {{"app", "Like", {"web"}}};
  EXPECT_FALSE(selectorMatches(selector, {{"app", "web"}}));
}

TEST(ParseSelectorTest, ReadsLabelsAndExpressions) {
  const json object = json::parse(R"({
    "matchLabels": {"app.kubernetes.io/name": "web"},
    "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["a", "b"]},
                         {"key": "canary", "operator": "DoesNotExist"}]})");
  common::Result<LabelSelector> selector = parseSelector(object, "spec.target.selector");
  ASSERT_TRUE(selector.ok()) << selector.error().message;
  EXPECT_EQ(selector->match_labels.at("app.kubernetes.io/name"), "web");
  ASSERT_EQ(selector->match_expressions.size(), 2u);
  EXPECT_EQ(selector->match_expressions[0].op, "NotIn");
  EXPECT_EQ(selector->match_expressions[0].values, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(selector->match_expressions[1].values.empty());
}

TEST(ParseSelectorTest, WrongJsonTypesNameTheMember) {
  EXPECT_EQ(selectorError(json::array()).field, "spec.target.selector");
  EXPECT_EQ(selectorError({{"matchLabels", json::array()}}).field,
            "spec.target.selector.matchLabels");
  EXPECT_EQ(selectorError({{"matchLabels", {{"app", 5}}}}).field,
            "spec.target.selector.matchLabels.app");
  EXPECT_EQ(selectorError({{"matchExpressions", json::object()}}).field,
            "spec.target.selector.matchExpressions");
  EXPECT_EQ(selectorError(json::parse(R"({"matchExpressions": ["tier"]})")).field,
            "spec.target.selector.matchExpressions[0]");
  EXPECT_EQ(selectorError(json::parse(R"({"matchExpressions": [{"operator": "Exists"}]})")).field,
            "spec.target.selector.matchExpressions[0].key");
  EXPECT_EQ(
      selectorError(
          json::parse(R"({"matchExpressions": [{"key": "a", "operator": "In", "values": [1]}]})"))
          .field,
      "spec.target.selector.matchExpressions[0].values[0]");
}

TEST(ParseSelectorTest, OperatorMustBeKnownAndAgreeWithValues) {
  const common::Error unknown =
      selectorError(json::parse(R"({"matchExpressions": [{"key": "a", "operator": "Equals"}]})"));
  EXPECT_EQ(unknown.field, "spec.target.selector.matchExpressions[0].operator");
  EXPECT_NE(unknown.message.find("\"Equals\""), std::string::npos);
  EXPECT_EQ(
      selectorError(json::parse(R"({"matchExpressions": [{"key": "a", "operator": "In"}]})")).field,
      "spec.target.selector.matchExpressions[0].values");
  EXPECT_EQ(
      selectorError(
          json::parse(
              R"({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]})"))
          .field,
      "spec.target.selector.matchExpressions[0].values");
}

TEST(ParseSelectorTest, KeysAndValuesThatCouldBreakTheQueryStringAreRejected) {
  EXPECT_EQ(selectorError({{"matchLabels", {{"app", "a,b"}}}}).field,
            "spec.target.selector.matchLabels");
  EXPECT_EQ(selectorError({{"matchLabels", {{"bad key", "a"}}}}).field,
            "spec.target.selector.matchLabels");
  EXPECT_EQ(selectorError({{"matchLabels", {{"app", std::string(64, 'a')}}}}).field,
            "spec.target.selector.matchLabels");
  EXPECT_EQ(selectorError({{"matchLabels", {{"Bad.Prefix/name", "a"}}}}).field,
            "spec.target.selector.matchLabels");
  EXPECT_EQ(
      selectorError(
          json::parse(
              R"j({"matchExpressions": [{"key": "a", "operator": "In", "values": ["ok", "x)"]}]})j"))
          .field,
      "spec.target.selector.matchExpressions[0].values[1]");
}

TEST(ParseSelectorTest, EmptyLabelValueAndEmptyObjectAreValid) {
  common::Result<LabelSelector> selector =
      parseSelector({{"matchLabels", {{"flag", ""}}}}, "selector");
  ASSERT_TRUE(selector.ok());
  EXPECT_EQ(selectorString(*selector), "flag=");
  common::Result<LabelSelector> empty = parseSelector(json::object(), "selector");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(SelectorToJsonTest, RoundTripsThroughParseSelector) {
  const LabelSelector original = webSelector();
  const json written = selectorToJson(original);
  EXPECT_FALSE(written["matchExpressions"][1].contains("values"));
  common::Result<LabelSelector> read = parseSelector(written, "selector");
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->match_labels, original.match_labels);
  EXPECT_EQ(selectorString(*read), selectorString(original));
}

TEST(SelectorToJsonTest, EmptySelectorIsAnEmptyObject) {
  EXPECT_EQ(selectorToJson(LabelSelector{}), json::object());
}

}  // namespace
}  // namespace aftershock::op::v1alpha1
