# Two commands on a fresh machine: `make demo` and `make test`. Everything else installs itself.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench clean venv node tools checkov az

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# Azurite (Azure Storage emulator) for the store and queue tests.
node_modules/.bin/azurite: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch node_modules/.bin/azurite

node: node_modules/.bin/azurite

# checkov (Bicep policy checks) pins pycep-parser 0.5 and packaging 23, which conflict with
# requirements-dev.txt (pycep-parser>=0.7), so it gets its own venv; ~25 s to install.
TOOLS := .venv-tools
$(TOOLS)/bin/checkov:
	$(PY) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q --upgrade pip
	$(TOOLS)/bin/pip install -q "checkov==3.3.30"

tools: $(TOOLS)/bin/checkov

# The az CLI, for tests/e2e/sandbox/test_az_cli.py (every az command the bot suggests, run
# against the sandbox) and `python -m bot emulator --tls`. azure-cli pins its own versions of
# the Azure SDKs, so it gets its own venv; ~30 s to install from pip's cache, ~60 s without.
AZ_VENV := .venv-az
$(AZ_VENV)/bin/az:
	$(PY) -m venv $(AZ_VENV)
	$(AZ_VENV)/bin/pip install -q --upgrade pip
	$(AZ_VENV)/bin/pip install -q "azure-cli==2.91.0"

az: $(AZ_VENV)/bin/az

## make checkov: the Bicep in deploy/ against checkov's Azure policies (skips are justified inline).
checkov: tools
	$(TOOLS)/bin/checkov --framework bicep --skip-download --quiet --compact -d deploy

## make demo: the bot in the sandbox (emulated Azure estate + emulated Slack), interactive.
demo: $(STAMP)
	@echo "Try: /vpn status australia   /vpn status europe   /vpn help   (Ctrl-D to quit)"
	$(BIN)/python -m bot console --estate sandbox/estates/seed.json

## make test: lint, types and layer contracts, then the whole suite (unit, integration on the
## emulators and Azurite, e2e, golden transcripts). The suite mostly waits on loopback HTTP,
## so it runs on one pytest-xdist worker per core (every server in it uses an ephemeral port).
test: $(STAMP) node tools az lint
	$(BIN)/python -m pytest -n auto

## make lint: what pre-commit runs too (.pre-commit-config.yaml): ruff, the formatter, mypy strict
## and the import contracts in pyproject.toml ([tool.importlinter]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/status_fanout.py
	$(BIN)/python bench/ack_latency.py
	$(BIN)/python bench/cold_start.py

clean:
	rm -rf $(VENV) $(TOOLS) $(AZ_VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
