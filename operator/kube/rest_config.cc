#include "operator/kube/rest_config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "operator/kube/token_source.h"

namespace aftershock::op {
namespace {

namespace fs = std::filesystem;

using common::Error;
using common::ErrorCode;
using common::Result;
using common::Status;

// One kubeconfig entry of each kind, with every path already absolute and every *-data field
// decoded. `source` is the file that defined it, for messages.
struct ClusterEntry {
  std::string source;
  std::string server;
  std::string ca_file;
  std::string ca_data;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
};

struct UserEntry {
  std::string source;
  std::string client_cert_file;
  std::string client_cert_data;
  std::string client_key_file;
  std::string client_key_data;
  std::string token;
  std::string token_file;
  bool has_basic_auth = false;
  bool has_exec = false;
  bool has_auth_provider = false;
};

struct ContextEntry {
  std::string source;
  std::string cluster;
  std::string user;
  std::string namespace_name;
};

// One file, or several merged first-wins. Maps are ordered so messages list names sorted.
struct Kubeconfig {
  std::string current_context;
  std::map<std::string, ClusterEntry> clusters;
  std::map<std::string, UserEntry> users;
  std::map<std::string, ContextEntry> contexts;
};

Error kubeconfigError(const std::string& source, std::string field, const std::string& problem) {
  std::string message = "kubeconfig " + source + ": ";
  if (!field.empty()) message += field + ": ";
  message += problem;
  return common::fieldError(std::move(field), std::move(message));
}

template <typename Entry>
std::string namesOf(const std::map<std::string, Entry>& entries) {
  std::string names;
  for (const auto& [name, entry] : entries) {
    if (!names.empty()) names += ", ";
    names += name;
  }
  return names;
}

// "(contexts: a, b)" or "(no contexts defined)".
template <typename Entry>
std::string knownNames(std::string_view kind, const std::map<std::string, Entry>& entries) {
  if (entries.empty()) return "(no " + std::string(kind) + " defined)";
  return "(" + std::string(kind) + ": " + namesOf(entries) + ")";
}

std::string inQuotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool fileExists(const std::string& path) {
  std::error_code error;
  return fs::exists(path, error);
}

// The whole file, or why it could not be read.
Result<std::string> readFile(const std::string& path) {
  std::error_code fs_error;
  if (fs::is_directory(path, fs_error)) {
    return common::makeError(ErrorCode::kInvalid, "cannot read " + path + ": is a directory");
  }
  errno = 0;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const std::string reason =
        errno != 0 ? std::error_code(errno, std::generic_category()).message() : "cannot open";
    return common::makeError(ErrorCode::kInvalid, "cannot read " + path + ": " + reason);
  }
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) {
    return common::makeError(ErrorCode::kInvalid, "cannot read " + path + ": read failed");
  }
  return content.str();
}

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool isAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Standard base64 with padding, as Go decodes []byte fields; whitespace (line breaks in a YAML
// block, folded spaces in a plain scalar) is skipped. nullopt when the text is not base64.
std::optional<std::string> decodeBase64(std::string_view text) {
  std::string digits;
  digits.reserve(text.size());
  for (const char c : text) {
    if (!isAsciiSpace(c)) digits.push_back(c);
  }
  if (digits.size() % 4 != 0) return std::nullopt;

  std::string decoded;
  decoded.reserve(digits.size() / 4 * 3);
  for (std::size_t group_start = 0; group_start < digits.size(); group_start += 4) {
    const bool last_group = group_start + 4 == digits.size();
    std::uint32_t bits = 0;
    int padding = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = digits[group_start + i];
      bits <<= 6;
      if (c == '=') {
        // Padding may only fill the last one or two places of the final group.
        if (!last_group || i < 2) return std::nullopt;
        ++padding;
        continue;
      }
      if (padding > 0) return std::nullopt;
      const int value = base64Value(c);
      if (value < 0) return std::nullopt;
      bits |= static_cast<std::uint32_t>(value);
    }
    decoded.push_back(static_cast<char>((bits >> 16) & 0xff));
    if (padding < 2) decoded.push_back(static_cast<char>((bits >> 8) & 0xff));
    if (padding < 1) decoded.push_back(static_cast<char>(bits & 0xff));
  }
  return decoded;
}

