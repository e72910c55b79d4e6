#include "operator/kube/object_fields.h"

namespace aftershock::op {

const json* findMember(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const json& memberOrNull(const json& object, std::string_view key) {
  static const json kNull;
  const json* found = findMember(object, key);
  return found == nullptr ? kNull : *found;
}

std::string stringMember(const json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t integerMember(const json& object, std::string_view key, std::int64_t fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : fallback;
}

std::string metadataString(const json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto metadata = object.find("metadata");
  return metadata != object.end() ? stringMember(*metadata, key) : std::string();
}

}  // namespace aftershock::op
