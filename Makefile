# The two commands: `make lab` opens the lessons, `make test` runs every test.
# Both create .venv and install everything they need on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test test-fast notebooks bench lint system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

system-deps:
	@sh scripts/system-deps.sh

lab: $(STAMP) system-deps  # (Jupyter refuses to run as root unless told to)
	$(BIN)/jupyter lab notebooks/01_basic_usage.ipynb $$([ "$$(id -u)" = 0 ] && echo --allow-root)

test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

test-fast: $(STAMP) system-deps  # everything but building a fresh Binder environment
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not slow"

notebooks: $(STAMP) system-deps  # re-execute the lessons and store their outputs
	$(BIN)/python tests/notebooks/run_notebooks.py

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]' torch==2.13.0
	touch $@

bench: $(VENV)/.bench-installed system-deps  # e.g. make bench ARGS="--case mlp --profile mlp"
	$(BIN)/python -m benchmarks $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
