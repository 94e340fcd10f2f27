# Quick start: `make report` (the main job) and `make test` (the whole suite).
# Each sets up its own virtual environment the first time, with every extra ([all]) and the dev tools.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The shared snapshot beside the repository makes everything work offline.
ifneq ($(wildcard ../shared/data),)
export RISKCURVE_SNAPSHOT ?= $(abspath ../shared/data)
endif
export RISKCURVE_STORE ?= $(abspath out/riskcurve.duckdb)

.PHONY: report test lint typecheck bench clean

# The editable install leaves src/ uncompiled; with PYTHONDONTWRITEBYTECODE set, every command
# would compile the package again (about 1.5 s). compileall does what a wheel install does.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/riskcurve update
	$(BIN)/riskcurve regime
	$(BIN)/riskcurve report --out out/report.html

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_report.py
	$(BIN)/python benchmarks/bench_dashboard.py
	$(BIN)/python benchmarks/bench_event_study.py
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
