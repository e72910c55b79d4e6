// RestConfig: how to reach and authenticate to an API server, resolved the way kubectl
// (client-go clientcmd) resolves it:
//
//   1. --kubeconfig: only that file, which must exist.
//   2. KUBECONFIG: a colon-separated list of files, merged first-wins. The first file that sets
//      current-context wins; clusters, users and contexts are merged by name, the first
//      definition winning whole. Files in the list that do not exist are skipped.
//   3. ~/.kube/config, if it exists.
//   4. In-cluster: the service account token, CA and namespace under service_account_dir and
//      https://KUBERNETES_SERVICE_HOST:KUBERNETES_SERVICE_PORT, when no kubeconfig above names a
//      context (neither current-context nor --context) and the token file exists.
//
// --context overrides current-context. Relative paths inside a kubeconfig resolve against the
// directory of the file that defined them. Every file the chosen context needs (CA, client
// certificate and key, token file) is read here, so a RestConfig carries PEM text, not paths;
// only the token file is kept as a path, for rotation (see TokenSource).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/result.h"

namespace aftershock::op {

struct RestConfig {
  std::string server;  // "https://127.0.0.1:6443" (scheme://host:port[/path])
  std::string ca_pem;  // certificate-authority(-data), PEM text ("" = system roots)
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string bearer_token;       // static token, or the token file's content when loaded
  std::string bearer_token_file;  // re-read on rotation (in-cluster, or tokenFile in kubeconfig)
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string namespace_name = "default";  // the context's namespace, or the SA namespace
  std::string context_name;                // "" in-cluster
  std::string source;  // where it came from, for messages: the file path(s) or "in-cluster"
  double qps = 50;
  int burst = 100;
  // Bounds each request (and a watch's connection setup; a watch's stream is bounded by its
  // own server-side timeout). Not from the kubeconfig: a choice of the program.
  std::chrono::milliseconds request_timeout{30000};
};

// Command-line choices that take precedence over the environment.
struct ConfigOverrides {
  std::string kubeconfig_path;  // --kubeconfig
  std::string context;          // --context
};

// Everything loadRestConfig() reads from the process, injectable for tests.
struct ConfigEnvironment {
  std::optional<std::string> kubeconfig_env;  // KUBECONFIG; set but empty counts as unset
  std::string home;                           // $HOME
  std::string service_host;                   // KUBERNETES_SERVICE_HOST
  std::string service_port;                   // KUBERNETES_SERVICE_PORT
  std::string service_account_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

  static ConfigEnvironment fromProcess();
};

// Resolves the configuration by the rules above. Errors are kInvalid with one message naming the
// file and the field at fault (Error::field holds the field), kNotFound when the --kubeconfig file
// does not exist or no configuration was found at all (the message lists what was tried).
// Never throws. Reads files only; thread-compatible.
common::Result<RestConfig> loadRestConfig(const ConfigOverrides& overrides,
                                          const ConfigEnvironment& environment);

}  // namespace aftershock::op
