"""The Matrix bridge on two nodes of one redis-server, both started with
the bridge's options, Synapse's registration pointing at node A: each
event crosses once, whichever node its author is on (one node sends, the
holder of the lease), and a Matrix message reaches the members on both
nodes once."""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from pathlib import Path
from typing import Any

from twisted.internet import defer, threads

from chatroom.wiring.matrix import registration_text
from tests.cluster.support import ClusterTestCase
from tests.matrix import Synapse
from tests.matrix.client import signed_in
from tests.support import free_port


class MatrixClusterTests(ClusterTestCase):
    timeout = 240
    node_options = ("--rate", "0", "--node-ttl", "1.5", "--rooms", "general")

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        self.folder = Path(self.mktemp()).resolve()
        self.folder.mkdir(parents=True)
        self.http_a = free_port()
        self.registration = self.folder / "chatroom-registration.yaml"
        self.registration.write_text(
            registration_text(f"http://127.0.0.1:{self.http_a}")
        )
        self.synapse = yield threads.deferToThread(
            Synapse, self.folder, [str(self.registration)]
        )
        self.addCleanup(threads.deferToThread, self.synapse.stop)

    def bridge(self, http: int) -> tuple[str, ...]:
        return (
            "--http", f"tcp:{http}:interface=127.0.0.1",
            "--matrix-registration", str(self.registration),
            "--matrix-homeserver", self.synapse.url,
            "--matrix-server-name", "localhost",
        )  # fmt: skip

    @defer.inlineCallbacks
    def test_each_event_crosses_once(self) -> Generator[Any, Any, None]:
        """A message said on node B and one on node A each reach Matrix
        once; mxdan's message reaches alice (A) and bob (B) once."""
        node_a = yield self.node(*self.bridge(self.http_a))
        node_b = yield self.node(*self.bridge(free_port()))
        alice = yield self.client(node_a, "alice")
        bob = yield self.client(node_b, "bob")
        for user in (alice, bob):
            user.say("/join general")
            yield user.expect_line("MEMBERS general")
        dan = yield signed_in(self, self.synapse, "mxdan")
        room_id = yield threads.deferToThread(dan.join, "#chatroom_general:localhost")
        self.assertIsNotNone(room_id)
        bob.say("said on node B")
        alice.say("said on node A")

        def said(body: str, event: dict[str, Any]) -> bool:
            return bool(event.get("content", {}).get("body") == body)

        for body in ("said on node B", "said on node A"):
            yield threads.deferToThread(
                dan.wait_event, room_id, repr(body), partial(said, body)
            )
        yield threads.deferToThread(dan.say, room_id, "hello both nodes")
        for user in (alice, bob):
            yield user.expect_line("MSG general mxdan:localhost ")
        yield threads.deferToThread(dan.say, room_id, "the end")
        for user in (alice, bob):
            yield user.expect(lambda line: line.endswith(" the end"))
            heard = [x for x in user.lines if x.endswith(" hello both nodes")]
            self.assertEqual(len(heard), 1, user.lines)
        timeline = yield threads.deferToThread(dan.timeline, room_id)
        bodies = [e.get("content", {}).get("body") for e in timeline]
        self.assertEqual(bodies.count("said on node B"), 1, bodies)
        self.assertEqual(bodies.count("said on node A"), 1, bodies)
