# Every target creates or refreshes the local virtual environment from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all venv test lint fmt typecheck unit test-under-load demo bench clean lock

all: test

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,helm]'
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check gitsync tests bench
	$(BIN)/ruff format --check gitsync tests bench
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format gitsync tests bench
	$(BIN)/ruff check --fix gitsync tests bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict gitsync

# The suite in parallel (docs/testing.md): one worker per core; each file's tests stay on
# one worker, in order (module fixtures, the README's commands); slow files are handed out
# first (tests/conftest.py orders them), so no worker ends alone on a long one.
PYTEST_PARALLEL := -n auto --dist loadfile --no-loadscope-reorder

unit: $(STAMP)
	$(BIN)/pytest $(PYTEST_PARALLEL)

test: lint typecheck unit

# The load-proof check: the suite RUNS times in a row while busy loops load every core;
# stops at the first failure. TESTS="tests/kube tests/diff" runs a part of the suite.
RUNS ?= 5
TESTS ?=
test-under-load: $(STAMP)
	scripts/load-test.sh $(RUNS) $(PYTEST_PARALLEL) $(TESTS)

demo: $(STAMP)
	$(BIN)/gitsync demo

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

# requirements.lock: what the container image installs (runtime, the helm extra and the
# build backend), every file pinned by sha256. Refresh after changing pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip install --quiet pip-tools
	PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= $(BIN)/pip-compile --quiet --generate-hashes \
		--allow-unsafe --strip-extras --extra helm --build-deps-for wheel \
		--index-url https://pypi.org/simple --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
