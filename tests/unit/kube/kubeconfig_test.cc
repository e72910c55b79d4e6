#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "operator/kube/rest_config.h"

namespace aftershock::op {
namespace {

namespace fs = std::filesystem;
using common::ErrorCode;
using ::testing::HasSubstr;

// A kubeconfig with one context "main" on cluster "main" (a CA file) and user "main" (a token).
constexpr const char* kSimpleKubeconfig = R"(apiVersion: v1
kind: Config
current-context: main
clusters:
- name: main
  cluster:
    server: https://main.example:6443
contexts:
- name: main
  context:
    cluster: main
    user: main
users:
- name: main
  user:
    token: main-token
)";

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("aftershock-kubeconfig-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    environment_.home = (dir_ / "home").string();
    environment_.service_account_dir = (dir_ / "serviceaccount").string();
  }

  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Writes `content` to `relative` under the temp dir and returns the absolute path.
  std::string write(const std::string& relative, const std::string& content) {
    const fs::path path = dir_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  std::string path(const std::string& relative) const { return (dir_ / relative).string(); }

  // Writes a kubeconfig and loads it through --kubeconfig.
  common::Result<RestConfig> loadExplicit(const std::string& content,
                                          const std::string& context = "") {
    return loadRestConfig({write("config", content), context}, environment_);
  }

  void writeServiceAccount() {
    write("serviceaccount/token", "sa-token\n");
    write("serviceaccount/ca.crt", "CLUSTER CA\n");
    write("serviceaccount/namespace", "chaos\n");
    environment_.service_host = "10.96.0.1";
    environment_.service_port = "443";
  }

  fs::path dir_;
  ConfigEnvironment environment_;
};

TEST_F(KubeconfigTest, ExplicitFlagIsTheOnlyFileRead) {
  const std::string explicit_path = write("explicit", kSimpleKubeconfig);
  write("home/.kube/config", R"(current-context: home
contexts: [{name: home, context: {cluster: home}}]
clusters: [{name: home, cluster: {server: https://home:1}}]
)");
  environment_.kubeconfig_env = path("home/.kube/config");

  auto config = loadRestConfig({explicit_path, ""}, environment_);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://main.example:6443");
  EXPECT_EQ(config->bearer_token, "main-token");
  EXPECT_EQ(config->context_name, "main");
  EXPECT_EQ(config->source, explicit_path);
}

TEST_F(KubeconfigTest, MissingExplicitFileIsNotFoundAndNamesTheFlag) {
  auto config = loadRestConfig({path("nope"), ""}, environment_);

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(config.error().field, "--kubeconfig");
  EXPECT_THAT(config.error().message, HasSubstr(path("nope")));
}

TEST_F(KubeconfigTest, KubeconfigListMergesFirstDefinitionWinsAndSkipsMissingFiles) {
  const std::string first = write("first", R"(current-context: one
clusters:
- name: shared
  cluster: {server: https://first:6443}
contexts:
- name: one
  context: {cluster: shared, user: admin, namespace: from-first}
)");
  const std::string second = write("second", R"(current-context: two
clusters:
- name: shared
  cluster: {server: https://second:6443}
contexts:
- name: one
  context: {cluster: shared, user: nobody, namespace: from-second}
- name: two
  context: {cluster: shared, user: admin}
users:
- name: admin
  user: {token: second-token}
)");
  environment_.kubeconfig_env = path("missing") + ":" + first + "::" + second;

  auto config = loadRestConfig({}, environment_);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->context_name, "one");
  EXPECT_EQ(config->server, "https://first:6443");
  EXPECT_EQ(config->namespace_name, "from-first");
  EXPECT_EQ(config->bearer_token, "second-token");
  EXPECT_EQ(config->source, first + ":" + second);
}

TEST_F(KubeconfigTest, CurrentContextComesFromTheFirstFileThatSetsIt) {
  const std::string first = write("first", R"(clusters:
- name: c
  cluster: {server: https://c:6443}
contexts:
- name: one
  context: {cluster: c}
)");
  const std::string second = write("second", R"(current-context: two
contexts:
- name: two
  context: {cluster: c, namespace: second}
)");
  environment_.kubeconfig_env = first + ":" + second;

  auto config = loadRestConfig({}, environment_);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->context_name, "two");
  EXPECT_EQ(config->namespace_name, "second");
}

TEST_F(KubeconfigTest, HomeKubeconfigIsTheFallbackWhenNoFlagOrVariableIsSet) {
  const std::string home_config = write("home/.kube/config", kSimpleKubeconfig);

  auto config = loadRestConfig({}, environment_);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://main.example:6443");
  EXPECT_EQ(config->source, home_config);
}

TEST_F(KubeconfigTest, KubeconfigVariableWithOnlyMissingFilesDoesNotFallBackToHome) {
  write("home/.kube/config", kSimpleKubeconfig);
  environment_.kubeconfig_env = path("missing-a") + ":" + path("missing-b");

  auto config = loadRestConfig({}, environment_);

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(config.error().message, HasSubstr("KUBECONFIG=" + path("missing-a")));
}

TEST_F(KubeconfigTest, EmptyKubeconfigVariableCountsAsUnset) {
  write("home/.kube/config", kSimpleKubeconfig);
  environment_.kubeconfig_env = "";

  auto config = loadRestConfig({}, environment_);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->context_name, "main");
}

TEST_F(KubeconfigTest, InClusterConfigurationIsUsedWhenNoKubeconfigExists) {
  writeServiceAccount();

  auto config = loadRestConfig({}, environment_);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->bearer_token, "sa-token");
  EXPECT_EQ(config->bearer_token_file, path("serviceaccount/token"));
  EXPECT_EQ(config->ca_pem, "CLUSTER CA\n");
  EXPECT_EQ(config->namespace_name, "chaos");
  EXPECT_EQ(config->context_name, "");
  EXPECT_EQ(config->source, "in-cluster");
}

TEST_F(KubeconfigTest, InClusterBracketsAnIpv6ServiceHost) {
  writeServiceAccount();
  environment_.service_host = "fd00::1";

  auto config = loadRestConfig({}, environment_);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
}

TEST_F(KubeconfigTest, InClusterWithoutNamespaceFileUsesDefault) {
  writeServiceAccount();
  fs::remove(path("serviceaccount/namespace"));

  auto config = loadRestConfig({}, environment_);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->namespace_name, "default");
}

TEST_F(KubeconfigTest, KubeconfigThatNamesNoContextFallsBackToInCluster) {
  writeServiceAccount();
  write("home/.kube/config", "");

  auto config = loadRestConfig({}, environment_);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->source, "in-cluster");
}

TEST_F(KubeconfigTest, KubeconfigContextWinsOverInCluster) {
  writeServiceAccount();
  write("home/.kube/config", kSimpleKubeconfig);

  auto config = loadRestConfig({}, environment_);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->context_name, "main");
}

