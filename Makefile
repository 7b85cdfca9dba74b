# Two commands set everything up: `make demo` and `make test`. See README.md.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= $(CURDIR)/data
export TRADING_PLATFORM_DATA_DIR := $(DATA_DIR)
export DAGSTER_HOME := $(DATA_DIR)/dagster_home
export DAGSTER_EVENT_BATCH_SIZE ?= 1000
export DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS ?= true
PIP_FLAGS := --quiet --disable-pip-version-check
UI_PORT ?= 3000
MLFLOW_PORT ?= 5000

.PHONY: install browser postgres demo test test-fast ui mlflow-ui bench lint clean-data instance

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) --upgrade pip
	$(BIN)/pip install $(PIP_FLAGS) -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The UI test drives Debian's Chromium through Playwright (never a downloaded browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian chromium for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The scale-out test starts Debian's PostgreSQL under its temp dir (never a downloaded server).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing Debian postgresql for the scale-out test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

instance:
	@mkdir -p $(DAGSTER_HOME)
	@cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

demo: install instance
	$(BIN)/python -m trading_platform.cli demo

test: install browser postgres
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=10

test-fast: install
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow"

ui: install instance
	$(BIN)/dagster dev -w workspace.yaml -p $(UI_PORT)

mlflow-ui: install
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(DATA_DIR)/mlflow/mlflow.db \
		--default-artifact-root $(DATA_DIR)/mlflow/artifacts --port $(MLFLOW_PORT)

bench: install instance
	$(BIN)/python bench/bench_demo.py
	$(BIN)/python bench/bench_features.py
	$(BIN)/python bench/bench_daily.py
	$(BIN)/python bench/bench_sensor.py
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_forecast.py xgboost lightgbm random_forest xgboost_tuned
	$(BIN)/python bench/bench_backtest.py
	$(BIN)/python bench/bench_selection.py
	$(BIN)/python bench/bench_trading.py
	$(BIN)/python bench/bench_trading_universe.py
	$(BIN)/python bench/bench_demo_full.py

lint: install instance
	$(BIN)/ruff check trading_platform trading_platform_tests bench
	$(BIN)/dagster definitions validate -w workspace.yaml
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg check defs

clean-data:
	rm -rf $(DATA_DIR)/warehouse.duckdb $(DATA_DIR)/dagster_home
