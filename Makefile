# segmart: two commands do everything (see README.md).
#   make build   set up, generate the demo raw data, dbt build into warehouse.duckdb
#   make test    set up, lint, build and test everything on a fresh CI database
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CUSTOMERS ?= 20000
SEED ?= 42
export SEGMART_RAW_DIR ?= data/raw
export DBT_PROFILES_DIR := $(CURDIR)
CI_DIR := .ci-work
CI_CUSTOMERS ?= 5000

.PHONY: setup build generate dbt-build test lint pytest validate ci-generate ci-build ci-validate clean lock backfill \
	setup-spark ci-spark-build test-spark test-spark-session spark-cluster-steps lock-spark setup-browser dashboard report docs bi test-bi

$(BIN)/segmart: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(BIN)/segmart

setup: $(BIN)/segmart

generate: setup
	$(BIN)/segmart generate --customers $(CUSTOMERS) --seed $(SEED) --out $(SEGMART_RAW_DIR)

dbt-build: setup
	$(BIN)/segmart build --target dev

build: generate dbt-build

FROM ?= 2025-01-31
TO ?= 2025-12-31
backfill: setup
	$(BIN)/segmart backfill --from $(FROM) --to $(TO) --every month

# --- look at the segments --------------------------------------------------------------------
PORT ?= 8501
REPORT_DIR ?= report
DOCS_PORT ?= 8080

dashboard: setup
	$(BIN)/segmart dashboard --port $(PORT)

report: setup
	$(BIN)/segmart report --out $(REPORT_DIR)

# Apache Superset on 127.0.0.1 with segmart's dashboards (bi/superset/), in its own venv under
# .superset/ (first run: about a minute to install and a minute to set up)
BI_PORT ?= 8088
bi: setup
	$(BIN)/segmart bi --port $(BI_PORT)

docs: setup
	$(BIN)/dbt docs generate --target dev
	$(BIN)/dbt docs serve --port $(DOCS_PORT) --no-browser

# --- test: everything on a fresh CI database -------------------------------------------------
ci-generate: setup
	rm -rf $(CI_DIR) && mkdir -p $(CI_DIR)
	$(BIN)/segmart generate --customers $(CI_CUSTOMERS) --seed $(SEED) --out $(CI_DIR)/raw

ci-build: ci-generate
	SEGMART_RAW_DIR=$(CI_DIR)/raw $(BIN)/segmart build --target ci

validate: setup
	$(BIN)/segmart validate --target dev

ci-validate: ci-build
	$(BIN)/segmart validate --target ci --raw $(CI_DIR)/raw

lint: setup
	$(BIN)/sqlfluff lint models macros tests analyses
	$(BIN)/ruff check segmart tests_py bench
	$(BIN)/ruff format --check segmart tests_py bench

# Debian's chromium and chromedriver (and CJK fonts) for the dashboard's browser test
BROWSER_PACKAGES := chromium chromium-driver fonts-noto-cjk
setup-browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
	  $(call apt_install,$(BROWSER_PACKAGES),the dashboard's browser test needs them); \
	fi

# The pytest files run on PYTEST_WORKERS processes (pytest-xdist), a file's tests together and in
# order on one of them (module fixtures build a warehouse once); PYTEST_WORKERS=0 runs them serially.
PYTEST_WORKERS ?= 2
pytest: setup setup-browser
	SEGMART_RAW_DIR=$(CI_DIR)/raw SEGMART_DUCKDB_PATH=$(CI_DIR)/ci.duckdb SEGMART_PUBLISH_DIR=$(CI_DIR)/published \
	  $(BIN)/pytest -q -n $(PYTEST_WORKERS) --dist loadfile

# Superset imports the dashboards into a fresh instance over the CI marts (two as-of dates), and
# headless Chromium checks every chart and three numbers; .ci-work/superset.png is the screenshot
test-bi: setup setup-browser
	SEGMART_RAW_DIR=$(CI_DIR)/raw SEGMART_DUCKDB_PATH=$(CI_DIR)/ci.duckdb SEGMART_PUBLISH_DIR=$(CI_DIR)/published \
	  $(BIN)/pytest -q -m bi tests_py/test_superset.py

# apt_install(packages,why): install Debian packages as root with apt (refreshing the index if
# needed); otherwise stop and say what to install
define apt_install
if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
  echo "installing $(1) (Debian): $(2)"; \
  apt-get install -y -qq $(1) >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq $(1) >/dev/null; }; \
else echo "$(2): apt-get install $(1)" >&2; exit 1; fi
endef

