# The README's interface. Every target installs what it needs first (make setup is idempotent).
SHELL := /bin/bash
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PY := $(BIN)/python
STATE_DIR ?= $(CURDIR)/.local
INVENTORY ?= inventories/local
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export LOCAL_BACKEND_DIR := $(STATE_DIR)

.PHONY: setup up down status demo test lint bench clean

setup:
	@bash scripts/setup.sh

up: setup
	@$(PY) -m local_backend up --state-dir $(STATE_DIR) --postgres

down:
	@if [ -x $(PY) ]; then $(PY) -m local_backend down --state-dir $(STATE_DIR); else echo "nothing to stop"; fi

status: setup
	@$(PY) -m local_backend status --state-dir $(STATE_DIR)

# setup + up + the whole site.yml against the local backends + a summary read back from them.
demo: up
	ansible-playbook site.yml -i $(INVENTORY)
	@$(PY) scripts/summary.py --inventory $(INVENTORY)

# Lint, unit and integration tests, syntax checks and molecule; non-zero on any failure.
test: setup
	@bash scripts/test.sh

lint: setup
	@bash scripts/test.sh lint

bench: setup
	@$(PY) benchmarks/bench.py

clean: down
	rm -rf .cache .pytest_cache .ruff_cache cloudops-eks_platform-*.tar.gz
