#include "tests/support/text.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace aftershock::testing {

namespace fs = std::filesystem;

std::string shellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> result;
  for (std::string word; in >> word;) result.push_back(word);
  return result;
}

std::vector<std::string> lines(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> result;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) result.push_back(line);
  }
  return result;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

fs::path sourceDir() {
  if (const char* dir = std::getenv("AFTERSHOCK_SOURCE_DIR")) return dir;
  return AFTERSHOCK_DEFAULT_SOURCE_DIR;
}

std::string headerValue(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  const std::string prefix = "# " + key + ": ";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return {};
}

std::vector<fs::path> manifestsIn(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const fs::path& path = entry.path();
    if (entry.is_regular_file() && path.extension() == ".yaml" &&
        path.filename() != "kustomization.yaml") {
      files.push_back(path);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace aftershock::testing
