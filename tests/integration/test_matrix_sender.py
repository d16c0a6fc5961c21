"""The bridge's sender to Matrix against a real Synapse, in process: a send
the homeserver answered but whose mark was never written (the server
stopped between the two) is sent again by the next sender on the same
store, and Synapse's room holds it once (matrix-nio reads the room).

The in-process server (a line user at a ``FakeClient``) and the bridge run
on the reactor; the bridge reaches Synapse through the wiring's
:class:`~chatroom.wiring.homeserver.AgentHomeserver`, as ``twistd
chatroom`` does.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any, cast

from twisted.internet import defer, reactor, threads
from twisted.trial import unittest

from chatroom.core.bridging.appservice import MatrixBridge
from chatroom.core.bridging.store import FROM_MATRIX, SENT, TO_MATRIX
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.bridge import Note
from chatroom.core.model.config import ServerConfig
from chatroom.wiring.composition import compose_bridge
from chatroom.wiring.homeserver import AgentHomeserver
from chatroom.wiring.matrix import read_registration, registration_text
from tests.matrix import Synapse
from tests.matrix.client import signed_in
from tests.support import FakeClient, chat_core, free_port, local_server


class StoppedBeforeItsMarkError(Exception):
    """The server stopped after the homeserver answered, before the mark."""


class SendThenMarkTests(unittest.TestCase):
    timeout = 240

    def setUp(self) -> None:
        folder = Path(self.mktemp()).resolve()
        folder.mkdir(parents=True)
        registration = folder / "chatroom-registration.yaml"
        # nothing answers there: this test calls the bridge itself
        registration.write_text(registration_text(f"http://127.0.0.1:{free_port()}"))
        self.synapse = Synapse(folder, [str(registration)])
        self.addCleanup(self.synapse.stop)
        self.settings = read_registration(
            str(registration), self.synapse.url, "localhost"
        )
        self.server = local_server(ServerConfig(rate=0), reactor)
        self.core = chat_core(self.server)
        self.homeserver = AgentHomeserver.over(self.settings, reactor)
        self.addCleanup(self.homeserver.close)

    def bridge(self) -> MatrixBridge:
        """A bridge over the server's store (another: the server restarted)."""
        bridge = compose_bridge(self.settings, self.core, self.homeserver)
        bridge.pinger.answering = True  # as after its ping's answer
        return bridge

    @defer.inlineCallbacks
    def test_a_send_without_its_mark_is_sent_again_once(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's message is sent to Synapse; the server stops before the
        room's mark moves past it. The next sender on the same store sends
        it again, with the same transaction id: Synapse answers the same
        event id, the mark moves on, and mxbob's timeline holds the message
        once."""
        alice = FakeClient(self.server)
        self.addCleanup(alice.lose)
        alice.send("alice")
        alice.send("/create tea")
        first = self.bridge()
        made = yield defer.ensureDeferred(first.room_query("#chatroom_tea:localhost"))
        self.assertTrue(made)
        bob = yield signed_in(self, self.synapse, "mxbob")
        room_id = yield threads.deferToThread(bob.join, "#chatroom_tea:localhost")
        self.assertIsNotNone(room_id)
        alice.send("said once")
        said = [x for x in alice.received() if x.endswith(" said once")]
        self.assertEqual(len(said), 1, said)

        backend = self.core.backend
        sent_marks: list[str] = []

        async def stopping_before_the_mark(change: DecidedChange) -> Any:
            marks = [op for op in change.of(Note) if op.book == SENT]
            if marks:
                sent_marks.append(marks[0].value)
                raise StoppedBeforeItsMarkError()
            return await backend.apply(change)

        cast(Any, first.sender).apply = stopping_before_the_mark
        yield defer.ensureDeferred(cast(Any, first.sender).send_due())
        self.assertEqual(len(self.flushLoggedErrors(StoppedBeforeItsMarkError)), 1)
        [message_id] = sent_marks
        arrived = yield threads.deferToThread(
            bob.wait_event,
            room_id,
            "alice's message",
            lambda e: e.get("content", {}).get("body") == "said once",
        )
        ledger = backend.bridge
        self.assertNotEqual(
            (yield defer.ensureDeferred(ledger.noted(SENT, "tea"))), message_id
        )

        again = self.bridge()  # the server started again, on its store
        yield defer.ensureDeferred(cast(Any, again.sender).send_due())
        self.assertEqual(
            (yield defer.ensureDeferred(ledger.noted(SENT, "tea"))), message_id
        )
        kept = yield defer.ensureDeferred(ledger.noted(TO_MATRIX, f"tea {message_id}"))
        self.assertEqual(kept, arrived["event_id"])
        where = yield defer.ensureDeferred(
            ledger.noted(FROM_MATRIX, arrived["event_id"])
        )
        self.assertEqual(where, f"tea {message_id}")

        alice.send("said after")
        yield defer.ensureDeferred(cast(Any, again.sender).send_due())
        yield threads.deferToThread(
            bob.wait_event,
            room_id,
            "alice's next message",
            lambda e: e.get("content", {}).get("body") == "said after",
        )
        timeline = yield threads.deferToThread(bob.timeline, room_id)
        bodies = [e.get("content", {}).get("body") for e in timeline]
        self.assertEqual(bodies.count("said once"), 1, bodies)
        self.assertEqual(bodies.count("said after"), 1, bodies)