// Turns one file's YAML into a Kubeconfig. Reading goes on after a problem so the code stays
// linear; only the first problem is reported.
class KubeconfigParser {
 public:
  explicit KubeconfigParser(std::string path) : path_(std::move(path)) {
    std::error_code error;
    const fs::path absolute = fs::absolute(path_, error);
    base_dir_ = error ? fs::path(path_).parent_path() : absolute.parent_path();
  }

  Result<Kubeconfig> parse(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& exception) {
      return kubeconfigError(path_, "", std::string("not valid YAML: ") + exception.what());
    }
    Kubeconfig kubeconfig;
    try {
      parseRoot(root, kubeconfig);
    } catch (const YAML::Exception& exception) {
      // Type checks come first everywhere, so this is only a safety net.
      return kubeconfigError(path_, "", std::string("not valid YAML: ") + exception.what());
    }
    if (error_.has_value()) return *error_;
    return kubeconfig;
  }

 private:
  void fail(std::string field, const std::string& problem) {
    if (!error_.has_value()) error_ = kubeconfigError(path_, std::move(field), problem);
  }

  // An absent or null node reads as empty; a node of another kind is a problem.
  bool isMapping(const YAML::Node& node, const std::string& field) {
    if (!node.IsDefined() || node.IsNull() || node.IsMap()) return true;
    fail(field, "must be a mapping");
    return false;
  }

  bool isList(const YAML::Node& node, const std::string& field) {
    if (!node.IsDefined() || node.IsNull() || node.IsSequence()) return true;
    fail(field, "must be a list");
    return false;
  }

  static bool hasContent(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

  std::string text(const YAML::Node& mapping, const char* key, const std::string& field) {
    const YAML::Node node = mapping[key];
    if (!hasContent(node)) return "";
    if (!node.IsScalar()) {
      fail(field, "must be a string");
      return "";
    }
    return node.Scalar();
  }

  bool flag(const YAML::Node& mapping, const char* key, const std::string& field) {
    const YAML::Node node = mapping[key];
    if (!hasContent(node)) return false;
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      fail(field, "must be true or false");
      return false;
    }
    return value;
  }

  std::string base64(const YAML::Node& mapping, const char* key, const std::string& field) {
    const std::string encoded = text(mapping, key, field);
    std::optional<std::string> decoded = decodeBase64(encoded);
    if (!decoded.has_value()) {
      fail(field, "invalid base64");
      return "";
    }
    return std::move(*decoded);
  }

  std::string path(const YAML::Node& mapping, const char* key, const std::string& field) {
    const std::string value = text(mapping, key, field);
    if (value.empty() || fs::path(value).is_absolute()) return value;
    return (base_dir_ / value).lexically_normal().string();
  }

  void parseRoot(const YAML::Node& root, Kubeconfig& kubeconfig) {
    // An empty file is an empty configuration, as in client-go.
    if (!hasContent(root)) return;
    if (!root.IsMap()) {
      fail("", "must be a mapping with clusters, users and contexts");
      return;
    }
    kubeconfig.current_context = text(root, "current-context", "current-context");
    parseList(root, "clusters", "cluster",
              [&](const std::string& name, const YAML::Node& body, const std::string& field) {
                kubeconfig.clusters.emplace(name, parseCluster(body, field));
              });
    parseList(root, "users", "user",
              [&](const std::string& name, const YAML::Node& body, const std::string& field) {
                kubeconfig.users.emplace(name, parseUser(body, field));
              });
    parseList(root, "contexts", "context",
              [&](const std::string& name, const YAML::Node& body, const std::string& field) {
                kubeconfig.contexts.emplace(name, parseContext(body, field));
              });
  }

  // Walks `list_key`: a list of {name, <body_key>: {...}}. Calls `on_entry(name, body, field)`
  // with field "list_key[name]", once per name.
  template <typename OnEntry>
  void parseList(const YAML::Node& root, const char* list_key, const char* body_key,
                 const OnEntry& on_entry) {
    const YAML::Node list = root[list_key];
    if (!isList(list, list_key) || !hasContent(list)) return;
    std::set<std::string> seen;
    for (std::size_t index = 0; index < list.size(); ++index) {
      const YAML::Node item = list[index];
      const std::string index_field = std::string(list_key) + "[" + std::to_string(index) + "]";
      if (!hasContent(item) || !item.IsMap()) {
        fail(index_field, "must be a mapping with name and " + std::string(body_key));
        return;
      }
      const std::string name = text(item, "name", index_field + ".name");
      if (name.empty()) {
        fail(index_field + ".name", "missing");
        return;
      }
      if (!seen.insert(name).second) {
        fail(index_field + ".name", "duplicate name " + inQuotes(name));
        return;
      }
      const std::string field = std::string(list_key) + "[" + name + "]";
      const YAML::Node body = item[body_key];
      if (!isMapping(body, field + "." + body_key)) return;
      on_entry(name, body, field);
    }
  }

  ClusterEntry parseCluster(const YAML::Node& body, const std::string& field) {
    ClusterEntry cluster;
    cluster.source = path_;
    if (!hasContent(body)) return cluster;
    cluster.server = text(body, "server", field + ".server");
    cluster.ca_file = path(body, "certificate-authority", field + ".certificate-authority");
    cluster.ca_data =
        base64(body, "certificate-authority-data", field + ".certificate-authority-data");
    cluster.insecure_skip_tls_verify =
        flag(body, "insecure-skip-tls-verify", field + ".insecure-skip-tls-verify");
    cluster.tls_server_name = text(body, "tls-server-name", field + ".tls-server-name");
    return cluster;
  }

  UserEntry parseUser(const YAML::Node& body, const std::string& field) {
    UserEntry user;
    user.source = path_;
    if (!hasContent(body)) return user;
    user.client_cert_file = path(body, "client-certificate", field + ".client-certificate");
    user.client_cert_data =
        base64(body, "client-certificate-data", field + ".client-certificate-data");
    user.client_key_file = path(body, "client-key", field + ".client-key");
    user.client_key_data = base64(body, "client-key-data", field + ".client-key-data");
    user.token = text(body, "token", field + ".token");
    user.token_file = path(body, "tokenFile", field + ".tokenFile");
    user.has_basic_auth = !text(body, "username", field + ".username").empty() ||
                          !text(body, "password", field + ".password").empty();
    user.has_exec = hasContent(body["exec"]);
    user.has_auth_provider = hasContent(body["auth-provider"]);
    return user;
  }

  ContextEntry parseContext(const YAML::Node& body, const std::string& field) {
    ContextEntry context;
    context.source = path_;
    if (!hasContent(body)) return context;
    context.cluster = text(body, "cluster", field + ".cluster");
    context.user = text(body, "user", field + ".user");
    context.namespace_name = text(body, "namespace", field + ".namespace");
    return context;
  }

  std::string path_;
  fs::path base_dir_;
  std::optional<Error> error_;
};

