// What the reconciler's two test files build their in-memory API server from: the target's
// affected entry, a namespace with or without the opt-in, and an experiment object.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "operator/api/v1alpha1/chaos_experiment.h"

namespace aftershock::testing {

// The entry a ScaleDown of demo/backend-service from 3 replicas records.
inline op::v1alpha1::AffectedResource deploymentEntry() {
  op::v1alpha1::AffectedResource entry;
  entry.kind = "Deployment";
  entry.namespace_name = "demo";
  entry.name = "backend-service";
  entry.uid = "deployment-uid";
  entry.original = {{"replicas", 3}};
  return entry;
}

inline nlohmann::json namespaceObject(const std::string& name, bool allowed) {
  nlohmann::json object = {
      {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  if (allowed) {
    object["metadata"]["annotations"] = {{std::string(op::v1alpha1::kAllowAnnotation), "true"}};
  }
  return object;
}

// ChaosExperiment demo/<name>, generation 1, with `spec`.
inline nlohmann::json experimentObject(const nlohmann::json& spec, const std::string& name) {
  return {{"apiVersion", "chaos.aftershock.dev/v1alpha1"},
          {"kind", "ChaosExperiment"},
          {"metadata", {{"name", name}, {"namespace", "demo"}, {"generation", 1}}},
          {"spec", spec}};
}

}  // namespace aftershock::testing
