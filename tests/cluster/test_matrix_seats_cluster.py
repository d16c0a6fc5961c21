"""A node started again, on one redis-server, serves with the Matrix users
its store lists already in their rooms: a person who joins right after a
restart finds them in ``MEMBERS`` (and IRC's ``NAMES``), with no ``JOIN``
of theirs a moment later. The node is the real ``makeService`` with the
bridge's three options; its homeserver is away (nothing answers at its
address), as it may be while a server starts: the seats come from the
store alone."""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

from twisted.internet import defer

from chatroom.core.bridging.store import MATRIX_MEMBERS, PORTALS
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.bridge import BridgeLedger, Note
from chatroom.wiring.matrix import registration_text
from tests.cluster.support import ClusterTestCase
from tests.support import free_port, redis_backend, until


class MatrixUsersSeatedAtStart(ClusterTestCase):
    timeout = 60

    @defer.inlineCallbacks
    def test_a_node_started_again_serves_with_them_seated(
        self,
    ) -> Generator[Any, Any, None]:
        """The store says mxbob is in general's portal; node one is stopped
        and started again: once it is in the cluster, ann joining general
        finds mxbob:localhost among its members within seconds, not after
        the bridge's retry (10 s) of a read made before Redis answered."""
        registration = Path(self.mktemp())
        registration.write_text(registration_text("http://127.0.0.1:8000"))
        bridged = (
            "--http", "tcp:0:interface=127.0.0.1",
            "--matrix-registration", str(registration),
            "--matrix-homeserver", f"http://127.0.0.1:{free_port()}",
            "--matrix-server-name", "localhost",
        )  # fmt: skip
        one = yield self.node(*bridged, node_id="one")
        noted = (
            Note(PORTALS, "general", "!portal:localhost"),
            Note(MATRIX_MEMBERS, "general", json.dumps(["mxbob:localhost"])),
        )
        yield defer.Deferred.fromCoroutine(
            redis_backend(one.server).apply(DecidedChange(BridgeLedger(), (), noted))
        )
        yield one.stopService()
        self.nodes.remove(one)

        again = yield self.node(*bridged, node_id="one")
        ann = yield self.client(again, "ann")
        ann.say("/join general")
        yield ann.expect_line("MEMBERS general")

        @defer.inlineCallbacks
        def listed() -> Generator[Any, Any, bool]:
            ann.say("/who general")
            line = yield ann.expect_line("MEMBERS general")
            return "mxbob:localhost" in line.split()

        yield until(listed, 5, "mxbob in general as the node serves")
