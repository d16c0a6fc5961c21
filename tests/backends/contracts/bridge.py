"""The Matrix bridge over every registry: its ledger (claimed once), its
portals, and what a pushed transaction says in a room, once however
often it is pushed. With the in-process registry
(``tests/backends/local/test_bridge.py``) and a real ``redis-server``
(``tests/backends/redis/test_bridge.py``); the homeserver is a fake
(:mod:`tests.matrix.fake_homeserver`), as Synapse's side is not what is
tested here."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

from twisted.internet import defer

from chatroom.core.bridging.appservice import MatrixBridge
from chatroom.core.bridging.store import EVENTS, PORTALS
from chatroom.core.model.changes.base import DecidedChange, FactsChangedError
from chatroom.core.model.changes.bridge import BridgeLedger, Note, Unnoted
from chatroom.wiring.composition import compose_bridge
from tests.backends.contracts.handler import ContractBase
from tests.matrix.fake_homeserver import SETTINGS, FakeHomeserver, message

ALIAS = "#chatroom_tea:localhost"


class BridgeContract(ContractBase):
    """alice and bob in tea; bob:example.org on Matrix."""

    def bridge(self, homeserver: FakeHomeserver | None = None) -> MatrixBridge:
        """A bridge over the server's core (another over the same store is
        what a restarted server, or another node, has)."""
        self.homeserver = homeserver or FakeHomeserver()
        return compose_bridge(
            SETTINGS, cast(Any, self.server.registry), self.homeserver
        )

    @defer.inlineCallbacks
    def test_a_note_is_claimed_once(self) -> Generator[Any, Any, None]:
        """A note under a key is written once: a second change resting on
        there being none applies nothing; the first's value is read back."""
        backend = cast(Any, self.server.registry).backend

        def noting(value: str) -> DecidedChange:
            return DecidedChange(
                BridgeLedger(),
                (Unnoted(EVENTS, "$e1"),),
                (Note(EVENTS, "$e1", value, 3600),),
            )

        yield defer.ensureDeferred(backend.apply(noting("first")))
        with self.assertRaises(FactsChangedError):
            yield defer.ensureDeferred(backend.apply(noting("second")))
        found = yield defer.ensureDeferred(backend.bridge.noted(EVENTS, "$e1"))
        self.assertEqual(found, "first")
        none = yield defer.ensureDeferred(backend.bridge.noted(EVENTS, "$e2"))
        self.assertIsNone(none)

    @defer.inlineCallbacks
    def test_a_portal_is_made_once(self) -> Generator[Any, Any, None]:
        """The alias of an open room is answered by making its portal, as
        @chatroom:localhost; asked again (a second bridge on the same store:
        after a restart, or on another node) it is there, and nothing is
        made. An alias of no room, or of a room with a key, is no portal."""
        (alice,) = yield self.in_room("tea", "alice")
        bridge = self.bridge()
        made = yield defer.ensureDeferred(bridge.room_query(ALIAS))
        self.assertTrue(made)
        [body] = self.homeserver.made("/createRoom")
        assert body is not None
        self.assertEqual(body["room_alias_name"], "chatroom_tea")
        self.assertEqual((body["preset"], body["name"]), ("public_chat", "tea"))
        again = self.bridge()
        self.assertTrue((yield defer.ensureDeferred(again.room_query(ALIAS))))
        self.assertEqual(self.homeserver.made("/createRoom"), [])
        portal = yield defer.ensureDeferred(again.ledger.noted(PORTALS, "tea"))
        self.assertEqual(portal, "!portal1:localhost")
        nothing = again.room_query("#chatroom_nosuchroom:localhost")
        self.assertFalse((yield defer.ensureDeferred(nothing)))
        alice.say("/create locked")
        yield self.expect(alice, "MEMBERS locked")
        alice.say("/set key s3cret")
        yield self.expect(alice, "SET locked")
        locked = again.room_query("#chatroom_locked:localhost")
        self.assertFalse((yield defer.ensureDeferred(locked)))

    @defer.inlineCallbacks
    def test_a_transaction_is_relayed_once(self) -> Generator[Any, Any, None]:
        """bob:example.org's message reaches tea's members once: the same
        transaction pushed again, or its event in another, says nothing
        more; a new event is said. m.emote is an ACTION, m.notice a MSG
        tagged notice, and every one is tagged bridged=matrix."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        bob.say("/caps rich")
        yield self.expect(bob, "CAPS")
        bridge = self.bridge()
        yield defer.ensureDeferred(bridge.room_query(ALIAS))
        first = [message("$e1", "hello from matrix")]
        for txn, events in (("t1", first), ("t1", first), ("t2", first)):
            yield defer.ensureDeferred(bridge.transaction(txn, events))
        said = yield self.expect(alice, "MSG tea ")
        self.assertRegex(said, r"^MSG tea bob:example\.org \S+ hello from matrix$")
        rich = yield self.expect(bob, "@")
        self.assertRegex(
            rich,
            r"^@\d+;bridged=matrix MSG tea bob:example\.org \S+ hello from matrix$",
        )
        more = [
            message("$e2", "waves", msgtype="m.emote"),
            message("$e3", "build passed", msgtype="m.notice"),
        ]
        yield defer.ensureDeferred(bridge.transaction("t3", more))
        self.assertRegex(
            (yield self.expect(alice, "ACTION tea ")),
            r"^ACTION tea bob:example\.org \S+ waves$",
        )
        action = yield self.expect(bob, "@")
        self.assertIn(";bridged=matrix ACTION tea bob:example.org ", action)
        notice = yield self.expect(bob, "@")
        self.assertRegex(notice, r"^@\d+;.*notice.* MSG tea bob:example\.org ")
        self.assertIn("bridged=matrix", notice)
        plain = yield self.expect(alice, "MSG tea ")
        self.assertTrue(plain.endswith(" build passed"), plain)
        yield self.wait()
        self.assertIsNone(alice.take("MSG tea bob:example.org"))
        # a second bridge on the same store (a restart, another node)
        yield defer.ensureDeferred(self.bridge().transaction("t4", first))
        yield self.wait()
        self.assertIsNone(alice.take("MSG tea bob:example.org"))

    @defer.inlineCallbacks
    def test_what_is_not_relayed(self) -> Generator[Any, Any, None]:
        """Events of a room that is no portal, and the bridge's own users'
        (its puppets, @chatroom:localhost), are acknowledged and ignored."""
        (alice,) = yield self.in_room("tea", "alice")
        bridge = self.bridge()
        yield defer.ensureDeferred(bridge.room_query(ALIAS))
        events = [
            message("$a", "elsewhere", room_id="!other:localhost"),
            message("$b", "echo", sender="@chatroom_alice:localhost"),
            message("$c", "bridge", sender="@chatroom:localhost"),
            message("$d", "this one"),
        ]
        yield defer.ensureDeferred(bridge.transaction("t1", events))
        said = yield self.expect(alice, "MSG tea ")
        self.assertTrue(said.endswith(" this one"), said)
        yield self.wait()
        self.assertIsNone(alice.take("MSG tea "))

    @defer.inlineCallbacks
    def test_a_reply_loses_its_fallback(self) -> Generator[Any, Any, None]:
        """A reply's body without the '> ' lines and the blank after them;
        several lines make one message of several lines."""
        (alice,) = yield self.in_room("tea", "alice")
        bridge = self.bridge()
        yield defer.ensureDeferred(bridge.room_query(ALIAS))
        reply = message(
            "$r",
            "> <@ann:localhost> tea?\n\nme please",
            **{"m.relates_to": {"m.in_reply_to": {"event_id": "$x"}}},
        )
        yield defer.ensureDeferred(bridge.transaction("t1", [reply]))
        said = yield self.expect(alice, "MSG tea ")
        self.assertTrue(said.endswith(" me please"), said)
