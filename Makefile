# The two commands that matter: `make demo` (the main job) and `make test` (every test).
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

# A machine without kubectl gets one built at the control plane's version (cluster-binaries);
# it is appended to PATH, so a kubectl the machine has always wins.
include scripts/cluster/versions.env
AFTERSHOCK_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/aftershock
export PATH := $(PATH):$(AFTERSHOCK_CACHE)/bin/kubectl-$(KUBE_VERSION)

.PHONY: all deps configure build test unit integration e2e bench demo demo-services asan format \
  clean cluster-up cluster-down cluster-binaries

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DAFTERSHOCK_WERROR=ON $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Unit tests run in parallel; integration and end-to-end tests start real processes (and a
# local control plane each), so one at a time.
test: build cluster-binaries
	@ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j $(JOBS)
	@ctest --test-dir $(BUILD_DIR) -L integration --output-on-failure
	@ctest --test-dir $(BUILD_DIR) -L e2e --output-on-failure

unit: build
	@ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j $(JOBS)

integration: build cluster-binaries
	@ctest --test-dir $(BUILD_DIR) -L integration --output-on-failure

# The samples applied with kubectl to a local control plane, the operator and both services
# running as processes (tests/e2e).
e2e: build cluster-binaries
	@ctest --test-dir $(BUILD_DIR) -L e2e --output-on-failure

bench: build cluster-binaries
	@scripts/bench.sh $(BUILD_DIR) $(BENCH_GROUPS)

# The operator end to end: a local control plane, the samples (through config/local), the results
# table. About three minutes once built.
demo: build cluster-binaries
	@scripts/demo.sh $(BUILD_DIR)

# The two services alone (no Kubernetes): the client's patterns against a failing backend.
demo-services: build
	@scripts/demo-services.sh $(BUILD_DIR)

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) test BUILD_DIR=build-asan BUILD_TYPE=Debug CMAKE_FLAGS=-DAFTERSHOCK_SANITIZE=address,undefined

# A real local control plane (etcd, kube-apiserver, controller-manager, scheduler, KWOK) on
# loopback. The state folder is recorded in .cluster/ so cluster-down stops exactly that one.
CLUSTER_RECORD := .cluster/state-dir
cluster-up: deps
	@mkdir -p .cluster
	@if [ -f $(CLUSTER_RECORD) ] && [ -d "$$(cat $(CLUSTER_RECORD))/pids" ]; then \
	  echo "cluster-up: already up (make cluster-down stops it)" >&2; \
	  echo "export KUBECONFIG=$$(cat $(CLUSTER_RECORD))/kubeconfig"; \
	else \
	  state=$$(mktemp -d $${TMPDIR:-/tmp}/aftershock-cluster.XXXXXX) && echo "$$state" > $(CLUSTER_RECORD) && \
	  scripts/cluster/up.sh "$$state" || { rm -f $(CLUSTER_RECORD); exit 1; }; \
	fi

# The control plane's binaries: built once with Go into ~/.cache/aftershock (about 15 min on
# two cores), then a no-op. Done before the integration tests so the build is not timed as one.
cluster-binaries: deps
	@scripts/cluster/binaries.sh >/dev/null && scripts/cluster/binaries.sh --kwok-stages >/dev/null
	@scripts/cluster/binaries.sh --kubectl >/dev/null

cluster-down:
	@if [ -f $(CLUSTER_RECORD) ]; then scripts/cluster/down.sh "$$(cat $(CLUSTER_RECORD))"; rm -f $(CLUSTER_RECORD); \
	else echo "cluster-down: no cluster recorded in $(CLUSTER_RECORD)" >&2; fi

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	@rm -rf $(BUILD_DIR) build-asan
