# Two commands on a fresh machine: `make run` builds the demo warehouse end to end,
# `make test` runs the whole suite, dbt build and lint.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export DAGSTER_HOME ?= $(CURDIR)/warehouse/dagster_home
# make test uses its own warehouse file so it never clobbers the one analysts read.
TEST_DB := $(CURDIR)/warehouse/test/inburgering.duckdb
TEST_LANDING := $(CURDIR)/warehouse/test/landing

.PHONY: setup manifest run ui test lint dbt-build clean dagster-home

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

dagster-home:
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || printf 'telemetry:\n  enabled: false\n' > $(DAGSTER_HOME)/dagster.yaml

# dagster-dbt reads target/manifest.json when the definitions load.
manifest: setup
	$(BIN)/dbt parse --profiles-dir . --quiet

run: manifest dagster-home
	$(BIN)/inburgering generate
	$(BIN)/inburgering build

# The Dagster UI on the project's instance (DAGSTER_HOME above): the runs of `make run` and
# `inburgering build`, the schedule and the sensors, on http://localhost:$(UI_PORT).
UI_PORT ?= 3000
ui: manifest dagster-home
	$(BIN)/dagster dev --port $(UI_PORT)

# dbt's documentation site for analysts (models, columns, lineage, catalog of the warehouse)
# on http://localhost:$(DOCS_PORT); `inburgering docs --no-serve` only writes it to target/docs.
DOCS_PORT ?= 8080
.PHONY: docs
docs: setup
	$(BIN)/inburgering docs --port $(DOCS_PORT)

# The publication report's browser test (tests/publication/) renders the pages in headless
# Chromium; it fails, never skips, without it. Debian/Ubuntu: installed with apt-get (as root).
.PHONY: browser
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)

test: manifest dagster-home browser
	$(BIN)/pytest
	$(MAKE) --no-print-directory dbt-build lint

dbt-build: setup
	rm -rf $(dir $(TEST_DB))
	INBURGERING_DUCKDB_PATH=$(TEST_DB) INBURGERING_LANDING_DIR=$(TEST_LANDING) $(BIN)/inburgering generate
	INBURGERING_DUCKDB_PATH=$(TEST_DB) $(BIN)/inburgering load $(TEST_LANDING)/*.sav
	INBURGERING_DUCKDB_PATH=$(TEST_DB) $(BIN)/dbt build --profiles-dir . --quiet
	INBURGERING_DUCKDB_PATH=$(TEST_DB) $(BIN)/dbt docs generate --profiles-dir . --quiet

lint: setup
	INBURGERING_DUCKDB_PATH=$(TEST_DB) $(BIN)/sqlfluff lint models tests/dbt

clean:
	rm -rf target warehouse/test

# Times every stage (generate, land, dbt build, analysis) with its peak memory, the plain-SQL
# floor, adding a wave and an analyst's query; table on screen, JSON in warehouse/bench/.
# Scale 100 takes long: make bench BENCH_SCALES="1 10 100"
BENCH_SCALES ?= 1 10
.PHONY: bench
bench: setup
	$(BIN)/python -m orchestration.bench --scales $(BENCH_SCALES)