TEST_F(KubeconfigTest, NothingFoundIsOneErrorListingWhatWasTried) {
  environment_.service_host = "10.96.0.1";
  environment_.service_port = "443";  // but no token file

  auto config = loadRestConfig({}, environment_);

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(config.error().message, HasSubstr("no Kubernetes configuration found"));
  EXPECT_THAT(config.error().message, HasSubstr(path("home/.kube/config")));
  EXPECT_THAT(config.error().message, HasSubstr("in-cluster"));
  EXPECT_THAT(config.error().message, HasSubstr(path("serviceaccount/token")));
}

TEST_F(KubeconfigTest, NothingFoundWithoutServiceVariablesSaysSo) {
  auto config = loadRestConfig({}, environment_);

  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("KUBERNETES_SERVICE_HOST"));
}

TEST_F(KubeconfigTest, KubeconfigWithoutCurrentContextListsItsContextsWhenNothingElseWorks) {
  auto config = loadExplicit(R"(contexts:
- name: a
  context: {cluster: x}
- name: b
  context: {cluster: x}
)");

  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("no current-context"));
  EXPECT_THAT(config.error().message, HasSubstr("contexts: a, b"));
}

TEST_F(KubeconfigTest, ContextFlagOverridesCurrentContext) {
  auto config = loadExplicit(R"(current-context: a
clusters:
- {name: ca, cluster: {server: https://a:1}}
- {name: cb, cluster: {server: https://b:2}}
contexts:
- {name: a, context: {cluster: ca}}
- {name: b, context: {cluster: cb}}
)",
                             "b");

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->context_name, "b");
  EXPECT_EQ(config->server, "https://b:2");
}

TEST_F(KubeconfigTest, NamespaceComesFromTheContextAndDefaultsToDefault) {
  const std::string kubeconfig = R"(current-context: plain
clusters: [{name: c, cluster: {server: https://c:1}}]
contexts:
- {name: plain, context: {cluster: c}}
- {name: scoped, context: {cluster: c, namespace: chaos-lab}}
)";

  auto plain = loadExplicit(kubeconfig);
  auto scoped = loadExplicit(kubeconfig, "scoped");

  ASSERT_TRUE(plain.ok()) << plain.error().message;
  ASSERT_TRUE(scoped.ok()) << scoped.error().message;
  EXPECT_EQ(plain->namespace_name, "default");
  EXPECT_EQ(scoped->namespace_name, "chaos-lab");
}

TEST_F(KubeconfigTest, ContextWithAnInvalidNamespaceIsRejected) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: https://c:1}}]
contexts: [{name: a, context: {cluster: c, namespace: Not_A_Label}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "contexts[a].namespace");
}

TEST_F(KubeconfigTest, RelativePathsResolveAgainstTheKubeconfigDirectory) {
  write("cfg/certs/ca.crt", "CA FROM FILE\n");
  write("cfg/certs/client.crt", "CERT FROM FILE\n");
  write("cfg/certs/client.key", "KEY FROM FILE\n");
  write("cfg/token", " file-token\n");
  const std::string kubeconfig = write("cfg/config", R"(current-context: a
clusters:
- name: c
  cluster:
    server: https://c:6443
    certificate-authority: certs/ca.crt
    tls-server-name: api.internal
users:
- name: u
  user:
    client-certificate: certs/client.crt
    client-key: ./certs/client.key
    tokenFile: token
contexts:
- {name: a, context: {cluster: c, user: u}}
)");

  auto config = loadRestConfig({kubeconfig, ""}, environment_);

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->ca_pem, "CA FROM FILE\n");
  EXPECT_EQ(config->client_cert_pem, "CERT FROM FILE\n");
  EXPECT_EQ(config->client_key_pem, "KEY FROM FILE\n");
  EXPECT_EQ(config->bearer_token, "file-token");
  EXPECT_EQ(config->bearer_token_file, path("cfg/token"));
  EXPECT_EQ(config->tls_server_name, "api.internal");
}

TEST_F(KubeconfigTest, UnreadableReferencedFileNamesTheField) {
  auto config = loadExplicit(R"(current-context: a
clusters:
- {name: c, cluster: {server: https://c:1, certificate-authority: missing-ca.crt}}
contexts: [{name: a, context: {cluster: c}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "clusters[c].certificate-authority");
  EXPECT_THAT(config.error().message, HasSubstr(path("missing-ca.crt")));
}

TEST_F(KubeconfigTest, DataFieldsAreBase64Decoded) {
  auto config = loadExplicit(R"(current-context: a
clusters:
- name: c
  cluster:
    server: https://c:6443
    certificate-authority-data: Q0EgUEVNCg==
users:
- name: u
  user:
    client-certificate-data: |
      Q0VSVCBQ
      RU0K
    client-key-data: S0VZIFBFTQo=
contexts: [{name: a, context: {cluster: c, user: u}}]
)");

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->ca_pem, "CA PEM\n");
  EXPECT_EQ(config->client_cert_pem, "CERT PEM\n");
  EXPECT_EQ(config->client_key_pem, "KEY PEM\n");
}

TEST_F(KubeconfigTest, InvalidBase64NamesTheFileAndTheField) {
  const std::string kubeconfig = write("config", R"(current-context: a
clusters: [{name: c, cluster: {server: https://c:1}}]
users:
- name: admin
  user: {client-certificate-data: Q0VSVCBQRU0K, client-key-data: "not*base64"}
contexts: [{name: a, context: {cluster: c, user: admin}}]
)");

  auto config = loadRestConfig({kubeconfig, ""}, environment_);

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(config.error().field, "users[admin].client-key-data");
  EXPECT_EQ(config.error().message,
            "kubeconfig " + kubeconfig + ": users[admin].client-key-data: invalid base64");
}

TEST_F(KubeconfigTest, Base64WithBrokenPaddingIsInvalid) {
  for (const std::string encoded : {"YQ", "YWI", "Y===", "YQ=a", "YQ==YQ==", "YW-j"}) {
    SCOPED_TRACE(encoded);
    auto config = loadExplicit(
        "current-context: a\n"
        "clusters: [{name: c, cluster: {server: https://c:1, "
        "certificate-authority-data: \"" +
        encoded + "\"}}]\n" + "contexts: [{name: a, context: {cluster: c}}]\n");
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().field, "clusters[c].certificate-authority-data");
  }
}

TEST_F(KubeconfigTest, Base64PaddingVariantsDecode) {
  for (const auto& [encoded, decoded] :
       {std::pair{"YQ==", "a"}, std::pair{"YWI=", "ab"}, std::pair{"YWJj", "abc"}}) {
    SCOPED_TRACE(encoded);
    auto config =
        loadExplicit(std::string("current-context: a\n") +
                     "clusters: [{name: c, cluster: {server: https://c:1, "
                     "certificate-authority-data: \"" +
                     encoded + "\"}}]\n" + "contexts: [{name: a, context: {cluster: c}}]\n");
    ASSERT_TRUE(config.ok()) << config.error().message;
    EXPECT_EQ(config->ca_pem, decoded);
  }
}

TEST_F(KubeconfigTest, MissingContextListsTheKnownContexts) {
  const std::string kubeconfig = write("config", R"(current-context: dev
clusters: [{name: c, cluster: {server: https://c:1}}]
contexts:
- {name: b, context: {cluster: c}}
- {name: a, context: {cluster: c}}
)");

  auto config = loadRestConfig({kubeconfig, ""}, environment_);

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(config.error().field, "current-context");
  EXPECT_EQ(config.error().message,
            "kubeconfig " + kubeconfig + ": context \"dev\" not found (contexts: a, b)");
}

TEST_F(KubeconfigTest, MissingContextFromTheFlagNamesTheFlag) {
  auto config = loadExplicit(kSimpleKubeconfig, "staging");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "--context");
  EXPECT_THAT(config.error().message, HasSubstr("context \"staging\" not found (contexts: main)"));
}

TEST_F(KubeconfigTest, ContextFlagWithoutAnyKubeconfigIsAnError) {
  writeServiceAccount();

  auto config = loadRestConfig({"", "main"}, environment_);

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "--context");
}

TEST_F(KubeconfigTest, MissingClusterListsTheKnownClusters) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: prod, cluster: {server: https://p:1}}]
contexts: [{name: a, context: {cluster: staging}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "contexts[a].cluster");
  EXPECT_THAT(config.error().message,
              HasSubstr("contexts[a].cluster: cluster \"staging\" not found (clusters: prod)"));
}

TEST_F(KubeconfigTest, ContextWithoutClusterIsAnError) {
  auto config = loadExplicit(R"(current-context: a
contexts: [{name: a, context: {user: u}}]
users: [{name: u, user: {token: t}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "contexts[a].cluster");
}

TEST_F(KubeconfigTest, MissingUserListsTheKnownUsers) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: https://c:1}}]
contexts: [{name: a, context: {cluster: c, user: ghost}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "contexts[a].user");
  EXPECT_THAT(config.error().message, HasSubstr("user \"ghost\" not found (no users defined)"));
}

TEST_F(KubeconfigTest, ContextWithoutUserIsAnonymous) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: https://c:1}}]
contexts: [{name: a, context: {cluster: c}}]
)");

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->bearer_token, "");
  EXPECT_EQ(config->client_cert_pem, "");
}

TEST_F(KubeconfigTest, ClusterWithoutServerIsAnError) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {insecure-skip-tls-verify: true}}]
contexts: [{name: a, context: {cluster: c}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "clusters[c].server");
}

TEST_F(KubeconfigTest, ServerWithoutSchemeGetsHttpsWhenTlsIsConfigured) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: "10.0.0.1:6443", insecure-skip-tls-verify: true}}]
contexts: [{name: a, context: {cluster: c}}]
)");

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://10.0.0.1:6443");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
}

TEST_F(KubeconfigTest, ServerWithAnotherSchemeIsRejected) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: "ftp://c:21"}}]
contexts: [{name: a, context: {cluster: c}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "clusters[c].server");
}

