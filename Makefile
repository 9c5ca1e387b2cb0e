# The two commands: `make lab` opens the lessons, `make test` runs every test.
# Both create .venv and install everything they need on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Stamps of what is installed: LAB, what the lessons need (the `lab` extra); STAMP, that and
# the test tools (installing both extras stamps both).
LAB    := $(VENV)/.lab-installed
STAMP  := $(VENV)/.installed

.PHONY: lab test test-fast notebooks bench lint system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# --no-compile: pip would byte-compile every module of some 100 packages (half the install
# time); Python compiles the few that the lab imports on first use
$(LAB): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --no-compile -e '.[lab]'
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(LAB)

system-deps:
	@sh scripts/system-deps.sh

# binder/postBuild, run with this Python, gives the lab Binder's settings and trusts the lessons
# (Jupyter refuses to run as root unless told to)
lab: $(LAB) system-deps
	PATH="$(abspath $(BIN)):$$PATH" sh binder/postBuild
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
