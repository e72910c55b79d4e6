#include "operator/api/v1alpha1/selector.h"

#include <algorithm>

#include "common/json_fields.h"

namespace aftershock::op::v1alpha1 {
namespace {

constexpr std::size_t kMaxLabelNameLength = 63;
constexpr std::size_t kMaxLabelPrefixLength = 253;

bool isAlphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63 characters: a label name or value.
bool isLabelName(std::string_view text) {
  if (text.empty() || text.size() > kMaxLabelNameLength) return false;
  if (!isAlphanumeric(text.front()) || !isAlphanumeric(text.back())) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return isAlphanumeric(c) || c == '-' || c == '_' || c == '.'; });
}

// A DNS-1123 subdomain: lower-case alphanumerics, '-' and '.', alphanumeric at both ends.
bool isDnsSubdomain(std::string_view text) {
  if (text.empty() || text.size() > kMaxLabelPrefixLength) return false;
  const auto lower_alphanumeric = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!lower_alphanumeric(text.front()) || !lower_alphanumeric(text.back())) return false;
  return std::all_of(text.begin(), text.end(),
                     [&](char c) { return lower_alphanumeric(c) || c == '-' || c == '.'; });
}

bool isLabelKey(std::string_view key) {
  const std::size_t slash = key.find('/');
  if (slash == std::string_view::npos) return isLabelName(key);
  return isDnsSubdomain(key.substr(0, slash)) && isLabelName(key.substr(slash + 1));
}

bool isLabelValue(std::string_view value) { return value.empty() || isLabelName(value); }

std::string shown(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string out = common::toValidUtf8(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) out += "...";
  return "\"" + out + "\"";
}

constexpr std::string_view kKeyRule =
    "a label key is an optional DNS-subdomain prefix and '/', then 1-63 letters, digits, '-', "
    "'_' or '.', starting and ending with a letter or digit";
constexpr std::string_view kValueRule =
    "a label value is empty or 1-63 letters, digits, '-', '_' or '.', starting and ending "
    "with a letter or digit";

bool isKnownOperator(std::string_view op) {
  return op == kSelectorIn || op == kSelectorNotIn || op == kSelectorExists ||
         op == kSelectorDoesNotExist;
}

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool requirementMatches(const SelectorRequirement& requirement,
                        const std::map<std::string, std::string>& labels) {
  const auto label = labels.find(requirement.key);
  const bool present = label != labels.end();
  if (requirement.op == kSelectorIn) return present && contains(requirement.values, label->second);
  if (requirement.op == kSelectorNotIn) {
    return !present || !contains(requirement.values, label->second);
  }
  if (requirement.op == kSelectorExists) return present;
  if (requirement.op == kSelectorDoesNotExist) return !present;
  return false;
}

void appendValueList(std::string& out, const std::vector<std::string>& values) {
  out += " (";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ",";
    out += values[i];
  }
  out += ")";
}

const json* presentMember(const json& object, std::string_view key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

std::string selectorString(const LabelSelector& selector) {
  std::string out;
  const auto separate = [&out] {
    if (!out.empty()) out += ",";
  };
  for (const auto& [key, value] : selector.match_labels) {
    separate();
    out += key + "=" + value;
  }
  for (const SelectorRequirement& requirement : selector.match_expressions) {
    separate();
    if (requirement.op == kSelectorIn) {
      out += requirement.key + " in";
      appendValueList(out, requirement.values);
    } else if (requirement.op == kSelectorNotIn) {
      out += requirement.key + " notin";
      appendValueList(out, requirement.values);
    } else if (requirement.op == kSelectorDoesNotExist) {
      out += "!" + requirement.key;
    } else {
      out += requirement.key;
    }
  }
  return out;
}

bool selectorMatches(const LabelSelector& selector,
                     const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector.match_labels) {
    const auto label = labels.find(key);
    if (label == labels.end() || label->second != value) return false;
  }
  return std::all_of(selector.match_expressions.begin(), selector.match_expressions.end(),
                     [&labels](const SelectorRequirement& requirement) {
                       return requirementMatches(requirement, labels);
                     });
}

