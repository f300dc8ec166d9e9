# make demo / make test create or refresh .venv when pyproject.toml changes, then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv test test-fast demo lint clean-demo

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

lint: venv
	$(BIN)/ruff check src tests benchmarks

# every test, the few marked slow included (what CI and the README run)
test: venv lint
	$(BIN)/python -m pytest -q tests

# quicker iteration: skips the tests marked slow (they train models or run long pipelines)
test-fast: venv lint
	$(BIN)/python -m pytest -q -m "not slow" tests

demo: venv
	$(BIN)/python -m sportlens.demo demo-out

clean-demo:
	rm -rf demo-out
