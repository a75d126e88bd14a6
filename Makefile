# `make run` and `make test` each set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test chromium bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	mkdir -p var
	$(BIN)/preorder serve

test: $(STAMP) chromium lint
	$(BIN)/pytest

# The browser tests drive Debian's Chromium (Playwright's own download cannot run here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/preorder_bench

bench: $(STAMP)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/preorder bench

# Lint, format and types: any finding fails `make test` before a single test runs.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
