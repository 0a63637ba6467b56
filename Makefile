# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SHARED ?= ../shared

.PHONY: setup demo test bench bench-verify consistency lint clean

# CPU torch is installed first and pinned: a requirement that lets pip choose torch would pull a
# newer CUDA build (several GB). Everything else comes from pyproject.toml.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

setup: $(BIN)/.installed

demo: setup
	$(BIN)/narrate extract seeds/*.txt

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(shell command -v taskset >/dev/null && echo taskset -c 0) $(BIN)/python benchmarks/bench_extract.py --shared $(SHARED)

lint: setup
	$(BIN)/python -m ruff check src tests benchmarks scripts

clean:
	rm -rf $(VENV) build *.egg-info

bench-verify: setup
	$(BIN)/python benchmarks/bench_verify.py

consistency: setup
	$(BIN)/python scripts/dax_consistency.py --shared $(SHARED) --list
