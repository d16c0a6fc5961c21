"""A web page's node killed under traffic (issue 35, item 3), in chromium.

Two real ``twistd chatroom`` nodes share one Redis and, with
``--reuse-port``, one HTTP port, as ``chatroom-cluster`` runs them: the
page is opened while only the doomed node listens there, so its
WebSocket is the doomed node's; then the survivor starts on the same
port. The doomed node is killed with ``SIGKILL`` while a user on the
survivor talks. The page reconnects to the same address, reaching the
survivor, which holds the page's name for the dead node until it
harvests it (``--node-ttl``): the page must ask again for its name by
itself, not fall back to the name form, then rejoin its room ``since``
the last message it showed, and show every line once, in order.
"""

from __future__ import annotations

import os
import re
import signal

from twisted.trial.unittest import SkipTest

from tests.client.tmux import wait_for
from tests.cluster.support import NO_REDIS, REDIS_SERVER
from tests.integration.real_clients import LineUser, Server
from tests.integration.two_nodes import start_redis
from tests.integration.web_support import WebCase

#: The nodes' heartbeat lifetime: the dead node's users are harvested after it.
NODE_TTL = "1.5"


class WebNodeLostTests(WebCase):
    """The node a web page is connected to dies."""

    def start_servers(self) -> None:
        if REDIS_SERVER is None:
            if os.environ.get("CHATROOM_REQUIRE_REDIS"):
                raise AssertionError(NO_REDIS)
            raise SkipTest(NO_REDIS)
        url = start_redis(self.addCleanup)
        self.nodes = {}
        for name in ("doomed", "survivor"):
            folder = self.folder / name
            folder.mkdir()
            self.nodes[name] = Server(
                folder,
                *self.server_options,
                "--redis", url, "--node-id", name, "--node-ttl", NODE_TTL,
                "--reuse-port",
            )  # fmt: skip
            self.addCleanup(self.nodes[name].stop)
        self.server = self.nodes["doomed"]
        self.start_node("doomed")

    def start_node(self, name: str) -> None:
        """Node ``name`` started, once it is in the cluster (until then it
        answers every name ``ERR UNAVAILABLE``)."""
        node = self.nodes[name]
        node.start()
        log = node.folder / "server.log"
        wait_for(
            f"{name} in the cluster",
            lambda: f"node {name}: in the cluster" in log.read_text(errors="replace"),
        )

    def test_page_comes_back_through_the_other_node_missing_nothing(self) -> None:
        """kill -9 of the page's node while a user elsewhere talks: the page
        reconnects through the other node on the same address, takes its
        name back once the dead node is harvested (never showing the name
        form), and its room shows every line once and in order."""
        page = self.open_page()
        self.enter(page, "bob")
        self.go_to(page, "general")
        survivor = self.nodes["survivor"]
        survivor.http_port = self.server.http_port  # shared: SO_REUSEPORT
        self.start_node("survivor")
        alice = LineUser(survivor.line_port, "alice")
        self.addCleanup(alice.close)
        alice.send("/join general")
        alice.wait(lambda line: line.startswith("MEMBERS general "), "the members")
        said: list[str] = []

        def say(count: int) -> None:
            for _ in range(count):
                said.append(f"line {len(said) + 1}")
                alice.send(said[-1])

        say(5)
        page.shows("<alice> line 5")

        assert self.server.process is not None
        self.server.process.send_signal(signal.SIGKILL)
        self.server.process.wait(timeout=10)
        wait_for("the banner", lambda: page.visible("connection"))
        say(5)  # while the page is away
        alice.wait(
            lambda line: line == "PART general bob server doomed went away",
            "the dead node's users harvested",
        )
        alice.wait(lambda line: line == "JOIN general bob", "bob back")
        wait_for("the page back", lambda: not page.visible("connection"))
        self.assertTrue(page.visible("room-page"), "the page left its room")
        say(5)
        page.shows("<alice> line 15")
        page.shows("reconnected: what was said meanwhile follows")
        shown = re.findall(r"<alice> (line \d+)", page.log())
        self.assertEqual(shown, said)  # each once, in order, none missing
