# Everything runs from a project-local virtualenv, so a fresh machine needs only Python 3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8080
IRC_PORT ?= 6667
HTTP_PORT ?= 8000
# `make run` listens here: loopback unless told otherwise (HOST=0.0.0.0).
HOST ?= 127.0.0.1
RUN_HOST = $(if $(filter 127.0.0.1 0.0.0.0,$(HOST)),localhost,$(HOST))
# Where `make run` keeps uploaded files (--files-dir).
RUN_FILES ?= chatroom-files

.PHONY: icu bytecode run test irctest trial web-screenshots bench bench-million chaos bench-python pypy pypy-venv format clean redis-server postgresql tmux cc irssi chromium irc-references faketime nginx lua-check oidc-provider alertmanager coturn synapse

# Reinstalled whenever the sources change, so `twistd` always runs the current code.
# PyICU (names' confusables, chatroom.core.model.text) builds against ICU: `icu` first.
$(STAMP): | icu
$(STAMP): setup.py pyproject.toml $(shell find chatroom twisted -name "*.py" -o -name "*.lua" 2>/dev/null) $(wildcard chatroom/doors/web/static/*)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet '.[test]'
	touch $(STAMP)

# Serve until Ctrl-C: the line protocol on $(PORT) (8080), IRC on
# $(IRC_PORT) (6667) and the web client on http://localhost:$(HTTP_PORT)/ (8000),
# on the loopback interface only: `make run HOST=0.0.0.0` listens on every
# IPv4 interface (the chat and /metrics are then open to the network).
# RUN_OPTIONS adds options: a door's option given again listens there too,
# e.g. RUN_OPTIONS='--irc ssl:6697:privateKey=key.pem:certKey=cert.pem' serves
# IRC over TLS beside 6667 (and IRCv3 sts sends plain clients to it).
# Uploads are on (avatars, the page's Attach button), kept in $(RUN_FILES)
# beside the checkout's chatroom.sqlite3.
run: $(STAMP)
	@echo "chatroom on $(HOST):"
	@echo "  web client:     open http://$(RUN_HOST):$(HTTP_PORT)/"
	@echo "  line protocol:  chatroom-urwid $(RUN_HOST) $(PORT)   (or: nc $(RUN_HOST) $(PORT))"
	@echo "  IRC:            irssi -c $(RUN_HOST) -p $(IRC_PORT)"
	@echo "  more ports:     make run RUN_OPTIONS='--irc ssl:6697:privateKey=key.pem:certKey=cert.pem'"
	$(BIN)/twistd --nodaemon --pidfile= chatroom \
		--port tcp:$(PORT):interface=$(HOST) \
		--irc tcp:$(IRC_PORT):interface=$(HOST) \
		--http tcp:$(HTTP_PORT):interface=$(HOST) \
		--files --files-dir $(RUN_FILES) $(RUN_OPTIONS)

# Tools some tests need: $(1) is the Debian package, $(2) the tests, $(3)
# the command when it is not named like the package. When it is missing,
# install it if we can (root, or passwordless sudo, and apt-get); otherwise
# say so, and those tests are reported as skipped with the reason (CI makes
# them fail instead, see .ci/run).
define apt_install
	@if command -v $(or $(3),$(1)) >/dev/null || [ -x /usr/bin/$(or $(3),$(1)) ]; then :; \
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

# PyICU compiles against Debian's ICU headers, found with pkg-config.
icu:
	@if pkg-config --exists icu-i18n 2>/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's libicu-dev and pkg-config for PyICU"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libicu-dev pkg-config >/dev/null; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
		echo "Installing Debian's libicu-dev and pkg-config for PyICU"; \
		sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libicu-dev pkg-config >/dev/null; \
	else \
		echo "libicu-dev and pkg-config are missing and cannot be installed here: PyICU will not build"; \
	fi

# The cluster tests run a real redis-server.
redis-server:
	$(call apt_install,redis-server,the cluster tests)

# The Redis scripts' Lua (chatroom/backends/redis/lua/) is linted with
# luacheck as Redis runs it (tests/backends/redis/test_lua_lint.py).
lua-check:
	$(call apt_install,lua-check,the Lua scripts' lint,luacheck)

# Cluster search's tests run a throwaway PostgreSQL (tests/cluster/postgres.py):
# Debian's server programs live in /usr/lib/postgresql/VERSION/bin, off the PATH.
postgresql:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's postgresql for the cluster search tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
		echo "Installing Debian's postgresql for the cluster search tests"; \
		sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "postgresql is missing and cannot be installed here (needs root and apt-get): the cluster search tests will be skipped"; \
	fi

# The terminal client's end-to-end tests run it inside tmux.
tmux:
	$(call apt_install,tmux,the terminal client tests)

# The benchmark's C load generator is compiled on first use with the system
# compiler; install Debian's gcc when no compiler is there and we can.
cc:
	@if command -v "$${CC:-cc}" >/dev/null || command -v gcc >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's gcc for the benchmark's C generator"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
		echo "Installing Debian's gcc for the benchmark's C generator"; \
		sudo -n apt-get update -qq && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev >/dev/null; \
	else \
		echo "no C compiler and none can be installed here: the C generator's tests will be skipped"; \
	fi

# Calls' TURN credentials are tried on a real coturn (tests/integration/test_turn.py).
coturn:
	$(call apt_install,coturn,the calls' TURN tests,turnserver)

# The IRC door's end-to-end tests run irssi and WeeChat (in tmux).
irssi:
	$(call apt_install,irssi,the IRC client test)
	$(call apt_install,weechat-headless,the IRCv3 client test)

# irctest's tests of LIST's time filters fake a clock 30 times faster
# with libfaketime, as Ergo's controller does (conformance/chatroom_controller.py).
faketime:
	$(call apt_install,faketime,irctest's faked-time LIST tests)

# compose.yaml's proxy (packaging/compose/nginx.conf) is tested with a real
# nginx in front of a real server: its stream module is a package of its own.
nginx:
	$(call apt_install,nginx libnginx-mod-stream,the compose file's proxy test,/usr/sbin/nginx)

# The webhooks' tests fire a real alert through Prometheus Alertmanager's
# Slack receiver (tests/integration/test_hook_senders.py).
alertmanager:
	$(call apt_install,prometheus-alertmanager,the Alertmanager webhook test)

# The IRC door is benchmarked beside ngIRCd and InspIRCd (their configs are in
# benchmarks/); the benchmark's smoke tests start both.
irc-references:
	$(call apt_install,ngircd,the IRC references of the benchmark,/usr/sbin/ngircd)
	$(call apt_install,inspircd,the IRC references of the benchmark,/usr/sbin/inspircd)

# The web client's tests drive headless chromium through chromium-driver.
chromium:
	$(call apt_install,chromium,the web client tests)
	$(call apt_install,chromium-driver,the web client tests,chromedriver)
	@# Emoji (reactions) drawn in the screenshots, not as empty boxes.
	@if [ ! -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] && command -v apt-get >/dev/null \
		&& [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's fonts-noto-color-emoji for the web client's screenshots"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-color-emoji >/dev/null; \
	fi

# The OpenID Connect tests run a real provider, node-oidc-provider (OpenID
# Certified), on Node: installed from npm into build/oidc-provider
# (tests/oidc/), with Debian's npm installed first where it is missing.
# Without npm those tests are skipped (CI makes them fail).
OIDC_PROVIDER := build/oidc-provider/node_modules/oidc-provider
oidc-provider:
	$(call apt_install,npm,the OpenID Connect tests' provider (oidc-provider from npm))
	@if [ -d $(OIDC_PROVIDER) ]; then :; \
	elif command -v npm >/dev/null; then \
		echo "Installing oidc-provider from npm for the OpenID Connect tests"; \
		mkdir -p build/oidc-provider && npm install --prefix build/oidc-provider \
			--no-audit --no-fund --silent oidc-provider@9 >/dev/null; \
	else \
		echo "npm is missing: the OpenID Connect tests will be skipped"; \
	fi

# The Matrix bridge's tests run a real Synapse (tests/matrix/__init__.py):
# matrix-synapse from PyPI in a virtualenv of its own in build/synapse
# (about 40 s and 240 MB), apart from the project's, whose dependencies
# it would otherwise pin. Without it those tests are skipped (CI makes
# them fail).
SYNAPSE_VERSION ?= 1.163.2
SYNAPSE := build/synapse/bin/synapse_homeserver
synapse:
	@if [ -x $(SYNAPSE) ]; then :; else \
		echo "Installing matrix-synapse $(SYNAPSE_VERSION) into build/synapse for the Matrix bridge's tests"; \
		$(PYTHON) -m venv build/synapse && \
		build/synapse/bin/pip install --quiet 'matrix-synapse==$(SYNAPSE_VERSION)'; \
	fi

# The checkout's bytecode, written once. The tests start hundreds of
# `twistd` processes from the checkout (PYTHONPATH), and where
# PYTHONDONTWRITEBYTECODE is set (some CI images set it) each one compiled
# its 270 modules again: 0.2 s of a start's 0.8 s of CPU. compileall writes
# the files whatever that says; a source changed later is compiled again
# in memory, as Python checks each file's stamp.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q chatroom conformance/chatroom_controller.py >/dev/null

# Lint, then the whole suite (unit, integration, cluster, client and
# benchmark smoke tests) and, beside it, mypy (half a minute of one core
# on a fresh clone, which has no cache) and irctest against the IRC door:
# one server, and two nodes sharing one port (--cluster), at once.
# The suite runs in TEST_WORKERS processes (pytest-xdist; an idle worker
# takes tests from a busy one's share): one more than the machine's cores,
# as about a third of a worker's time is spent waiting on the programs its
# tests start (servers, browsers, Redis), else one (0) on a single core.
# On a 2-core machine three took `make test` from 6.0 to 4.9 minutes.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ "$$n" -ge 2 ] && echo $$((n + 1)) || echo 0)
test: $(STAMP) bytecode redis-server postgresql tmux cc irssi chromium irc-references faketime nginx lua-check oidc-provider alertmanager coturn synapse
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@mkdir -p build
	@echo "mypy and irctest run beside the suite, irctest on one server and on two nodes (conformance/run.py, docs/irc.md)"
	@$(BIN)/mypy > build/mypy.txt 2>&1 & typed=$$!; \
	$(BIN)/python conformance/run.py > build/irctest.txt 2>&1 & conformance=$$!; \
	$(BIN)/python conformance/run.py --cluster > build/irctest-cluster.txt 2>&1 & cluster=$$!; \
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal; suite=$$?; \
	wait $$typed; mypy=$$?; \
	wait $$conformance; irctest=$$?; \
	wait $$cluster; clustered=$$?; \
	cat build/mypy.txt build/irctest.txt build/irctest-cluster.txt; \
	test $$mypy = 0 -a $$suite = 0 -a $$irctest = 0 -a $$clustered = 0

# irctest alone, against the IRC door (conformance/run.py; arguments in IRCTEST_ARGS),
# then against two nodes sharing one port (--cluster).
irctest: $(STAMP) bytecode redis-server faketime
	$(BIN)/python conformance/run.py $(IRCTEST_ARGS)
	$(BIN)/python conformance/run.py --cluster $(IRCTEST_ARGS)

# The same suite under Twisted's own runner (python -m puts the checkout on sys.path).
trial: $(STAMP) bytecode redis-server postgresql tmux cc irssi chromium irc-references nginx lua-check oidc-provider alertmanager coturn synapse
	$(BIN)/python -m twisted.trial tests

# The web client's browser tests, also writing the screenshots docs/web.md
# shows into docs/images/ (every run leaves them all in build/screenshots/).
web-screenshots: $(STAMP) chromium
	CHATROOM_DOCS_SCREENSHOTS=1 $(BIN)/pytest -q tests/integration/test_web_client.py \
		tests/integration/test_web_room.py tests/integration/test_web_layout.py \
		tests/integration/test_web_rooms.py tests/integration/test_web_life.py \
		tests/integration/test_web_threads.py tests/integration/test_web_second_day.py

# Every figure of docs/performance.md, each server beside its reference, on
# CPython and then (the line door and the baseline) on PyPy. PYPY names a PyPy with Twisted installed; by default
# .venv-pypy, made on first use from Debian's pypy3 (installed if we can).
PYPY ?= .venv-pypy/bin/python
BENCH_ARGS ?= sweep storm overload --duration 5 --warmup 2
# CPython: every door beside its reference (the line door beside the bare
# baseline, the web door beside the line door, the IRC door beside ngIRCd
# and InspIRCd); PyPy: the line door and the baseline.
BENCH_SERVERS ?= chatroom,baseline,chatroom-ws,chatroom-irc,ngircd,inspircd
# Then one process at its descriptor limit: 18,900 idle clients held at the
# line and IRC doors while the fan-out runs (about two minutes).
HOLD_ARGS ?= hold --duration 5 --warmup 2 --c-servers chatroom,chatroom-irc
# Then one room filled to 10,000 and talked in at 10 messages/s: the line door
# with quiet joins past 1,000 (--big-room's default) and with every join
# announced (--big-room 0), beside the baseline; then the web and IRC doors
# with the default (docs/performance.md, "A message to a big room").
BIGROOM_ARGS ?= bigroom --duration 5 --warmup 2
# Then the cluster beside the single server: a private redis-server and 1, 2
# and 3 nodes, each room's members and senders on every node, at 20k, 50k
# and 100k deliveries/s; the nodes' CPU per delivery beside the single
# server's (docs/performance.md, "The cluster"; about four minutes).
CLUSTER_ARGS ?= sweep --duration 5 --warmup 2 --sweep 20k,50k,100k --ceiling-steps 0
CLUSTER_SERVERS ?= chatroom,chatroom-cluster1,chatroom-cluster2,chatroom-cluster3
# `make bench AGAINST=REV`: every command above alternates git revision REV
# (built once into build/against/COMMIT with a virtualenv of its own) with
# the checkout, old, new, old, new (ROUNDS times each) at every step, and
# prints each figure side by side with new/old and the spread
# (docs/performance.md, "Comparing two revisions"); no PyPy run then.
AGAINST ?=
ROUNDS ?= 2
AGAINST_ARGS = $(if $(AGAINST),--against $(AGAINST) --rounds $(ROUNDS))
bench: $(STAMP) cc pypy irc-references redis-server
	$(BIN)/python -m chatroom.bench $(BENCH_ARGS) --c-servers $(BENCH_SERVERS) \
		$(AGAINST_ARGS) --json bench-cpython.json
	$(BIN)/python -m chatroom.bench $(HOLD_ARGS) $(AGAINST_ARGS) --json bench-hold.json
	$(BIN)/python -m chatroom.bench $(BIGROOM_ARGS) --c-servers chatroom,baseline \
		--bigroom-thresholds 1000,0 $(AGAINST_ARGS) --json bench-bigroom.json
	$(BIN)/python -m chatroom.bench $(BIGROOM_ARGS) --c-servers chatroom-ws,chatroom-irc \
		--bigroom-thresholds 1000 $(AGAINST_ARGS) --json bench-bigroom-doors.json
	$(BIN)/python -m chatroom.bench $(CLUSTER_ARGS) --c-servers $(CLUSTER_SERVERS) \
		$(AGAINST_ARGS) --json bench-cluster.json
	@if [ -n "$(AGAINST)" ]; then :; \
	elif [ -x "$(PYPY)" ]; then \
		$(BIN)/python -m chatroom.bench $(BENCH_ARGS) --server-python $(PYPY) --json bench-pypy.json; \
	else \
		echo "no PyPy at $(PYPY): see docs/performance.md (PyPy) to make one"; \
	fi

# How many one machine holds (docs/performance.md, "How many on one machine"):
# 1,000,000 connections through the line, IRC and web doors, from 54
# generator processes, on as many chatroom-cluster nodes as the descriptor
# limit needs (56 at 20,000 a process) and one redis-server, held for five
# minutes beside 1,000 active clients at 20,000 deliveries/s; within 30
# minutes. MILLION_ARGS="--million 10k --million-nodes 3" for a small one.
MILLION_ARGS ?=
bench-million: $(STAMP) cc redis-server
	$(BIN)/python -m chatroom.bench million $(MILLION_ARGS) --json bench-million.json

# The chaos run (docs/scaling.md, "The chaos run"): 3 nodes behind
# Sentinel, 2,000 clients in 200 rooms; a node killed, then Redis's primary;
# then on a Redis Cluster (rooms on each primary) a rooms' primary, then the
# server slot's.
# Half the clients resend with keys (/txn). A few minutes; exits 1 if an
# acknowledged message was lost, duplicated or reordered, or a keyed one
# lost, doubled or left unacknowledged. CHAOS_ARGS="--clients 100 --rooms
# 10" for a smaller one, "--sentinel-only" for the faults behind Sentinel.
CHAOS_ARGS ?=
chaos: $(STAMP) redis-server
	$(BIN)/python -m chatroom.bench.chaos $(CHAOS_ARGS) --json chaos.json

# pypy3-dev holds the headers PyICU compiles against (pypy-venv).
pypy:
	$(call apt_install,pypy3,the benchmark's PyPy half)
	@if [ -e /usr/include/pypy3.9/Python.h ] || ! command -v pypy3 >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's pypy3-dev for PyICU on PyPy"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pypy3-dev >/dev/null; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then \
		echo "Installing Debian's pypy3-dev for PyICU on PyPy"; \
		sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pypy3-dev >/dev/null; \
	else \
		echo "pypy3-dev is missing and cannot be installed here: PyICU will not build on PyPy"; \
	fi
	@if [ ! -x "$(PYPY)" ] && command -v pypy3 >/dev/null; then \
		$(MAKE) --no-print-directory pypy-venv; \
	fi

# Debian's pypy3 is Python 3.9; the newest cryptography has no wheel for it
# and cannot be built offline, so binary wheels only. txredisapi goes in
# without its dependencies (it is imported, not used, by a single server);
# prometheus_client and wsproto are what the metrics and the web door import.
# PyPy's build configuration names no linker for a C++ extension, which
# setuptools then fails to link: PyICU is linked with g++, named.
pypy-venv: icu
	pypy3 -m venv .venv-pypy
	.venv-pypy/bin/pip install --quiet twisted
	.venv-pypy/bin/pip install --quiet --only-binary=:all: cryptography pyopenssl service_identity
	.venv-pypy/bin/pip install --quiet --no-deps txredisapi six
	.venv-pypy/bin/pip install --quiet prometheus_client wsproto
	LDSHARED="g++ -pthread -shared" LDCXXSHARED="g++ -pthread -shared" \
		.venv-pypy/bin/pip install --quiet PyICU

# The Python generator's scenarios at the older targets' scale (about six minutes).
bench-python: $(STAMP)
	$(BIN)/chatroom-bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .venv-pypy build *.egg-info twisted/plugins/dropin.cache
	find chatroom conformance tests -name __pycache__ -prune -exec rm -rf {} +
