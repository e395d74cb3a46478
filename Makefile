# Backprop Explorer: `make serve` sets up and starts the server, `make test` sets up and runs every test.
# Setup steps leave stamp files in .venv/ and static/vendor/, so a second run skips them; they re-run when
# pyproject.toml, the Python lock files (requirements/, `make lock`) or package-lock.json change. The page's
# bundle (static/bundle/) is rebuilt whenever a file under static/js/ or static/css/ is newer than it, so
# `make serve` or `make test` after an edit serves the edit (a server started otherwise on a stale bundle serves
# the modules unbundled: app/pages.py).

SHELL := /bin/bash
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# pytest's worker processes (pytest-xdist); 0: every test in pytest's own process. 0 by default: with 2 workers on
# a loaded 2-core machine the timing-bound classroom and nginx tests (hellos within a timeout, 300 sockets) failed
# in one run of two; `make test PYTEST_WORKERS=2` on a quiet machine.
PYTEST_WORKERS ?= 0
BENCH_ARGS ?=
LOCK_ARGS ?=
# One benchmark by name (`make bench BENCH=bench_trace BENCH_ARGS=--skip-http`); empty: all of them.
BENCH ?=

VENV := .venv
PY := $(VENV)/bin/python
STAMP_APP := $(VENV)/.stamp-app
STAMP_TEST := $(VENV)/.stamp-test
# The last file the asset copy writes doubles as its stamp (no stray stamp file lands in the wheel).
STAMP_ASSETS := static/vendor/katex/katex.min.css
# The bundler writes its manifest last.
STAMP_BUNDLE := static/bundle/manifest.json
BUNDLE_SOURCES := $(shell find static/js static/css -type f)

.PHONY: serve test setup setup-test lock bench mutate clean

serve: setup
	$(PY) -m app serve --host $(HOST) --port $(PORT)

# The page's pure modules first (Node's own test runner, tests/js/; quick, and loud when they fail), then pytest.
test: setup-test
	@echo "==> node --test tests/js (the page's pure modules)"
	@node --test --test-reporter=spec tests/js/*.test.mjs
	@scripts/ensure-servers.sh
	@chromium="$$(scripts/ensure-chromium.sh)"; \
	echo "==> pytest (xdist workers: $(PYTEST_WORKERS), Chromium: $$chromium)"; \
	CHROMIUM_PATH="$$chromium" $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

setup: $(STAMP_APP) $(STAMP_ASSETS) $(STAMP_BUNDLE)

setup-test: $(STAMP_TEST) $(STAMP_ASSETS) $(STAMP_BUNDLE)

$(STAMP_APP): pyproject.toml requirements/runtime.txt requirements/build.txt scripts/install-python.sh
	PYTHON=$(PYTHON) scripts/install-python.sh
	@touch $@

$(STAMP_TEST): pyproject.toml requirements/test.txt scripts/install-python.sh
	PYTHON=$(PYTHON) scripts/install-python.sh test
	@touch $@ $(STAMP_APP)

$(STAMP_ASSETS): package.json package-lock.json
	scripts/setup-assets.sh

$(STAMP_BUNDLE): $(STAMP_ASSETS) scripts/bundle.mjs $(BUNDLE_SOURCES)
	node scripts/bundle.mjs

# Re-resolve the Python lock files from pyproject.toml's ranges (LOCK_ARGS=--upgrade: the newest releases).
lock:
	PYTHON=$(PYTHON) scripts/lock-python.sh $(LOCK_ARGS)

# The benchmark is not part of the tests: BENCH alone when given, else bench/run.py when present, else every
# bench/*.py in turn. Set up like the tests: the benchmarks' clients (httpx, websockets, Playwright) are test extras.
bench: setup-test
	@if [[ -n "$(BENCH)" ]]; then $(PY) bench/$(basename $(notdir $(BENCH))).py $(BENCH_ARGS); \
	elif [[ -f bench/run.py ]]; then $(PY) bench/run.py $(BENCH_ARGS); \
	else \
		ran=0; for f in bench/*.py; do \
			[[ -e "$$f" && "$$(basename "$$f")" != _* ]] || continue; \
			echo "==> $$f"; $(PY) "$$f" $(BENCH_ARGS) || exit 1; ran=1; \
		done; \
		[[ $$ran -eq 1 ]] || { echo "no benchmarks in bench/" >&2; exit 1; }; \
	fi

# Mutation testing of the core with mutmut 3 (pyproject.toml's [tool.mutmut]: which modules, tests/core alone);
# not part of `make test`. MUTATE_CHILDREN parallel runs (default 1: the machine is shared). Survivors:
# `.venv/bin/mutmut results`, one with `.venv/bin/mutmut show NAME`.
MUTATE_CHILDREN ?= 1
mutate: setup-test
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check "mutmut==3.8.1"  # pyproject's `mutate` extra; not in the lock (not part of make test)
	$(VENV)/bin/mutmut run --max-children $(MUTATE_CHILDREN)
	@$(VENV)/bin/mutmut export-cicd-stats >/dev/null && $(PY) scripts/mutation-score.py

clean:
	rm -rf $(VENV) node_modules static/vendor build dist test-artifacts .pytest_cache .hypothesis mutants
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