Result<Kubeconfig> loadKubeconfigFile(const std::string& path) {
  auto text = readFile(path);
  if (!text.ok()) return kubeconfigError(path, "", text.error().message);
  return KubeconfigParser(path).parse(*text);
}

// client-go's merge: the first file to set a value or define a name wins.
void mergeInto(Kubeconfig& merged, Kubeconfig next) {
  if (merged.current_context.empty()) merged.current_context = std::move(next.current_context);
  merged.clusters.merge(next.clusters);
  merged.users.merge(next.users);
  merged.contexts.merge(next.contexts);
}

// A DNS-1123 label, which client-go requires of a context's namespace.
bool isDnsLabel(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  const auto alphanumeric = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (const char c : name) {
    if (!alphanumeric(c) && c != '-') return false;
  }
  return alphanumeric(name.front()) && alphanumeric(name.back());
}

// A PEM given as a file or inline; both at once is ambiguous, as client-go also rejects.
Result<std::string> pemFrom(const std::string& source, const std::string& field,
                            const std::string& file, const std::string& data) {
  if (!file.empty() && !data.empty()) {
    const std::string key = field.substr(field.rfind('.') + 1);
    return kubeconfigError(source, field, "both " + key + " and " + key + "-data are set; set one");
  }
  if (file.empty()) return data;
  auto content = readFile(file);
  if (!content.ok()) return kubeconfigError(source, field, content.error().message);
  return std::move(content).value();
}

