# Everything runs from a project-local virtualenv, so a fresh machine needs only Python 3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8080

.PHONY: run test trial bench format clean redis-server tmux

# Reinstalled whenever the sources change, so `twistd` always runs the current code.
$(STAMP): setup.py pyproject.toml $(shell find chatroom twisted -name "*.py" 2>/dev/null)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet '.[test]'
	touch $(STAMP)

# Serve on $(PORT) (8080 by default) until Ctrl-C.
run: $(STAMP)
	$(BIN)/twistd --nodaemon --pidfile= chatroom --port $(PORT)

# Tools some tests need: $(1) is the Debian package (and command), $(2) the
# tests. When it is missing, install it if we can (root, or passwordless
# sudo, and apt-get); otherwise say so, and those tests are reported as
# skipped with the reason (CI makes them fail instead, see .ci/run).
define apt_install
	@if command -v $(1) >/dev/null || [ -x /usr/bin/$(1) ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's $(1) for $(2)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
		echo "Installing Debian's $(1) for $(2)"; \
		sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
	else \
		echo "$(1) is missing and cannot be installed here (needs root and apt-get): $(2) will be skipped"; \
	fi
endef

# The cluster tests run a real redis-server.
redis-server:
	$(call apt_install,redis-server,the cluster tests)

# The terminal client's end-to-end tests run it inside tmux.
tmux:
	$(call apt_install,tmux,the terminal client tests)

# Lint and type-check, then the whole suite (unit, integration, cluster, client and benchmark
# smoke tests).
test: $(STAMP) redis-server tmux
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

# The same suite under Twisted's own runner (python -m puts the checkout on sys.path).
trial: $(STAMP) redis-server tmux
	$(BIN)/python -m twisted.trial tests

# The benchmark at the targets' scale (about six minutes); see docs/performance.md.
bench: $(STAMP)
	$(BIN)/chatroom-bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) build *.egg-info twisted/plugins/dropin.cache