common::Status validateSelector(const LabelSelector& selector, std::string_view field_path) {
  const std::string path(field_path);
  for (const auto& [key, value] : selector.match_labels) {
    if (!isLabelKey(key)) {
      return common::fieldError(path + ".matchLabels",
                                "invalid label key " + shown(key) + ": " + std::string(kKeyRule));
    }
    if (!isLabelValue(value)) {
      return common::fieldError(path + ".matchLabels", "invalid value " + shown(value) +
                                                           " for label " + shown(key) + ": " +
                                                           std::string(kValueRule));
    }
  }
  for (std::size_t i = 0; i < selector.match_expressions.size(); ++i) {
    const SelectorRequirement& requirement = selector.match_expressions[i];
    const std::string item = path + ".matchExpressions[" + std::to_string(i) + "]";
    if (!isLabelKey(requirement.key)) {
      return common::fieldError(item + ".key", "invalid label key " + shown(requirement.key) +
                                                   ": " + std::string(kKeyRule));
    }
    if (!isKnownOperator(requirement.op)) {
      return common::fieldError(
          item + ".operator",
          "must be In, NotIn, Exists or DoesNotExist, got " + shown(requirement.op));
    }
    const bool takes_values = requirement.op == kSelectorIn || requirement.op == kSelectorNotIn;
    if (takes_values && requirement.values.empty()) {
      return common::fieldError(item + ".values",
                                "must list at least one value for operator " + requirement.op);
    }
    if (!takes_values && !requirement.values.empty()) {
      return common::fieldError(item + ".values", "must be empty for operator " + requirement.op);
    }
    for (std::size_t j = 0; j < requirement.values.size(); ++j) {
      if (!isLabelValue(requirement.values[j])) {
        return common::fieldError(
            item + ".values[" + std::to_string(j) + "]",
            "invalid value " + shown(requirement.values[j]) + ": " + std::string(kValueRule));
      }
    }
  }
  return {};
}

common::Result<LabelSelector> parseSelector(const json& object, std::string_view field_path) {
  const std::string path(field_path);
  if (!object.is_object()) {
    return common::fieldError(path, "must be an object with matchLabels and/or matchExpressions");
  }
  LabelSelector selector;

  if (const json* labels = presentMember(object, "matchLabels")) {
    if (!labels->is_object()) {
      return common::fieldError(path + ".matchLabels",
                                "must be an object of label names to string values");
    }
    for (const auto& [key, value] : labels->items()) {
      if (!value.is_string()) {
        return common::fieldError(path + ".matchLabels." + common::toValidUtf8(key),
                                  "must be a string (quote numbers and booleans)");
      }
      selector.match_labels[key] = value.get<std::string>();
    }
  }

  if (const json* expressions = presentMember(object, "matchExpressions")) {
    if (!expressions->is_array()) {
      return common::fieldError(path + ".matchExpressions",
                                "must be a list of {key, operator, values}");
    }
    for (std::size_t i = 0; i < expressions->size(); ++i) {
      const json& entry = (*expressions)[i];
      const std::string item = path + ".matchExpressions[" + std::to_string(i) + "]";
      if (!entry.is_object()) {
        return common::fieldError(item, "must be an object with key, operator and values");
      }
      SelectorRequirement requirement;
      const json* key = presentMember(entry, "key");
      if (key == nullptr || !key->is_string()) {
        return common::fieldError(item + ".key", "is required and must be a string");
      }
      requirement.key = key->get<std::string>();
      const json* op = presentMember(entry, "operator");
      if (op == nullptr || !op->is_string()) {
        return common::fieldError(item + ".operator",
                                  "is required: In, NotIn, Exists or DoesNotExist");
      }
      requirement.op = op->get<std::string>();
      if (const json* values = presentMember(entry, "values")) {
        if (!values->is_array()) {
          return common::fieldError(item + ".values", "must be a list of strings");
        }
        for (std::size_t j = 0; j < values->size(); ++j) {
          if (!(*values)[j].is_string()) {
            return common::fieldError(item + ".values[" + std::to_string(j) + "]",
                                      "must be a string (quote numbers and booleans)");
          }
          requirement.values.push_back((*values)[j].get<std::string>());
        }
      }
      selector.match_expressions.push_back(std::move(requirement));
    }
  }

  if (common::Status valid = validateSelector(selector, field_path); !valid.ok()) {
    return valid.error();
  }
  return selector;
}

json selectorToJson(const LabelSelector& selector) {
  json out = json::object();
  if (!selector.match_labels.empty()) {
    json labels = json::object();
    for (const auto& [key, value] : selector.match_labels) labels[key] = value;
    out["matchLabels"] = std::move(labels);
  }
  if (!selector.match_expressions.empty()) {
    json expressions = json::array();
    for (const SelectorRequirement& requirement : selector.match_expressions) {
      json entry = {{"key", requirement.key}, {"operator", requirement.op}};
      if (!requirement.values.empty()) entry["values"] = requirement.values;
      expressions.push_back(std::move(entry));
    }
    out["matchExpressions"] = std::move(expressions);
  }
  return out;
}

}  // namespace aftershock::op::v1alpha1
