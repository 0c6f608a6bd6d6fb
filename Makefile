# The two set-up commands of the README: `make setup` installs everything on a fresh machine,
# `make test` runs the whole suite. `.ci/run` runs exactly these two.
PYTHON ?= python3
# rustup installs cargo under ~/.cargo/bin, which is not always on PATH.
CARGO ?= $(shell command -v cargo 2>/dev/null || echo $$HOME/.cargo/bin/cargo)

.PHONY: setup test test-fast bench gpu_stats

setup:
	apt-get update && apt-get install -y chromium postgresql-15
	$(PYTHON) -m pip install -e '.[dev]'
	$(MAKE) gpu_stats

gpu_stats:
	$(CARGO) build --release --manifest-path gpu_stats/Cargo.toml
	mkdir -p tracklab/_bin && cp gpu_stats/target/release/gpu_stats tracklab/_bin/gpu_stats

# Two worker processes, a whole test file each at a time (a file's servers and stores are made
# once, in one process): most tests wait on servers, writers and the browser, so two at once
# finish the suite in about two thirds of the time on a 2-core machine.
test:
	$(PYTHON) -m pytest -q -n 2 --dist loadfile tests

# The quick loop while developing: everything but the slow, browser and server tests.
test-fast:
	$(PYTHON) -m pytest -q -m "not slow and not browser and not server" tests

bench:
	$(PYTHON) bench/run.py
