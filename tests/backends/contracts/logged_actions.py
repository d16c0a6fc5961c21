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
from chatroom.core.messages.life import amended
from chatroom.core.model.changes.base import (
    DecidedChange,
    FactsChangedError,
    PremiseFailedError,
)
from chatroom.core.model.changes.messages import RoomMessages, RoomPins, SetPin
from chatroom.core.model.changes.moderation import (
    CloseReport,
    FileReport,
    ReportOpen,
    ReportsNumbered,
    ServerBanList,
    ServerLockdown,
    ServerReports,
    sessions_ended,
)
from chatroom.core.model.changes.modlog import RecordEntries
from chatroom.core.model.changes.rooms import (
    Emit,
    Incarnation,
    NameFree,
    OwnerIs,
    RenameRoom,
    RoomName,
    Version,
)
from chatroom.core.model.events import Message, PinChanged, Redacted, RoomRenamed
from chatroom.core.moderation.modlog import SERVER_LOG, ModAction, ModEntry, recording
from chatroom.core.moderation.netbans import BanTerms, ServerBan
from chatroom.core.moderation.serverbans import banning, lifting, logged
from tests.backends.contracts import moderation
from tests.backends.contracts.handler import User
from tests.backends.contracts.moderation import SignedInBase
from tests.backends.contracts.say_premises import PremisesBase

#: ``root`` is a server admin once signed in.
CONFIG = moderation.CONFIG


