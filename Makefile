# One-command set-up: `make demo` and `make test` create .venv, install the locked
# dependencies and fetch the JVM jars once; re-running them is fast and changes nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
JARS := .cache/jars
JVM := .cache/jvm
UV_VERSION := 0.13.8
# Only these jars are taken from Maven; everything else Delta pulls in ships with pyspark.
JAR_KEEP := delta-spark_ delta-storage- postgresql- sqlite-jdbc-

.PHONY: setup demo test lint bench clean-demo airflow spark-connect

setup: $(VENV)/.installed $(VENV)/.bytecode $(JARS)/.fetched $(JVM)/.built

# The product (editable) and, beside it, the development package dev/ (generator, demo,
# benchmarks): a production wheel is built from the top-level pyproject alone.
$(VENV)/.installed: requirements.lock pyproject.toml dev/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e . -e dev
	touch $@

# Bytecode of every installed module and of the project's, compiled once. Where
# PYTHONDONTWRITEBYTECODE is set, imports never write .pyc files, so each job process would
# compile every module it imports from source (docs/benchmarks.md has the figures).
$(VENV)/.bytecode: $(VENV)/.installed
	$(BIN)/python -m compileall -q -j 0 \
	    "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" \
	    telco_risk ingestion jobs features models expectations orchestration dags dev/devtools
	touch $@

$(JARS)/.fetched: conf/jars/pom.xml
	rm -rf $(JARS).tmp && mkdir -p $(JARS).tmp $(JARS)
	mvn -q -B -f conf/jars/pom.xml dependency:copy-dependencies \
	    -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/$(JARS).tmp
	rm -f $(JARS)/*.jar
	for prefix in $(JAR_KEEP); do cp $(JARS).tmp/$$prefix*.jar $(JARS)/; done
	rm -rf $(JARS).tmp
	touch $@

# The driver JVM's class-data-sharing archive for these jars (dev/devtools/local_runtime.py):
# one warm-up job, about a minute once; every later driver starts in about half the time.
$(JVM)/.built: $(VENV)/.installed $(JARS)/.fetched dev/devtools/local_runtime.py
	$(BIN)/python -m devtools.local_runtime
	touch $@

demo: setup
	$(BIN)/python -m devtools.demo

# Two pytest-xdist workers, one test file at a time each (module fixtures are built once).
# The longest file, tests/test_airflow_end_to_end.py, sorts first and files keep their order
# (xdist would otherwise start the files with most tests first), so that it starts at once;
# its spark-submit start-ups leave CPU idle for the other worker. More workers than cores
# gain nothing (docs/benchmarks.md).
TEST_WORKERS ?= 2

test: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# Airflow standalone (UI on :8080) on the embedded defaults: home scratch/demo/airflow,
# the repo's DAGs, spark_default on the local master. See README "Airflow".
airflow: setup
	$(BIN)/python -m devtools.local_airflow standalone

# A Spark Connect server on 127.0.0.1:15002 for jobs started with
# TELCO_RISK_SPARK_REMOTE=sc://127.0.0.1:15002 (e.g. `make airflow` in another shell).
spark-connect: setup
	$(BIN)/python -m telco_risk.spark_connect_server

# Both benchmarks; their figures are in docs/benchmarks.md.
bench: setup
	$(BIN)/telco-risk features-bench
	$(BIN)/telco-risk score-bench --subscribers 100000

clean-demo:
	rm -rf scratch/demo
