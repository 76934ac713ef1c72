# Two commands do all the set-up on a fresh machine with Python >= 3.11, make and git:
#   make demo   -> .venv with ceasemon, runs the packaged baseline, writes results/baseline/
#   make test   -> .venv with the test extras, lint, then the whole test suite (notebooks included)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip

.PHONY: demo test test-fast lint format bench docs golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamp files record which extras are installed; they are redone when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/ceasemon validate baseline
	$(BIN)/ceasemon run baseline -o results/baseline --force

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n auto --dist loadfile

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -x -q -m "not slow" --ignore=tests/notebooks

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: $(VENV)/.installed-test
	$(BIN)/python -m ceasemon.scenario.docs > docs/scenarios.md
	$(BIN)/python -m ceasemon.clidocs > docs/cli.md

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-test
	$(PIP) install --quiet -e ".[test,bench]"
	touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench.py

golden: $(VENV)/.installed-test
	$(BIN)/python tests/golden/regenerate.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
