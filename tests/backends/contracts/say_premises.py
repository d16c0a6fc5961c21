"""A message's and a read marker's premises, failing between the decision
and the apply, for both back-ends.

The core decides a message on what it holds (not moderated, the speaker
quiet or not) or on the room's facts (a moderated room, a room that takes
messages from outside), and hands the back-end one
:class:`~chatroom.core.model.changes.base.DecidedChange` whose premises ride along.
:class:`SayPremisesContract` makes such a change as the core would, lets
another user change the room before it is applied, and checks that the
back-end applies nothing (nobody hears the message) and answers the facts
as they are now; the speaker's next message is then decided on those. A
read marker moved forward by another device meanwhile is kept, and is the
answer. It runs against the in-process back-end
(``tests/backends/test_say_premises.py``) and Redis
(``tests/backends/test_say_premises_redis.py``).
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any

from twisted.internet import defer

from chatroom.core import operating
from chatroom.core.accounts.markers import advance
from chatroom.core.chat import ChatCore
from chatroom.core.infra.seats import Session
from chatroom.core.metered import MeteredRegistry
from chatroom.core.model.changes.base import (
    DecidedChange,
    FactsChangedError,
    Premise,
    PremiseFailedError,
)
from chatroom.core.model.changes.messages import (
    Announce,
    Append,
    RoomMessages,
    SetTopic,
    Unmoderated,
)
from chatroom.core.model.changes.rooms import (
    Drop,
    Emit,
    Incarnation,
    QuietAmong,
    RoomSeating,
    Version,
)
from chatroom.core.model.changes.settings import (
    AccountMarkers,
    MarkerAtMost,
    SetMarker,
)
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import Departure, Message, RoomDeleted, TopicChanged
from chatroom.core.model.facts import SpeakingFacts
from chatroom.core.model.member import Member
from chatroom.core.policy import moderation
from chatroom.core.rooms.entries import departing
from tests.backends.contracts.handler import ContractBase, User

CONFIG = ServerConfig(rate=0, room_capacity=5, max_rooms=5, history=2)


class PremisesBase(ContractBase):
    """Changes made as the core would make them, applied once the room
    changed under them; subclasses mix in a TestCase and provide
    ``server``."""

    def core(self) -> ChatCore[Any]:
        registry = self.server.registry
        if isinstance(registry, MeteredRegistry):
            registry = registry.inner
        assert isinstance(registry, ChatCore)
        return registry

    def seat(self, name: str) -> tuple[Member, Session]:
        """The member called ``name`` as the back-end knows it, and its session."""
        for member, session in self.core().sessions.named():
            if session.name == name:
                return member, session
        raise AssertionError(f"nobody called {name}")

    def applied(self, name: str, change: DecidedChange) -> defer.Deferred[None]:
        member, session = self.seat(name)
        return defer.ensureDeferred(self.core().backend.apply(change, member, session))

    @defer.inlineCallbacks
    def refused(
        self, applying: defer.Deferred[None]
    ) -> Generator[Any, Any, FactsChangedError]:
        """The change was refused, a premise failed (a script's refusal
        names none: the core reads the facts again)."""
        failure = yield self.assertFailure(applying, FactsChangedError)
        return failure

    def done(self, coroutine: Coroutine[Any, Any, Any]) -> defer.Deferred[Any]:
        return defer.ensureDeferred(coroutine)

    @defer.inlineCallbacks
    def as_read(self, room: str) -> Generator[Any, Any, tuple[Premise, ...]]:
        """The premises of a decision on ``room``'s facts as read now."""
        facts = yield self.done(self.core().backend.rooms.facts(room))
        incarnation, version = facts.guard
        return (Incarnation(incarnation.decode()), Version(version.decode()))

    @staticmethod
    def said(room: str, name: str, text: str, outside: bool = False) -> Append:
        return Append(Message(room, name, "2026-11-26 10:00:00", text), 0.0, outside)

    @defer.inlineCallbacks
    def nobody_heard(
        self, text: str, speaker: User, *users: User, shown: tuple[str, ...] = ()
    ) -> Generator[Any, Any, None]:
        """None of ``users`` heard ``text`` nor any line starting with one of
        ``shown``: ``speaker`` says a line after it, and the first message
        each of them hears is that one, with none of those before it."""
        marks = [user.seen for user in users]
        for user in users:
            user.poll()
        speaker.say("after")
        for user, mark in zip(users, marks, strict=True):
            heard = yield self.expect(user, "MSG tea ")
            self.assertTrue(heard.endswith(" after"), (heard, text))
            before = [
                line.partition(" ")[2] if line.startswith("@") else line
                for line in user.lines[mark : user.seen]
            ]
            wrong = [line for line in before if shown and line.startswith(shown)]
            self.assertEqual(wrong, [], text)


