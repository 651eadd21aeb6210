# Every target creates or refreshes the local virtual environment from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all venv test lint fmt typecheck unit demo bench clean lock

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

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

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
