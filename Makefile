# Ping'an Hubei/Hunan: raw → processed → notebooks → site. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
# Make runs as many jobs as there are cores; output is grouped per target.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Kernels executing notebook runs at once: one more than the cores, since a kernel idles while its
# client reads and writes a cell's outputs (measured on 2 cores: 158 s for every run, against 175 s
# with two kernels).
KERNELS ?= $(shell echo $$(($(JOBS) + 1)))
MAKEFLAGS += --jobs=$(JOBS) --output-sync=target --no-print-directory

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
KERNEL := $(VENV)/share/jupyter/kernels/pingan-hubei-hunan/kernel.json
RAW := data/raw
PROCESSED := data/processed
DATA_STAMP := build/.data-built
RUNS_MK := build/runs.mk
SITE_STAMP := build/.site-built
# pip's own warnings about absent local indexes are noise here; real errors still stop the build.
PIP_FLAGS := --quiet --disable-pip-version-check

# What the data build reads, and what every notebook run reads: a change to any of these
# re-executes the runs (data/processed files change only when their content does).
BUILD_SOURCES := src/analysis/config.py $(wildcard src/analysis/dataset/*.py)
NOTEBOOK_SOURCES := src/analysis/config.py src/analysis/spreadsheet.py src/analysis/publish/execute.py src/analysis/publish/tags.py $(wildcard src/analysis/questions/*.py)
PROCESSED_FILES := $(wildcard $(PROCESSED)/*.csv $(PROCESSED)/*.json $(PROCESSED)/text/*.txt)
RUN_DEPS := $(PROCESSED_FILES) $(NOTEBOOK_SOURCES) $(KERNEL)

.PHONY: help setup lock audit diff data validate check-processed notebooks site test unit-test notebook-test all clean distclean benchmark benchmark-notebooks benchmark-site suggestion-precision

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-16s %s\n", $$1, $$2}'

# The packages are installed by uv (pinned in installer.lock; put in .venv/installer, outside the
# environment's own packages): it installs and compiles them in parallel, in 42 s on two cores
# (download cache filled) where pip took about 2 min 10 s.
$(STAMP): requirements.lock installer.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "Python >= 3.10 is needed, found " + sys.version' 
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) --require-hashes --target $(VENV)/installer -r installer.lock
	PYTHONPATH=$(VENV)/installer $(PY) -m uv pip install --python $(PY) --quiet --require-hashes \
	  --compile-bytecode -r requirements.lock
	$(PY) -m pip install $(PIP_FLAGS) --no-deps -e .
	touch $@

setup: $(STAMP) ## Create .venv from requirements.lock (only when the lock or pyproject changed)

lock: ## Re-resolve requirements.lock from pyproject.toml (needs network; review the diff)
	$(PYTHON) -m pip install $(PIP_FLAGS) --require-hashes --target .lock-tools -r installer.lock
	PYTHONPATH=.lock-tools $(PYTHON) -m uv pip compile pyproject.toml --extra test --universal \
	  --python-version 3.10 --generate-hashes --no-header -o requirements.lock
	rm -rf .lock-tools

validate: $(STAMP) ## Check data/raw and print every problem (writes nothing)
	$(PY) -m analysis validate --raw $(RAW)

audit: $(STAMP) ## Show, per report, how every number mention was decided (fails on undecided ones)
	$(PY) -m analysis audit --raw $(RAW)

diff: $(STAMP) ## What changed in the dataset since a revision: make diff REV=HEAD~1 (default HEAD)
	$(PY) -m analysis diff $(or $(REV),HEAD)

data: $(DATA_STAMP) ## Validate data/raw and rebuild data/processed (atomically; untouched on error)

# The build leaves data/processed untouched when the result is identical, so notebooks re-run only
# when the data really change.
$(DATA_STAMP): $(STAMP) $(shell find $(RAW) -type f 2>/dev/null) $(BUILD_SOURCES)
	$(PY) -m analysis build --raw $(RAW) --out $(PROCESSED)
	@mkdir -p $(@D) && touch $@
$(PROCESSED_FILES): $(DATA_STAMP) ;

$(KERNEL): $(STAMP) src/analysis/publish/execute.py src/analysis/publish/kernel.py
	$(PY) -m analysis kernel

# Checks every run's parameters against its notebook's parameters cell (names and types).
$(RUNS_MK): notebooks/runs.yaml $(wildcard notebooks/*.ipynb) src/analysis/publish/runs.py src/analysis/questions/parameters.py $(STAMP)
	$(PY) -m analysis runs --makefile $@

# Rules for every run (build/notebooks/<run_id>.ipynb); GNU make remakes this file when stale.
# `include`, not `-include`: a runs.yaml that fails the check stops make, instead of make going
# on with the last good rules.
ifeq ($(filter help clean distclean lock setup,$(MAKECMDGOALS)),)
include $(RUNS_MK)
endif

notebooks: $(NOTEBOOK_OUTPUTS) ## Execute every run of notebooks/runs.yaml with papermill (in parallel)

# The book's pages come from the executed runs, runs.yaml (its table of contents), the data
# (provenance page, citations), the glossary and the publishing code; a stamp, because an
# incremental build leaves unchanged pages (and so possibly index.html) untouched.
SITE_SOURCES := CITATION.cff docs/glossary.csv $(wildcard src/analysis/publish/*.py src/analysis/publish/static/*)
$(SITE_STAMP): $(NOTEBOOK_OUTPUTS) notebooks/runs.yaml $(PROCESSED_FILES) $(SITE_SOURCES) $(STAMP)
	@$(PY) -m analysis site
	@touch $@

site: $(SITE_STAMP) ## Render the executed runs as a book, without re-executing them (build/site/index.html)

check-processed: $(STAMP) ## Fail if data/processed is not exactly what the build makes
	$(PY) -m analysis check-processed --raw $(RAW) --out $(PROCESSED)

test: unit-test notebook-test ## Run every test (unit tests, then notebooks and site)

unit-test: $(STAMP) ## Unit tests of src/analysis and the data (seconds)
	$(PY) -m pytest tests

# Four pytest sessions, which make runs in parallel (--jobs), the longest first: nbval re-executes
# one run of each notebook and compares the cells marked NBVAL_CHECK_OUTPUT; test_executed.py reads
# the executed runs and executes some again (these two need the runs, not the site); test_site.py
# reads the book and builds it again; test_browser.py reads it in Chromium. Each session has a
# temporary directory of its own (concurrent sessions would share and clean pytest's default one).
NOTEBOOK_TESTS := notebook-test-site notebook-test-nbval notebook-test-executed notebook-test-browser
.PHONY: $(NOTEBOOK_TESTS)
NOTEBOOK_PYTEST = $(PY) -m pytest -p no:cacheprovider --basetemp=build/.pytest-$(@:notebook-test-%=%)
notebook-test: $(NOTEBOOK_TESTS) ## Execute notebooks, render the site, then nbval, the site tests and the browser test
notebook-test-nbval: $(NOTEBOOK_OUTPUTS)
	$(NOTEBOOK_PYTEST) --nbval-lax --nbval-kernel-name pingan-hubei-hunan \
	  --nbval-sanitize-with tests_notebooks/sanitize.cfg $(NBVAL_RUNS)
notebook-test-executed: $(NOTEBOOK_OUTPUTS)
	$(NOTEBOOK_PYTEST) tests_notebooks/test_executed.py
notebook-test-site: site
	$(NOTEBOOK_PYTEST) tests_notebooks/test_site.py
notebook-test-browser: site
	$(NOTEBOOK_PYTEST) tests_notebooks/test_browser.py

all: site ## Build everything: processed data, executed notebooks, the book (build/site/index.html)

benchmark: $(STAMP) ## Time validate + build on a synthetic corpus (1,000 reports, 100,000 observations)
	$(PY) benchmarks/bench_build.py

suggestion-precision: $(STAMP) ## Precision and recall of the candidate sheet's suggestions, leave one report out
	$(PY) benchmarks/suggestion_precision.py

benchmark-notebooks: $(KERNEL) $(RUNS_MK) ## Time the notebook build against its floor, and incremental builds
	KERNELS=$(KERNELS) $(PY) benchmarks/bench_notebooks.py

benchmark-site: site ## Time the site build from scratch, a no-op `make all`, and a rebuild after one run changes
	$(PY) benchmarks/bench_site.py

clean: ## Remove caches and temporary build directories (keeps .venv and data/processed)
	rm -rf .pytest_cache .hypothesis build .lock-tools
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +
	rm -rf data/.processed-new-* data/.processed-old-*

distclean: clean ## Also remove the virtual environment
	rm -rf $(VENV)
