"""The Matrix bridge over every registry: its ledger (claimed once), its
portals, and what a pushed transaction says in a room, once however
often it is pushed. With the in-process registry
(``tests/backends/local/test_bridge.py``) and a real ``redis-server``
(``tests/backends/redis/test_bridge.py``); the homeserver is a fake
(:mod:`tests.matrix.fake_homeserver`), as Synapse's side is not what is
tested here."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import replace
from typing import Any, cast

from twisted.internet import defer, reactor, task
from twisted.logger import Logger, LogLevel

from chatroom.core.bridging.appservice import (
    PING_EVERY,
    MatrixBridge,
    RelayingNowError,
)
from chatroom.core.bridging.store import (
    EVENTS,
    FROM_MATRIX,
    LEASE,
    PORTALS,
    PUPPETS,
    SENT,
    TO_MATRIX,
)
from chatroom.core.model.changes.base import DecidedChange, FactsChangedError
from chatroom.core.model.changes.bridge import BridgeLedger, Note, Unnoted
from chatroom.core.model.changes.messages import RoomMessages
from chatroom.core.model.errors import ChatError
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
        # a homeserver that numbers its transactions again (Synapse on
        # SQLite, restarted): an id seen before with another event in it
        renumbered = [message("$e9", "after its restart")]
        yield defer.ensureDeferred(bridge.transaction("t1", renumbered))
        again = yield self.expect(alice, "MSG tea ")
        self.assertTrue(again.endswith(" after its restart"), again)

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
        reply = message("$r", "> <@ann:localhost> tea?\n\nme please")
        reply["content"]["m.relates_to"] = {"m.in_reply_to": {"event_id": "$x"}}
        yield defer.ensureDeferred(bridge.transaction("t1", [reply]))
        said = yield self.expect(alice, "MSG tea ")
        self.assertTrue(said.endswith(" me please"), said)


def notes_a_matrix_event(change: DecidedChange) -> bool:
    """Whether ``change`` notes what a Matrix event became in a room."""
    return any(op.book == FROM_MATRIX for op in change.of(Note))


def replacing(event_id: str, of: str, text: str) -> dict[str, Any]:
    """bob:example.org's ``m.replace`` of his event ``of``: ``text``."""
    edit = message(event_id, f"* {text}")
    edit["content"].update(
        {
            "m.new_content": {"msgtype": "m.text", "body": text},
            "m.relates_to": {"rel_type": "m.replace", "event_id": of},
        }
    )
    return edit


def annotating(event_id: str, of: str, key: str) -> dict[str, Any]:
    """bob:example.org's ``m.annotation`` ``key`` of event ``of``."""
    relates = {"rel_type": "m.annotation", "event_id": of, "key": key}
    return {
        "type": "m.reaction",
        "event_id": event_id,
        "room_id": "!portal1:localhost",
        "sender": "@bob:example.org",
        "content": {"m.relates_to": relates},
    }


def redacting(event_id: str, of: str) -> dict[str, Any]:
    """bob:example.org's redaction of event ``of``."""
    return {
        "type": "m.room.redaction",
        "event_id": event_id,
        "room_id": "!portal1:localhost",
        "sender": "@bob:example.org",
        "redacts": of,
        "content": {},
    }


