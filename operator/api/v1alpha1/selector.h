// Label selectors (metav1.LabelSelector with matchLabels and In/NotIn/Exists/DoesNotExist
// expressions): their JSON form, their query-string form for list calls, and matching.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/result.h"
#include "operator/api/v1alpha1/chaos_experiment.h"

namespace aftershock::op::v1alpha1 {

inline constexpr std::string_view kSelectorIn = "In";
inline constexpr std::string_view kSelectorNotIn = "NotIn";
inline constexpr std::string_view kSelectorExists = "Exists";
inline constexpr std::string_view kSelectorDoesNotExist = "DoesNotExist";

// The `labelSelector` query parameter the API server accepts for `selector`:
// "app=web,tier in (a,b),tier notin (c),x,!gone". matchLabels first (sorted by key), then the
// expressions in order. Precondition: validateSelector(selector) is ok, so no key or value
// holds a character of the query syntax. An empty selector gives "" (everything).
std::string selectorString(const LabelSelector& selector);

// True when `labels` satisfy every term of `selector`, as the API server decides it: NotIn and
// DoesNotExist match a missing key; an empty selector matches everything; an unknown operator
// matches nothing.
bool selectorMatches(const LabelSelector& selector,
                     const std::map<std::string, std::string>& labels);

// Reads a selector object. `field_path` is its JSON path ("spec.target.selector"); errors name
// the exact member at fault ("spec.target.selector.matchExpressions[0].values"). Runs
// validateSelector, so a parsed selector is always safe for selectorString. Never throws.
common::Result<LabelSelector> parseSelector(const json& object, std::string_view field_path);

// Label key and value syntax (qualified names, values of at most 63 characters), known
// operators, values present for In/NotIn and absent for Exists/DoesNotExist.
common::Status validateSelector(const LabelSelector& selector, std::string_view field_path);

// The selector's JSON form; empty members are omitted, an empty selector is {}.
json selectorToJson(const LabelSelector& selector);

}  // namespace aftershock::op::v1alpha1
