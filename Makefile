# Ping'an Hubei/Hunan: raw → processed → (notebooks → site). `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RAW := data/raw
PROCESSED := data/processed
# pip's own warnings about absent local indexes are noise here; real errors still stop the build.
PIP_FLAGS := --quiet --disable-pip-version-check

.PHONY: help setup lock data validate check-processed test all clean distclean benchmark

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python >= 3.10 is needed, found " + sys.version' 
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) --require-hashes -r requirements.lock
	$(PY) -m pip install $(PIP_FLAGS) --no-deps -e .
	touch $@

setup: $(STAMP) ## Create .venv from requirements.lock (only when the lock or pyproject changed)

lock: ## Re-resolve requirements.lock from pyproject.toml (needs network; review the diff)
	$(PYTHON) -m pip install $(PIP_FLAGS) --target .lock-tools uv==0.13.9
	PYTHONPATH=.lock-tools $(PYTHON) -m uv pip compile pyproject.toml --extra test --universal \
	  --python-version 3.10 --generate-hashes --no-header -o requirements.lock
	rm -rf .lock-tools

validate: setup ## Check data/raw and print every problem (writes nothing)
	$(PY) -m analysis validate --raw $(RAW)

data: setup ## Validate data/raw and rebuild data/processed (atomically; untouched on error)
	$(PY) -m analysis build --raw $(RAW) --out $(PROCESSED)

check-processed: setup ## Fail if data/processed is not exactly what the build makes
	$(PY) -m analysis check-processed --raw $(RAW) --out $(PROCESSED)

test: setup ## Run every test
	$(PY) -m pytest

all: setup data ## Build everything: the processed data (notebooks and site: see README)

benchmark: setup ## Time validate + build on a synthetic corpus (1,000 reports, 100,000 observations)
	$(PY) benchmarks/bench_build.py

clean: ## Remove caches and temporary build directories (keeps .venv and data/processed)
	rm -rf .pytest_cache .hypothesis build .lock-tools
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
	rm -rf data/.processed-new-* data/.processed-old-*

distclean: clean ## Also remove the virtual environment
	rm -rf $(VENV)