Status applyCluster(const std::string& name, const ClusterEntry& cluster, RestConfig& config) {
  const std::string field = "clusters[" + name + "]";
  if (cluster.server.empty()) return kubeconfigError(cluster.source, field + ".server", "not set");
  auto ca =
      pemFrom(cluster.source, field + ".certificate-authority", cluster.ca_file, cluster.ca_data);
  if (!ca.ok()) return ca.error();
  if (cluster.insecure_skip_tls_verify && !ca->empty()) {
    return kubeconfigError(cluster.source, field + ".insecure-skip-tls-verify",
                           "cannot be combined with a certificate authority");
  }
  config.ca_pem = std::move(ca).value();
  config.insecure_skip_tls_verify = cluster.insecure_skip_tls_verify;
  config.tls_server_name = cluster.tls_server_name;
  config.server = cluster.server;
  return {};
}

Status applyUser(const std::string& name, const UserEntry& user, RestConfig& config) {
  const std::string field = "users[" + name + "]";
  if (user.has_exec) {
    return kubeconfigError(user.source, field + ".exec",
                           "exec credential plugins are not supported (user " + inQuotes(name) +
                               "); use a token, tokenFile or client certificate");
  }
  if (user.has_auth_provider) {
    return kubeconfigError(user.source, field + ".auth-provider",
                           "auth providers are not supported (user " + inQuotes(name) +
                               "); use a token, tokenFile or client certificate");
  }
  if (user.has_basic_auth) {
    return kubeconfigError(
        user.source, field + ".username",
        "basic authentication (username/password) is not supported (user " + inQuotes(name) + ")");
  }
  auto cert = pemFrom(user.source, field + ".client-certificate", user.client_cert_file,
                      user.client_cert_data);
  if (!cert.ok()) return cert.error();
  auto key =
      pemFrom(user.source, field + ".client-key", user.client_key_file, user.client_key_data);
  if (!key.ok()) return key.error();
  if (!cert->empty() && key->empty()) {
    return kubeconfigError(user.source, field + ".client-key",
                           "client-certificate is set but no client-key(-data)");
  }
  if (cert->empty() && !key->empty()) {
    return kubeconfigError(user.source, field + ".client-certificate",
                           "client-key is set but no client-certificate(-data)");
  }
  config.client_cert_pem = std::move(cert).value();
  config.client_key_pem = std::move(key).value();

  // As client-go: a static token is used as is (the file, if also set, is read on rotation);
  // a token file alone must be readable now.
  config.bearer_token = user.token;
  config.bearer_token_file = user.token_file;
  if (user.token.empty() && !user.token_file.empty()) {
    auto token = readTokenFile(user.token_file);
    if (!token.ok()) {
      return kubeconfigError(user.source, field + ".tokenFile", token.error().message);
    }
    config.bearer_token = std::move(token).value();
  }
  return {};
}

// client-go defaults a scheme-less server to https when any TLS setting is present.
Status normalizeServer(const std::string& source, const std::string& cluster_name,
                       RestConfig& config) {
  const std::string field = "clusters[" + cluster_name + "].server";
  if (config.server.find("://") == std::string::npos) {
    const bool tls = !config.ca_pem.empty() || !config.client_cert_pem.empty() ||
                     config.insecure_skip_tls_verify;
    config.server = (tls ? "https://" : "http://") + config.server;
  }
  const std::size_t scheme_end = config.server.find("://");
  const std::string scheme = config.server.substr(0, scheme_end);
  if (scheme != "https" && scheme != "http") {
    return kubeconfigError(source, field,
                           inQuotes(config.server) + " must use the https or http scheme");
  }
  const std::size_t host_start = scheme_end + 3;
  if (host_start >= config.server.size() || config.server[host_start] == '/') {
    return kubeconfigError(source, field, inQuotes(config.server) + " has no host");
  }
  return {};
}