class BridgeFailures:
    """What the bridge's tests of failures half-way share: the store
    failing at a write of the bridge's, the claims running out, and what a
    user hears and finds in the history."""

    server: Any
    expect: Any
    assertRaises: Any

    @defer.inlineCallbacks
    def heard(self, user: Any, words: str) -> Generator[Any, Any, str]:
        """The next of ``user``'s rich lines holding ``words``."""
        while True:
            line = yield self.expect(user, "@")
            if words in line:
                return str(line)

    def store_away_once(
        self,
        bridge: MatrixBridge,
        at: Callable[[DecidedChange], bool] | None = None,
    ) -> None:
        """The bridge's next write ``at`` says (else: of a room's
        messages) fails as with the store away (``UNAVAILABLE``), and its
        claims last a second."""
        bridge.claim_seconds = 1
        real_apply = bridge.apply
        failing = [True]

        def failing_at(change: DecidedChange) -> bool:
            if at is not None:
                return at(change)
            return isinstance(change.subject, RoomMessages)

        async def store_away_once(change: DecidedChange) -> Any:
            if failing[0] and failing_at(change):
                failing[0] = False
                raise ChatError("UNAVAILABLE", "the store is away")
            return await real_apply(change)

        bridge.apply = store_away_once

    @defer.inlineCallbacks
    def claims_run_out(self) -> Generator[Any, Any, None]:
        """Past the bridge's claims of a second, on the core's clock and
        Redis's."""
        advance = getattr(cast(Any, self.server.registry).clock, "advance", None)
        if advance is not None:  # a fake clock's time
            advance(2)
        yield task.deferLater(reactor, 1.5, lambda: None)  # Redis's own time

    @defer.inlineCallbacks
    def relayed_again(
        self, bridge: MatrixBridge, again: MatrixBridge, event: dict[str, Any]
    ) -> Generator[Any, Any, None]:
        """``event`` pushed to ``bridge``, whose store fails after the
        write the event makes and before the ledger notes its id (what a
        server killed between the two leaves): the transaction fails;
        pushed again through ``again`` (the homeserver's retry, once the
        claim has run out), it is answered."""
        self.store_away_once(bridge, notes_a_matrix_event)
        txn = "t-" + event["event_id"]
        with self.assertRaises(ChatError):
            yield defer.ensureDeferred(bridge.transaction(txn, [event]))
        yield self.claims_run_out()
        yield defer.ensureDeferred(again.transaction(txn, [event]))

    @defer.inlineCallbacks
    def history(self, user: Any) -> Generator[Any, Any, list[str]]:
        """The lines of ``user``'s ``/history 20`` of tea."""
        user.say("/history 20")
        end = yield self.expect(user, "HISTORY_END ")
        count = int(end.split()[2])
        return list(user.lines[user.lines.index(end) - count : user.lines.index(end)])