class SayPremisesContract(PremisesBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def test_a_room_made_moderated_after_the_decision_hears_nothing(
        self,
    ) -> Generator[Any, Any, None]:
        """Bob's message was decided on the room not being moderated; Lina
        makes it moderated before it is applied: nobody hears it, the
        back-end answers that the room is moderated now, and Bob's next
        message, decided on that, is refused."""
        lina, bob = yield self.in_room("tea", "lina", "bob")
        member, _ = self.seat("bob")
        holds = self.core().backend.messages.speaking(member, "tea")
        self.assertEqual(holds, SpeakingFacts("tea", True, False, False))
        change = DecidedChange(
            RoomMessages("tea"),
            (Unmoderated(), QuietAmong(("bob",), ())),
            (self.said("tea", "bob", "too late"),),
            ("bob",),
        )
        lina.say("/set moderated on")
        yield self.expect(bob, "SET tea moderated on lina")
        failed = yield self.refused(self.applied("bob", change))
        self.assertEqual(failed.facts, SpeakingFacts("tea", True, False, True))
        bob.say("and now?")
        refusal = yield self.expect(bob, "ERR ")
        self.assertTrue(refusal.startswith("ERR MODERATED "), refusal)
        yield self.nobody_heard("too late", lina, bob)

    @defer.inlineCallbacks
    def test_a_voice_taken_after_the_decision_hears_nothing(
        self,
    ) -> Generator[Any, Any, None]:
        """In a moderated room Bob's message was decided on his voice (the
        room's facts as read); Lina takes it before it is applied: the
        room is no longer as read, nobody hears it, and his next message
        is refused."""
        lina, bob = yield self.in_room("tea", "lina", "bob")
        lina.say("/set moderated on")
        yield self.expect(bob, "SET tea moderated on lina")
        lina.say("/voice bob")
        yield self.expect(bob, "VOICE tea bob")
        premises = yield self.as_read("tea")
        change = DecidedChange(
            RoomMessages("tea"),
            (*premises, QuietAmong(("bob",), ())),
            (self.said("tea", "bob", "too late"),),
            ("bob",),
        )
        lina.say("/devoice bob")
        yield self.expect(bob, "DEVOICE tea bob")
        failed = yield self.refused(self.applied("bob", change))
        self.assertTrue(failed.facts.moderated)
        bob.say("and now?")
        refusal = yield self.expect(bob, "ERR ")
        self.assertTrue(refusal.startswith("ERR MODERATED "), refusal)
        yield self.nobody_heard("too late", lina, bob)

    @defer.inlineCallbacks
    def test_a_room_closed_to_outside_after_the_decision_hears_nothing(
        self,
    ) -> Generator[Any, Any, None]:
        """Carl, outside the room, speaks to it while it takes messages
        from outside: its members hear him. A message of his decided so,
        applied after Lina closed the room to the outside, is heard by
        nobody."""
        lina, bob = yield self.in_room("tea", "lina", "bob")
        yield self.connect("carl")
        lina.say("/set external on")
        yield self.expect(bob, "SET tea external on lina")
        premises = yield self.as_read("tea")
        said = self.said("tea", "carl", "knock knock", outside=True)
        yield self.applied(
            "carl", DecidedChange(RoomMessages("tea"), premises, (said,))
        )
        heard = yield self.expect(bob, "MSG tea carl ")
        self.assertTrue(heard.endswith(" knock knock"), heard)
        late = self.said("tea", "carl", "too late", outside=True)
        lina.say("/set external off")
        yield self.expect(bob, "SET tea external off lina")
        change = DecidedChange(RoomMessages("tea"), premises, (late,))
        yield self.refused(self.applied("carl", change))
        yield self.nobody_heard("too late", lina, bob)

    @defer.inlineCallbacks
    def test_a_quiet_member_announced_elsewhere_meanwhile(
        self,
    ) -> Generator[Any, Any, None]:
        """A message decided on its speaker being quiet (its ``JOIN`` shown
        first), applied when it is not (its arrival shown already), is
        refused with the speaker's quietness as it is: nobody hears the
        ``JOIN`` again, nor the message."""
        lina, bob = yield self.in_room("tea", "lina", "bob")
        joined = self.seat("bob")[1].joined("tea")
        change = DecidedChange(
            RoomMessages("tea"),
            (Unmoderated(), QuietAmong(("bob",), ("bob",))),
            (Announce("bob", joined), self.said("tea", "bob", "too late")),
            ("bob",),
        )
        failed = yield self.refused(self.applied("bob", change))
        self.assertEqual(failed.facts, SpeakingFacts("tea", True, False, False))
        yield self.nobody_heard("too late", lina, bob, shown=("JOIN",))

    @defer.inlineCallbacks
    def test_a_topic_decided_before_the_lock_is_not_set(
        self,
    ) -> Generator[Any, Any, None]:
        """Bob's topic was decided on the room as read (no topic-lock);
        Lina locks the topic before it is applied: the room is no longer
        as read, nobody sees the topic, and Bob's next ``/topic``, decided
        on the lock, is refused."""
        lina, bob = yield self.in_room("tea", "lina", "bob")
        premises = yield self.as_read("tea")
        event = TopicChanged("tea", "bob", "too late", "2026-11-26 10:00:00")
        ops = (SetTopic("too late", "bob", 0), Append(event, 0.0))
        change = DecidedChange(RoomMessages("tea"), premises, ops, ("bob",))
        lina.say("/set topic-lock on")
        yield self.expect(bob, "SET tea topic-lock on lina")
        member, session = self.seat("bob")
        applying = self.core().backend.apply(change, member, session)
        yield self.refused(self.done(applying))
        bob.say("/topic again")
        refusal = yield self.expect(bob, "ERR ")
        self.assertTrue(refusal.startswith("ERR NOT_ALLOWED "), refusal)
        lina.say("/topic mine")
        self.assertEqual((yield self.expect(bob, "TOPIC ")), "TOPIC tea lina mine")

    @defer.inlineCallbacks
    def test_a_deletion_decided_before_a_change_keeps_the_room(
        self,
    ) -> Generator[Any, Any, None]:
        """A deletion decided on the room as read, applied after its policy
        changed, is refused: the room and its members stay."""
        lina, bob = yield self.in_room("tea", "lina", "bob")
        premises = yield self.as_read("tea")
        gone = RoomDeleted("tea", "lina")
        change = DecidedChange(RoomSeating("tea"), premises, (Emit(gone), Drop()))
        lina.say("/set moderated on")
        yield self.expect(bob, "SET tea moderated on lina")
        member, session = self.seat("lina")
        applying = self.core().backend.apply(change, member, session)
        yield self.refused(self.done(applying))
        yield self.nobody_heard("DELETED", lina, bob, shown=("DELETED",))

    @defer.inlineCallbacks
    def test_a_deletion_decided_on_a_room_made_again_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """A deletion decided on a room that was deleted and made again
        under its name meanwhile holds nothing on the new one (another
        incarnation): refused, and the new room and its members stay."""
        lina, bob = yield self.in_room("tea", "lina", "bob")
        premises = yield self.as_read("tea")
        gone = RoomDeleted("tea", "lina")
        change = DecidedChange(RoomSeating("tea"), premises, (Emit(gone), Drop()))
        lina.say("/delete tea")
        yield self.expect(bob, "DELETED tea lina")
        lina.say("/create tea")
        yield self.expect(lina, "MEMBERS tea ")
        bob.say("/join tea")
        yield self.expect(lina, "JOIN tea bob")
        member, session = self.seat("lina")
        applying = self.core().backend.apply(change, member, session)
        yield self.refused(self.done(applying))
        yield self.nobody_heard("DELETED", lina, bob, shown=("DELETED",))

    @defer.inlineCallbacks
    def test_a_kick_decided_before_its_target_left_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """Lina's ``/kick bob`` was decided on Bob being in the room; he
        leaves before it is applied: the change is refused (the user it
        names is no longer as read), so nobody sees a kick, and Bob, back
        in the room, is not put out by it."""
        lina, bob = yield self.in_room("tea", "lina", "bob")
        core, (member, session) = self.core(), self.seat("lina")
        facts = yield self.done(core.backend.rooms.facts("tea", "bob"))
        actor = core.identities.actor(member)
        action = moderation.Action("kick", "bob", "out")
        outcome = moderation.decide(action, facts.room, actor, facts.target)
        premises = yield self.as_read("tea")
        departure = outcome.events[-1]
        assert isinstance(departure, Departure)
        leave = departing(facts.seating, "bob", departure)
        change = moderation.change_of(
            outcome, "tea", "lina", facts.target, premises, leave
        )
        bob.say("/leave")
        yield self.expect(lina, "PART tea bob")
        applying = core.backend.apply(change, member, session)
        yield self.refused(self.done(applying))
        bob.say("/join tea")
        yield self.expect(lina, "JOIN tea bob")
        yield self.nobody_heard("KICK", lina, bob, shown=("KICK",))

    @defer.inlineCallbacks
    def test_a_gift_decided_before_its_new_owner_left_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """The operator's ``rooms give tea bea`` was decided on Bea being
        in the room; she leaves before it is applied: refused, so nobody
        sees an owner change and Lina still owns the room."""
        lina, bea, cid = yield self.in_room("tea", "lina", "bea", "cid")
        bea.say("/register horse-battery-staple")
        yield self.expect(bea, "REGISTERED bea")
        core = self.core()
        facts = yield self.done(core.backend.rooms.facts("tea", "bea"))
        operator = operating.operator(self.server.config)
        given = moderation.give(
            facts.room, operator, "bea", facts.target, facts.owner_name
        )
        premises = yield self.as_read("tea")
        change = moderation.gift_change(given, "tea", premises)
        bea.say("/leave")
        yield self.expect(cid, "PART tea bea")
        yield self.refused(self.done(core.backend.apply(change)))
        yield self.nobody_heard("OWNER", lina, cid, shown=("OWNER",))
        lina.say("/set topic-lock on")
        yield self.expect(cid, "SET tea topic-lock on lina")

    @defer.inlineCallbacks
    def test_a_marker_moved_forward_meanwhile_stays(
        self,
    ) -> Generator[Any, Any, None]:
        """Another device moved the account's marker to 5 after this one
        decided to move it to 3: the move is refused with 5, which stays
        and is the marker in force; moving it to 5 again, or past it, is
        applied."""
        alice = yield self.connect("alice")
        alice.say("/register horse-battery-staple")  # markers are an account's
        yield self.expect(alice, "REGISTERED alice")
        markers = self.core().backend.accounts.markers
        apply = self.core().backend.apply
        moved = yield self.done(advance(apply, "alice", "tea", 5))
        self.assertEqual(moved, 5)
        change = DecidedChange(
            AccountMarkers("alice"), (MarkerAtMost("tea", 3),), (SetMarker("tea", 3),)
        )
        failed = yield self.assertFailure(
            self.done(self.core().backend.apply(change)), PremiseFailedError
        )
        self.assertEqual(failed.facts, 5)
        self.assertEqual((yield self.done(advance(apply, "alice", "tea", 3))), 5)
        self.assertEqual((yield self.done(markers.markers("alice"))), {"tea": 5})
        self.assertEqual((yield self.done(advance(apply, "alice", "tea", 5))), 5)
        self.assertEqual((yield self.done(advance(apply, "alice", "tea", 8))), 8)
        self.assertEqual((yield self.done(markers.markers("alice"))), {"tea": 8})
