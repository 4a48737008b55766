# TrustPulse: `make run` starts the suite with demo data, `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN = $(VENV)/bin
# `make run` installs only what the suite needs to run; `make test` adds the test extras.
RUN_STAMP = $(VENV)/.installed-run
TEST_STAMP = $(VENV)/.installed-test

.PHONY: install run test lint bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	touch $(RUN_STAMP)

# The tests drive the Python client (clients/python) against a live suite.
$(TEST_STAMP): pyproject.toml clients/python/pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[test]' -e clients/python
	touch $(RUN_STAMP) $(TEST_STAMP)

install: $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/trustpulse up --demo

test: $(TEST_STAMP)
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check services shared tests bench clients

bench: $(TEST_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .trustpulse .pytest_cache
