# One command to run, one to test. Every target sets up what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PROJECTS := shared services/ingest services/enrich services/alert cli

.PHONY: install run test lint typecheck check clean

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

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy shared/src services/ingest/src services/enrich/src services/alert/src cli/src

check: lint typecheck test

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