Result<RestConfig> configFromContext(const Kubeconfig& kubeconfig, const std::string& source,
                                     const std::string& context_name, bool context_from_flag) {
  const auto context_it = kubeconfig.contexts.find(context_name);
  if (context_it == kubeconfig.contexts.end()) {
    return common::fieldError(context_from_flag ? "--context" : "current-context",
                              "kubeconfig " + source + ": context " + inQuotes(context_name) +
                                  " not found " + knownNames("contexts", kubeconfig.contexts));
  }
  const ContextEntry& context = context_it->second;
  const std::string context_field = "contexts[" + context_name + "]";

  if (context.cluster.empty()) {
    return kubeconfigError(context.source, context_field + ".cluster", "not set");
  }
  const auto cluster_it = kubeconfig.clusters.find(context.cluster);
  if (cluster_it == kubeconfig.clusters.end()) {
    return kubeconfigError(context.source, context_field + ".cluster",
                           "cluster " + inQuotes(context.cluster) + " not found " +
                               knownNames("clusters", kubeconfig.clusters));
  }
  if (!context.namespace_name.empty() && !isDnsLabel(context.namespace_name)) {
    return kubeconfigError(context.source, context_field + ".namespace",
                           inQuotes(context.namespace_name) + " is not a valid namespace name");
  }

  RestConfig config;
  config.context_name = context_name;
  config.source = source;
  if (!context.namespace_name.empty()) config.namespace_name = context.namespace_name;

  if (auto status = applyCluster(context.cluster, cluster_it->second, config); !status.ok()) {
    return status.error();
  }
  // A context without a user is anonymous, as in kubectl.
  if (!context.user.empty()) {
    const auto user_it = kubeconfig.users.find(context.user);
    if (user_it == kubeconfig.users.end()) {
      return kubeconfigError(
          context.source, context_field + ".user",
          "user " + inQuotes(context.user) + " not found " + knownNames("users", kubeconfig.users));
    }
    if (auto status = applyUser(context.user, user_it->second, config); !status.ok()) {
      return status.error();
    }
  }
  if (auto status = normalizeServer(cluster_it->second.source, context.cluster, config);
      !status.ok()) {
    return status.error();
  }
  return config;
}

// Why in-cluster configuration cannot be used, or "" when it can (client-go's Possible()).
std::string inClusterUnavailableReason(const ConfigEnvironment& environment) {
  if (environment.service_host.empty() || environment.service_port.empty()) {
    return "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set";
  }
  const fs::path token = fs::path(environment.service_account_dir) / "token";
  std::error_code error;
  if (!fs::is_regular_file(token, error)) return "no token file at " + token.string();
  return "";
}

Result<RestConfig> loadInClusterConfig(const ConfigEnvironment& environment) {
  const fs::path dir(environment.service_account_dir);
  RestConfig config;
  config.source = "in-cluster";

  const std::string token_file = (dir / "token").string();
  auto token = readTokenFile(token_file);
  if (!token.ok()) {
    return common::makeError(token.error().code, "in-cluster: " + token.error().message);
  }
  config.bearer_token = std::move(token).value();
  config.bearer_token_file = token_file;

  // A missing CA means the system roots, as client-go falls back to.
  const std::string ca_file = (dir / "ca.crt").string();
  if (fileExists(ca_file)) {
    auto ca = readFile(ca_file);
    if (!ca.ok())
      return common::makeError(ErrorCode::kInvalid, "in-cluster: " + ca.error().message);
    config.ca_pem = std::move(ca).value();
  }

  const std::string namespace_file = (dir / "namespace").string();
  if (fileExists(namespace_file)) {
    auto namespace_name = readTokenFile(namespace_file);
    if (namespace_name.ok()) config.namespace_name = std::move(namespace_name).value();
  }

  const std::string& host = environment.service_host;
  const bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  config.server = "https://" + (ipv6 ? "[" + host + "]" : host) + ":" + environment.service_port;
  return config;
}

