# The two set-up commands of README.md: `make demo` and `make test`.
# Both install the Debian packages pipe links against when they are missing.

APT_PACKAGES := libopenblas-dev libpng-dev libjpeg62-turbo-dev libturbojpeg0 libhdf5-dev pkg-config curl
# What the tests start for real: a one-node Slurm cluster, Open MPI's mpirun, and headless Chromium for the reports.
TEST_APT_PACKAGES := slurm-wlm munge openmpi-bin libopenmpi-dev chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps test-deps demo test release

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
