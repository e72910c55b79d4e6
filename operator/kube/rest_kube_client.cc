#include "operator/kube/rest_kube_client.h"

#include <cstdio>

#include "operator/kube/api_error.h"
#include "operator/kube/object_fields.h"
#include "operator/kube/token_source.h"

namespace aftershock::op {
namespace {

using common::ErrorCode;

// Appends `name=value` to a query string when the value is non-empty.
void addQuery(std::string& query, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  query += query.empty() ? '?' : '&';
  query += name;
  query += '=';
  query += escapeQueryValue(value);
}

std::string_view patchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kStrategic:
      return "application/strategic-merge-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

std::optional<WatchEventType> eventType(std::string_view name) {
  if (name == "ADDED") return WatchEventType::kAdded;
  if (name == "MODIFIED") return WatchEventType::kModified;
  if (name == "DELETED") return WatchEventType::kDeleted;
  if (name == "BOOKMARK") return WatchEventType::kBookmark;
  return std::nullopt;
}

}  // namespace

std::string escapeQueryValue(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      escaped += static_cast<char>(c);
    } else {
      char encoded[4];
      std::snprintf(encoded, sizeof encoded, "%%%02X", c);
      escaped += encoded;
    }
  }
  return escaped;
}

common::Result<std::unique_ptr<RestKubeClient>> makeRestKubeClient(const RestConfig& config,
                                                                   common::Clock& clock) {
  TokenProvider token;
  if (!config.bearer_token.empty() || !config.bearer_token_file.empty()) {
    auto source =
        std::make_shared<TokenSource>(config.bearer_token, config.bearer_token_file, clock);
    // The first read fails here, with the file named, rather than on the first request.
    if (auto first = source->token(); !first.ok()) return first.error();
    token = [source] { return source->token(); };
  }
  auto transport = makeKubeTransport(config, std::move(token), clock);
  if (!transport.ok()) {
    common::Error error = transport.error();
    error.message = config.source + ": " + error.message;
    return error;
  }
  return std::make_unique<RestKubeClient>(std::move(transport).value(), config.request_timeout);
}

RestKubeClient::RestKubeClient(std::unique_ptr<KubeTransport> transport,
                               std::chrono::milliseconds request_timeout)
    : transport_(std::move(transport)), request_timeout_(request_timeout) {}

common::Result<json> RestKubeClient::call(const std::string& method, const std::string& target,
                                          const std::string& body,
                                          const std::string& content_type) {
  TransportRequest request{method, target, body, content_type, request_timeout_};
  auto response = transport_->send(request);
  if (!response.ok()) return response.error();
  if (response->status < 200 || response->status > 299) {
    return decodeApiError(response->status, response->body, method + " " + target);
  }
  auto parsed = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  // Every answer of the API is an object (an item, a list, a Status); anything else is a
  // broken peer, and callers may index what they get.
  if (!parsed.is_object()) {
    return common::makeError(ErrorCode::kInternal,
                             method + " " + target + ": the answer is not a JSON object");
  }
  return parsed;
}

common::Result<json> RestKubeClient::get(const Resource& resource, std::string_view namespace_name,
                                         std::string_view name, std::string_view subresource) {
  return call("GET", resourcePath(resource, namespace_name, name, subresource));
}

common::Result<ObjectList> RestKubeClient::list(const Resource& resource,
                                                std::string_view namespace_name,
                                                const ListOptions& options) {
  std::string query;
  addQuery(query, "labelSelector", options.label_selector);
  addQuery(query, "fieldSelector", options.field_selector);
  if (options.limit > 0) addQuery(query, "limit", std::to_string(options.limit));
  addQuery(query, "continue", options.continue_token);
  addQuery(query, "resourceVersion", options.resource_version);
  auto answer = call("GET", resourcePath(resource, namespace_name) + query);
  if (!answer.ok()) return answer.error();
  ObjectList list;
  if (auto items = answer->find("items"); items != answer->end() && items->is_array()) {
    list.items = std::move(*items);
  }
  if (auto metadata = answer->find("metadata");
      metadata != answer->end() && metadata->is_object()) {
    list.resource_version = stringMember(*metadata, "resourceVersion");
    list.continue_token = stringMember(*metadata, "continue");
  }
  return list;
}

common::Result<json> RestKubeClient::create(const Resource& resource,
                                            std::string_view namespace_name, const json& object) {
  return call("POST", resourcePath(resource, namespace_name), object.dump(), "application/json");
}

common::Result<json> RestKubeClient::update(const Resource& resource,
                                            std::string_view namespace_name, const json& object,
                                            std::string_view subresource) {
  const std::string name = metadataString(object, "name");
  if (name.empty()) return common::fieldError("metadata.name", "update needs metadata.name");
  return call("PUT", resourcePath(resource, namespace_name, name, subresource), object.dump(),
              "application/json");
}

common::Result<json> RestKubeClient::patch(const Resource& resource,
                                           std::string_view namespace_name, std::string_view name,
                                           PatchType type, const json& patch,
                                           const PatchOptions& options) {
  std::string query;
  addQuery(query, "fieldManager", options.field_manager);
  if (type == PatchType::kApply && options.force) addQuery(query, "force", "true");
  return call("PATCH", resourcePath(resource, namespace_name, name, options.subresource) + query,
              patch.dump(), std::string(patchContentType(type)));
}

common::Status RestKubeClient::remove(const Resource& resource, std::string_view namespace_name,
                                      std::string_view name, const DeleteOptions& options) {
  json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (!options.precondition_resource_version.empty()) {
    body["preconditions"] = {{"resourceVersion", options.precondition_resource_version}};
  }
  auto answer =
      call("DELETE", resourcePath(resource, namespace_name, name), body.dump(), "application/json");
  if (!answer.ok()) return answer.error();
  return {};
}

common::Status RestKubeClient::watch(const Resource& resource, std::string_view namespace_name,
                                     const WatchOptions& options,
                                     const std::function<bool(const WatchEvent&)>& on_event,
                                     WatchCancel& cancel) {
  std::string query = "?watch=true";
  addQuery(query, "resourceVersion", options.resource_version);
  addQuery(query, "labelSelector", options.label_selector);
  addQuery(query, "fieldSelector", options.field_selector);
  if (options.allow_bookmarks) addQuery(query, "allowWatchBookmarks", "true");
  if (options.timeout_seconds > 0) {
    addQuery(query, "timeoutSeconds", std::to_string(options.timeout_seconds));
  }
  const std::string target = resourcePath(resource, namespace_name) + query;
  common::Status failure;
  auto on_line = [&](std::string_view line) {
    auto parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object() || !parsed.contains("type") || !parsed["type"].is_string()) {
      failure = common::makeError(ErrorCode::kInternal,
                                  "watch " + target + ": an event that is not JSON");
      return false;
    }
    const std::string type = parsed["type"].get<std::string>();
    json object = parsed.contains("object") ? std::move(parsed["object"]) : json::object();
    if (type == "ERROR") {
      failure = decodeStatusObject(object, "watch " + resource.qualifiedName());
      return false;
    }
    auto known = eventType(type);
    if (!known) return true;  // a future event type: skip it rather than fail the watch
    return on_event(WatchEvent{*known, std::move(object)});
  };
  // The server ends a watch after timeoutSeconds; silence well past that means a dead peer.
  const auto idle_timeout = std::chrono::seconds(std::max(options.timeout_seconds, 30) + 30);
  TransportRequest request{"GET", target, {}, {}, request_timeout_};
  auto status = transport_->stream(request, on_line, cancel, idle_timeout);
  if (!status.ok()) return status;
  return failure;
}

}  // namespace aftershock::op
