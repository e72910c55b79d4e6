// Reads of fields in objects that come from the API server. They never throw: a missing
// field or one of the wrong type (a broken or hostile peer) reads as empty or the fallback.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "operator/kube/kube_client.h"

namespace aftershock::op {

// &object[key] when `object` is an object holding `key`, else nullptr.
const json* findMember(const json& object, std::string_view key);
// object[key] when `object` is an object holding `key`, else a null value; lets a path be
// read as memberOrNull(memberOrNull(pod, "metadata"), "labels") without a check per step.
const json& memberOrNull(const json& object, std::string_view key);
// object[key] when it is a string, else "".
std::string stringMember(const json& object, std::string_view key);
// object[key] when it is an integer, else `fallback`.
std::int64_t integerMember(const json& object, std::string_view key, std::int64_t fallback);
// object.metadata[key] when it is a string, else "".
std::string metadataString(const json& object, std::string_view key);

}  // namespace aftershock::op
