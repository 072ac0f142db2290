# One check command for contributors and CI: `make check`.
# Install the tools first: pip install ".[test]" && pip install --group dev
# (pip >= 25.1; with an older pip: pip install ruff mypy cogapp).
PYTHON ?= python3
SOURCES = collusion tests benchmarks tools scripts sample_bids

.PHONY: check lint format-check types test docs

check: lint format-check types test

lint:
	$(PYTHON) -m ruff check $(SOURCES)

format-check:
	$(PYTHON) -m ruff format --check $(SOURCES)

types:
	$(PYTHON) -m mypy

test:
	$(PYTHON) -m pytest

# Rewrite every generated example in README.md and docs/ from fresh runs.
docs:
	$(PYTHON) -m cogapp -r -I . README.md docs/*.md
