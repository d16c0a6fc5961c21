# Everything runs from a project-local virtualenv, so a fresh machine needs only Python 3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8080

.PHONY: run test trial bench format clean

# Reinstalled whenever the sources change, so `twistd` always runs the current code.
$(STAMP): setup.py pyproject.toml $(shell find chatroom twisted -name "*.py" 2>/dev/null)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet '.[test]'
	touch $(STAMP)

# Serve on $(PORT) (8080 by default) until Ctrl-C.
run: $(STAMP)
	$(BIN)/twistd --nodaemon --pidfile= chatroom --port $(PORT)

# Lint, then the whole suite (unit, integration, client and benchmark smoke tests).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# The same suite under Twisted's own runner (python -m puts the checkout on sys.path).
trial: $(STAMP)
	$(BIN)/python -m twisted.trial tests

# The benchmark at the targets' scale (about six minutes); see docs/performance.md.
bench: $(STAMP)
	$(BIN)/chatroom-bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info twisted/plugins/dropin.cache
