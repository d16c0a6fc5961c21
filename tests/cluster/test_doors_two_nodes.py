"""The three doors' integration tests on two Redis-backed nodes (issue 36).

:class:`DoorsOnTwoNodes` goes before a ``DoorsTestCase`` in a subclass's
bases and replaces its one in-process service with two nodes sharing a
fresh ``redis-server``: the browsers (``/ws``, and IRC over WebSocket on
``/irc``) reach node one (``self.service``), the line and TCP IRC users
node two (``self.other``). So each test's users talk across the nodes
through Redis with the very assertions that prove the doors on one server:
a test that passes there and fails here has found a difference between
the cluster and the single server.
"""

from __future__ import annotations

import os

from twisted.internet import defer
from twisted.trial.unittest import SkipTest

from chatroom.wiring.tap import ChatroomService, Options, makeService
from tests.cluster.support import NO_REDIS, REDIS_SERVER, RedisProcess
from tests.integration import (
    test_dnsbl,
    test_doors,
    test_irc_websocket,
    test_lockdown,
    test_netbans,
)
from tests.support import IN_PROCESS, free_port, port_of, redis_backend


class DoorsOnTwoNodes(test_doors.DoorsTestCase):
    """Before a ``DoorsTestCase`` in a subclass's bases: its tests on two
    nodes (see the module)."""

    timeout = 30

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        if REDIS_SERVER is None:
            if os.environ.get("CHATROOM_REQUIRE_REDIS"):
                raise AssertionError(NO_REDIS)
            raise SkipTest(NO_REDIS)
        redis = RedisProcess(free_port())
        yield redis.start()
        self.addCleanup(redis.stop)
        self.clients = []
        self.raw = []
        self.sockets = []
        self.addCleanup(self._close_doors)
        nodes = []
        for name in ("one", "two"):
            config = Options()
            config.parseOptions(
                [
                    "--port", "tcp:0:interface=127.0.0.1",
                    "--redis", redis.url, "--node-id", name,
                    *IN_PROCESS, *self.options, *self.doors,
                ]
            )  # fmt: skip
            node: ChatroomService = makeService(config)
            node.startService()
            self.addCleanup(node.stopService)
            yield node.listener.whenListening()
            yield redis_backend(node.server).when_available()
            nodes.append(node)
        self.service, self.other = nodes
        # Line and TCP IRC users on node two; browsers (/ws, /irc) on one.
        self.port = port_of((yield self.other.listener.whenListening()))
        for door in self.other.doors:
            if door != "http":
                port = yield self.other.doors[door].whenListening()
                setattr(self, f"{door}_port", port_of(port))
        self.http_port = port_of((yield self.service.doors["http"].whenListening()))


class ThreeDoorsOnTwoNodesTests(DoorsOnTwoNodes, test_doors.ThreeDoorsTests):
    """IRC and line users on one node, a browser on the other, one room."""


class IRCWebSocketOnTwoNodesTests(
    DoorsOnTwoNodes, test_irc_websocket.IRCWebSocketTests
):
    """IRC over WebSocket (``/irc``) on one node, TCP IRC and line users on
    the other."""


class BadInputOnTwoNodesTests(DoorsOnTwoNodes, test_doors.BadInputTests):
    """Wrong input at each door of a cluster: a clear answer, and nobody
    else, on either node, hurt."""


class NetworkBanOnTwoNodesTests(DoorsOnTwoNodes, test_netbans.NetworkBanDoorsTests):
    """A network ban made on node two ends and refuses the browser on node
    one, and the line and IRC users beside the admin on node two; a /30
    and a ban that ends by itself, on both."""


class BlocklistRefuseOnTwoNodesTests(test_dnsbl.RefuseTests, DoorsOnTwoNodes):
    """``--dnsbl ... refuse`` on each node: a listed address refused at
    every door of either node, an unlisted one let in."""


class BlocklistRequireAccountOnTwoNodesTests(
    test_dnsbl.RequireAccountTests, DoorsOnTwoNodes
):
    """``--dnsbl-action require-account`` on each node: the account
    registered on node two signed in to from a listed address on either."""


class BlocklistDownOnTwoNodesTests(test_dnsbl.BlocklistDownTests, DoorsOnTwoNodes):
    """The blocklist's server down: everyone gets in on both nodes, and
    each failed lookup is logged."""


class LockdownOnTwoNodesTests(test_lockdown.LockdownDoorsTests, DoorsOnTwoNodes):
    """Each level set on node two holds at every door of both nodes."""
