"""The real-clients tests again on two nodes of a cluster (issue 36).

:class:`OnTwoNodes` goes before a ``RealClientsCase`` (or a ``WebCase``)
in a subclass's bases (it replaces the case's ``start_servers``), and
the case's tests run unchanged against two real
``twistd chatroom --redis`` processes sharing one real ``redis-server``,
with the users of each test spread over both: the browsers open node
one's page (``self.server``), every other user (line, irssi, WeeChat)
connects to node two (``self.other``). So everything a test sees one user
do reaches the others through Redis, as it does for people behind a load
balancer; a test that passes on one server and fails here has found a
difference between the cluster and the single server.

Each test gets a fresh ``redis-server`` on a free port, with persistence
off, and a database of its own in the test session's PostgreSQL for the
cluster's search (``--search-db``), so the cluster is the whole product.
Without ``redis-server`` or PostgreSQL the cases are skipped, unless
``CHATROOM_REQUIRE_REDIS`` (CI) asks for a failure instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import urllib.request
from collections.abc import Callable
from functools import partial
from typing import Any

from twisted.trial.unittest import SkipTest

from tests.client.tmux import listening, wait_for
from tests.cluster.postgres import NO_POSTGRES, POSTGRES_BIN, session_postgres
from tests.cluster.support import NO_REDIS, REDIS_SERVER
from tests.integration.real_clients import IRCUser, Irssi, LineUser, Server, WeeChat
from tests.support import free_port

#: Each node's options beyond the case's: harvest a lost node's users soon.
NODE_OPTIONS = ("--node-ttl", "3")


def start_redis(add_cleanup: Callable[..., object]) -> str:
    """A fresh ``redis-server`` on a free port, persistence off, stopped at
    the test's clean-up (``add_cleanup``); its ``redis://`` address."""
    assert REDIS_SERVER is not None
    port = free_port()
    redis = subprocess.Popen(
        [
            REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--logfile", "",
        ],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    add_cleanup(stop_process, redis)
    wait_for("redis-server to listen", partial(listening, port))
    return f"redis://127.0.0.1:{port}/0"


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stopped as its supervisor would stop it (``SIGTERM``), and reaped."""
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)


def serving(url: str) -> bool:
    """Whether the node at ``url`` serves its users (its ``/healthz``)."""
    try:
        with urllib.request.urlopen(url + "healthz", timeout=5) as answer:
            return bool(answer.status == 200)
    except OSError:  # refused, or 503 (an HTTPError)
        return False


def require_a_cluster(search: bool = True) -> None:
    """Skip (or, with ``CHATROOM_REQUIRE_REDIS``, fail) without
    ``redis-server``, or (``search``) PostgreSQL."""
    needed = [(REDIS_SERVER, NO_REDIS)]
    if search:
        needed.append((POSTGRES_BIN, NO_POSTGRES))
    for missing, why in needed:
        if missing is None:
            if os.environ.get("CHATROOM_REQUIRE_REDIS"):
                raise AssertionError(why)
            raise SkipTest(why)


def start_two_nodes(
    folder: Any, options: tuple[str, ...], add_cleanup: Callable[..., object]
) -> tuple[Server, Server]:
    """Two nodes of one cluster (``options`` and ``--redis``, a search
    database of their own), in ``folder``'s ``one`` and ``two``, serving
    once this returns; stopped at the test's clean-up (``add_cleanup``)."""
    require_a_cluster()
    search_db = session_postgres().new_database()
    url = start_redis(add_cleanup)
    nodes = []
    for name in ("one", "two"):
        place = folder / name
        place.mkdir()
        node = Server(
            place,
            *options,
            "--redis", url, "--node-id", name, "--search-db", search_db,
            *NODE_OPTIONS,
        )  # fmt: skip
        node.launch()  # both start side by side
        add_cleanup(node.stop)
        nodes.append(node)
    for node in nodes:
        node.wait_started()
    for node in nodes:
        # A node listens before it has reached Redis on each of its
        # links; until then a user is answered ERR UNAVAILABLE.
        wait_for("the node to serve", partial(serving, node.url))
    one, two = nodes
    return one, two


class OnTwoNodes:
    """A mixin: the case's server is node one of two (see the module)."""

    server_options: tuple[str, ...]
    folder: Any

    def start_servers(self) -> None:
        self.server, self.other = start_two_nodes(
            self.folder,
            self.server_options,
            self.addCleanup,  # type: ignore[attr-defined]
        )

    # -- every user but the browsers' on node two -----------------------------------

    def line_user(self, name: str) -> LineUser:
        user = LineUser(self.other.line_port, name)
        self.addCleanup(user.close)  # type: ignore[attr-defined]
        return user

    def irssi(
        self,
        nick: str,
        password: str | None = None,
        server_time: bool = False,
        seconds: bool = False,
    ) -> Irssi:
        return self._on_node_two(super().irssi, nick, password, server_time, seconds)  # type: ignore[misc]

    def weechat(self, nick: str, capabilities: str = "*") -> WeeChat:
        return self._on_node_two(super().weechat, nick, capabilities)  # type: ignore[misc]

    def irc_user(self, nick: str, password: str = "", caps: str = "") -> IRCUser:
        return self._on_node_two(super().irc_user, nick, password, caps)  # type: ignore[misc]

    def _on_node_two(self, start: Any, *arguments: Any) -> Any:
        """``start`` (the case's own) with node two's IRC port as the server's."""
        one = self.server
        self.server = self.other
        try:
            return start(*arguments)
        finally:
            self.server = one
