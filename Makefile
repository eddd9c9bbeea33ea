# Two commands on a fresh machine: `make run` builds the demo warehouse end to end,
# `make test` runs the whole suite, dbt build and lint.
# The interpreter the venv is made from: the system's own CPython 3.11 where there is one that
# can make a venv (Debian splits ensurepip off into python3.11-venv), else python3 on PATH
# (PYTHON=... picks another). Debian's and Ubuntu's are built with profile-guided
# and link-time optimisation and a static libpython; the default source build that python3 finds
# first on these machines (pyenv's) has neither, and runs the same dbt, sqlfluff and analyses with
# 3-14 % more CPU (measured here on dbt commands, sqlfluff, the analyses and the bench smoke test).
SYSTEM_PYTHON := /usr/bin/python3.11
PYTHON ?= $(or $(shell $(SYSTEM_PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1 && echo $(SYSTEM_PYTHON)),python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export DAGSTER_HOME ?= $(CURDIR)/warehouse/dagster_home
# Python keeps the project's compiled modules in __pycache__ (git-ignored), unless
# PYTHONDONTWRITEBYTECODE is set, as in some shells and CI images: then every process compiles
# them again, 0.3-0.4 s for one that loads the Dagster definitions (a refresh, each bench stage,
# each test's subprocess). The commands make starts cache them.
unexport PYTHONDONTWRITEBYTECODE
# make test uses its own warehouse file so it never clobbers the one analysts read.
TEST_DB := $(CURDIR)/warehouse/test/inburgering.duckdb
TEST_LANDING := $(CURDIR)/warehouse/test/landing

.PHONY: setup manifest run ui test lint dbt-build clean dagster-home

setup: $(STAMP)

# uv installs what pyproject.toml declares from the same registry as pip, in parallel and from
# its cache: about 14 s instead of pip's 40 on a fresh clone. It compiles the bytecode as pip does,
# which every later process needs where PYTHONDONTWRITEBYTECODE keeps Python from caching it.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -e '.[dev]'
	@touch $(STAMP)

dagster-home:
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || printf 'telemetry:\n  enabled: false\n' > $(DAGSTER_HOME)/dagster.yaml

# dagster-dbt reads target/manifest.json when the definitions load. The parse is a full one (a
# partial parse can keep stale singular-test properties) that leaves dbt's partial-parse file
# beside it: dagster-dbt copies that into every dbt run it starts, which then skips the parse.
# It runs again when a file of the dbt project (or the environment) is newer than the manifest;
# the folders are listed too, so a file removed from one counts.
DBT_SOURCES := dbt_project.yml profiles.yml selectors.yml $(shell find models macros seeds tests/dbt 2>/dev/null)
manifest: target/manifest.json
target/manifest.json: $(STAMP) $(DBT_SOURCES)
	rm -f target/partial_parse.msgpack
	$(BIN)/dbt parse --profiles-dir . --quiet
	@touch $@

# The demo is asked for by name: without INBURGERING_DEMO=1 (or a real INBURGERING_PSEUDONYM_KEY)
# nothing builds. make run, make test and make bench work on synthetic data only.
DEMO := INBURGERING_DEMO=1

# dbt's parse and the generator are independent: they run side by side, one core each.
run: setup dagster-home
	@echo "make run: synthetic demo exports, pseudonyms keyed with the public demo key ($(DEMO)); real exports need INBURGERING_PSEUDONYM_KEY"
	@$(MAKE) --no-print-directory --jobs=2 --output-sync=target manifest demo-exports
	$(DEMO) $(BIN)/inburgering build

.PHONY: demo-exports
demo-exports: setup
	$(DEMO) $(BIN)/inburgering generate

# The Dagster UI on the project's instance (DAGSTER_HOME above): the runs of `make run` and
# `inburgering build`, the schedule and the sensors, on http://localhost:$(UI_PORT).
UI_PORT ?= 3000
.PHONY: ui
ui: manifest dagster-home
	$(DEMO) $(BIN)/dagster dev --port $(UI_PORT)

# dbt's documentation site for analysts (models, columns, lineage, catalog of the warehouse)
# on http://localhost:$(DOCS_PORT); `inburgering docs --no-serve` only writes it to target/docs.
DOCS_PORT ?= 8080
.PHONY: docs
docs: setup
	$(DEMO) $(BIN)/inburgering docs --port $(DOCS_PORT)

# The publication report's browser test (tests/publication/) renders the pages in headless
# Chromium; it fails, never skips, without it. Debian/Ubuntu: installed with apt-get (as root).
.PHONY: browser
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)

# The suite on every core (pytest-xdist), a test file at a time per worker so that a file's
# fixtures are built once, the slow files first (tests/conftest.py), and the 25 slowest tests
# listed; PYTEST_WORKERS=0 runs it in this process.
PYTEST_WORKERS ?= auto
# dbt build of the generated demo is part of the suite: the session's warehouse
# (tests/conftest.py) is that build, and tests/integration/test_dbt_build.py holds it to every node of
# the project. `make dbt-build` runs it on its own, into warehouse/test/.
# Lint and the mutation sample run beside the suite, on what its workers leave of the cores
# (waiting on a shared fixture, a subprocess or a lock); each part's output is printed whole
# when it ends, and make test fails if any part does. Lint starts at once, beside dbt's parse
# for the manifest (it seeds a warehouse of its own and parses in target/lint); the suite and the
# mutation sample start when the manifest is there. One make plans it all, so the manifest is
# made once.
test: setup dagster-home browser
	@$(MAKE) --no-print-directory --jobs=2 --output-sync=target pytest-suite lint-and-mutants

.PHONY: pytest-suite lint-and-mutants
pytest-suite: manifest dagster-home
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

# Beside the suite, lint takes one process: each sqlfluff process loads the dbt project once, so
# a second one shortens lint but takes that CPU from the suite's workers, which need it more.
lint-and-mutants: LINT_PROCESSES = 1
lint-and-mutants: lint mutants-sample

dbt-build: setup
	rm -rf $(dir $(TEST_DB))
	INBURGERING_DUCKDB_PATH=$(TEST_DB) INBURGERING_LANDING_DIR=$(TEST_LANDING) $(BIN)/inburgering generate
	INBURGERING_DUCKDB_PATH=$(TEST_DB) $(BIN)/inburgering load $(TEST_LANDING)/*.sav
	$(DEMO) INBURGERING_DUCKDB_PATH=$(TEST_DB) $(BIN)/dbt build --profiles-dir . --quiet

# sqlfluff on every core (--processes 0; LINT_PROCESSES sets it): the dbt templater compiles each
# file. The codebook macros read the seeds while compiling, so the lint warehouse holds them.
# dbt's files of the lint go to target/lint, leaving target/ (manifest, partial parse) to the runs.
LINT_DB := $(CURDIR)/warehouse/lint/inburgering.duckdb
LINT_DBT := $(DEMO) INBURGERING_DUCKDB_PATH=$(LINT_DB) DBT_TARGET_PATH=target/lint
LINT_PROCESSES ?= 0
lint: setup
	$(BIN)/ruff check .
	rm -rf $(dir $(LINT_DB)) && mkdir -p $(dir $(LINT_DB))
	$(LINT_DBT) $(BIN)/dbt seed --profiles-dir . --quiet
	$(LINT_DBT) $(BIN)/sqlfluff lint --processes $(LINT_PROCESSES) models tests/dbt

clean:
	rm -rf target warehouse/test warehouse/lint

# Times every stage (generate, land, dbt build, analysis) with its peak memory, the plain-SQL
# floor, a refresh with nothing new and an analyst's query; a table and each goal beside its
# figure on screen, JSON in warehouse/bench/
# Scale 100 takes long: make bench BENCH_SCALES="1 10 100"
BENCH_SCALES ?= 1 10
.PHONY: bench
bench: manifest
	$(DEMO) $(BIN)/python -m orchestration.bench --scales $(BENCH_SCALES)

# Mutation check (tests/mutation/): deliberate errors, one at a time, in a copy of the project;
# each must make a check fail. `make test` runs the sample marked in mutations.yaml; the full
# run takes about a minute per mutation caught at landing and several for the others.
.PHONY: mutants mutants-sample
mutants: manifest
	$(BIN)/python -m tests.mutation --report warehouse/mutants.md
mutants-sample: manifest
	$(BIN)/python -m tests.mutation --sample
