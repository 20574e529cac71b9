# Two commands on a fresh machine: `make run` and `make test`.
PY := .venv/bin/python
PORT ?= 8501

.venv/ready: requirements.txt
	python3 -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -r requirements.txt
	touch .venv/ready

setup: .venv/ready

# The demo campaign in a file of its own (data/demo.duckdb), labelled in the app; real data never goes there.
# With TRACKER_DB set (`TRACKER_DB=/srv/tracker.duckdb make run`) it runs that real database instead.
run: .venv/ready
ifdef TRACKER_DB
	$(PY) -m streamlit run server.py --server.port $(PORT) --server.headless true
else
	TRACKER_DB=data/demo.duckdb TRACKER_DEMO=1 $(PY) -m streamlit run server.py --server.port $(PORT) --server.headless true
endif

# The real database: TRACKER_DB, or data/tracker.duckdb; starts empty, never filled with the demo.
run-real: .venv/ready
	$(PY) -m streamlit run server.py --server.port $(PORT) --server.headless true

# Several app processes behind HAProxy with cookie affinity (docs/DEPLOY.md): `make serve WORKERS=2`, the proxy on
# PORT, the processes on the ports after it; TRACKER_DB as for run (a DuckDB file needs {n} in its name when
# WORKERS > 1: one file per process), the demo without it. Ctrl+C stops them all.
WORKERS ?= 2
serve: .venv/ready
	$(PY) -m deploy.serve --workers $(WORKERS) --port $(PORT)

# Two pytest processes at once, one per core: the browser tests (much of their time is waiting on the app's server
# and Chromium) with the hostile-input, fuzz and property tests, beside every other test: files chosen from each
# file's measured time to even the halves out (docs/PERFORMANCE.md). The browser half's output follows the
# other's (also in test-artifacts/browser-half.log); either half failing fails. Each half ends with its 15 slowest
# steps (CI's record of where the time goes, issue 25).
BROWSER_HALF := tests/browser tests/test_hostile.py tests/test_hostile_rawcap.py tests/test_hostile_files.py \
	tests/test_hostile_backup.py tests/test_fuzz.py tests/test_ingest_property.py tests/test_import.py \
	tests/test_robustness.py
test: .venv/ready
	@mkdir -p test-artifacts
	@$(PY) -m pytest -q --durations=15 $(BROWSER_HALF) >test-artifacts/browser-half.log 2>&1 & browser=$$!; \
	$(PY) -m pytest -q --durations=15 $(addprefix --ignore=,$(BROWSER_HALF)); rest=$$?; \
	wait $$browser; browser=$$?; \
	echo "==== the browser half: $(BROWSER_HALF)"; cat test-artifacts/browser-half.log; \
	exit $$(( rest || browser ))

# The long robustness variants and every property test with its full count of examples (make test tries a few).
test-long: .venv/ready
	HYPOTHESIS_PROFILE=long $(PY) -m pytest -q -m "slow or hypothesis"

lint: .venv/ready
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

.PHONY: setup run run-real serve test test-long lint
