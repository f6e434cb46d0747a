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

.PHONY: setup up down status demo test lint bench examples audit clean

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

# The example inventories (inventories/examples: seeds 04 and 05): foundation and data layers built twice
# each, on a backend of their own (own state dir, stopped at the end); fails unless every second run
# reports changed=0. The overlay local_backend_overlay points them at the backend.
EXAMPLES ?= point_service pingvas
EXAMPLES_STATE_DIR ?= $(CURDIR)/.cache/examples-backend
examples: setup
	@set -euo pipefail; mkdir -p $(EXAMPLES_STATE_DIR); \
	$(PY) -m local_backend down --state-dir $(EXAMPLES_STATE_DIR) >/dev/null 2>&1 || true; \
	$(PY) -m local_backend up --state-dir $(EXAMPLES_STATE_DIR) --no-postgres --no-kubernetes >/dev/null; \
	trap '$(PY) -m local_backend down --state-dir $(EXAMPLES_STATE_DIR) >/dev/null' EXIT; \
	for ex in $(EXAMPLES); do for pass in 1 2; do start=$$SECONDS; \
	  LOCAL_BACKEND_DIR=$(EXAMPLES_STATE_DIR) ansible-playbook site.yml --tags foundation,data \
	    -i inventories/examples/$$ex -i inventories/examples/local_backend_overlay > $(EXAMPLES_STATE_DIR)/$$ex-$$pass.log 2>&1 \
	    || { tail -n 40 $(EXAMPLES_STATE_DIR)/$$ex-$$pass.log; exit 1; }; \
	  echo "$$ex run $$pass: $$((SECONDS - start)) s, $$(grep -E '^[a-z0-9.-]+ +: ok=' $(EXAMPLES_STATE_DIR)/$$ex-$$pass.log)"; \
	done; \
	grep -Eq ': ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' $(EXAMPLES_STATE_DIR)/$$ex-2.log \
	  || { echo "$$ex: the second run changed something (log: $(EXAMPLES_STATE_DIR)/$$ex-2.log)"; exit 1; }; \
	done

# Prowler (pinned; its own venv .venv/prowler, installed on first use) on what INVENTORY built on the local
# backend of `make up` / `make demo`: the findings on our resources by check, severity and resource, with totals;
# non-zero on a critical/high FAIL not in audit/mutelist.yaml. AUDIT_ARGS: --markdown (the README's table of medium
# findings), --real-account (the boto3 credential chain's account), --checks C ..., --ci-checks, --all.
AUDIT_ARGS ?=
audit: setup
	@$(PY) scripts/audit.py --inventory $(INVENTORY) $(AUDIT_ARGS)

clean: down
	rm -rf .cache .pytest_cache .ruff_cache cloudops-eks_platform-*.tar.gz