# --- Spark: the same project on Apache Spark, compared with DuckDB ---------------------------
#   make test-spark           on a standalone cluster on 127.0.0.1 (segmart spark-cluster: master,
#                             SPARK_WORKERS workers, Thrift server), through the thrift target
#   make test-spark-session   quicker: Spark in-process (local mode), the session target
SPARK_STAMP := $(VENV)/.spark-installed
export SEGMART_SPARK_DIR ?= $(CI_DIR)/spark
SPARK_WORKERS ?= 2

$(SPARK_STAMP): requirements-spark.lock $(BIN)/segmart
	@command -v java >/dev/null || { $(call apt_install,openjdk-17-jre-headless,pyspark needs Java 17); }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock -r requirements-spark.lock
	touch $@

setup-spark: $(SPARK_STAMP)

ci-spark-build: setup-spark ci-generate
	rm -rf $(SEGMART_SPARK_DIR)
	SEGMART_RAW_DIR=$(CI_DIR)/raw $(BIN)/segmart build --target spark -- --target-path $(CI_DIR)/target-spark

test-spark-session: ci-spark-build
	SEGMART_RAW_DIR=$(CI_DIR)/raw $(BIN)/pytest -q -m spark

# The cluster's daemons get the raw folder as an absolute path (their working folders differ);
# the launcher stops them all when the steps end, fail or are interrupted.
test-spark: setup-spark ci-generate
	rm -rf $(SEGMART_SPARK_DIR)
	SEGMART_RAW_DIR=$(CURDIR)/$(CI_DIR)/raw $(BIN)/segmart spark-cluster --workers $(SPARK_WORKERS) -- \
	  $(MAKE) --no-print-directory spark-cluster-steps
	$(BIN)/pytest -q -m spark tests_py/test_spark_cluster.py

# Inside `segmart spark-cluster` (its env vars name the Thrift server and the master): segmart
# build (dbt through segmart.spark_cluster: PyHive fixed for Spark 3.5's empty results; the CLV
# step as an application on the master beside the Thrift server), then the parity test, which
# reads the cluster's tables through the same Thrift server (tests_py/parity.py). The Spark
# incremental test (in-process sessions of its own, not the cluster) runs beside the cluster
# build, which mostly waits on the Thrift server; its output follows the build's, and it is
# stopped if the recipe ends first.
spark-cluster-steps:
	@test -n "$${SEGMART_SPARK_THRIFT_PORT:-}" || { echo "run inside segmart spark-cluster (make test-spark)" >&2; exit 2; }
	@$(BIN)/pytest -q -m spark tests_py/test_incremental.py > $(CI_DIR)/spark-incremental.log 2>&1 & incremental=$$!; \
	trap 'kill $$incremental 2>/dev/null' EXIT INT TERM; \
	echo "$(BIN)/segmart build --target spark_cluster (beside it: pytest -m spark tests_py/test_incremental.py)"; \
	$(BIN)/segmart build --target spark_cluster -- --target-path $(CI_DIR)/target-spark-cluster; built=$$?; \
	wait $$incremental; tested=$$?; trap - EXIT INT TERM; \
	cat $(CI_DIR)/spark-incremental.log; test $$built = 0 && test $$tested = 0
	$(BIN)/pytest -q -m spark --ignore tests_py/test_spark_cluster.py --ignore tests_py/test_incremental.py

test: lint ci-build ci-validate pytest test-bi test-spark

lock:
	rm -rf /tmp/segmart-lock-venv && $(PYTHON) -m venv /tmp/segmart-lock-venv
	/tmp/segmart-lock-venv/bin/pip install --quiet -r requirements.in
	( echo '# Generated from requirements.in with `make lock` (pip freeze of a fresh Python 3.11 venv). Do not edit by hand.'; \
	  /tmp/segmart-lock-venv/bin/pip freeze --all --exclude-editable | grep -v "^pip==" ) > requirements.lock

lock-spark:
	rm -rf /tmp/segmart-lock-venv && $(PYTHON) -m venv /tmp/segmart-lock-venv
	/tmp/segmart-lock-venv/bin/pip install --quiet -r requirements.lock -r requirements-spark.in
	( echo '# Generated from requirements-spark.in with `make lock-spark`: what the Spark leg adds to requirements.lock. Do not edit by hand.'; \
	  /tmp/segmart-lock-venv/bin/pip freeze --all --exclude-editable | grep -v "^pip==" | grep -vxFf requirements.lock ) > requirements-spark.lock

clean:
	rm -rf $(CI_DIR) target logs warehouse.duckdb warehouse.duckdb.wal .spark-work
