"""Moderation actions whose log entries ride in their own change, run
against every registry: the action and its entry in ``/modlog`` are
applied together, in one change handed to the back-end, or not at all.

With the in-process registry (``tests/backends/local/test_logged_actions.py``)
and with a real ``redis-server`` (``tests/backends/redis/test_logged_actions.py``;
each room in a slot of its own: ``tests/cluster/test_rooms_apart.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

from twisted.internet import defer

from chatroom.core.backend import Backend
from chatroom.core.changes import (
    DecidedChange,
    Emit,
    FactsChangedError,
    Incarnation,
    RecordEntries,
    RoomMessages,
    RoomPins,
    SetPin,
    Version,
)
from chatroom.core.events import Message, PinChanged, Redacted
from chatroom.core.messagelife import amended
from chatroom.core.modlog import ModAction, ModEntry, recording
from tests.backends.contracts.say_premises import PremisesBase


class LoggedActionsContract(PremisesBase):
    """alice owns tea; bob is a member."""

    @property
    def backend(self) -> Backend:
        return cast(Backend, cast(Any, self.server.registry).backend)

    def handed(self) -> list[DecidedChange]:
        """The changes the core hands the back-end from now on."""
        backend = cast(Any, self.backend)
        apply, changes = backend.apply, []

        async def applying(change: DecidedChange, *args: Any) -> None:
            changes.append(change)
            await apply(change, *args)

        backend.apply = applying
        self.addCleanup(delattr, backend, "apply")
        return changes

    def log(self, room: str) -> defer.Deferred[list[ModEntry]]:
        """Log ``room``'s entries (a room's name, or the server's), oldest first."""
        return defer.Deferred.fromCoroutine(self.backend.modlog.read(room, 50))

    def carried(self, change: DecidedChange) -> list[tuple[str, ModAction, str, str]]:
        """The entries ``change`` records with its action: by, action,
        target, reason."""
        return [
            (entry.by, entry.action, entry.target, entry.reason)
            for op in change.of(RecordEntries)
            for entry in op.entries
        ]

    def refusing(
        self, change: DecidedChange, by: str = ""
    ) -> defer.Deferred[FactsChangedError]:
        """``change`` applied (by member ``by``), and refused for a premise
        that no longer holds."""
        seat = self.seat(by) if by else ()
        return self.refused(self.done(self.backend.apply(change, *seat)))

    @defer.inlineCallbacks
    def test_a_pin_and_its_entry_are_one_change(self) -> Generator[Any, Any, None]:
        """``/pin`` and ``/unpin`` are each one change of the room's pins,
        carrying the entry ``/modlog`` shows; a pin decided on the room as
        it no longer is (its version moved) is refused and logs nothing."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/caps ids")
        yield self.expect(alice, "CAPS ")
        alice.say("rules: be kind")
        rules = (yield self.expect(alice, "@")).split()[0][1:]
        handed = self.handed()
        alice.say(f"/pin {rules}")
        yield self.expect(bob, "PIN tea")
        alice.say(f"/unpin {rules}")
        yield self.expect(bob, "UNPIN tea")
        self.assertEqual([type(c.subject) for c in handed], [RoomPins, RoomPins])
        self.assertEqual(
            [self.carried(c) for c in handed],
            [
                [("alice", ModAction.PIN, rules, "")],
                [("alice", ModAction.UNPIN, rules, "")],
            ],
        )
        alice.say("/modlog")
        yield self.expect(alice, "MODLOG_END tea 2")
        facts = yield defer.Deferred.fromCoroutine(self.backend.facts("tea"))
        incarnation = facts.guard[0].decode()
        entry = ModEntry("t", "alice", ModAction.PIN, rules)
        event = PinChanged("tea", rules, "alice", True, "rules: be kind")
        stale = DecidedChange(
            RoomPins("tea"),
            (Incarnation(incarnation), Version("-1")),
            (SetPin(int(rules), "alice", True), Emit(event), recording("tea", [entry])),
        )
        yield self.refusing(stale)
        logged = yield self.log("tea")
        self.assertEqual([e.action for e in logged], [ModAction.PIN, ModAction.UNPIN])

    @defer.inlineCallbacks
    def test_a_redaction_and_its_entry_are_one_change(
        self,
    ) -> Generator[Any, Any, None]:
        """The owner's ``/redact`` of bob's message is one change of the
        room's messages carrying its entry (who, which message, why); bob's
        of his own carries none; a redaction decided on bob's message as it
        no longer reads (he edited it) is refused and logs nothing."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        for user in (alice, bob):
            user.say("/caps rich")
            yield self.expect(user, "CAPS ")
        handed = self.handed()
        bob.say("first")
        yield self.expect(alice, "MSG tea bob ")
        bob.say("second")
        yield self.expect(alice, "MSG tea bob ")
        member, session = self.seat("bob")
        newest = yield self.done(self.backend.history(member, session, "tea", 2, None))
        first, second = newest
        assert isinstance(first, Message) and isinstance(second, Message)
        del handed[:]
        for by, redacted in ((alice, f"{first.id} spam"), (bob, second.id)):
            by.say(f"/redact {redacted}")
            for user in (alice, bob):
                yield self.expect(user, "REDACT tea ")
        self.assertEqual([type(c.subject) for c in handed], [RoomMessages] * 2)
        self.assertEqual(
            [self.carried(c) for c in handed],
            [[("alice", ModAction.REDACT, first.id, "spam")], []],
        )
        alice.say("/modlog")
        line = yield self.expect(alice, "MODLOG tea")
        self.assertRegex(line, rf"^MODLOG tea \S+ alice redact {first.id} spam$")
        yield self.expect(alice, "MODLOG_END tea 1")
        bob.say("third")
        yield self.expect(alice, "MSG tea bob ")
        (third,) = yield self.done(
            self.backend.history(member, session, "tea", 1, None)
        )
        redaction = Redacted("tea", third.id, "alice", "spam")
        change = amended(third, None, redaction, 0.0)
        entry = ModEntry("t", "alice", ModAction.REDACT, third.id, "spam")
        change = DecidedChange(
            change.subject, change.premises, (*change.ops, recording("tea", [entry]))
        )
        bob.say(f"/edit {third.id} thirds")
        yield self.expect(alice, "EDIT tea ")
        yield self.refusing(change, "alice")
        logged = yield self.log("tea")
        self.assertEqual([e.target for e in logged], [first.id])