class BridgeLifeContract(BridgeFailures, ContractBase):
    """Messages, edits, deletions, replies and reactions, both ways, with a
    fake homeserver: alice and bob in tea, rich; bob:example.org on Matrix."""

    @defer.inlineCallbacks
    def portal(self) -> Generator[Any, Any, tuple[Any, Any, MatrixBridge]]:
        alice, bob = yield self.in_room("tea", "alice", "bob")
        for user in (alice, bob):
            user.say("/caps rich")
            yield self.expect(user, "CAPS")
        self.homeserver = FakeHomeserver()
        core = cast(Any, self.server.registry)
        bridge = compose_bridge(SETTINGS, core, self.homeserver)
        self.assertTrue((yield defer.ensureDeferred(bridge.room_query(ALIAS))))
        bridge.pinger.answering = True  # as after its ping's answer
        return alice, bob, bridge

    @defer.inlineCallbacks
    def sent(self, bridge: MatrixBridge) -> Generator[Any, Any, list[Any]]:
        """What one pass of the sender sends, now that the server has it."""
        yield self.wait()
        before = len(self.homeserver.sends())
        yield defer.ensureDeferred(cast(Any, bridge.sender).send_due())
        return self.homeserver.sends()[before:]

    @defer.inlineCallbacks
    def said_id(self, user: Any, text: str) -> Generator[Any, Any, str]:
        """``user`` says ``text`` (a message or a /reply): its id."""
        user.say(text)
        line = yield self.heard(user, text.split(" ", 2)[-1])
        return str(line.split(";")[0].split(" ")[0][1:])

    @defer.inlineCallbacks
    def test_to_matrix(self) -> Generator[Any, Any, None]:
        """A message and a /me are sent by the author's puppet (m.text,
        m.emote) with transaction ids made from the events, once (a second
        pass, or a second sender on the same store, sends nothing again);
        /edit, /reply, /react, /unreact and /redact point at its event."""
        alice, bob, bridge = yield self.portal()
        first = yield self.said_id(alice, "hello matrix")
        alice.say("/me waves")
        yield self.expect(alice, "@")
        [(path, content, user), (_, emote, _)] = yield self.sent(bridge)
        self.assertIn(f"/send/m.room.message/chatroom.tea.{first}.message", path)
        self.assertEqual(content, {"msgtype": "m.text", "body": "hello matrix"})
        self.assertEqual(user, "@chatroom_alice:localhost")
        self.assertEqual(emote, {"msgtype": "m.emote", "body": "waves"})
        self.assertEqual((yield self.sent(bridge)), [])
        again = compose_bridge(
            SETTINGS, cast(Any, self.server.registry), self.homeserver
        )
        again.pinger.answering = True
        self.assertEqual((yield self.sent(again)), [])
        event = self.homeserver.sent[path]

        alice.say(f"/edit {first} hello again")
        yield self.heard(alice, " EDIT ")
        [(_, edit, user)] = yield self.sent(bridge)
        self.assertEqual(
            edit["m.relates_to"], {"rel_type": "m.replace", "event_id": event}
        )
        self.assertEqual(edit["m.new_content"]["body"], "hello again")
        self.assertEqual(user, "@chatroom_alice:localhost")
        yield self.said_id(bob, f"/reply {first} me too")
        bob.say(f"/react {first} 🎉")
        yield self.heard(bob, " REACT ")
        [(_, reply, _), (path, reaction, user)] = yield self.sent(bridge)
        self.assertEqual(reply["m.relates_to"], {"m.in_reply_to": {"event_id": event}})
        self.assertEqual(reply["body"], "me too")
        self.assertIn("/send/m.reaction/", path)
        self.assertEqual(
            reaction["m.relates_to"],
            {"rel_type": "m.annotation", "event_id": event, "key": "🎉"},
        )
        self.assertEqual(user, "@chatroom_bob:localhost")
        bob.say(f"/unreact {first} 🎉")
        yield self.heard(bob, " UNREACT ")
        reaction_event = self.homeserver.sent[path]
        [(path, _, user)] = yield self.sent(bridge)
        self.assertIn(f"/redact/{reaction_event.replace('$', '%24')}/", path)
        self.assertEqual(user, "@chatroom_bob:localhost")
        # (the contracts' rooms keep six events: a newer message)
        oops = yield self.said_id(alice, "oops")
        [(path, _, _)] = yield self.sent(bridge)
        oops_event = self.homeserver.sent[path]
        alice.say(f"/redact {oops} typo")
        yield self.heard(alice, " REDACT ")
        [(path, body, user)] = yield self.sent(bridge)
        self.assertIn(f"/redact/{oops_event.replace('$', '%24')}/", path)
        self.assertEqual(
            (body, user), ({"reason": "typo"}, "@chatroom_alice:localhost")
        )

    @defer.inlineCallbacks
    def test_each_event_sent_is_one_write(self) -> Generator[Any, Any, None]:
        """Sending a portal's events costs the ledger one write each (one
        change: what the event became on Matrix, both ways, with the mark
        past it), whatever the event: a message, a /me, an edit, a
        reaction, a deletion. Besides them a pass writes only its lease
        and who the puppets are, when they change."""
        alice, bob, bridge = yield self.portal()
        sender = cast(Any, bridge.sender)
        yield self.sent(bridge)  # the puppets seated, the lease taken
        applied: list[DecidedChange] = []
        stored = sender.apply

        async def counted(change: DecidedChange) -> Any:
            applied.append(change)
            return await stored(change)

        sender.apply = counted
        first = yield self.said_id(alice, "hello matrix")
        sends = yield self.sent(bridge)
        alice.say("/me waves")
        yield self.heard(alice, "waves")
        alice.say(f"/edit {first} hello again")
        yield self.heard(alice, " EDIT ")
        bob.say(f"/react {first} 🎉")
        yield self.heard(bob, " REACT ")
        sends += yield self.sent(bridge)
        alice.say(f"/redact {first} typo")
        yield self.heard(alice, " REDACT ")
        sends += yield self.sent(bridge)
        self.assertEqual(len(sends), 5, sends)
        books = [{note.book for note in change.of(Note)} for change in applied]
        per_event = [b for b in books if SENT in b]
        self.assertEqual(len(per_event), 5, books)
        self.assertEqual([b for b in books if b - {LEASE, PUPPETS}], per_event)
        self.assertEqual(per_event.count({SENT, TO_MATRIX, FROM_MATRIX}), 4)
        self.assertEqual(per_event.count({SENT}), 1)  # the redaction maps nothing

    @defer.inlineCallbacks
    def test_from_matrix(self) -> Generator[Any, Any, None]:
        """bob:example.org's message, then his m.replace (an EDIT; anyone
        else's is ignored), his m.annotation (REACT) and its redaction
        (UNREACT), his reply (tagged reply=ID, without its fallback), and
        his redaction with a reason (REDACT); none of it is sent back."""
        alice, _, bridge = yield self.portal()
        yield defer.ensureDeferred(bridge.transaction("t1", [message("$m1", "tea?")]))
        said = yield self.expect(alice, "@")
        first = said.split(";")[0][1:]
        relates = {"rel_type": "m.replace", "event_id": "$m1"}
        edit = message("$m2", "* coffee?")
        edit["content"].update(
            {
                "m.new_content": {"msgtype": "m.text", "body": "coffee?"},
                "m.relates_to": relates,
            }
        )
        stranger = message("$m3", "* hacked", sender="@eve:example.org")
        stranger["content"].update(
            {
                "m.new_content": {"msgtype": "m.text", "body": "hacked"},
                "m.relates_to": relates,
            }
        )
        yield defer.ensureDeferred(bridge.transaction("t2", [stranger, edit]))
        edited = yield self.expect(alice, "@")
        self.assertRegex(
            edited, rf"^@\d+ EDIT tea {first} bob:example\.org \S+ coffee\?$"
        )
        annotation = {
            "type": "m.reaction",
            "event_id": "$m4",
            "room_id": "!portal1:localhost",
            "sender": "@bob:example.org",
            "content": {
                "m.relates_to": {
                    "rel_type": "m.annotation",
                    "event_id": "$m1",
                    "key": "👍",
                }
            },
        }
        yield defer.ensureDeferred(bridge.transaction("t3", [annotation]))
        react = yield self.expect(alice, "@")
        self.assertRegex(react, rf"^@\d+ REACT tea {first} bob:example\.org 👍")
        redact_reaction = {
            "type": "m.room.redaction",
            "event_id": "$m5",
            "room_id": "!portal1:localhost",
            "sender": "@bob:example.org",
            "redacts": "$m4",
            "content": {},
        }
        yield defer.ensureDeferred(bridge.transaction("t4", [redact_reaction]))
        unreact = yield self.expect(alice, "@")
        self.assertRegex(unreact, rf"^@\d+ UNREACT tea {first} bob:example\.org 👍")
        reply = message("$m6", "> <@bob:example.org> coffee?\n\nme please")
        reply["content"]["m.relates_to"] = {"m.in_reply_to": {"event_id": "$m1"}}
        yield defer.ensureDeferred(bridge.transaction("t5", [reply]))
        replied = yield self.expect(alice, "@")
        self.assertRegex(
            replied,
            rf"^@\d+;reply={first};bridged=matrix MSG tea bob:example\.org \S+"
            " me please$",
        )
        gone = dict(
            redact_reaction, event_id="$m7", redacts="$m1", content={"reason": "typo"}
        )
        yield defer.ensureDeferred(bridge.transaction("t6", [gone]))
        redacted = yield self.expect(alice, "@")
        self.assertRegex(redacted, rf"^@\d+ REDACT tea {first} bob:example\.org typo")
        self.assertEqual((yield self.sent(bridge)), [])

    @defer.inlineCallbacks
    def test_puppets_follow_the_members(self) -> Generator[Any, Any, None]:
        """The sender's pass has the members' puppets join the portal; a
        member who leaves has theirs leave; a new one's joins; a second
        sender on the same store (a restart) changes nothing."""
        _, bob, bridge = yield self.portal()

        def moves() -> list[tuple[str, str | None]]:
            return [
                (path.rsplit("/", 1)[1], user)
                for _, path, _, user in self.homeserver.calls
                if path.endswith(("/join", "/leave"))
            ]

        yield defer.ensureDeferred(cast(Any, bridge.sender).send_due())
        self.assertEqual(
            sorted(moves()),
            [
                ("join", "@chatroom_alice:localhost"),
                ("join", "@chatroom_bob:localhost"),
            ],
        )
        bob.say("/leave")
        yield self.expect(bob, "LEFT tea")
        yield self.wait()
        yield defer.ensureDeferred(cast(Any, bridge.sender).send_due())
        self.assertEqual(moves()[-1], ("leave", "@chatroom_bob:localhost"))
        carol = yield self.connect("carol")
        carol.say("/join tea")
        yield self.expect(carol, "MEMBERS tea")
        yield self.wait()
        yield defer.ensureDeferred(cast(Any, bridge.sender).send_due())
        self.assertEqual(moves()[-1], ("join", "@chatroom_carol:localhost"))
        again = compose_bridge(
            SETTINGS, cast(Any, self.server.registry), self.homeserver
        )
        again.pinger.answering = True
        before = len(moves())
        yield defer.ensureDeferred(cast(Any, again.sender).send_due())
        self.assertEqual(len(moves()), before)

    @defer.inlineCallbacks
    def test_matrix_users_are_members(self) -> Generator[Any, Any, None]:
        """bob:example.org's join of the portal is a JOIN to the room's
        members, and /who lists him; his leave with a reason is a PART with
        it, and /who no longer lists him. His membership is kept in the
        ledger: a second bridge (a restart) seats him again. A member, he
        speaks as members do: a moderated room does not hear him."""
        alice, _, bridge = yield self.portal()

        def member(membership: str, **more: Any) -> dict[str, Any]:
            return {
                "type": "m.room.member",
                "event_id": f"${membership}{len(more)}",
                "room_id": "!portal1:localhost",
                "sender": "@bob:example.org",
                "state_key": "@bob:example.org",
                "content": {"membership": membership, **more},
            }

        yield defer.ensureDeferred(bridge.transaction("t1", [member("join")]))
        self.assertEqual(
            (yield self.expect(alice, "JOIN ")), "JOIN tea bob:example.org"
        )
        alice.say("/who")
        listed = yield self.expect(alice, "MEMBERS tea")
        self.assertIn(" bob:example.org", listed)
        again = compose_bridge(
            SETTINGS, cast(Any, self.server.registry), self.homeserver
        )
        kept = yield defer.ensureDeferred(again.ledger.noted("members", "tea"))
        self.assertEqual(kept, '["bob:example.org"]')
        # a member now: he speaks as members do, and the room's rules apply
        hello = message("$h1", "hello as a member")
        yield defer.ensureDeferred(bridge.transaction("t1b", [hello]))
        said = yield self.expect(alice, "@")
        self.assertRegex(
            said,
            r"^@\d+;bridged=matrix MSG tea bob:example\.org \S+ hello as a member$",
        )
        alice.say("/set moderated on")
        yield self.expect(alice, "SET tea moderated on")
        hush = message("$h2", "not heard")
        yield defer.ensureDeferred(bridge.transaction("t1c", [hush]))
        alice.say("/set moderated off")
        yield self.expect(alice, "SET tea moderated off")
        yield self.wait()
        self.assertFalse([x for x in alice.unread() if "not heard" in x])
        gone = member("leave", reason="off to bed")
        yield defer.ensureDeferred(bridge.transaction("t2", [gone]))
        self.assertEqual(
            (yield self.expect(alice, "PART ")),
            "PART tea bob:example.org left: off to bed",
        )
        alice.say("/who")
        listed = yield self.expect(alice, "MEMBERS tea")
        self.assertNotIn("bob:example.org", listed)

    @defer.inlineCallbacks
    def test_matrix_users_are_held_to_the_flood_limits(
        self,
    ) -> Generator[Any, Any, None]:
        """A Matrix user is held to ``--burst`` and ``--rate`` as a member
        typing at a door is, each in a bucket of their own: bob:example.org's
        messages past the burst are not said (and nothing goes back to
        Matrix for them), while cat:example.org still speaks; a reload that
        lifts the limit lets bob speak again."""
        alice, _, bridge = yield self.portal()
        core = cast(Any, self.server.registry)
        limited = replace(core.config, rate=0.001, burst=2)
        core.reconfigure(limited)
        flood = [message(f"$f{n}", f"flood {n}") for n in range(4)]
        cat = message("$c1", "cat here", sender="@cat:example.org")
        yield defer.ensureDeferred(bridge.transaction("t1", [*flood, cat]))
        heard: list[str] = []
        while not heard or not heard[-1].endswith(" cat here"):
            heard.append((yield self.expect(alice, "@")))
        said = [line.rsplit(" ", 2)[-2:] for line in heard]
        self.assertEqual(said, [["flood", "0"], ["flood", "1"], ["cat", "here"]], heard)
        self.assertEqual((yield self.sent(bridge)), [])
        core.reconfigure(replace(limited, rate=0))
        again = message("$f9", "flood lifted")
        yield defer.ensureDeferred(bridge.transaction("t2", [again]))
        self.assertTrue((yield self.heard(alice, " MSG tea ")).endswith(" lifted"))
        yield self.wait()
        self.assertFalse([x for x in alice.unread() if " flood " in x])

    @defer.inlineCallbacks
    def test_the_flood_limits_are_the_clusters(self) -> Generator[Any, Any, None]:
        """A Matrix user's limits are counted in the store, for every node:
        with ``--burst 3``, bob:example.org's two messages pushed to one
        bridge and two to another over the same store (another node's, as
        a load balancer spreads the homeserver's pushes) make three said;
        cat:example.org still speaks through either."""
        alice, _, bridge = yield self.portal()
        other = compose_bridge(
            SETTINGS, cast(Any, self.server.registry), self.homeserver
        )
        core = cast(Any, self.server.registry)
        core.reconfigure(replace(core.config, rate=0.001, burst=3))
        pushed = (
            (bridge, "t1", [message("$f0", "flood 0"), message("$f1", "flood 1")]),
            (other, "t2", [message("$f2", "flood 2"), message("$f3", "flood 3")]),
            (other, "t3", [message("$c1", "cat here", sender="@cat:example.org")]),
        )
        for to, txn, events in pushed:
            yield defer.ensureDeferred(to.transaction(txn, events))
        heard: list[str] = []
        while not heard or not heard[-1].endswith(" cat here"):
            heard.append((yield self.heard(alice, " MSG tea ")))
        said = [line.rsplit(" ", 2)[-2:] for line in heard]
        expected = [["flood", "0"], ["flood", "1"], ["flood", "2"], ["cat", "here"]]
        self.assertEqual(said, expected, heard)

    @defer.inlineCallbacks
    def test_redactions_of_others_messages(self) -> Generator[Any, Any, None]:
        """A Matrix redaction of someone else's bridged message is honoured
        only from a user whom the portal's power levels (read from the
        homeserver) let redact others' events: cat:example.org at the
        default level redacts bob:example.org's message and alice's, and
        nothing comes of it; raised to the redact level, his redactions are
        REDACTs by him, as a room operator's deletion is."""
        alice, _, bridge = yield self.portal()
        yield defer.ensureDeferred(
            bridge.transaction("t1", [message("$b1", "bob's words")])
        )
        said = yield self.heard(alice, " bob's words")
        bobs = said.split(";")[0][1:]
        hers = yield self.said_id(alice, "alice's words")
        yield self.sent(bridge)
        her_event = yield defer.ensureDeferred(
            bridge.ledger.noted(TO_MATRIX, f"tea {hers}")
        )
        self.assertIsNotNone(her_event)

        def redaction(event_id: str, redacts: str, reason: str) -> dict[str, Any]:
            return {
                "type": "m.room.redaction",
                "event_id": event_id,
                "room_id": "!portal1:localhost",
                "sender": "@cat:example.org",
                "redacts": redacts,
                "content": {"reason": reason} if reason else {},
            }

        refused = [redaction("$r1", "$b1", "spam"), redaction("$r2", her_event, "")]
        yield defer.ensureDeferred(bridge.transaction("t2", refused))
        yield self.wait()
        self.assertFalse([x for x in alice.unread() if " REDACT " in x])
        levels = self.homeserver.made("/state/m.room.power_levels")
        self.assertEqual(len(levels), 2)
        self.homeserver.power_levels["users"]["@cat:example.org"] = 50
        allowed = [redaction("$r3", "$b1", "spam"), redaction("$r4", her_event, "")]
        yield defer.ensureDeferred(bridge.transaction("t3", allowed))
        first = yield self.heard(alice, " REDACT ")
        self.assertRegex(first, rf"^@\d+ REDACT tea {bobs} cat:example\.org spam$")
        second = yield self.heard(alice, " REDACT ")
        self.assertRegex(second, rf"^@\d+ REDACT tea {hers} cat:example\.org")
        self.assertEqual((yield self.sent(bridge)), [])

    @defer.inlineCallbacks
    def test_what_retention_trims_first_is_counted(
        self,
    ) -> Generator[Any, Any, None]:
        """A portal's queue is its room's history: what --retention trims
        before its turn (here 6 events are kept, and 10 messages are said
        before the sender's pass) never reaches Matrix, and the log says how many.
        Edits, reactions and deletions sent in turn are no gap."""
        alice, _, bridge = yield self.portal()
        logged: list[dict[str, Any]] = []
        cast(Any, bridge.sender).log = Logger(observer=cast(Any, logged.append))
        first = yield self.said_id(alice, "one")
        sent = yield self.sent(bridge)
        for said, heard in (
            (f"/react {first} 👍", " REACT "),
            (f"/edit {first} one, edited", " EDIT "),
            (f"/redact {first}", " REDACT "),
        ):
            alice.say(said)
            yield self.heard(alice, heard)
            sent += yield self.sent(bridge)
        self.assertEqual(len(sent), 4, sent)
        gone = [e for e in logged if "gone from its history" in e["log_format"]]
        self.assertEqual(gone, [])
        for n in range(10):
            yield self.said_id(alice, f"trimmed {n}")
        sent = yield self.sent(bridge)
        bodies = [content.get("body") for _, content, _ in sent]
        kept = len(bodies)
        self.assertLess(kept, 10)
        self.assertEqual(bodies, [f"trimmed {n}" for n in range(10 - kept, 10)])
        [told] = [e for e in logged if "gone from its history" in e["log_format"]]
        self.assertEqual((told["count"], told["room"]), (10 - kept, "tea"))
        self.assertEqual(told["log_level"], LogLevel.warn)  # a loss, not news

    @defer.inlineCallbacks
    def test_a_relay_stopped_half_way_is_made_again(
        self,
    ) -> Generator[Any, Any, None]:
        """An event whose relay failed with the store away is not noted as
        relayed: the transaction fails (the homeserver pushes it again);
        pushed again while the event's claim lasts, it fails again, saying
        nothing; once the claim has run out, the event is relayed, once."""
        alice, _, bridge = yield self.portal()
        self.store_away_once(bridge)
        events = [message("$s1", "said at last")]
        with self.assertRaises(ChatError):
            yield defer.ensureDeferred(bridge.transaction("t1", events))
        with self.assertRaises(RelayingNowError):
            yield defer.ensureDeferred(bridge.transaction("t1", events))
        yield self.wait()
        self.assertFalse([x for x in alice.unread() if "said at last" in x])
        yield self.claims_run_out()
        yield defer.ensureDeferred(bridge.transaction("t1", events))
        said = yield self.heard(alice, " MSG tea ")
        self.assertTrue(said.endswith(" said at last"), said)
        yield defer.ensureDeferred(bridge.transaction("t2", events))
        yield self.wait()
        self.assertFalse([x for x in alice.unread() if "said at last" in x])

    @defer.inlineCallbacks
    def test_a_push_failed_is_asked_for_again_by_a_ping(
        self,
    ) -> Generator[Any, Any, None]:
        """A transaction failed (the store away): the homeserver backs off
        before it pushes it again (Synapse up to 8.5 minutes) unless it is
        pinged, so the bridge pings it :data:`PING_EVERY` seconds later,
        not at once (a push that keeps failing is tried again no more
        often than that); answered, it pings no more."""
        _, _, bridge = yield self.portal()
        clock = task.Clock()
        bridge.pinger.loop.clock = clock  # the pings' own time
        bridge.pinger.start()

        def pings() -> int:
            return sum(
                path.endswith("/ping") for _, path, _, _ in self.homeserver.calls
            )

        self.assertEqual(pings(), 1)  # at start, answered
        self.store_away_once(bridge)
        with self.assertRaises(ChatError):
            pushed = bridge.transaction("t1", [message("$p1", "asked again")])
            yield defer.ensureDeferred(pushed)
        clock.advance(PING_EVERY - 1)
        self.assertEqual(pings(), 1)
        clock.advance(1)
        self.assertEqual(pings(), 2)
        clock.advance(3 * PING_EVERY)
        self.assertEqual(pings(), 2)
        bridge.pinger.stop()

    @defer.inlineCallbacks
    def test_a_transaction_pushed_again_takes_one_token(
        self,
    ) -> Generator[Any, Any, None]:
        """An event's relay made again takes no second flood token: with
        ``--burst 2``, bob:example.org's first message fails half-way (the
        store away), its transaction is pushed again once the claim has
        run out (said then) and again after (nothing), and his next
        message is still within the burst; the one after is not said."""
        alice, _, bridge = yield self.portal()
        core = cast(Any, self.server.registry)
        core.reconfigure(replace(core.config, rate=0.001, burst=2))
        self.store_away_once(bridge)
        first = [message("$f0", "flood 0")]
        with self.assertRaises(ChatError):
            yield defer.ensureDeferred(bridge.transaction("t1", first))
        yield self.claims_run_out()
        for _ in range(2):  # answered the second time: pushed again all the same
            yield defer.ensureDeferred(bridge.transaction("t1", first))
        self.assertTrue((yield self.heard(alice, " MSG tea ")).endswith(" flood 0"))
        more = [message("$f1", "flood 1"), message("$f2", "flood 2")]
        yield defer.ensureDeferred(bridge.transaction("t2", more))
        self.assertTrue((yield self.heard(alice, " MSG tea ")).endswith(" flood 1"))
        yield self.wait()
        self.assertFalse([x for x in alice.unread() if " flood " in x])

    @defer.inlineCallbacks
    def portal_and_another(
        self,
    ) -> Generator[Any, Any, tuple[Any, MatrixBridge, MatrixBridge]]:
        """alice in tea, rich; the bridge, and a second one on the same
        store (another node, or the server started again)."""
        alice, _, bridge = yield self.portal()
        again = compose_bridge(
            SETTINGS, cast(Any, self.server.registry), self.homeserver
        )
        return alice, bridge, again

    @defer.inlineCallbacks
    def said_from_matrix(
        self, alice: Any, bridge: MatrixBridge
    ) -> Generator[Any, Any, str]:
        """bob:example.org's message $k1 said in tea: its id."""
        yield defer.ensureDeferred(bridge.transaction("t0", [message("$k1", "tea?")]))
        said = yield self.heard(alice, " tea?")
        return str(said.split(";")[0][1:])

    @defer.inlineCallbacks
    def test_a_message_written_before_its_note_is_said_once(
        self,
    ) -> Generator[Any, Any, None]:
        """bob:example.org (not seated) says a message; the store fails
        after the room's write and before the ledger's note, and the
        homeserver pushes the transaction again (through a second bridge on
        the same store). alice hears it once, the history holds it once,
        and the ledger maps the event to its id."""
        alice, bridge, again = yield self.portal_and_another()
        yield self.relayed_again(bridge, again, message("$k1", "said once"))
        said = yield self.heard(alice, " said once")
        first = said.split(";")[0][1:]
        noted = yield defer.ensureDeferred(bridge.ledger.noted(FROM_MATRIX, "$k1"))
        self.assertEqual(noted, f"tea {first}")
        yield self.wait()
        self.assertEqual([x for x in alice.unread() if "said once" in x], [])
        lines = yield self.history(alice)
        said_lines = [x for x in lines if x.endswith(" said once")]
        self.assertEqual(len(said_lines), 1, lines)

    @defer.inlineCallbacks
    def test_an_edit_written_before_its_note_is_shown_once(
        self,
    ) -> Generator[Any, Any, None]:
        """bob:example.org's m.replace of his message, its note failing
        after the edit was written, pushed again: one EDIT, in the history
        once, and the ledger maps the event to the EDIT's id."""
        alice, bridge, again = yield self.portal_and_another()
        first = yield self.said_from_matrix(alice, bridge)
        edit = replacing("$k2", "$k1", "edited once")
        yield self.relayed_again(bridge, again, edit)
        edited = yield self.heard(alice, " EDIT ")
        self.assertRegex(
            edited, rf"^@\d+ EDIT tea {first} bob:example\.org \S+ edited once$"
        )
        edit_id = edited.split(" ")[0][1:]
        noted = yield defer.ensureDeferred(bridge.ledger.noted(FROM_MATRIX, "$k2"))
        self.assertEqual(noted, f"tea {edit_id}")
        yield self.wait()
        self.assertEqual([x for x in alice.unread() if " EDIT " in x], [])
        lines = yield self.history(alice)
        self.assertEqual(len([x for x in lines if " EDIT " in x]), 1, lines)
        self.assertTrue(any(x.endswith(" edited once") for x in lines), lines)

    @defer.inlineCallbacks
    def test_a_reaction_written_before_its_note_is_kept_once(
        self,
    ) -> Generator[Any, Any, None]:
        """bob:example.org's m.annotation, its note failing after the
        reaction was written, pushed again: one REACT, and the ledger
        knows the event, so its redaction takes the reaction back."""
        alice, bridge, again = yield self.portal_and_another()
        first = yield self.said_from_matrix(alice, bridge)
        annotation = annotating("$k3", "$k1", "👍")
        yield self.relayed_again(bridge, again, annotation)
        react = yield self.heard(alice, " REACT ")
        self.assertRegex(react, rf"^@\d+ REACT tea {first} bob:example\.org 👍")
        taken_back = redacting("$k4", "$k3")
        yield defer.ensureDeferred(again.transaction("t-k4", [taken_back]))
        unreact = yield self.heard(alice, " UNREACT ")
        self.assertRegex(unreact, rf"^@\d+ UNREACT tea {first} bob:example\.org 👍")
        yield self.wait()
        self.assertEqual([x for x in alice.unread() if "REACT" in x], [])
        lines = yield self.history(alice)
        self.assertEqual(len([x for x in lines if " REACT " in x]), 1, lines)

    @defer.inlineCallbacks
    def test_a_relay_made_again_elsewhere_takes_one_token(
        self,
    ) -> Generator[Any, Any, None]:
        """With ``--burst 2``, bob:example.org's first message fails with
        the store away, and its transaction is pushed again through a
        second bridge on the same store (another node): said there, and
        counted once for every node, so his next message is within the
        burst; the one after is not."""
        alice, _, bridge = yield self.portal()
        again = compose_bridge(
            SETTINGS, cast(Any, self.server.registry), self.homeserver
        )
        core = cast(Any, self.server.registry)
        core.reconfigure(replace(core.config, rate=0.001, burst=2))
        self.store_away_once(bridge)
        first = [message("$g0", "flood 0")]
        with self.assertRaises(ChatError):
            yield defer.ensureDeferred(bridge.transaction("t1", first))
        yield self.claims_run_out()
        yield defer.ensureDeferred(again.transaction("t1", first))
        self.assertTrue((yield self.heard(alice, " MSG tea ")).endswith(" flood 0"))
        more = [message("$g1", "flood 1"), message("$g2", "flood 2")]
        yield defer.ensureDeferred(again.transaction("t2", more))
        self.assertTrue((yield self.heard(alice, " MSG tea ")).endswith(" flood 1"))
        yield self.wait()
        self.assertFalse([x for x in alice.unread() if " flood " in x])
