"""The Matrix bridge's restarts on two nodes of one redis-server (the
bridged.md ``restart`` check): Synapse's registration names node one,
ann is at node two's line door, and the very steps and assertions of the
one-server test hold, chatroom being both nodes, stopped and started
again together on what Redis keeps."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from tests.integration import test_matrix_bridge
from tests.integration.test_twistd import TwistdProcess
from tests.integration.two_nodes import require_a_cluster, start_redis
from tests.support import LineClient, free_port


class MatrixRestartsOnTwoNodes(test_matrix_bridge.MatrixBridgeRestartTests):
    """Synapse pushes to node one (its ``--http`` is the registration's);
    ann speaks at node two."""

    def setUp(self) -> None:
        require_a_cluster(search=False)
        super().setUp()
        self.redis_url = start_redis(self.addCleanup)
        #: Node one's line and IRC ports; node two's HTTP port.
        self.others = (free_port(), free_port(), free_port())

    @defer.inlineCallbacks
    def started(
        self,
    ) -> Generator[Any, Any, tuple[list[TwistdProcess], LineClient]]:
        line, irc, http = self.others
        nodes = []
        for name, ports in (
            ("one", (line, irc, self.http)),
            ("two", (self.line, self.irc, http)),
        ):
            cluster = ("--redis", self.redis_url, "--node-id", name)
            nodes.append(self.serve(*cluster, ports=ports))
        for name, node in zip(("one", "two"), nodes, strict=True):
            yield node.when_output(f"node {name}: in the cluster".encode())
        return nodes, (yield self.ann_in_general())

    @defer.inlineCallbacks
    def stopped(self, process: Any) -> Generator[Any, Any, None]:
        for node in process:
            yield super().stopped(node)
