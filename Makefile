# Front end for CMake presets. The two commands a newcomer needs:
#   make demo   installs dependencies, builds, runs example workflows (scripts/demo.py: a
#               tactus serve on the embedded store archiving 10,000 orders)
#   make test   installs dependencies, builds (debug: ASan+UBSan), runs every test
.PHONY: all deps build release demo test test-deps bench fuzz format clean

JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= jsonpath intrinsics definition aws_json wire bson_check bson_filter command pipeline \
                schedule_expression sigv4 jwt policy

all: build

deps:
	scripts/setup-deps

build: deps
	cmake --preset debug
	cmake --build --preset debug -j $(JOBS)

release: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS) --target tactus

demo: release
	@echo "== tactus validate examples/order-pipeline.json"
	@build/release/src/cli/tactus validate examples/order-pipeline.json
	@echo
	@echo "== tactus run, in memory (mocked tasks: stock reservation retried once, approval granted)"
	@build/release/src/cli/tactus run examples/order-pipeline.json \
	    --input @examples/order-pipeline.input.json \
	    --mock-config examples/order-pipeline.mocks.json --test-case HappyPath --fast-timers
	@echo
	@echo "== the same order, rejected by the approver"
	@build/release/src/cli/tactus run examples/order-pipeline.json \
	    --input @examples/order-pipeline.input.json \
	    --mock-config examples/order-pipeline.mocks.json --test-case Rejected \
	    --fast-timers || true
	@echo
	@python3 scripts/demo.py --tactus build/release/src/cli/tactus

test: build test-deps
	ctest --test-dir build/debug --output-on-failure -j $(JOBS)

# mongosh (npm) for tests/integration/test_docdb_mongosh.py; reinstalled only when its package.json
# or lockfile changes. Without npm or the registry the test is skipped, not failed.
test-deps: tests/integration/mongosh/node_modules/.package-lock.json

tests/integration/mongosh/node_modules/.package-lock.json: tests/integration/mongosh/package.json $(wildcard tests/integration/mongosh/package-lock.json)
	npm install --no-audit --no-fund --loglevel=error --prefix tests/integration/mongosh \
	  || echo "warning: npm install failed; the mongosh smoke test will be skipped" >&2

bench: deps
	bench/run.sh

fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$t && \
	  build/fuzz/fuzz/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
	    -artifact_prefix=build/fuzz/$${t}- \
	    build/fuzz/corpus/$$t fuzz/corpus/$$t || exit 1; \
	done

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
