"""Packaging for chatroom: the server package, its twistd plugin and the client."""

from setuptools import find_packages, setup

setup(
    name="chatroom",
    version="0.1.0",
    description="A multi-room chat server on Twisted, with an urwid terminal client.",
    python_requires=">=3.11",
    # twisted/plugins has no __init__.py (Twisted's plugin convention), so it
    # is listed by hand rather than found.
    packages=[*find_packages(include=["chatroom", "chatroom.*"]), "twisted.plugins"],
    # The benchmark compiles its C load generator from source on first use;
    # the web client is plain files (no build step).
    package_data={
        "twisted.plugins": ["chatroom_plugin.py"],
        "chatroom.bench": ["cgen.c", "cgen_*.h"],
        # The Redis back-end's Lua scripts, read at import (prelude.lua_file).
        "chatroom.backends.redis": ["lua/*.lua"],
        # emojibase's data: the site makes the page's /emoji.json from it.
        "chatroom.doors.web": ["static/*", "static/emojibase/*"],
    },
    install_requires=[
        # twisted.web.websocket (the browser door) arrived in Twisted 26.4.
        "twisted[tls,websocket]>=26.4",
        "prometheus_client>=0.20",
        # Tested against urwid 5.0 (its typed Widget API and TwistedEventLoop).
        "urwid>=5.0,<6",
        "txredisapi>=1.6",
        # The Matrix bridge's registration file (chatroom.wiring.matrix) is YAML.
        "pyyaml>=6",
        # hiredis's C reply parser: txredisapi uses it when it is installed
        # (HiredisProtocol), for every reply and published message a node reads.
        "hiredis>=2.0",
        # chatroom-admin restore --redis: redis-py, blocking, as a command-line
        # tool runs without a reactor (chatroom.wiring.redisrestore).
        "redis>=5.2",
        # Argon2id password hashes for accounts (chatroom.core.accounts.accounts).
        "argon2-cffi>=23.1",
        # SCRAM-SHA-256 for IRC's SASL (chatroom.core.accounts.scram): pg8000's library.
        "scramp>=1.4",
        # Web Push (chatroom.wiring.webpush): RFC 8291's aes128gcm payload
        # encryption and RFC 8292's VAPID JWT, the libraries pywebpush uses.
        "http_ece>=1.2",
        "py_vapid>=1.9",
        # UTS #39 confusables (skeletons, restriction levels) for names:
        # ICU's SpoofChecker (chatroom.core.model.text). Built against Debian's
        # libicu-dev with pkg-config (the Makefile installs them).
        "PyICU>=2.10",
        # Cluster search's index in PostgreSQL (chatroom.backends.redis.search);
        # the binary wheel bundles libpq.
        "psycopg[binary]>=3.1",
        # The terminal client's :shortcode completion (chatroom.client.shortcodes):
        # Unicode's emoji with their names and GitHub-style aliases.
        "emoji>=2.10",
        # Messages are Markdown (chatroom.wire.markdown): the terminal client
        # renders it and the IRC door translates it, with the Python port of
        # the parser the web page uses (markdown-it).
        "markdown-it-py>=3.0",
        # Sign-in with an OpenID provider (chatroom.wiring.oidc_provider):
        # ID and access tokens checked against the provider's JWKS, and
        # their claims (iss, aud, exp, nonce), by joserfc, the JOSE library
        # of Authlib's author.
        "joserfc>=1.0",
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "pytest-twisted>=1.14",
            # `make test` runs the suite in several processes (Makefile, TEST_WORKERS).
            "pytest-xdist>=3",
            # A test that hangs fails alone after pyproject.toml's timeout,
            # with its traceback, instead of holding up the whole run.
            "pytest-timeout>=2.2",
            # irctest's controllers lock their shared port registry with it
            # when irctest runs in several processes (conformance/run.py).
            "filelock>=3",
            # The IRC door's unit tests on two nodes (tests/cluster/two_nodes.py).
            "greenlet>=3",
            "hypothesis>=6.100",
            "ruff>=0.6",
            "mypy>=1.10",
            "mypy-zope>=1.0",
            # Drives Debian's chromium (with chromium-driver) in the web tests.
            "selenium>=4.20",
            # axe-core 4.9 (shipped inside, MPL 2.0) for the web client's
            # accessibility checks in the browser tests.
            "selenium-axe-python>=2.2",
            # irctest's WebSocket tests (conformance/, IRC over WebSocket)
            # and ours: the client irctest uses (its websockets.sync API).
            "websockets>=13",
            # Reads compose.yaml in the packaging tests (its node commands
            # are checked against the server's real options).
            "pyyaml>=6",
            # The SMTP server the e-mail tests send through (tests/wiring/test_smtp.py).
            "aiosmtpd>=1.4",
            # The Matrix user's client in the bridge's tests (tests/matrix/),
            # against a real Synapse (build/synapse, the Makefile's synapse).
            "matrix-nio>=0.25",
            # A real sender to the webhooks: apprise's CLI posts through a
            # hook's address as to Mattermost's
            # (tests/integration/test_hook_senders.py).
            "apprise>=1.9",
        ],
    },
    entry_points={
        "console_scripts": [
            "chatroom-urwid=chatroom.client.main:main",
            "chatroom-bench=chatroom.bench.main:main",
            "chatroom-cluster=chatroom.wiring.cluster:main",
            # chatroom config check PATH (chatroom.wiring.command)
            "chatroom=chatroom.wiring.command:main",
            "chatroom-admin=chatroom.wiring.admintool:main",
        ],
    },
)
