# One command to run, one to test. Every target sets up what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PROJECTS := shared services/ingest services/enrich services/alert cli

.PHONY: install run test browser lint typecheck check clean lock compose-config compose-smoke

install: $(STAMP)

# Re-install when any project's dependencies change. Editable installs: code changes need nothing.
$(STAMP): $(addsuffix /pyproject.toml,$(PROJECTS)) requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "newswatch needs Python 3.11+ (set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		$(addprefix -e ,$(PROJECTS)) -r requirements-dev.txt
	@touch $@

run: install
	$(BIN)/newswatch dev

# The suite mostly waits (broker groups, services starting), so it runs in parallel even on 2 cores;
# whole files per worker keep module-wide fixtures (the spaCy model, a dashboard stack) loaded once.
PYTEST_WORKERS ?= 4
test: install browser
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Debian's Chromium for the dashboard's browser tests (Playwright drives /usr/bin/chromium; no browser is
# ever downloaded). Installed with apt when missing and running as root; otherwise those tests skip.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Debian's chromium for the browser tests"; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
				|| echo "chromium could not be installed: the browser tests will skip"; \
		else \
			echo "no /usr/bin/chromium (apt-get install chromium): the browser tests will skip"; \
		fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy shared/src services/ingest/src services/enrich/src services/alert/src cli/src

check: lint typecheck test

# Pin each service's runtime dependencies for its Docker image (services/*/requirements.lock) from the
# venv. Run after adding or upgrading a dependency; the image build fails on a package missing here.
lock: install
	$(BIN)/python scripts/lock_requirements.py

# Validate docker-compose.yml (and the smoke override) with Debian's docker-compose, when installed.
compose-config:
	NEWSWATCH_ADMIN_TOKEN=compose-config-check-token NEWSWATCH_BASE_IMAGE=python:3.11-slim \
		docker-compose -f docker-compose.yml -f docker-compose.smoke.yml config -q
	NEWSWATCH_ADMIN_TOKEN=compose-config-check-token docker-compose -f docker-compose.yml config -q

# The compose stack built and run on this machine (no image registry needed), checked end to end:
# tests/compose/run.sh. Installs docker.io/debootstrap and starts dockerd when missing (needs root).
compose-smoke: install
	bash tests/compose/run.sh

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
