# booklet — `make` sets up and builds every booklet under content/ into dist/; `make test` tests.
SHELL := /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DIST := dist

# Debian packages the build needs: venv, the CJK and Latin fonts, WeasyPrint's Pango.
SYSTEM_PACKAGES := python3-venv fontconfig fonts-noto-cjk fonts-noto-core fonts-dejavu-core fonts-symbola \
                   libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

BOOKLETS := $(patsubst content/%/booklet.yml,%,$(sort $(wildcard content/*/booklet.yml)))
OUTPUTS := $(foreach b,$(BOOKLETS),$(DIST)/$(b).pdf $(DIST)/$(b).epub $(DIST)/$(b).html)
# Every booklet depends on the code and templates: a change there rebuilds them all.
CODE := $(shell find booklet templates -type f ! -name '*.pyc' ! -path '*/__pycache__/*' | sort)

.PHONY: all build booklets setup system test test-deps fuzz bench serve clean help
all: build

help:
	@echo "make        set up (venv, fonts, libraries) and build every booklet into $(DIST)/"
	@echo "make test   install the test tools, linters and validators; ruff, mypy, then the tests (wall time printed)"
	@echo "make fuzz   generated hostile booklets for a few minutes (FUZZ_EXAMPLES=n, FUZZ_SEED=n replays a run)"
	@echo "make bench  benchmarks beside pandoc (installs pandoc and TeX): writes bench/results.md"
	@echo "make serve  live preview of one booklet on http://127.0.0.1:$(PORT)/ (BOOKLET=name, PORT=n)"
	@echo "make clean  remove $(DIST)/ and the virtual environment"

setup: system $(VENV)/.installed

system:
	@bash tools/install-system-deps.sh $(SYSTEM_PACKAGES)

# Only what building needs (requirements.lock): the test and lint tools come with `make test`.
$(VENV)/.installed: pyproject.toml setup.py requirements.lock
	$(PYTHON) -m venv $(VENV)
	@# --no-compile: Python compiles what a build imports, when it first imports it (a third of pip's time here).
	$(PY) -m pip install --quiet --no-compile -r requirements.lock
	@# The build backend warns about beta pyproject support: not something a user can act on.
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

# Set up first, then ask Make whether any booklet is out of date (`--question` runs nothing):
# a no-op `make` says so and builds nothing; otherwise only the stale booklets are built, all
# by one run of booklet (Python, WeasyPrint and the fonts load once), the list of them from
# `make -n` (which runs nothing). With `-jN` (N > 1) each booklet is a run of its own, N at a
# time; `make -n` shows one line per booklet it would build.
build: setup
ifeq ($(OUTPUTS),)
	@echo "make: no booklet under content/ (a booklet is a folder with a booklet.yml)"
else
	@if $(MAKE) --no-print-directory --question booklets; then \
	    echo "make: nothing to build: every booklet in $(DIST)/ is up to date"; \
	else case " $$MAKEFLAGS " in \
	    *" -j1 "*|*" -j1"[!0-9]*) one=yes ;; *" -j"*) one= ;; *) one=yes ;; esac; \
	    case "$(firstword -$(MAKEFLAGS))" in *n*) one= ;; esac; \
	    if [ -n "$$one" ]; then \
	        stale=$$($(MAKE) --no-print-directory -n booklets | sed -n 's|^.* -m booklet build \(content/[^ ]*\) .*$$|\1|p'); \
	        echo $(PY) -m booklet build $$stale --out $(DIST); \
	        $(PY) -m booklet build $$stale --out $(DIST); \
	    else \
	        $(MAKE) --no-print-directory booklets; \
	    fi; \
	fi
endif

booklets: $(OUTPUTS)

# One run of booklet writes all three outputs of a booklet (a grouped target), so `make -j`
# builds several booklets at once and never one twice. A booklet depends on its own files
# and folders (a folder's time changes when a file is added, removed or renamed in it), on
# every module and template, and on the installed dependencies: nothing else.
# booklet writes each output atomically (a temporary file renamed into place), so a file in
# dist/ is always a whole one: Make must not delete it when a build is interrupted.
.PRECIOUS: $(DIST)/%.pdf $(DIST)/%.epub $(DIST)/%.html
.SECONDEXPANSION:
$(DIST)/%.pdf $(DIST)/%.epub $(DIST)/%.html: $$(shell find content/$$* | sort) $(CODE) $(VENV)/.installed
	$(PY) -m booklet build content/$* --out $(DIST)

# The test and lint tools (requirements-test.lock) into the same venv, then the validators.
test-deps: setup $(VENV)/.test-installed
	@bash tools/install-test-deps.sh

$(VENV)/.test-installed: requirements-test.lock $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-test.lock
	@touch $@

# The gates first (seconds), then the suite; the wall time of each is printed. The suite runs
# in TEST_JOBS processes (pytest-xdist), a test file to each: a file's module fixtures are made
# once; session fixtures (EPUBCheck's JVM, Ace) once in each process, and the builds several
# files share (the Kamailio booklet, the corpus) once in the run (tests/conftest.py once_per_run).
# `make test TEST_JOBS=0` runs it in this one process.
# The suite starts some seventy Python processes (the workers, each `python -m booklet` a test
# runs): with PYTHONDONTWRITEBYTECODE set, each compiled booklet (~0.5 s) and each worker
# compiled and assert-rewrote the tests (~5 s) again. The suite turns Python's bytecode cache
# (__pycache__, ignored by git) back on for itself.
LINTED := booklet tests tools
TEST_JOBS ?= 2
test: test-deps
	@start=$$(date +%s); \
	$(PY) -m ruff check $(LINTED) && $(PY) -m ruff format --check $(LINTED) && $(PY) -m mypy; \
	status=$$?; lint=$$(( $$(date +%s) - start )); \
	if [ $$status -eq 0 ]; then \
		env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -q -n $(TEST_JOBS) --dist loadfile; status=$$?; \
	fi; \
	echo "make test: lint $${lint} s, tests $$(( $$(date +%s) - start - lint )) s (wall time)"; \
	exit $$status

# The fuzzing harness (tests/test_fuzz.py) for longer than `make test` runs it: a new seed each
# time, printed, so that a run that finds a crash can be replayed with FUZZ_SEED=that seed.
FUZZ_EXAMPLES ?= 2000
FUZZ_SEED ?= $(shell date +%s)
fuzz: setup $(VENV)/.test-installed
	BOOKLET_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) BOOKLET_FUZZ_SEED=$(FUZZ_SEED) nice -n 10 $(PY) -m pytest -q -s tests/test_fuzz.py

# pandoc and Typst (PyPI) and XeTeX with xeCJK (Debian) are for the comparison only: the bench
# installs them. bench/justify.py sets the same text with Typst and XeLaTeX (bench/justify.md).
bench: setup
	@bash tools/install-system-deps.sh time texlive-xetex texlive-lang-chinese texlive-fonts-recommended lmodern
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) bench/run.py
	$(PY) bench/justify.py

# The live preview (booklet serve): rebuilds on every save, reloads the open page; Ctrl-C stops.
BOOKLET ?= $(firstword $(BOOKLETS))
PORT ?= 8000
serve: setup
	$(PY) -m booklet serve content/$(BOOKLET) --port $(PORT)

clean:
	rm -rf $(DIST) $(VENV) .pytest_cache
