// Small text helpers the tests that drive kubectl and read manifests share.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace aftershock::testing {

// `text` in single quotes for /bin/sh, embedded quotes escaped.
std::string shellQuote(const std::string& text);
// The whitespace-separated words of `line` (a row of `kubectl get`).
std::vector<std::string> words(const std::string& line);
// The non-empty lines of `text`.
std::vector<std::string> lines(const std::string& text);
bool contains(const std::string& text, const std::string& part);

// The source tree (AFTERSHOCK_SOURCE_DIR overrides the build's), where crds/, config/ and
// scripts/ are read from.
std::filesystem::path sourceDir();
// The value of a `# key: value` header line of a manifest, or "" without one.
std::string headerValue(const std::filesystem::path& file, const std::string& key);
// The YAML files of a folder, sorted, kustomization.yaml left out.
std::vector<std::filesystem::path> manifestsIn(const std::filesystem::path& folder);

}  // namespace aftershock::testing
