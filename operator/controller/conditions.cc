#include "operator/controller/conditions.h"

#include <algorithm>

namespace aftershock::op {

void setCondition(std::vector<v1alpha1::Condition>& conditions, std::string_view type, bool status,
                  std::string_view reason, std::string_view message, std::int64_t generation,
                  const std::string& now) {
  const std::string status_text = status ? "True" : "False";
  auto found = std::find_if(conditions.begin(), conditions.end(),
                            [type](const v1alpha1::Condition& c) { return c.type == type; });
  if (found == conditions.end()) {
    conditions.push_back(v1alpha1::Condition{std::string(type), status_text, std::string(reason),
                                             std::string(message), now, generation});
    return;
  }
  if (found->status != status_text) found->last_transition_time = now;
  found->status = status_text;
  found->reason = reason;
  found->message = message;
  found->observed_generation = generation;
}

const v1alpha1::Condition* findCondition(const std::vector<v1alpha1::Condition>& conditions,
                                         std::string_view type) {
  for (const v1alpha1::Condition& condition : conditions) {
    if (condition.type == type) return &condition;
  }
  return nullptr;
}

}  // namespace aftershock::op
