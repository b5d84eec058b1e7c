# The README's two commands are `make run` and `make test`; everything else is a helper.
# Each target creates the virtualenv on first use, so a fresh clone needs nothing else.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# torch goes in first and pinned: an unpinned torch pulled in by sentence-transformers would
# fetch a multi-GB CUDA build; 2.13.0 is the CPU build this project is tested with.
TORCH  ?= torch==2.13.0

.PHONY: run chat test test-fast lint bench eval ingest setup clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: setup ingest  ## set up, ingest the bundled bank, open the interview UI
	$(BIN)/interviewer ui

chat: setup ingest  ## the same interview in the terminal
	$(BIN)/interviewer chat

ingest: setup  ## ingest the bundled bank (does nothing when unchanged)
	$(BIN)/interviewer ingest bank/

test: setup  ## run the whole test suite
	$(BIN)/python -m pytest

test-fast: setup  ## tests that need neither the model nor a browser
	$(BIN)/python -m pytest -m "not slow and not browser"

lint: setup  ## ruff lint, format check and the mypy type check
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: setup  ## run every benchmark and print its figures
	$(BIN)/python -m benchmarks

setup: $(STAMP)  ## create .venv and install (once; again when pyproject.toml changes)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

clean:  ## remove the virtualenv and local data
	rm -rf $(VENV) .data
