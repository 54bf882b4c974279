# Two entry points on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench validate docs clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $(STAMP)

# The flagship: one WCA gas in shear at every level (particles, DSMC, Navier–Stokes, Euler) and a
# report walking down the hierarchy (runs/demo/report.html). Compiled kernels are cached in
# ~/.cache/bbgky, so a second `make demo` starts fast.
demo: $(STAMP)
	$(BIN)/bbgky run --example flagship_wca_shear --out runs/demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/pip install -q -e ".[test,bench]"
	$(BIN)/python bench/md_lj.py

docs: $(STAMP)
	$(BIN)/python docs/gen_config_reference.py

clean:
	rm -rf runs .pytest_cache
