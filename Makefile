# The two set-up commands of README.md: `make demo` and `make test`.
# Both install the Debian packages pipe links against when they are missing.

APT_PACKAGES := libopenblas-dev libpng-dev libjpeg62-turbo-dev libturbojpeg0 libhdf5-dev pkg-config curl
# What the tests start for real: a one-node Slurm cluster, Open MPI's mpirun, and headless Chromium for the reports.
TEST_APT_PACKAGES := slurm-wlm munge openmpi-bin libopenmpi-dev chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps test-deps demo test release fuzz

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "pipe: installing$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@command -v swift >/dev/null || { echo "pipe: swift is not on PATH; install Swift 6 (swift.org) and retry" >&2; exit 1; }

# The engines the Slurm and MPI tests use; when they cannot be installed, those tests say loudly that they skip.
test-deps:
	@missing=""; \
	for p in $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "pipe: installing$$missing for the tests"; \
		( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing ) \
			|| echo "pipe: could not install$$missing; the Slurm, MPI and browser tests will be skipped" >&2; \
	fi

release: deps
	swift build -c release --product pipe

# Main job: the quickstart pipeline on synthetic data that pipe generates, then the report's path.
demo: release
	.build/release/pipe validate pipelines/*.yaml
	.build/release/pipe run pipelines/quickstart.yaml
	@echo "report: $$(.build/release/pipe outputs pipelines/quickstart.yaml report | cut -f2)/index.html"

# Whole test suite, then the shipped pipelines and schemas through the debug binary.
test: deps test-deps
	swift build --build-tests
	@# The Slurm tests start a local cluster (Tests/Support/local-slurm.sh); it is stopped whatever the outcome.
	swift test --skip-build; status=$$?; bash Tests/Support/local-slurm.sh stop; exit $$status
	.build/debug/pipe validate pipelines/*.yaml

# Fuzzing (not part of `make test`): every parser of files pipe did not write, under libFuzzer and AddressSanitizer,
# FUZZ_SECONDS each (make fuzz FUZZ_SECONDS=600 FUZZ_TARGETS="png jpeg"). New corpus entries go to .build/fuzz/corpus,
# crashes to .build/fuzz/findings; Tests/Fuzz/README.md says what to do with a finding.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= pipeline schema png jpeg dicom keras safetensors pth breakhis-name cbis-csv
fuzz: deps
	@# swiftc leaves whole-module builds (all of release) without coverage under -sanitize=fuzzer alone, which would
	@# fuzz the Swift parsers blind: ask for libFuzzer's usual coverage explicitly.
	swift build -c release --product pipe-fuzz --build-path .build/fuzz --sanitize fuzzer --sanitize address -Xswiftc -DFUZZING \
		-Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp
	@mkdir -p .build/fuzz/findings
	@for target in $(FUZZ_TARGETS); do \
		mkdir -p .build/fuzz/corpus/$$target; \
		echo "pipe-fuzz: $$target for $(FUZZ_SECONDS) s"; \
		PIPE_FUZZ_TARGET=$$target PIPE_HDF5_TIME_LIMIT=4 ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 .build/fuzz/release/pipe-fuzz -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-max_len=262144 -detect_leaks=0 -print_final_stats=1 -artifact_prefix=.build/fuzz/findings/$$target- \
			.build/fuzz/corpus/$$target Tests/Fuzz/corpus/$$target > .build/fuzz/$$target.log 2>&1; status=$$?; \
		grep -E "^(stat::|SUMMARY|Done|==[0-9]+==ERROR|artifact_prefix)" .build/fuzz/$$target.log; \
		test $$status -eq 0 || { echo "pipe-fuzz: $$target found a failure; see .build/fuzz/$$target.log" >&2; exit 1; }; \
	done