std::vector<std::string> splitKubeconfigList(const std::string& list) {
  std::vector<std::string> paths;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    std::string path = list.substr(start, end - start);
    if (!path.empty() && seen.insert(path).second) paths.push_back(std::move(path));
    start = end + 1;
  }
  return paths;
}

std::string joinPaths(const std::vector<std::string>& paths) {
  std::string joined;
  for (const auto& path : paths) {
    if (!joined.empty()) joined += ":";
    joined += path;
  }
  return joined;
}

}  // namespace

ConfigEnvironment ConfigEnvironment::fromProcess() {
  const auto read = [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  ConfigEnvironment environment;
  environment.kubeconfig_env = read("KUBECONFIG");
  environment.home = read("HOME").value_or("");
  environment.service_host = read("KUBERNETES_SERVICE_HOST").value_or("");
  environment.service_port = read("KUBERNETES_SERVICE_PORT").value_or("");
  return environment;
}

Result<RestConfig> loadRestConfig(const ConfigOverrides& overrides,
                                  const ConfigEnvironment& environment) {
  // Which kubeconfig files are candidates, and how to describe them when nothing is found.
  std::vector<std::string> candidates;
  std::string described;
  if (!overrides.kubeconfig_path.empty()) {
    if (!fileExists(overrides.kubeconfig_path)) {
      return Error{ErrorCode::kNotFound,
                   "kubeconfig " + overrides.kubeconfig_path + ": file does not exist",
                   "--kubeconfig"};
    }
    candidates = {overrides.kubeconfig_path};
    described = "--kubeconfig " + overrides.kubeconfig_path;
  } else if (environment.kubeconfig_env.has_value() && !environment.kubeconfig_env->empty()) {
    candidates = splitKubeconfigList(*environment.kubeconfig_env);
    described = "KUBECONFIG=" + *environment.kubeconfig_env;
  } else if (!environment.home.empty()) {
    candidates = {(fs::path(environment.home) / ".kube" / "config").string()};
    described = candidates.front();
  } else {
    described = "~/.kube/config (HOME is not set)";
  }

  Kubeconfig merged;
  std::vector<std::string> loaded;
  for (const auto& path : candidates) {
    if (!fileExists(path)) continue;
    auto kubeconfig = loadKubeconfigFile(path);
    if (!kubeconfig.ok()) return kubeconfig.error();
    mergeInto(merged, std::move(kubeconfig).value());
    loaded.push_back(path);
  }
  const std::string source = joinPaths(loaded);

  const bool context_from_flag = !overrides.context.empty();
  const std::string context_name = context_from_flag ? overrides.context : merged.current_context;
  if (!context_name.empty()) {
    if (loaded.empty()) {
      return common::fieldError("--context", "context " + inQuotes(context_name) +
                                                 " not found: no kubeconfig file exists (tried " +
                                                 described + ")");
    }
    return configFromContext(merged, source, context_name, context_from_flag);
  }

  // No kubeconfig names a context: client-go treats that as an empty configuration and falls
  // back to the pod's service account.
  const std::string in_cluster_reason = inClusterUnavailableReason(environment);
  if (in_cluster_reason.empty()) return loadInClusterConfig(environment);

  std::string kubeconfig_reason;
  if (loaded.empty()) {
    kubeconfig_reason = candidates.empty() ? described : described + " (no such file)";
  } else {
    const std::string contexts =
        merged.contexts.empty() ? "no contexts defined" : "contexts: " + namesOf(merged.contexts);
    kubeconfig_reason =
        "kubeconfig " + source + " (no current-context and no --context; " + contexts + ")";
  }
  return common::makeError(ErrorCode::kNotFound, "no Kubernetes configuration found; tried " +
                                                     kubeconfig_reason + ", then in-cluster (" +
                                                     in_cluster_reason + ")");
}

}  // namespace aftershock::op