TEST_F(KubeconfigTest, CertificateAuthorityFileAndDataTogetherAreRejected) {
  write("ca.crt", "CA");
  auto config = loadExplicit(R"(current-context: a
clusters:
- {name: c, cluster: {server: https://c:1, certificate-authority: ca.crt,
                      certificate-authority-data: Q0EgUEVNCg==}}
contexts: [{name: a, context: {cluster: c}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "clusters[c].certificate-authority");
}

TEST_F(KubeconfigTest, InsecureTogetherWithCertificateAuthorityIsRejected) {
  auto config = loadExplicit(R"(current-context: a
clusters:
- {name: c, cluster: {server: https://c:1, insecure-skip-tls-verify: true,
                      certificate-authority-data: Q0EgUEVNCg==}}
contexts: [{name: a, context: {cluster: c}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "clusters[c].insecure-skip-tls-verify");
}

TEST_F(KubeconfigTest, ClientCertificateWithoutKeyIsRejected) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: https://c:1}}]
users: [{name: u, user: {client-certificate-data: Q0VSVCBQRU0K}}]
contexts: [{name: a, context: {cluster: c, user: u}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "users[u].client-key");
}

TEST_F(KubeconfigTest, MalformedYamlIsAnErrorWithTheParserMessage) {
  const std::string kubeconfig = write("config", "clusters: [unclosed\n  - {\n");

  auto config = loadRestConfig({kubeconfig, ""}, environment_);

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalid);
  EXPECT_THAT(config.error().message, HasSubstr("kubeconfig " + kubeconfig + ": not valid YAML: "));
}

TEST_F(KubeconfigTest, WrongShapesAreInvalidNeverACrash) {
  const std::string kinds[] = {
      "- just\n- a list\n",
      "plain scalar\n",
      "current-context: {a: b}\n",
      "clusters: 5\n",
      "clusters: [5]\n",
      "clusters: [{cluster: {server: https://c:1}}]\n",
      "clusters: [{name: [x], cluster: {}}]\n",
      "clusters: [{name: c, cluster: [1, 2]}]\n",
      "clusters: [{name: c, cluster: {server: {a: 1}}}]\n",
      "clusters: [{name: c, cluster: {insecure-skip-tls-verify: maybe}}]\n",
      "clusters: [{name: c, cluster: {}}, {name: c, cluster: {}}]\n",
      "users: {admin: {token: t}}\n",
      "contexts: [{name: a, context: {cluster: [c]}}]\n",
  };
  for (const std::string& kubeconfig : kinds) {
    SCOPED_TRACE(kubeconfig);
    auto config = loadExplicit(kubeconfig);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, ErrorCode::kInvalid);
    EXPECT_THAT(config.error().message, HasSubstr("kubeconfig " + path("config") + ": "));
  }
}

TEST_F(KubeconfigTest, ExecUserIsNotSupportedAndNamesTheUser) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: https://c:1}}]
users:
- name: eks-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
contexts: [{name: a, context: {cluster: c, user: eks-admin}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "users[eks-admin].exec");
  EXPECT_THAT(config.error().message, HasSubstr("not supported"));
  EXPECT_THAT(config.error().message, HasSubstr("\"eks-admin\""));
}

TEST_F(KubeconfigTest, AuthProviderUserIsNotSupported) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: https://c:1}}]
users: [{name: gke, user: {auth-provider: {name: gcp}}}]
contexts: [{name: a, context: {cluster: c, user: gke}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "users[gke].auth-provider");
  EXPECT_THAT(config.error().message, HasSubstr("not supported"));
}

TEST_F(KubeconfigTest, UnsupportedUserThatIsNotSelectedDoesNotMatter) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: https://c:1}}]
users:
- {name: plugin, user: {exec: {command: aws}}}
- {name: plain, user: {token: plain-token}}
contexts: [{name: a, context: {cluster: c, user: plain}}]
)");

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->bearer_token, "plain-token");
}

TEST_F(KubeconfigTest, BasicAuthenticationIsRejectedClearly) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: https://c:1}}]
users: [{name: u, user: {username: admin, password: secret}}]
contexts: [{name: a, context: {cluster: c, user: u}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.error().message, HasSubstr("basic authentication"));
}

TEST_F(KubeconfigTest, StaticTokenWinsOverTokenFileWhichIsKeptForRotation) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: https://c:1}}]
users: [{name: u, user: {token: inline, tokenFile: not-read-yet}}]
contexts: [{name: a, context: {cluster: c, user: u}}]
)");

  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->bearer_token, "inline");
  EXPECT_EQ(config->bearer_token_file, path("not-read-yet"));
}

TEST_F(KubeconfigTest, UnreadableTokenFileIsAnError) {
  auto config = loadExplicit(R"(current-context: a
clusters: [{name: c, cluster: {server: https://c:1}}]
users: [{name: u, user: {tokenFile: absent}}]
contexts: [{name: a, context: {cluster: c, user: u}}]
)");

  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().field, "users[u].tokenFile");
}

}  // namespace
}  // namespace aftershock::op
