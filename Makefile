# The two commands that matter: `make demo` (the main job) and `make test` (every test).
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test unit integration bench demo asan format clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DAFTERSHOCK_WERROR=ON $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Unit tests run in parallel; integration tests start real processes, so one at a time.
test: build
	@ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j $(JOBS)
	@ctest --test-dir $(BUILD_DIR) -L integration --output-on-failure

unit: build
	@ctest --test-dir $(BUILD_DIR) -L unit --output-on-failure -j $(JOBS)

integration: build
	@ctest --test-dir $(BUILD_DIR) -L integration --output-on-failure

bench: build
	@scripts/bench.sh $(BUILD_DIR)

demo: build
	@scripts/demo.sh $(BUILD_DIR)

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) test BUILD_DIR=build-asan BUILD_TYPE=Debug CMAKE_FLAGS=-DAFTERSHOCK_SANITIZE=address,undefined

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	@rm -rf $(BUILD_DIR) build-asan
