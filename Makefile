# Two commands: `make demo` and `make test`. Both create .venv and install what they need.
# `make check` is the developers' fast loop: lint and the tests that need no browser and no training run.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=

.PHONY: demo test check lint format bench clean

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

check: $(VENV)/.test  ## lint, then the tests not marked browser or slow (under 3 minutes on 2 CPU cores)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest -m "not browser and not slow" $(ARGS)

format: $(VENV)/.test
	$(PY) -m ruff format . deploy/serve-replicas
	$(PY) -m ruff check --fix . deploy/serve-replicas

bench: $(VENV)/.runtime
	$(PY) -m digitpad.bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
