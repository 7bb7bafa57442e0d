# Two commands: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=

.PHONY: demo test lint format bench clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.runtime requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

demo: $(VENV)/.runtime  ## serve the demo on http://127.0.0.1:7860 (make demo ARGS="--port 7861")
	$(PY) demo.py $(ARGS)

test: $(VENV)/.test  ## lint, then the whole test suite (unit, server and browser tests)
	$(PY) -m ruff check . deploy/serve-replicas
	$(PY) -m ruff format --check . deploy/serve-replicas
	$(PY) -m pytest $(ARGS)

format: $(VENV)/.test
	$(PY) -m ruff format . deploy/serve-replicas
	$(PY) -m ruff check --fix . deploy/serve-replicas

bench: $(VENV)/.runtime
	$(PY) -m digitpad.bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
