# Two commands: `make demo` and `make test`. Both create .venv and install what they need.
# `make check` is the developers' fast loop: lint and the tests that need no browser and no training run.
# Linting the front end needs Node.js and npm (Debian: apt-get install -y nodejs npm).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=
# everything ruff checks, in `make check` and `make test` alike (deploy/serve-replicas is Python without a .py)
RUFF_PATHS := . deploy/serve-replicas
NPM ?= npm
NODE_TOOLS := node_modules/.installed

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

test: lint  ## lint, then the whole test suite (unit, server and browser tests)
	$(PY) -m pytest $(ARGS)

check: lint  ## lint, then the tests not marked browser or slow (under 3 minutes on 2 CPU cores)
	$(PY) -m pytest -m "not browser and not slow" $(ARGS)

# prettier and eslint for the front end (digitpad/app/static), pinned in package-lock.json, in ./node_modules
$(NODE_TOOLS): package.json package-lock.json
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(VENV)/.test $(NODE_TOOLS)  ## ruff on the Python, prettier and eslint on the front end
	$(PY) -m ruff check $(RUFF_PATHS)
	$(PY) -m ruff format --check $(RUFF_PATHS)
	$(NPM) run --silent lint

format: $(VENV)/.test $(NODE_TOOLS)
	$(PY) -m ruff format $(RUFF_PATHS)
	$(PY) -m ruff check --fix $(RUFF_PATHS)
	$(NPM) run --silent format

bench: $(VENV)/.runtime
	$(PY) -m digitpad.bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules
