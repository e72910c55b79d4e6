#!/usr/bin/env bash
# Installs the Debian packages the build, tests, benchmarks and demo need. Idempotent and
# fast when everything is present: one dpkg query, no network.
set -euo pipefail

packages=(
  g++ cmake ninja-build make pkg-config
  libboost-dev libboost-system-dev libssl-dev
  libcpprest-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev
  libgtest-dev libgmock-dev
  wrk curl jq clang-format bsdextrautils python3 openssl
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
((${#missing[@]} == 0)) && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
