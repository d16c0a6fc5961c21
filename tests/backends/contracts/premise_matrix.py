"""Every premise of the change vocabulary, failing, on both back-ends.

A back-end applies a :class:`~chatroom.core.model.changes.base.DecidedChange`
only if each of its premises still holds, else it applies nothing and
refuses with the facts as they are now
(:class:`~chatroom.core.model.changes.base.PremiseFailedError`, or None
for facts where the core reads them again). :class:`PremiseMatrixContract`
has one case per :class:`~chatroom.core.model.changes.base.Premise`
subclass (:data:`CASES`): the premise as the core read it, the world
changed since (by a user's command, or by an earlier change), then a
change resting on it alone: refused, nothing of it applied, and what the
refusal brings says the world as it is now. The table is checked against
``Premise.__subclasses__()`` walked down, so a premise added to the
vocabulary without a case here fails :meth:`test_every_premise_has_a_case`.

Each back-end checks the premises in its own way (the in-process one in
Python on its own state, :mod:`chatroom.backends.local.applying`; Redis in
the one interpreter of its scripts' prelude, ``premise_holds``): this
contract runs on the in-process back-end
(``tests/backends/local/test_premise_matrix.py``, :class:`LocalBackend`)
and on Redis (``tests/backends/redis/test_premise_matrix.py``,
:class:`RedisBackend`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Generator
from typing import Any

from twisted.internet import defer

import chatroom.core.model.changes as vocabulary
from chatroom.core.bridging.store import EVENTS, LEASE, SEEN_SECONDS
from chatroom.core.infra.seats import Session
from chatroom.core.messages.life import amended, reacted
from chatroom.core.messages.private import conversation_key
from chatroom.core.model.accountrecord import NO_PASSWORD
from chatroom.core.model.changes.accounts import (
    AccountRecord,
    AccountSignIns,
    AppPasswordsAre,
    BindOidc,
    BotIs,
    FewerBotsThan,
    InvitationCode,
    InvitationIs,
    KeepSignInToken,
    MailboxIs,
    MakeAccount,
    OidcUnbound,
    PasswordHashIs,
    Registered,
    SetAppPasswords,
    SetBot,
    SetInvitation,
    SetMailbox,
    SetPassword,
    SignInTokenIs,
)
from chatroom.core.model.changes.base import (
    DecidedChange,
    Premise,
)
from chatroom.core.model.changes.bridge import BridgeLedger, Note, Unnoted
from chatroom.core.model.changes.calls import (
    CallIs,
    EndCall,
    JoinCall,
    LeaveCall,
    Participant,
    Participants,
    RoomCall,
    StartCall,
)
from chatroom.core.model.changes.files import (
    AccountFiles,
    AccountUploadTokens,
    AddFile,
    DropExport,
    ExportKept,
    FileKept,
    IssueToken,
    KeepExport,
    KeptExport,
    RemoveFile,
    UsageAtMost,
)
from chatroom.core.model.changes.messages import (
    AddCommand,
    AddHook,
    AgeOut,
    CommandHeld,
    EventIs,
    FewerCommandsThan,
    FewerHooksThan,
    FewerReactionsThan,
    HookHeld,
    MessageIs,
    Reacted,
    ReplaceEvent,
    RoomCommands,
    RoomHooks,
    RoomMessages,
    StoredHistories,
    SweepLease,
    Unmoderated,
)
from chatroom.core.model.changes.moderation import (
    AddBan,
    Banned,
    CloseReport,
    FileReport,
    NameRegistered,
    NotReported,
    ReportOpen,
    ReportsNumbered,
    RoomModeration,
    ServerBanList,
    ServerReports,
    SessionIs,
)
from chatroom.core.model.changes.private import (
    AccountWaiting,
    AppendPrivate,
    DeletePrivate,
    FewerWaitingThan,
    KeepPrivate,
    PartyRegistered,
    PrivateConversation,
    PrivateKept,
)
from chatroom.core.model.changes.push import (
    AccountPush,
    AddSubscription,
    EndpointOwner,
    FewerSubscriptionsThan,
    RemoveSubscription,
    Subscribed,
)
from chatroom.core.model.changes.rooms import (
    Absent,
    CapacityIs,
    ClaimantIs,
    Emit,
    EmptiedBy,
    Exists,
    FewerMembersThan,
    FewerRoomsThan,
    FirstMembers,
    HeirIs,
    Incarnation,
    Named,
    NameFree,
    NewestIdAtLeast,
    NewestIdBelow,
    OwnerAccountIs,
    OwnerHere,
    OwnerIs,
    Present,
    QuietAmong,
    QuietAt,
    RemoveMember,
    RenameRoom,
    RoomName,
    RoomSeating,
    SeatHeldBy,
    Stays,
    Unrestricted,
    Version,
    WaitOver,
)
from chatroom.core.model.changes.server import (
    AttachDevice,
    ClearFailures,
    CountedEvents,
    CountedFailures,
    CountEvent,
    CountFailure,
    DevicesAre,
    FailuresAtMost,
    FewerThan,
    MarkGone,
    NameEnding,
    NameHeldBy,
    NameHolding,
    NameSignedTo,
    TakeName,
)
from chatroom.core.model.changes.settings import (
    AccountMarkers,
    MarkerAtMost,
    SetMarker,
)
from chatroom.core.model.changes.streams import (
    BotStreams,
    FewerStreamsThan,
    OpenStream,
)
from chatroom.core.model.changes.transactions import KeyDoneError, KeyUnused
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import (
    Departure,
    DepartureKind,
    Edited,
    Message,
    PrivateMessage,
    Reaction,
    RoomRenamed,
)
from chatroom.core.model.facts import (
    ClaimFacts,
    CreationFacts,
    LeavingFacts,
    WaitingFacts,
)
from chatroom.core.model.filerecord import FileRecord
from chatroom.core.model.hooks import Hook
from chatroom.core.model.slash_commands import SlashCommand
from chatroom.core.model.subscription import Subscription
from chatroom.core.model.text import name_mask
from chatroom.core.policy.reactions import ReactionFacts
from chatroom.core.rooms.entries import creating
from tests.backends.contracts.handler import User
from tests.backends.contracts.say_premises import PremisesBase

#: Rooms for a few users each, no room made at start.
CONFIG = ServerConfig(
    rate=0, room_capacity=5, max_rooms=5, history=5, rooms=(), kept_private=3
)

STAMP = "2026-11-26 10:00:00"
PASSWORD = "a-long-enough-password"


def every_premise() -> set[type[Premise]]:
    """Every subclass of :class:`Premise`, found by walking its
    ``__subclasses__()`` once every module of the vocabulary is imported."""
    for module in pkgutil.iter_modules(vocabulary.__path__):
        importlib.import_module(f"{vocabulary.__name__}.{module.name}")
    found: set[type[Premise]] = set()
    kinds = [Premise]
    while kinds:
        for kind in kinds.pop().__subclasses__():
            found.add(kind)
            kinds.append(kind)
    return found


def never(room: str = "tea", premise: Premise | None = None) -> DecidedChange:
    """A change of room ``room``'s seating resting on ``premise`` alone that
    shows its members a message saying "never": heard only if the
    back-end applied it."""
    said = Message(room, "alice", STAMP, "never")
    premises = () if premise is None else (premise,)
    return DecidedChange(RoomSeating(room), premises, (Emit(said),))


class PremiseMatrixContract(PremisesBase):
    """Subclasses mix in a TestCase and provide ``server`` (with
    :data:`CONFIG`)."""

    # -- helpers --------------------------------------------------------------

    @property
    def backend(self) -> Any:
        return self.core().backend

    @defer.inlineCallbacks
    def refused_with(
        self, applying: defer.Deferred[Any]
    ) -> Generator[Any, Any, object]:
        """The facts the refusal of ``applying`` brought (None: the core
        reads them again)."""
        failure = yield self.refused(applying)
        return getattr(failure, "facts", None)

    def apply(self, change: DecidedChange, by: str = "") -> defer.Deferred[None]:
        """``change`` through the back-end's ``apply``, by ``by``'s seat."""
        member, session = self.seat(by) if by else (None, None)
        return self.done(self.backend.apply(change, member, session))

    def settle(self, change: DecidedChange) -> defer.Deferred[None]:
        """``change`` of a room's seating applied as a succession is: by
        no session, resting on who claims the room too (none: the room has
        its owner, or is no account's), which every case but
        :class:`ClaimantIs`'s leaves holding."""
        if change.premise(ClaimantIs) is None:
            premises = (*change.premises, ClaimantIs(""))
            change = DecidedChange(change.subject, premises, change.ops)
        return self.done(self.backend.apply(change))

    @defer.inlineCallbacks
    def seating_refused(
        self, premise: Premise, *heard: User, room: str = "tea"
    ) -> Generator[Any, Any, WaitingFacts]:
        """:func:`never` resting on ``premise`` is refused, nobody of
        ``heard`` (the first speaks after it) heard it, and the refusal
        brings the room as it is now."""
        facts = yield self.refused_with(self.settle(never(room, premise)))
        self.assertIsInstance(facts, WaitingFacts)
        if heard:
            yield self.nobody_heard("never", heard[0], *heard)
        return facts

    @defer.inlineCallbacks
    def rich_room(self, *names: str) -> Generator[Any, Any, list[User]]:
        """``names`` in tea, each hearing edits and reactions as such."""
        users = yield self.in_room("tea", *names)
        for user in users:
            user.say("/caps rich")
            yield self.expect(user, "CAPS ")
        return users

    @defer.inlineCallbacks
    def registered(self, name: str) -> Generator[Any, Any, User]:
        user = yield self.connect(name)
        user.say(f"/register {PASSWORD}")
        yield self.expect(user, f"REGISTERED {name}")
        return user

    def account(self, key: str) -> defer.Deferred[Any]:
        return self.done(self.backend.accounts.records.get(key))

    @defer.inlineCallbacks
    def twice(
        self, change: DecidedChange, again: DecidedChange | None = None
    ) -> Generator[Any, Any, object]:
        """``change`` applied, then ``again`` (by default the same change),
        whose premise it made false: refused; the facts it brought."""
        yield self.apply(change)
        facts = yield self.refused_with(self.apply(again or change))
        return facts

    @defer.inlineCallbacks
    def stored(
        self, speaker: User, name: str, text: str, *users: User
    ) -> Generator[Any, Any, Message]:
        """``speaker`` (called ``name``) says ``text`` in tea, heard by
        ``users``: the message as the room keeps it."""
        speaker.say(text)
        for user in (speaker, *users):
            yield self.expect(user, f"MSG tea {name} ")
        member, session = self.seat(name)
        messages = self.backend.messages
        newest = yield self.done(messages.history(member, session, "tea", 1, None))
        (message,) = newest
        return message

    @defer.inlineCallbacks
    def bob_back_in_tea(self) -> Generator[Any, Any, tuple[User, User, Session]]:
        """alice and bob in tea; bob quits and comes back on a new session,
        in tea again: alice, the new bob, and bob's first session."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        _, before = self.seat("bob")
        bob.say("/quit")
        yield self.expect(alice, "PART tea bob")
        bob = yield self.connect("bob")
        bob.say("/join tea")
        yield self.expect(alice, "JOIN tea bob")
        return alice, bob, before

    # -- the table ------------------------------------------------------------

    def test_every_premise_has_a_case(self) -> None:
        """Each premise of the vocabulary has its case here, and each case
        is a test of this contract."""
        self.assertEqual(sorted(p.__name__ for p in every_premise() - CASES.keys()), [])
        for premise, case in CASES.items():
            self.assertTrue(callable(getattr(self, case, None)), (premise, case))

    # -- a room's seating -----------------------------------------------------

    @defer.inlineCallbacks
    def test_exists(self) -> Generator[Any, Any, None]:
        """Decided on tea being there; alice deleted it since."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("/delete tea")
        yield self.expect(alice, "DELETED tea alice")
        facts = yield self.seating_refused(Exists())
        self.assertFalse(facts.exists)

    @defer.inlineCallbacks
    def test_incarnation(self) -> Generator[Any, Any, None]:
        """Decided on tea as it was made; alice deleted it and made it
        again since: another making of it."""
        (alice,) = yield self.in_room("tea", "alice")
        read = yield self.done(self.backend.rooms.facts("tea"))
        alice.say("/delete tea")
        yield self.expect(alice, "DELETED tea alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea alice")
        facts = yield self.seating_refused(Incarnation(read.guard[0].decode()), alice)
        self.assertTrue(facts.exists)

    @defer.inlineCallbacks
    def test_version(self) -> Generator[Any, Any, None]:
        """Decided on tea's settings as read; alice set a key since."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        read = yield self.done(self.backend.rooms.facts("tea"))
        alice.say("/set key sesame")
        yield self.expect(alice, "SET tea key")
        yield self.seating_refused(Version(read.guard[1].decode()), alice, bob)

    @defer.inlineCallbacks
    def test_unrestricted(self) -> Generator[Any, Any, None]:
        """Decided on tea open to all; alice made it invite-only since."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/set invite-only on")
        yield self.expect(alice, "SET tea invite-only on")
        yield self.seating_refused(Unrestricted(), alice, bob)

    @defer.inlineCallbacks
    def test_capacity_is(self) -> Generator[Any, Any, None]:
        """Decided on tea's capacity as another server's ``--room-capacity``
        made it: not this one's."""
        (alice,) = yield self.in_room("tea", "alice")
        yield self.seating_refused(CapacityIs(CONFIG.room_capacity + 1), alice)

    @defer.inlineCallbacks
    def test_fewer_members_than(self) -> Generator[Any, Any, None]:
        """Decided on tea having room for one more; bob took it."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        facts = yield self.seating_refused(FewerMembersThan(2), alice, bob)
        self.assertEqual(facts.seating.members, 2)

    @defer.inlineCallbacks
    def test_fewer_rooms_than(self) -> Generator[Any, Any, None]:
        """alice's ``/create coffee`` was decided with one room of two
        made; bob made another since: refused, coffee is not made."""
        yield self.in_room("tea", "alice")
        before = yield self.done(self.backend.rooms.creation_facts("coffee"))
        yield self.in_room("chai", "bob")
        member, session = self.seat("alice")
        made = creating(before, "coffee", session, 2, 0)
        change = DecidedChange(made.subject, (FewerRoomsThan(2),), made.ops, made.about)
        applying = self.backend.apply(change, member, session)
        facts = yield self.refused_with(self.done(applying))
        if facts is not None:
            self.assertEqual(facts, CreationFacts("", 2))
        after = yield self.done(self.backend.rooms.creation_facts("coffee"))
        self.assertEqual(after.existing, "")

    @defer.inlineCallbacks
    def test_named(self) -> Generator[Any, Any, None]:
        """Decided on the room called tea; alice deleted it and made it
        again as Tea since."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("/delete tea")
        yield self.expect(alice, "DELETED tea alice")
        alice.say("/create Tea")
        yield self.expect(alice, "MEMBERS Tea alice")
        yield self.seating_refused(Named("tea"))
        alice.say("after")
        yield self.expect(alice, "MSG Tea alice ")
        self.assertFalse([line for line in alice.lines if line.endswith(" never")])

    @defer.inlineCallbacks
    def test_owner_is(self) -> Generator[Any, Any, None]:
        """Decided on alice owning tea; she left since, and bob owns it."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/leave tea")
        yield self.expect(bob, "PART tea alice")
        facts = yield self.seating_refused(OwnerIs("alice"), bob)
        self.assertEqual(facts.seating.owner, "bob")

    @defer.inlineCallbacks
    def test_owner_here(self) -> Generator[Any, Any, None]:
        """Decided while tea's owner was away; alice is back."""
        (alice,) = yield self.in_room("tea", "alice")
        facts = yield self.seating_refused(OwnerHere(False), alice)
        self.assertTrue(facts.seating.owner_here)

    @defer.inlineCallbacks
    def test_owner_account_is(self) -> Generator[Any, Any, None]:
        """Decided while tea was kept for alice's account; she turned that
        off since."""
        alice = yield self.registered("alice")
        yield self.kept_then_not(alice)
        facts = yield self.seating_refused(OwnerAccountIs("alice"), alice)
        self.assertEqual(facts.seating.owner_account, "")

    @defer.inlineCallbacks
    def test_stays(self) -> Generator[Any, Any, None]:
        """Decided while tea was kept when empty; alice turned that off
        since."""
        alice = yield self.registered("alice")
        yield self.kept_then_not(alice)
        facts = yield self.seating_refused(Stays(False, True), alice)
        self.assertFalse(facts.seating.keep)

    @defer.inlineCallbacks
    def kept_then_not(self, alice: User) -> Generator[Any, Any, None]:
        """alice makes tea, keeps it for her account, then no more."""
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea alice")
        for on in ("on", "off"):
            alice.say(f"/set keep {on}")
            yield self.expect(alice, f"SET tea keep {on}")

    @defer.inlineCallbacks
    def test_quiet_at(self) -> Generator[Any, Any, None]:
        """Decided on tea being under two members (an arrival not quiet);
        bob joined since."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        facts = yield self.seating_refused(QuietAt(2, False), alice, bob)
        self.assertEqual(facts.seating.members, 2)

    @defer.inlineCallbacks
    def test_present(self) -> Generator[Any, Any, None]:
        """Decided on carol being in tea; she left since."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        carol.say("/leave tea")
        yield self.expect(alice, "PART tea carol")
        facts = yield self.seating_refused(Present(("carol",), ("carol",)), alice, bob)
        self.assertEqual(facts.seating.members, 2)

    @defer.inlineCallbacks
    def test_seat_held_by(self) -> Generator[Any, Any, None]:
        """bob's departure was decided for the end of his first session; he
        came back on another since and sat down in tea again: the end
        takes nothing from the new seat, and the refusal brings the room
        with bob in it, his seat held by the new session."""
        alice, bob, before = yield self.bob_back_in_tea()
        _, after = self.seat("bob")
        gone = Departure("tea", "bob", DepartureKind.QUIT, "connection closed")
        change = DecidedChange(
            RoomSeating("tea"),
            (Present(("bob",), ("bob",)), SeatHeldBy("bob", before.token)),
            (RemoveMember("bob"), Emit(gone)),
            ("bob",),
        )
        facts = yield self.refused_with(self.apply(change))
        self.assertIsInstance(facts, LeavingFacts)
        self.assertEqual(facts.present, frozenset({"bob"}))
        self.assertFalse(facts.seat_held_by("bob", before.token))
        self.assertTrue(facts.seat_held_by("bob", after.token))
        yield self.nobody_heard("PART", alice, alice, bob, shown=("PART ",))
        alice.say("/who")
        members = yield self.expect(alice, "MEMBERS tea ")
        self.assertIn("bob", members.split(" ")[2:])

    @defer.inlineCallbacks
    def test_absent(self) -> Generator[Any, Any, None]:
        """Decided on bob not being in tea; he joined since."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        facts = yield self.seating_refused(Absent("bob"), alice, bob)
        self.assertEqual(facts.seating.members, 2)

    @defer.inlineCallbacks
    def test_quiet_among(self) -> Generator[Any, Any, None]:
        """Decided on bob being quiet in tea (a big room's arrival, as read
        then); he is not."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        facts = yield self.seating_refused(QuietAmong(("bob",), ("bob",)), alice, bob)
        self.assertEqual(facts.seating.quiet, frozenset())

    @defer.inlineCallbacks
    def test_heir_is(self) -> Generator[Any, Any, None]:
        """Decided on bob being tea's heir after alice; he left since, and
        carol is."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        bob.say("/leave tea")
        yield self.expect(alice, "PART tea bob")
        facts = yield self.seating_refused(HeirIs("bob", ("alice",)), alice, carol)
        self.assertIsNotNone(facts.seating.heir)
        self.assertEqual(facts.seating.heir.key, "alice")

    @defer.inlineCallbacks
    def test_first_members(self) -> Generator[Any, Any, None]:
        """Decided on alice and bob being tea's first two members; bob left
        since."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        bob.say("/leave tea")
        yield self.expect(alice, "PART tea bob")
        facts = yield self.seating_refused(
            FirstMembers(("alice", "bob"), 2), alice, carol
        )
        self.assertEqual(facts.seating.members, 2)

    @defer.inlineCallbacks
    def test_claimant_is(self) -> Generator[Any, Any, None]:
        """Decided on bob claiming tea (kept for his account, its owner
        gone); it has its owner, and no claimant."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        facts = yield self.seating_refused(ClaimantIs("bob"), alice, bob)
        self.assertEqual(facts.seating.claimant, "")

    @defer.inlineCallbacks
    def test_wait_over(self) -> Generator[Any, Any, None]:
        """Decided on tea's wait being over; tea waits for nothing (its
        owner is back)."""
        (alice,) = yield self.in_room("tea", "alice")
        facts = yield self.seating_refused(WaitOver(2**40), alice)
        self.assertEqual(facts.waits_until, 0)

    @defer.inlineCallbacks
    def test_emptied_by(self) -> Generator[Any, Any, None]:
        """Decided on alice's and bob's departures emptying tea; carol
        joined since."""
        alice, _, carol = yield self.in_room("tea", "alice", "bob", "carol")
        facts = yield self.seating_refused(
            EmptiedBy(("alice", "bob"), True), alice, carol
        )
        self.assertEqual(facts.seating.members, 3)

    @defer.inlineCallbacks
    def test_newest_id_at_least(self) -> Generator[Any, Any, None]:
        """A resume from message 100 was decided on tea having said it (as
        last known: ids only grow); tea has said one (the client's id was
        another server's)."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("one")
        yield self.expect(alice, "MSG tea alice ")
        yield self.seating_refused(NewestIdAtLeast(100), alice)

    @defer.inlineCallbacks
    def test_newest_id_below(self) -> Generator[Any, Any, None]:
        """Decided on tea's newest message being under 2; alice said two
        more since."""
        (alice,) = yield self.in_room("tea", "alice")
        for text in ("one", "two", "three"):
            alice.say(text)
            yield self.expect(alice, "MSG tea alice ")
        yield self.seating_refused(NewestIdBelow(2), alice)

    # -- a room's name, moderation and messages -------------------------------

    @defer.inlineCallbacks
    def test_name_free(self) -> Generator[Any, Any, None]:
        """alice's rename of tea to chai was decided on chai being free;
        bob made chai since: refused, tea keeps its name."""
        (alice,) = yield self.in_room("tea", "alice")
        yield self.in_room("chai", "bob")
        renamed = RoomRenamed("tea", "chai", "alice")
        until = self.server.clock.seconds() + 60
        change = DecidedChange(
            RoomName("tea"),
            (NameFree("chai"),),
            (Emit(renamed), RenameRoom("chai", until)),
        )
        yield self.refused_with(self.apply(change, "alice"))
        facts = yield self.done(self.backend.rooms.facts("tea"))
        self.assertEqual(facts.room.name, "tea")
        yield self.nobody_heard("RENAMED", alice, alice, shown=("RENAMED",))

    @defer.inlineCallbacks
    def test_session_is(self) -> Generator[Any, Any, None]:
        """alice's action on bob was decided on his session as read; he
        came back on another since."""
        alice, bob, before = yield self.bob_back_in_tea()
        said = Message("tea", "alice", STAMP, "never")
        change = DecidedChange(
            RoomModeration("tea"), (SessionIs("bob", before.token),), (Emit(said),)
        )
        yield self.refused_with(self.apply(change, "alice"))
        yield self.nobody_heard("never", alice, alice, bob)

    @defer.inlineCallbacks
    def test_unmoderated(self) -> Generator[Any, Any, None]:
        """bob's message was decided on tea not being moderated; alice
        made it moderated since."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/set moderated on")
        yield self.expect(bob, "SET tea moderated on alice")
        change = DecidedChange(
            RoomMessages("tea"), (Unmoderated(),), (self.said("tea", "bob", "never"),)
        )
        yield self.refused_with(self.apply(change, "bob"))
        yield self.nobody_heard("never", alice, alice, bob)

    @defer.inlineCallbacks
    def test_key_unused(self) -> Generator[Any, Any, None]:
        """bob's message was decided on his key being unused; he said a line
        with it since (``/txn``): not applied, the key's record answered
        (:class:`KeyDoneError`, not a premise failed: nothing to decide
        again)."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        bob.say("/txn k1 hello")
        ack = yield self.expect(bob, "ACK k1 tea ")
        yield self.expect(alice, "MSG tea bob ")
        keyed = KeyUnused("~bob", "k1", "another line", "tea", 0.0)
        change = DecidedChange(
            RoomMessages("tea"), (keyed,), (self.said("tea", "bob", "never"),)
        )
        try:
            yield self.apply(change, "bob")
        except KeyDoneError as done:
            self.assertEqual(done.record.target, "tea")
            self.assertEqual(done.record.id, ack.split(" ")[3])
        else:
            self.fail("applied on a key done already")
        yield self.nobody_heard("never", alice, alice, bob)

    @defer.inlineCallbacks
    def test_message_is(self) -> Generator[Any, Any, None]:
        """alice's edit was decided on her message as read; she edited it
        on another device since."""
        alice, bob = yield self.rich_room("alice", "bob")
        message = yield self.stored(alice, "alice", "tpyo", bob)
        alice.say(f"/edit {message.id} typo")
        for user in (alice, bob):
            yield self.expect(user, "EDIT tea ")
        edit = Edited("tea", message.id, "alice", STAMP, "never")
        change = amended(message, Message("tea", "alice", STAMP, "never"), edit, 0.0)
        yield self.refused_with(self.apply(change, "alice"))
        yield self.nobody_heard("never", alice, alice, bob, shown=("EDIT",))

    @defer.inlineCallbacks
    def test_event_is(self) -> Generator[Any, Any, None]:
        """An erasure of alice's words was decided on her message as read;
        she edited it since."""
        alice, bob = yield self.rich_room("alice", "bob")
        message = yield self.stored(alice, "alice", "tpyo", bob)
        alice.say(f"/edit {message.id} typo")
        for user in (alice, bob):
            yield self.expect(user, "EDIT tea ")
        erased = Message("tea", "someone", STAMP, "never")
        change = DecidedChange(
            RoomMessages("tea"),
            (EventIs(message),),
            (ReplaceEvent(message.id, erased),),
        )
        yield self.refused_with(self.apply(change))
        member, session = self.seat("alice")
        messages = self.backend.messages
        kept = yield self.done(messages.history(member, session, "tea", 5, None))
        self.assertNotIn("never", [getattr(event, "text", "") for event in kept])

    @defer.inlineCallbacks
    def test_reacted(self) -> Generator[Any, Any, None]:
        """bob's reaction was decided on his not having given it; he gave
        it from another device since."""
        alice, bob = yield self.rich_room("alice", "bob")
        message = yield self.stored(alice, "alice", "tea?", bob)
        bob.say(f"/react {message.id} +1")
        for user in (alice, bob):
            yield self.expect(user, "REACT tea ")
        event = Reaction("tea", message.id, "bob", "+1")
        made = reacted(message, event, "bob", ReactionFacts(False, False, 0), 0.0, 20)
        change = DecidedChange(
            made.subject, (Reacted(message.id, "+1", "bob", False),), made.ops
        )
        yield self.refused_with(self.apply(change, "bob"))
        yield self.nobody_heard("REACT", alice, alice, bob, shown=("REACT",))

    @defer.inlineCallbacks
    def test_fewer_reactions_than(self) -> Generator[Any, Any, None]:
        """bob's new reaction was decided on alice's message carrying no
        reaction, under a most of one; carol gave one since."""
        alice, bob, carol = yield self.rich_room("alice", "bob", "carol")
        message = yield self.stored(alice, "alice", "tea?", bob, carol)
        carol.say(f"/react {message.id} a")
        for user in (alice, bob, carol):
            yield self.expect(user, "REACT tea ")
        event = Reaction("tea", message.id, "bob", "b")
        made = reacted(message, event, "bob", ReactionFacts(False, False, 0), 0.0, 1)
        premise = FewerReactionsThan(message.id, "b", 1)
        change = DecidedChange(made.subject, (premise,), made.ops)
        yield self.refused_with(self.apply(change, "bob"))
        yield self.nobody_heard("REACT", alice, alice, bob, shown=("REACT",))

    # -- a room's webhooks, the stored histories ------------------------------

    def hook_added(self, name: str, *premises: Premise) -> DecidedChange:
        hook = Hook("tea", name, f"secret-of-{name}", "alice")
        return DecidedChange(RoomHooks("tea"), premises, (AddHook(hook),))

    @defer.inlineCallbacks
    def test_hook_held(self) -> Generator[Any, Any, None]:
        """A hook ci was decided on tea having none of that name; another
        was added since."""
        yield self.in_room("tea", "alice")
        change = self.hook_added("ci", HookHeld("ci", False))
        yield self.twice(change)
        hooks = yield self.done(self.backend.rooms.hooks.of_room("tea"))
        self.assertEqual([hook.name for hook in hooks], ["ci"])

    @defer.inlineCallbacks
    def test_fewer_hooks_than(self) -> Generator[Any, Any, None]:
        """A hook cd was decided on tea having none; ci was added since."""
        yield self.in_room("tea", "alice")
        yield self.twice(
            self.hook_added("ci", FewerHooksThan(1)),
            self.hook_added("cd", FewerHooksThan(1)),
        )
        hooks = yield self.done(self.backend.rooms.hooks.of_room("tea"))
        self.assertEqual([hook.name for hook in hooks], ["ci"])

    # -- a room's slash commands ----------------------------------------------------

    def command_added(self, name: str, *premises: Premise) -> DecidedChange:
        command = SlashCommand(
            name, "http://93.184.216.34/", f"token-of-{name}", "alice"
        )
        return DecidedChange(
            RoomCommands("tea"), premises, (AddCommand(name, command),)
        )

    @defer.inlineCallbacks
    def test_command_held(self) -> Generator[Any, Any, None]:
        """A command /weather was decided on tea having none of that name;
        another was added since."""
        yield self.in_room("tea", "alice")
        change = self.command_added("weather", CommandHeld("weather", False))
        yield self.twice(change)
        kept = yield self.done(self.backend.rooms.commands.of_room("tea"))
        self.assertEqual([command.name for command in kept], ["weather"])

    @defer.inlineCallbacks
    def test_fewer_commands_than(self) -> Generator[Any, Any, None]:
        """A command /deploy was decided on tea having none; /weather was
        added since."""
        yield self.in_room("tea", "alice")
        yield self.twice(
            self.command_added("weather", FewerCommandsThan(1)),
            self.command_added("deploy", FewerCommandsThan(1)),
        )
        kept = yield self.done(self.backend.rooms.commands.of_room("tea"))
        self.assertEqual([command.name for command in kept], ["weather"])

    # -- a room's call ---------------------------------------------------------

    @defer.inlineCallbacks
    def test_call_is(self) -> Generator[Any, Any, None]:
        """A call c1 was started in tea on none being on; c2 started since."""
        first, second = (
            Participant("alice", "alice", "t1", "t1/1"),
            Participant("bob", "bob", "t2", "t2/1"),
        )
        yield self.twice(
            DecidedChange(
                RoomCall("tea"), (CallIs(""),), (StartCall("c2", "tea", 5, second),)
            ),
            DecidedChange(
                RoomCall("tea"), (CallIs(""),), (StartCall("c1", "tea", 6, first),)
            ),
        )
        call = yield self.done(self.backend.rooms.room_calls.call_of("tea"))
        self.assertEqual((call.call, call.names), ("c2", ("bob",)))

    @defer.inlineCallbacks
    def test_participants(self) -> Generator[Any, Any, None]:
        """carol's joining was decided on alice alone being in the call; bob
        joined since. Then the call ends with its last participant."""
        alice, bob, carol = (
            Participant(name, name, f"t-{name}", f"t-{name}/1")
            for name in ("alice", "bob", "carol")
        )
        calls = self.backend.rooms.room_calls
        yield self.apply(
            DecidedChange(
                RoomCall("tea"), (CallIs(""),), (StartCall("c1", "Tea", 5, alice),)
            )
        )
        read = (CallIs("c1"), Participants(("alice",)))
        yield self.twice(
            DecidedChange(RoomCall("tea"), read, (JoinCall(bob),)),
            DecidedChange(RoomCall("tea"), read, (JoinCall(carol),)),
        )
        call = yield self.done(calls.call_of("tea"))
        self.assertEqual(
            (call.room, call.since, call.participants), ("Tea", 5, (alice, bob))
        )
        both = (CallIs("c1"), Participants(("alice", "bob")))
        ending = (LeaveCall("alice"), LeaveCall("bob"), EndCall())
        yield self.apply(DecidedChange(RoomCall("tea"), both, ending))
        gone = yield self.done(calls.call_of("tea"))
        self.assertIsNone(gone)

    @defer.inlineCallbacks
    def test_sweep_lease(self) -> Generator[Any, Any, None]:
        """node-b's sweep by age was decided on holding the sweep's lease;
        node-a took it since."""
        taken = DecidedChange(
            StoredHistories(), (SweepLease("node-a", 60.0),), (AgeOut(0.0),)
        )
        ours = DecidedChange(
            StoredHistories(), (SweepLease("node-b", 60.0),), (AgeOut(0.0),)
        )
        yield self.twice(taken, ours)

    @defer.inlineCallbacks
    def test_unnoted(self) -> Generator[Any, Any, None]:
        """The Matrix bridge relays an event on its not being noted yet;
        another delivery of it noted it since (and relayed it). A lease
        noted for node-a is no premise node-b's change may rest on, while
        node-a's own renewal may."""
        change = DecidedChange(
            BridgeLedger(),
            (Unnoted(EVENTS, "$e1"),),
            (Note(EVENTS, "$e1", "tea", SEEN_SECONDS),),
        )
        yield self.twice(change)
        noted = yield self.done(self.backend.bridge.noted(EVENTS, "$e1"))
        self.assertEqual(noted, "tea")
        taken = DecidedChange(
            BridgeLedger(),
            (Unnoted(LEASE, "sender", but="node-a"),),
            (Note(LEASE, "sender", "node-a", 30),),
        )
        ours = DecidedChange(
            BridgeLedger(),
            (Unnoted(LEASE, "sender", but="node-b"),),
            (Note(LEASE, "sender", "node-b", 30),),
        )
        yield self.apply(taken)
        yield self.twice(taken, ours)
        held = yield self.done(self.backend.bridge.noted(LEASE, "sender"))
        self.assertEqual(held, "node-a")

    # -- the server's bans and reports ----------------------------------------

    @defer.inlineCallbacks
    def test_banned(self) -> Generator[Any, Any, None]:
        """A ban of mallory's name was decided on its not being banned;
        another operator banned it since."""
        mask = name_mask("mallory")
        change = DecidedChange(
            ServerBanList(), (Banned(mask, False),), (AddBan(mask, ""),)
        )
        yield self.twice(change)
        bans = yield self.done(self.backend.moderation.bans.server_bans())
        self.assertEqual(bans, [mask])

    def report(self, number: int, filed: str, *premises: Premise) -> DecidedChange:
        return DecidedChange(
            ServerReports(), premises, (FileReport(number, filed, "{}"),)
        )

    @defer.inlineCallbacks
    def test_reports_numbered(self) -> Generator[Any, Any, None]:
        """Report 1 was decided on none being numbered; another was filed as
        1 since."""
        yield self.twice(
            self.report(1, "carol tea 1", ReportsNumbered(0)),
            self.report(1, "dave tea 1", ReportsNumbered(0)),
        )

    @defer.inlineCallbacks
    def test_not_reported(self) -> Generator[Any, Any, None]:
        """carol's report of message 1 was decided on her not having
        reported it; she did from another device since."""
        yield self.twice(
            self.report(1, "carol tea 1", NotReported("carol tea 1")),
            self.report(2, "carol tea 1", NotReported("carol tea 1")),
        )

    @defer.inlineCallbacks
    def test_report_open(self) -> Generator[Any, Any, None]:
        """Report 1's closing was decided on its being open; another
        operator closed it since."""
        yield self.apply(self.report(1, "carol tea 1"))
        close = DecidedChange(
            ServerReports(), (ReportOpen(1),), (CloseReport(1, "{}"),)
        )
        yield self.twice(close)

    # -- a name's claim -------------------------------------------------------

    def claim(self, name: str, by: str, *premises: Premise) -> defer.Deferred[None]:
        """``by``'s session takes ``name``, resting on ``premises``."""
        _, session = self.seat(by)
        op = TakeName(session.token, name, "", by)
        return self.apply(DecidedChange(NameHolding(name), premises, (op,)), by)

    @defer.inlineCallbacks
    def test_name_registered(self) -> Generator[Any, Any, None]:
        """alice's ``/nick carol`` was decided on carol being nobody's
        account; carol registered it since."""
        yield self.connect("alice")
        yield self.registered("carol")
        facts = yield self.refused_with(
            self.claim("carol", "alice", NameRegistered("carol", False))
        )
        self.assertIsInstance(facts, ClaimFacts)
        self.assertTrue(facts.registered)

    @defer.inlineCallbacks
    def test_name_held_by(self) -> Generator[Any, Any, None]:
        """alice's ``/nick bob`` was decided on nobody holding bob; bob
        came since."""
        yield self.connect("alice")
        yield self.connect("bob")
        facts = yield self.refused_with(self.claim("bob", "alice", NameHeldBy("")))
        _, bob = self.seat("bob")
        self.assertEqual(facts.holder, bob.token)

    @defer.inlineCallbacks
    def test_name_signed_to(self) -> Generator[Any, Any, None]:
        """bob's device's attach to alice was decided on alice's session
        being signed in to her account; it is a guest's."""
        yield self.connect("alice")
        yield self.connect("bob")
        _, session = self.seat("bob")
        change = DecidedChange(
            NameHolding("alice"),
            (NameSignedTo("alice"),),
            (AttachDevice(session.token),),
        )
        facts = yield self.refused_with(self.apply(change, "bob"))
        self.assertEqual(facts.signed_to, "")

    @defer.inlineCallbacks
    def test_name_ending(self) -> Generator[Any, Any, None]:
        """alice's ``/nick carol`` was decided while carol's session was
        ending (to wait for its end); that end is done, and carol is
        free."""
        yield self.connect("alice")
        facts = yield self.refused_with(self.claim("carol", "alice", NameEnding(True)))
        self.assertFalse(facts.ending)

    @defer.inlineCallbacks
    def test_devices_are(self) -> Generator[Any, Any, None]:
        """A change of alice's name was decided on one device of her
        account holding it besides; it went away since."""
        yield self.connect("alice")
        yield self.connect("bob")
        _, session = self.seat("bob")
        change = DecidedChange(
            NameHolding("alice"),
            (DevicesAre(("gone:1",)),),
            (AttachDevice(session.token),),
        )
        facts = yield self.refused_with(self.apply(change, "bob"))
        self.assertEqual(facts.devices, 0)

    @defer.inlineCallbacks
    def test_gone_mark_rests_on_its_holder(self) -> Generator[Any, Any, None]:
        """alice's connection is gone: the mark of it was decided on her
        session holding alice alone, and a claim of alice then reads why
        (what the core ends her session on). A mark decided on a session
        that holds alice no more is refused, and writes nothing."""
        yield self.connect("alice")
        yield self.connect("bob")
        _, alice = self.seat("alice")

        def mark(token: str, reason: str) -> DecidedChange:
            return DecidedChange(
                NameHolding("alice"),
                (NameHeldBy(token), DevicesAre(())),
                (MarkGone(token, reason),),
            )

        yield self.refused(self.apply(mark("gone:1", "ping timeout"), "alice"))
        facts = yield self.refused_with(self.claim("alice", "bob", NameHeldBy("")))
        self.assertEqual((facts.holder, facts.gone), (alice.token, ""))
        yield self.apply(mark(alice.token, "connection lost"), "alice")
        facts = yield self.refused_with(self.claim("alice", "bob", NameHeldBy("")))
        self.assertEqual((facts.holder, facts.gone), (alice.token, "connection lost"))

    # -- accounts and what they keep ------------------------------------------

    @defer.inlineCallbacks
    def test_password_hash_is(self) -> Generator[Any, Any, None]:
        """A new password was decided on alice's password as checked; she
        changed it on another device since."""
        alice = yield self.registered("alice")
        before = yield self.account("alice")
        alice.say(f"/password {PASSWORD} another-long-password")
        yield self.expect(alice, "PASSWORD_CHANGED")
        change = DecidedChange(
            AccountRecord("alice"),
            (PasswordHashIs(before.hash),),
            (SetPassword("x", ""),),
        )
        facts = yield self.refused_with(self.apply(change))
        now = yield self.account("alice")
        self.assertNotEqual(now.hash, "x")
        if facts is not None:
            self.assertEqual(facts.hash, now.hash)

    @defer.inlineCallbacks
    def test_mailbox_is(self) -> Generator[Any, Any, None]:
        """A mailbox was decided on alice's as read (none); another device
        set one since."""
        yield self.registered("alice")
        first = DecidedChange(
            AccountRecord("alice"), (MailboxIs(""),), (SetMailbox("{}"),)
        )
        facts = yield self.twice(first)
        if facts is not None:
            self.assertEqual(facts.mailbox, "{}")

    @defer.inlineCallbacks
    def test_app_passwords_are(self) -> Generator[Any, Any, None]:
        """App passwords were decided on alice's as read (none); another
        device set some since."""
        yield self.registered("alice")
        change = DecidedChange(
            AccountRecord("alice"), (AppPasswordsAre(""),), (SetAppPasswords("[]"),)
        )
        facts = yield self.twice(change)
        if facts is not None:
            self.assertEqual(facts.app_passwords, "[]")

    @defer.inlineCallbacks
    def test_bot_is(self) -> Generator[Any, Any, None]:
        """alice's account was made a bot on its being none; another
        decision made it one since."""
        yield self.registered("alice")
        change = DecidedChange(
            AccountRecord("alice"), (BotIs(""),), (SetBot('["","",false,0,"x"]'),)
        )
        facts = yield self.twice(change)
        if facts is not None:
            self.assertEqual(facts.bot, '["","",false,0,"x"]')

    @defer.inlineCallbacks
    def test_fewer_bots_than(self) -> Generator[Any, Any, None]:
        """Bot b1 of alice's was made on her owning fewer than one; bot b2,
        decided the same, comes after it: refused, and b2 is no account."""
        yield self.registered("alice")

        def made(name: str) -> DecidedChange:
            bot = '["alice","alice",false,0,"x"]'
            ops = (MakeAccount(name), SetPassword(NO_PASSWORD, ""), SetBot(bot))
            premises = (Exists(False), FewerBotsThan("alice", 1))
            return DecidedChange(AccountRecord(name), premises, ops)

        yield self.twice(made("b1"), made("b2"))
        self.assertIsNone((yield self.account("b2")))

    @defer.inlineCallbacks
    def test_fewer_streams_than(self) -> Generator[Any, Any, None]:
        """robot's stream s2 was decided on its having fewer than one open;
        s1 was opened since: refused, and robot has one stream open."""

        def opened(stream: str) -> DecidedChange:
            premises = (FewerStreamsThan(1),)
            return DecidedChange(BotStreams("robot"), premises, (OpenStream(stream),))

        yield self.twice(opened("s1"), opened("s2"))
        count = yield self.done(self.backend.server.streams.open_streams("robot"))
        self.assertEqual(count, 1)

    @defer.inlineCallbacks
    def test_oidc_unbound(self) -> Generator[Any, Any, None]:
        """alice's binding to a provider's subject was decided on its being
        nobody's; bob's account bound it since."""
        yield self.registered("alice")
        yield self.registered("bob")
        bind = (OidcUnbound("issuer subject"),), (BindOidc("issuer subject"),)
        yield self.twice(
            DecidedChange(AccountRecord("bob"), *bind),
            DecidedChange(AccountRecord("alice"), *bind),
        )
        account = yield self.account("alice")
        self.assertEqual(account.oidc, "")

    @defer.inlineCallbacks
    def test_invitation_is(self) -> Generator[Any, Any, None]:
        """An invitation was decided on its code being free; another was
        kept under it since."""
        change = DecidedChange(
            InvitationCode("code"), (InvitationIs(""),), (SetInvitation("kept"),)
        )
        facts = yield self.twice(change)
        if facts is not None:
            self.assertEqual(facts, "kept")

    @defer.inlineCallbacks
    def test_sign_in_token_is(self) -> Generator[Any, Any, None]:
        """A device session's token was decided on its hash being new (a
        token made); one was kept under it since."""
        yield self.registered("alice")
        now = self.server.clock.seconds()
        change = DecidedChange(
            AccountSignIns("alice"),
            (SignInTokenIs("hash", ""),),
            (KeepSignInToken("hash", "kept", now + 60, now),),
        )
        facts = yield self.twice(change)
        if facts is not None:
            self.assertEqual(facts, "kept")

    @defer.inlineCallbacks
    def test_registered(self) -> Generator[Any, Any, None]:
        """An upload token was decided on alice's account being there; she
        unregistered since."""
        alice = yield self.registered("alice")
        alice.say(f"/unregister {PASSWORD}")
        yield self.expect(alice, "UNREGISTERED")
        until = self.server.clock.seconds() + 60
        change = DecidedChange(
            AccountUploadTokens("alice"), (Registered(),), (IssueToken("token", until),)
        )
        yield self.refused_with(self.apply(change))

    def file(self, file_id: str, size: int) -> FileRecord:
        return FileRecord(file_id, "alice", f"{file_id}.png", "image/png", size, 0.0)

    @defer.inlineCallbacks
    def test_usage_at_most(self) -> Generator[Any, Any, None]:
        """A file was decided on alice using nothing yet; another of hers
        was kept since."""
        yield self.registered("alice")
        first, second = (
            DecidedChange(AccountFiles("alice"), (UsageAtMost(0),), (AddFile(record),))
            for record in (self.file("a" * 16, 10), self.file("b" * 16, 10))
        )
        facts = yield self.twice(first, second)
        if facts is not None:
            self.assertEqual(facts, 10)

    @defer.inlineCallbacks
    def test_file_kept(self) -> Generator[Any, Any, None]:
        """A file's removal was decided on its being kept; it was removed
        since."""
        yield self.registered("alice")
        record = self.file("a" * 16, 10)
        yield self.apply(DecidedChange(AccountFiles("alice"), (), (AddFile(record),)))
        yield self.twice(
            DecidedChange(
                AccountFiles("alice"), (FileKept(record.id),), (RemoveFile(record.id),)
            )
        )

    @defer.inlineCallbacks
    def test_export_kept(self) -> Generator[Any, Any, None]:
        """An export's taking was decided on its being kept; it was taken
        since."""
        until = self.server.clock.seconds() + 60
        kept = DecidedChange(KeptExport("token"), (), (KeepExport(b"archive", until),))
        yield self.apply(kept)
        yield self.twice(
            DecidedChange(KeptExport("token"), (ExportKept(),), (DropExport(),))
        )

    # -- private messages -----------------------------------------------------

    @defer.inlineCallbacks
    def test_party_registered(self) -> Generator[Any, Any, None]:
        """alice's message to bob's account was decided on its being there;
        he unregistered since: their conversation is not made again."""
        yield self.registered("alice")
        bob = yield self.registered("bob")
        bob.say(f"/unregister {PASSWORD}")
        yield self.expect(bob, "UNREGISTERED")
        key = conversation_key("alice", "bob")
        said = PrivateMessage("alice", "bob", STAMP, "never")
        change = DecidedChange(
            PrivateConversation(key), (PartyRegistered("bob"),), (AppendPrivate(said),)
        )
        yield self.refused_with(self.apply(change))
        kept = yield self.done(self.backend.messages.conversations.page(key, 5, None))
        self.assertEqual(kept, [])

    @defer.inlineCallbacks
    def test_private_kept(self) -> Generator[Any, Any, None]:
        """A private message's deletion was decided on its being kept; it
        was deleted since."""
        yield self.registered("alice")
        yield self.registered("bob")
        key = conversation_key("alice", "bob")
        said = PrivateMessage("alice", "bob", STAMP, "deleted")
        yield self.apply(
            DecidedChange(PrivateConversation(key), (), (AppendPrivate(said),))
        )
        conversations = self.backend.messages.conversations
        (kept,) = yield self.done(conversations.page(key, 5, None))
        event_id = int(kept.id)
        yield self.twice(
            DecidedChange(
                PrivateConversation(key),
                (PrivateKept(event_id),),
                (DeletePrivate(event_id),),
            )
        )

    @defer.inlineCallbacks
    def test_fewer_waiting_than(self) -> Generator[Any, Any, None]:
        """A message kept for alice's account (nobody signed in to it) was
        decided on no other waiting, under a most of one; one was kept
        since."""
        alice = yield self.registered("alice")
        alice.say("/quit")
        yield self.expect(alice, "BYE")
        key = conversation_key("~bob", "alice")
        waiting = []
        for text in ("kept", "never"):
            said = PrivateMessage("bob", "alice", STAMP, text)
            talk = DecidedChange(PrivateConversation(key), (), (AppendPrivate(said),))
            yield self.apply(talk)  # numbered in their conversation
            keep = KeepPrivate(key, said, "", "")
            premise = FewerWaitingThan(1)
            waiting.append(DecidedChange(AccountWaiting("alice"), (premise,), (keep,)))
        facts = yield self.twice(*waiting)
        if facts is not None:
            self.assertEqual(facts, 1)

    # -- push subscriptions ---------------------------------------------------

    def subscription(self, endpoint: str) -> Subscription:
        return Subscription(f"https://push.example.org/{endpoint}", "p256dh", "auth")

    @defer.inlineCallbacks
    def test_fewer_subscriptions_than(self) -> Generator[Any, Any, None]:
        """alice's second subscription was decided on her keeping none,
        under a most of one; another device subscribed since."""
        yield self.registered("alice")
        first, second = (
            DecidedChange(
                AccountPush("alice"),
                (FewerSubscriptionsThan(1, kept.endpoint),),
                (AddSubscription(kept),),
            )
            for kept in (self.subscription("one"), self.subscription("two"))
        )
        facts = yield self.twice(first, second)
        if facts is not None:
            self.assertEqual(facts, [self.subscription("one")])

    @defer.inlineCallbacks
    def test_subscribed(self) -> Generator[Any, Any, None]:
        """alice's ``/push remove`` was decided on the subscription being
        kept; another device removed it since."""
        yield self.registered("alice")
        kept = self.subscription("one")
        yield self.apply(
            DecidedChange(AccountPush("alice"), (), (AddSubscription(kept),))
        )
        yield self.twice(
            DecidedChange(
                AccountPush("alice"),
                (Subscribed(kept.endpoint),),
                (RemoveSubscription(kept.endpoint),),
            )
        )

    @defer.inlineCallbacks
    def test_endpoint_owner(self) -> Generator[Any, Any, None]:
        """bob's subscription was decided on its endpoint being nobody's;
        alice's account subscribed it since: it stays hers."""
        yield self.registered("alice")
        yield self.registered("bob")
        kept = self.subscription("one")
        added = (EndpointOwner(kept.endpoint, ""),), (AddSubscription(kept),)
        yield self.twice(
            DecidedChange(AccountPush("alice"), *added),
            DecidedChange(AccountPush("bob"), *added),
        )
        owner = yield self.done(self.backend.accounts.push.owner(kept.endpoint))
        self.assertEqual(owner, "alice")

    # -- the server's counters ------------------------------------------------

    @defer.inlineCallbacks
    def test_fewer_than(self) -> Generator[Any, Any, None]:
        """A registration was counted on none in the window, under a most
        of one; another was counted since."""
        change = DecidedChange(
            CountedEvents("address"), (FewerThan(1, 60.0),), (CountEvent(60.0),)
        )
        facts = yield self.twice(change)
        self.assertGreater(facts, 0)  # how long until one leaves the window

    @defer.inlineCallbacks
    def test_failures_at_most(self) -> Generator[Any, Any, None]:
        """A wrong password was counted on its key's last free failure (at
        most none counted, at any time); another was counted since."""
        now = self.server.clock.seconds()
        change = DecidedChange(
            CountedFailures(("name:alice",), now),
            (FailuresAtMost("name:alice", 0),),
            (CountFailure("name:alice", 3600.0),),
        )
        facts = yield self.twice(change)
        self.assertEqual(facts, {"name:alice": (1, now)})
        cleared = DecidedChange(
            CountedFailures(("name:alice",), now), (), (ClearFailures("name:alice"),)
        )
        yield self.apply(cleared)

    # -- read markers ---------------------------------------------------------

    @defer.inlineCallbacks
    def test_marker_at_most(self) -> Generator[Any, Any, None]:
        """alice's read marker was decided on its being at most 3; another
        device moved it to 5 since: it stays there."""
        yield self.registered("alice")
        moved = [
            DecidedChange(
                AccountMarkers("alice"),
                (MarkerAtMost("tea", 3),),
                (SetMarker("tea", at),),
            )
            for at in (5, 4)
        ]
        facts = yield self.twice(*moved)
        if facts is not None:
            self.assertEqual(facts, 5)


#: The case of each premise: the name of its test.
CASES: dict[type[Premise], str] = {
    Exists: "test_exists",
    Incarnation: "test_incarnation",
    Version: "test_version",
    Unrestricted: "test_unrestricted",
    CapacityIs: "test_capacity_is",
    FewerMembersThan: "test_fewer_members_than",
    FewerRoomsThan: "test_fewer_rooms_than",
    Named: "test_named",
    OwnerIs: "test_owner_is",
    OwnerHere: "test_owner_here",
    OwnerAccountIs: "test_owner_account_is",
    Stays: "test_stays",
    QuietAt: "test_quiet_at",
    Present: "test_present",
    SeatHeldBy: "test_seat_held_by",
    Absent: "test_absent",
    QuietAmong: "test_quiet_among",
    HeirIs: "test_heir_is",
    FirstMembers: "test_first_members",
    ClaimantIs: "test_claimant_is",
    WaitOver: "test_wait_over",
    EmptiedBy: "test_emptied_by",
    NewestIdAtLeast: "test_newest_id_at_least",
    NewestIdBelow: "test_newest_id_below",
    NameFree: "test_name_free",
    SessionIs: "test_session_is",
    Unmoderated: "test_unmoderated",
    MessageIs: "test_message_is",
    KeyUnused: "test_key_unused",
    EventIs: "test_event_is",
    Reacted: "test_reacted",
    FewerReactionsThan: "test_fewer_reactions_than",
    HookHeld: "test_hook_held",
    FewerHooksThan: "test_fewer_hooks_than",
    CommandHeld: "test_command_held",
    FewerCommandsThan: "test_fewer_commands_than",
    SweepLease: "test_sweep_lease",
    CallIs: "test_call_is",
    Participants: "test_participants",
    Unnoted: "test_unnoted",
    Banned: "test_banned",
    ReportsNumbered: "test_reports_numbered",
    NotReported: "test_not_reported",
    ReportOpen: "test_report_open",
    NameRegistered: "test_name_registered",
    NameHeldBy: "test_name_held_by",
    NameSignedTo: "test_name_signed_to",
    NameEnding: "test_name_ending",
    DevicesAre: "test_devices_are",
    PasswordHashIs: "test_password_hash_is",
    MailboxIs: "test_mailbox_is",
    AppPasswordsAre: "test_app_passwords_are",
    BotIs: "test_bot_is",
    FewerBotsThan: "test_fewer_bots_than",
    FewerStreamsThan: "test_fewer_streams_than",
    OidcUnbound: "test_oidc_unbound",
    InvitationIs: "test_invitation_is",
    SignInTokenIs: "test_sign_in_token_is",
    Registered: "test_registered",
    UsageAtMost: "test_usage_at_most",
    FileKept: "test_file_kept",
    ExportKept: "test_export_kept",
    PartyRegistered: "test_party_registered",
    PrivateKept: "test_private_kept",
    FewerWaitingThan: "test_fewer_waiting_than",
    FewerSubscriptionsThan: "test_fewer_subscriptions_than",
    Subscribed: "test_subscribed",
    EndpointOwner: "test_endpoint_owner",
    FewerThan: "test_fewer_than",
    FailuresAtMost: "test_failures_at_most",
    MarkerAtMost: "test_marker_at_most",
}
