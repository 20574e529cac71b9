# Two commands on a fresh machine: `make run` and `make test`.
PY := .venv/bin/python
PORT ?= 8501

.venv/ready: requirements.txt
	python3 -m venv .venv
	.venv/bin/pip install -q --upgrade pip
	.venv/bin/pip install -q -r requirements.txt
	touch .venv/ready

setup: .venv/ready

run: .venv/ready
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true

test: .venv/ready
	$(PY) -m pytest -q

test-long: .venv/ready
	$(PY) -m pytest -q -m slow

lint: .venv/ready
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

.PHONY: setup run test test-long lint