class LoggedActionsContract(PremisesBase):
    """alice owns tea; bob is a member; root is an admin."""

    def signed_in(self, name: str) -> defer.Deferred[User]:
        """A user signed in to account ``name``, registered first if needed
        (the moderation contract's)."""
        return SignedInBase.signed_in(cast(SignedInBase, self), name)

    @property
    def backend(self) -> Backend:
        return cast(Backend, cast(Any, self.server.registry).backend)

    def handed(self) -> list[DecidedChange]:
        """The changes the core hands the back-end from now on, as each
        subject's step takes them (the back-end's table of them)."""
        table = cast(Any, self.backend)._appliers
        kept, changes = dict(table), []

        def spied(apply: Any) -> Any:
            async def applying(change: DecidedChange, *args: Any) -> None:
                changes.append(change)
                await apply(change, *args)

            return applying

        table.update({kind: spied(apply) for kind, apply in kept.items()})
        self.addCleanup(table.update, kept)
        return changes

    def log(self, room: str) -> defer.Deferred[list[ModEntry]]:
        """Log ``room``'s entries (a room's name, or the server's), oldest first."""
        return defer.Deferred.fromCoroutine(
            self.backend.moderation.modlog.read(room, 50)
        )

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
        facts = yield defer.Deferred.fromCoroutine(self.backend.rooms.facts("tea"))
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
        newest = yield self.done(
            self.backend.messages.history(member, session, "tea", 2, None)
        )
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
            self.backend.messages.history(member, session, "tea", 1, None)
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

    @defer.inlineCallbacks
    def test_a_lockdown_and_its_entry_are_one_change(
        self,
    ) -> Generator[Any, Any, None]:
        """``/lockdown`` is one change of the server's lockdown carrying the
        entry ``/modlog server`` shows (it rests on nothing: an admin's
        level is set whatever it was)."""
        root = yield self.signed_in("root")
        handed = self.handed()
        for level in ("accounts", "off"):
            root.say(f"/lockdown {level}")
            yield self.expect(root, "LOCKDOWN ")
        self.assertEqual([type(c.subject) for c in handed], [ServerLockdown] * 2)
        self.assertEqual(
            [self.carried(c) for c in handed],
            [
                [("root", ModAction.LOCKDOWN, "accounts", "")],
                [("root", ModAction.LOCKDOWN, "off", "")],
            ],
        )
        logged = yield self.log(SERVER_LOG)
        self.assertEqual([e.target for e in logged], ["accounts", "off"])

    @defer.inlineCallbacks
    def test_a_server_ban_and_its_entry_are_one_change(
        self,
    ) -> Generator[Any, Any, None]:
        """``/gban`` and ``/gunban`` are each one change of the server's
        bans carrying the entry ``/modlog server`` shows (who, which mask,
        why); a ban decided on the mask being unbanned, applied once it is
        banned, and a lifting decided on its being banned, applied once it
        is lifted, are refused and log nothing."""
        root = yield self.signed_in("root")
        handed = self.handed()
        mask = "ip:203.0.113.0/24"
        root.say(f"/gban {mask} 1h spam")
        yield self.expect(root, "GBAN ")
        self.assertEqual([type(c.subject) for c in handed], [ServerBanList])
        self.assertEqual(
            self.carried(handed[0]), [("root", ModAction.GBAN, mask, "spam")]
        )
        entry = ModEntry("t", "root", ModAction.GBAN, mask, "again")
        ban = ServerBan(mask, BanTerms("root", 0.0, "again"))
        yield self.refusing(logged(banning(ban, False), entry))
        root.say(f"/gunban {mask}")
        yield self.expect(root, "GUNBAN ")
        self.assertEqual(
            self.carried(handed[-1]), [("root", ModAction.GUNBAN, mask, "")]
        )
        lifted = ModEntry("t", "root", ModAction.GUNBAN, mask)
        yield self.refusing(logged(lifting(mask, True), lifted))
        root.say("/modlog server")
        lines = [(yield self.expect(root, "MODLOG * "))]
        lines.append((yield self.expect(root, "MODLOG * ")))
        self.assertEqual((yield self.expect(root, "MODLOG_END")), "MODLOG_END * 2")
        self.assertEqual(
            [line.split()[3:] for line in lines],
            [["root", "gban", mask, "spam"], ["root", "gunban", mask, "-"]],
        )

    @defer.inlineCallbacks
    def test_a_rename_and_its_entry_are_one_change(
        self,
    ) -> Generator[Any, Any, None]:
        """``/rename`` is one change of the room's name carrying the entry
        the renamed room's ``/modlog`` shows (who, the former name, why); a
        rename decided on an owner the room no longer has is refused and
        logs nothing, under either name."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        handed = self.handed()
        alice.say("/rename chai more spice")
        yield self.expect(bob, "RENAMED ")
        self.assertEqual([type(c.subject) for c in handed], [RoomName])
        self.assertEqual(
            self.carried(handed[0]), [("alice", ModAction.RENAME, "tea", "more spice")]
        )
        (carried,) = handed[0].of(RecordEntries)
        self.assertEqual(carried.log, "chai")
        alice.say("/modlog")
        line = yield self.expect(alice, "MODLOG chai")
        self.assertRegex(line, r"^MODLOG chai \S+ alice rename tea more spice$")
        premises = yield self.as_read("chai")
        entry = ModEntry("t", "alice", ModAction.RENAME, "chai")
        stale = DecidedChange(
            RoomName("chai"),
            (*premises, OwnerIs("nobody"), NameFree("mate")),
            (
                Emit(RoomRenamed("chai", "mate", "alice")),
                RenameRoom("mate", self.server.clock.seconds() + 60),
                recording("mate", [entry]),
            ),
        )
        yield self.refusing(stale)
        self.assertEqual(len((yield self.log("chai"))), 1)
        self.assertEqual((yield self.log("mate")), [])

    @defer.inlineCallbacks
    def test_a_report_and_its_closing_are_one_change_each(
        self,
    ) -> Generator[Any, Any, None]:
        """``/report`` and ``/report close`` are each one change of the
        server's reports carrying the entry the room's ``/modlog`` shows; a
        report numbered on stale facts, and a closing of a report closed
        already, are refused and log nothing."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        bob.say("/caps ids")
        yield self.expect(bob, "CAPS ")
        bob.say("buy cheap pills")
        said = (yield self.expect(bob, "@")).split()[0][1:]
        handed = self.handed()
        alice.say(f"/report {said} selling pills")
        yield self.expect(alice, "REPORTED ")
        alice.say("/report close 1 warned bob")
        yield self.expect(alice, "REPORT_CLOSED ")
        self.assertEqual([type(c.subject) for c in handed], [ServerReports] * 2)
        self.assertEqual(
            [self.carried(c) for c in handed],
            [
                [("alice", ModAction.REPORT, said, "selling pills")],
                [("alice", ModAction.CLOSE_REPORT, "1", "warned bob")],
            ],
        )
        entry = ModEntry("t", "alice", ModAction.REPORT, said)
        stale = DecidedChange(
            ServerReports(),
            (ReportsNumbered(0),),
            (FileReport(1, "carol tea 1", "{}"), recording("tea", [entry])),
        )
        yield self.refusing(stale)
        again = DecidedChange(
            ServerReports(),
            (ReportOpen(1),),
            (CloseReport(1, "{}"), recording("tea", [entry])),
        )
        yield self.refusing(again)
        alice.say("/modlog")
        lines = []
        for _ in range(2):
            lines.append((yield self.expect(alice, "MODLOG tea ")))
        self.assertEqual((yield self.expect(alice, "MODLOG_END")), "MODLOG_END tea 2")
        self.assertEqual(
            [line.split()[3:] for line in lines],
            [
                ["alice", "report", said, "selling", "pills"],
                ["alice", "close-report", "1", "warned", "bob"],
            ],
        )

    @defer.inlineCallbacks
    def test_a_private_messages_report_is_in_the_servers_log(
        self,
    ) -> Generator[Any, Any, None]:
        """A report of a private message carries its entry for the
        server's log, applied with it: ``/modlog server`` shows it."""
        root = yield self.signed_in("root")
        carol = yield self.signed_in("carol")
        bob = yield self.connect("bob")
        bob.say("/msg carol send me your password")
        yield self.expect(carol, "PRIVMSG bob carol ")
        carol.say("/caps ids")
        yield self.expect(carol, "CAPS ")
        carol.say("/history @bob 1")
        said = (yield self.expect(carol, "@")).split()[0][1:]
        handed = self.handed()
        carol.say(f"/report @bob {said} phishing")
        yield self.expect(carol, "REPORTED ")
        self.assertEqual([type(c.subject) for c in handed], [ServerReports])
        (carried,) = handed[0].of(RecordEntries)
        self.assertEqual(carried.log, SERVER_LOG)
        root.say("/modlog server")
        line = yield self.expect(root, "MODLOG * ")
        self.assertRegex(line, rf"^MODLOG \* \S+ carol report \S+/{said} phishing$")

    @defer.inlineCallbacks
    def test_a_kill_and_its_entry_are_one_step(
        self,
    ) -> Generator[Any, Any, None]:
        """``/kill`` ends the session and records its entry in the server's
        log in the same step, with no change of the log of its own (under
        the name the user goes by); a kill of nobody connected is refused
        and logs nothing, and so is an end of a name nobody holds any
        more, whatever entry it carries."""
        root = yield self.signed_in("root")
        yield self.connect("Carol")
        handed = self.handed()
        root.say("/kill carol flooding")
        yield self.expect(root, "KILLED ")
        (kill,) = handed  # the session's end, its entry with it
        self.assertEqual(type(kill.subject), ServerBanList)
        self.assertEqual(
            self.carried(kill), [("root", ModAction.KILL, "Carol", "flooding")]
        )
        yield self.refusal(root, "/kill carol again", "NO_SUCH_USER")
        entry = ModEntry("t", "root", ModAction.KILL, "Carol", "again")
        logged = recording(SERVER_LOG, [entry])
        kill = sessions_ended("", "carol", "gone", logged, session="local:gone.1")
        yield self.assertFailure(
            self.done(self.backend.apply(kill)), PremiseFailedError
        )
        logged = yield self.log(SERVER_LOG)
        self.assertEqual(
            [(e.by, e.action, e.target, e.reason) for e in logged],
            [("root", ModAction.KILL, "Carol", "flooding")],
        )
