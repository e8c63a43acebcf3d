# customer_health: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# make test also installs the optional extras the suite drives: orchestration (Dagster),
# spark (dbt-spark, pyspark) and postgres (dbt-postgres: the engine parity test), and the
# Snowflake venv (dbt-snowflake with the fakesnow emulator: its pins conflict with the dev
# tools', so it has its own venv and constraints file; docs/warehouses.md)
TEST_STAMP := $(VENV)/.installed-test
SNOWFLAKE_VENV := .venv-snowflake
SNOWFLAKE_STAMP := $(SNOWFLAKE_VENV)/.installed
export DBT_PROFILES_DIR := $(CURDIR)/profiles
export DBT_SEND_ANONYMOUS_USAGE_STATS := False

.PHONY: run test test-fast lint evaluate bench clean install

install: $(STAMP)

# The venv is (re)built only when the dependency pins change. Installs go through uv (put
# into the venv by pip first): a clean clone's two test venvs in 60 s instead of 1 min 58 s
# with pip (measured back to back on the 2-core machine, DECISIONLOG.md "Test cost"); pip
# does it when uv cannot (no uv wheel for the platform, PyPI not reachable while pip's
# configured index is). uv compiles the byte code as pip does: without it, where
# PYTHONDONTWRITEBYTECODE is set (this machine, CI), every Python process compiled dbt
# again (a small build: 9-10 s against 7.5 s).
# install VENV,CONSTRAINTS,REQUIREMENTS (requirements in a variable: make splits on commas)
DEV_REQS := -e ".[dev]"
TEST_REQS := -e ".[dev,orchestration,spark,postgres]"
SNOWFLAKE_REQS := -e ".[snowflake]" fakesnow
define install
	$(1)/bin/python -m pip install --quiet uv && $(1)/bin/uv pip install --quiet --compile-bytecode --python $(1)/bin/python --constraint $(2) $(3) \
	    || PIP_CONSTRAINT=$(2) $(1)/bin/python -m pip install --quiet $(3)
endef

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(call install,$(VENV),$(CURDIR)/constraints.txt,$(DEV_REQS))
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(call install,$(VENV),$(CURDIR)/constraints.txt,$(TEST_REQS))
	@touch $(TEST_STAMP)

$(SNOWFLAKE_STAMP): pyproject.toml constraints-snowflake.txt
	@test -x $(SNOWFLAKE_VENV)/bin/python || $(PYTHON) -m venv $(SNOWFLAKE_VENV)
	$(call install,$(SNOWFLAKE_VENV),$(CURDIR)/constraints-snowflake.txt,$(SNOWFLAKE_REQS))
	@touch $(SNOWFLAKE_STAMP)

## make run: build the demo warehouse (if needed), dbt build, print the summary. The score
## history is 400 days (HEALTH_SCORE_HISTORY_DAYS) so that the backtest marts have a year of
## weekly evaluation dates with a complete 90-day horizon.
run: $(STAMP)
	HEALTH_SCORE_HISTORY_DAYS=$${HEALTH_SCORE_HISTORY_DAYS:-400} $(BIN)/customer-health run

## make test: the whole suite (ruff, pytest: tests/unit and tests/e2e driving dbt end to end,
## sqlfluff with the dbt templater in tests/e2e/test_lint.py (beside the other worker's
## builds), the four-engine parity test: a local Spark session (needs Java 17), a
## throwaway PostgreSQL 15 server (Debian's postgresql package, installed when missing) and
## Snowflake emulated by fakesnow in its own venv).
test: $(TEST_STAMP) $(SNOWFLAKE_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest tests/unit tests/e2e -n 2 --dist loadfile --no-loadscope-reorder

## make test-fast: the inner loop: ruff, the unit tier (pure Python) and one small end-to-end
## build (tests/e2e/$(FAST_E2E): the shared small portfolio, its configuration checks and
## the demo generation of `customer-health run`).
FAST_E2E := test_config_and_cli.py
test-fast: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/python -m pytest tests/unit tests/e2e/$(FAST_E2E) -n 2 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/customer-health lint

## make evaluate: backtest the score against later churn (on a copy of the warehouse).
evaluate: $(STAMP)
	$(BIN)/customer-health evaluate

.PHONY: report suggest
## make report: the self-contained HTML report of the built warehouse (reports/health_report.html).
report: $(STAMP)
	$(BIN)/customer-health report

## make suggest: weights and thresholds fitted on past churn, written to suggested/ for review.
suggest: $(STAMP)
	$(BIN)/customer-health suggest

## make bench: time full and one-day incremental builds on tiers S, M, L, L1y (S and M also on a throwaway PostgreSQL server); results in bench/ and docs/benchmarks.md.
bench: $(TEST_STAMP)
	$(BIN)/customer-health bench --update-readme

clean:
	rm -rf $(VENV) $(SNOWFLAKE_VENV) target logs data/*.duckdb
