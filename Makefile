# Everything runs from a project-local virtualenv, so a fresh machine needs only Python 3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8080

.PHONY: run test trial bench format clean redis-server

# Reinstalled whenever the sources change, so `twistd` always runs the current code.
$(STAMP): setup.py pyproject.toml $(shell find chatroom twisted -name "*.py" 2>/dev/null)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet '.[test]'
	touch $(STAMP)

# Serve on $(PORT) (8080 by default) until Ctrl-C.
run: $(STAMP)
	$(BIN)/twistd --nodaemon --pidfile= chatroom --port $(PORT)

# The cluster tests run a real redis-server. When it is missing, install
# Debian's package if we can (root, or passwordless sudo, and apt-get);
# otherwise say so, and those tests are reported as skipped with the reason.
redis-server:
	@if command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's redis-server for the cluster tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
		echo "Installing Debian's redis-server for the cluster tests"; \
		sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	else \
		echo "redis-server is missing and cannot be installed here (needs root and apt-get): the cluster tests will be skipped"; \
	fi

# Lint and type-check, then the whole suite (unit, integration, cluster, client and benchmark
# smoke tests).
test: $(STAMP) redis-server
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

# The same suite under Twisted's own runner (python -m puts the checkout on sys.path).
trial: $(STAMP) redis-server
	$(BIN)/python -m twisted.trial tests

# The benchmark at the targets' scale (about six minutes); see docs/performance.md.
bench: $(STAMP)
	$(BIN)/chatroom-bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info twisted/plugins/dropin.cache
