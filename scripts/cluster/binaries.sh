#!/usr/bin/env bash
# Prints the folder holding etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
# kwok, building whatever is missing first. With --kwok-stages, prints instead the folder of
# KWOK's stage definitions (how fake nodes become Ready and pods Running), taken from the
# kwok module as published. With --kubectl, prints the folder of a kubectl: the machine's when
# it has one on PATH, else one built once at the control plane's version (the Makefile appends
# that folder to PATH, so a machine's own kubectl always wins). AFTERSHOCK_BUILD_KUBECTL=1
# builds it even when the machine has one.
#
# KUBEBUILDER_ASSETS (the controller-runtime envtest convention) wins when it holds the
# binaries. Otherwise they are built with Go from the module proxy into
# ${AFTERSHOCK_CACHE:-~/.cache/aftershock}/bin/<versions>/ once, and reused by every later run.
# A lock makes concurrent callers (parallel test binaries) wait for one build.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

has_all() {
  local dir=$1 binary
  for binary in "${binaries[@]}"; do [[ -x "$dir/$binary" ]] || return 1; done
}

cache_root=${AFTERSHOCK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aftershock}
log() { echo "cluster-binaries: $*" >&2; }

if [[ "${1:-}" == "--kwok-stages" ]]; then
  stages="$cache_root/kwok-stages-$KWOK_VERSION"
  if [[ ! -f "$stages/pod-ready.yaml" ]]; then
    command -v go >/dev/null || { log "Go is needed once to fetch KWOK's stage definitions"; exit 1; }
    module_dir=$(GOFLAGS= go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
    mkdir -p "$stages.tmp"
    # The "fast" set kwokctl uses: nodes initialise at once and renew a Lease; pods become
    # Ready at once and finish when deleted.
    for set in node/fast node/heartbeat-with-lease pod/fast; do
      for file in "$module_dir/kustomize/stage/$set"/*.yaml; do
        [[ $(basename "$file") == kustomization.yaml ]] || cp "$file" "$stages.tmp/"
      done
    done
    chmod -R u+w "$stages.tmp"
    rm -rf "$stages" && mv "$stages.tmp" "$stages"
  fi
  echo "$stages"
  exit 0
fi

# Kubernetes: a wrapper module that requires k8s.io/kubernetes and points each staging module
# (which the main module's go.mod replaces with ./staging/...) at its published release.
# Builds the k8s.io/kubernetes/cmd/... packages named into folder $1.
build_kubernetes_commands() {
  local into=$1
  shift
  local src="$cache_root/src/kubernetes-$KUBE_VERSION"
  mkdir -p "$src"
  local staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go
    cloud-provider cluster-bootstrap code-generator component-base component-helpers
    controller-manager cri-api cri-client csi-translation-lib dynamic-resource-allocation
    endpointslice externaljwt kms kube-aggregator kube-controller-manager kube-proxy
    kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission sample-apiserver
    sample-cli-plugin sample-controller)
  {
    echo "module aftershock.local/kubernetes-build"
    echo
    echo "go 1.24.0"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    local module
    for module in "${staging[@]}"; do
      echo "replace k8s.io/$module => k8s.io/$module $KUBE_STAGING_VERSION"
    done
  } >"$src/go.mod"
  local minor=${KUBE_VERSION#v1.}
  minor=${minor%%.*}
  local ldflags="" package
  for package in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $package.gitVersion=$KUBE_VERSION -X $package.gitMajor=1"
    ldflags+=" -X $package.gitMinor=$minor -X $package.gitTreeState=clean"
    ldflags+=" -X $package.buildDate=1970-01-01T00:00:00Z"
  done
  local packages=() command
  for command in "$@"; do packages+=("k8s.io/kubernetes/cmd/$command"); done
  (cd "$src" && GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=$GO_TOOLCHAIN go build -trimpath \
    -tags selinux,notest -ldflags "-s -w$ldflags" -o "$into/" "${packages[@]}")
}

build_kubernetes() {
  log "building Kubernetes $KUBE_VERSION (once; several minutes on 2 cores)"
  build_kubernetes_commands "$out" kube-apiserver kube-controller-manager kube-scheduler
}

# etcd: the server module's go.mod replaces its sibling modules with relative paths too.
build_etcd() {
  local src="$cache_root/src/etcd-$ETCD_VERSION"
  mkdir -p "$src"
  local module
  {
    echo "module aftershock.local/etcd-build"
    echo
    echo "go 1.26.0"
    echo
    echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION"
    echo
    for module in api/v3 client/pkg/v3 client/v3 pkg/v3 raft/v3; do
      echo "replace go.etcd.io/etcd/$module => go.etcd.io/etcd/$module $ETCD_VERSION"
    done
    # client/v2 is versioned v2.305.x alongside etcd 3.5.x.
    echo "replace go.etcd.io/etcd/client/v2 => go.etcd.io/etcd/client/v2 v2.305.${ETCD_VERSION##*.}"
  } >"$src/go.mod"
  log "building etcd $ETCD_VERSION"
  (cd "$src" && go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3)
}

build_kwok() {
  log "building kwok $KWOK_VERSION"
  GOBIN="$out" GOFLAGS= go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
}

if [[ "${1:-}" == "--kubectl" ]]; then
  if [[ -z "${AFTERSHOCK_BUILD_KUBECTL:-}" ]] && found=$(command -v kubectl); then
    dirname "$found"
    exit 0
  fi
  kubectl_dir="$cache_root/bin/kubectl-$KUBE_VERSION"
  if [[ ! -x "$kubectl_dir/kubectl" ]]; then
    mkdir -p "$kubectl_dir" "$cache_root/src"
    exec 9>"$cache_root/build.lock"
    flock 9
    if [[ ! -x "$kubectl_dir/kubectl" ]]; then
      command -v go >/dev/null || { log "Go is needed to build kubectl once (or install kubectl)"; exit 1; }
      log "no kubectl on PATH: building kubectl $KUBE_VERSION (once)"
      build_kubernetes_commands "$kubectl_dir" kubectl
    fi
  fi
  echo "$kubectl_dir"
  exit 0
fi

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]] && has_all "$KUBEBUILDER_ASSETS"; then
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

out="$cache_root/bin/kube-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
if has_all "$out"; then
  echo "$out"
  exit 0
fi

mkdir -p "$out" "$cache_root/src"
exec 9>"$cache_root/build.lock"
flock 9
has_all "$out" && { echo "$out"; exit 0; }

command -v go >/dev/null || { log "Go is needed to build the control plane once (apt install golang, or set KUBEBUILDER_ASSETS)"; exit 1; }

export GOFLAGS=-mod=mod CGO_ENABLED=0
started=$SECONDS

[[ -x "$out/etcd" ]] || build_etcd
[[ -x "$out/kwok" ]] || build_kwok
[[ -x "$out/kube-apiserver" && -x "$out/kube-controller-manager" && -x "$out/kube-scheduler" ]] || build_kubernetes
has_all "$out" || { log "build finished but binaries are missing in $out"; exit 1; }
log "built in $((SECONDS - started)) s into $out"
echo "$out"
