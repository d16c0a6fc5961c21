"""One set of command-handler tests, run against every registry.

:class:`HandlerContract` drives real :class:`LineProtocol` objects over
``StringTransport`` through whole conversations and checks the lines each
user sees. Subclasses say which registry the server has: the in-process
one (``tests/backends/local/test_handlers.py``, on a ``task.Clock``) and the Redis one
against a real ``redis-server`` (``tests/backends/redis/test_handlers.py``).
The handlers are the same code in both; so must be what users see.

With the in-process registry every reply is there as soon as the line is
sent; with Redis it comes a few milliseconds later, so :meth:`expect`
waits (bounded: :class:`Looks`) for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, cast

from twisted.internet import defer, reactor
from twisted.trial import unittest

from chatroom.core.infra.fanout import DELIVERY_FAILED
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.rooms import (
    AddMember,
    ClaimantIs,
    RemoveMember,
    RoomSeating,
)
from chatroom.core.model.config import ServerConfig
from chatroom.doors.base.hub import DoorHub
from chatroom.wire.lines import parse_event
from tests.backends.contracts.broken_door import (
    BrokenDoor,
    BrokenEventWriter,
    BrokenWriter,
    DeliveryBugError,
)
from tests.support import FakeClient

#: The configuration every contract test runs with.
CONFIG = ServerConfig(
    rate=0, room_capacity=3, max_rooms=3, history=2, resume_bound=5, retention=6
)


class User:
    """A FakeClient whose lines are kept, read in order by ``expect``."""

    def __init__(self, client: FakeClient) -> None:
        self.client = client
        self.lines: list[str] = []
        self.seen = 0

    def say(self, line: str) -> None:
        self.client.send(line)

    def poll(self) -> None:
        self.lines.extend(self.client.received())

    def take(self, prefix: str) -> str | None:
        """The first unread line starting with ``prefix`` (after its ``@ID``,
        if any, when ``prefix`` is not one); it and those before it are read."""
        self.poll()
        for index in range(self.seen, len(self.lines)):
            line = self.lines[index]
            if not prefix.startswith("@") and line.startswith("@"):
                line = line.partition(" ")[2]
            if line.startswith(prefix):
                self.seen = index + 1
                return self.lines[index]
        return None

    def unread(self) -> list[str]:
        self.poll()
        return self.lines[self.seen :]


#: Looks a wait for a reply takes at least.
LOOKS = 500

#: Seconds of the reactor's clock a wait for a reply that comes over
#: sockets keeps looking, at least: a loaded machine can hold a healthy
#: reply back longer than :data:`LOOKS` short waits (2.5 s of 5 ms).
PATIENCE = 30.0


class Looks:
    """How long a wait for a reply looks: :data:`LOOKS` times; and once a
    look's wait went to the reactor (the reply comes over sockets, from
    Redis), for :data:`PATIENCE` seconds too. In-process, where each wait
    has fired already (or moves a test clock), the looks alone."""

    def __init__(self) -> None:
        self.count = 0
        self.began = reactor.seconds()
        self.on_sockets = False

    def more(self) -> bool:
        """Whether to look again."""
        return self.count < LOOKS or (
            self.on_sockets and reactor.seconds() - self.began < PATIENCE
        )

    def wait(self, waiting: defer.Deferred[None]) -> defer.Deferred[None]:
        """``waiting``, one look's wait, counted."""
        self.count += 1
        self.on_sockets = self.on_sockets or not waiting.called
        return waiting


if TYPE_CHECKING:  # a TestCase to mypy; a plain mixin to the test runner
    from tests.doors.irc.test_irc import IRCClient

    MixedIntoTestCase = unittest.TestCase
else:
    MixedIntoTestCase = object


def of_kind(
    step: str,
    change: DecidedChange,
    member: object = None,
    session: object = None,
) -> bool:
    """Whether ``change`` (applied by ``member``, if any) is of the kind a
    test names by the step that once applied it alone: a join or a create
    (``enter``), a member's departure (``leave``), the departures of
    sessions' ends (``apply_departures``), a room's succession
    (``apply_succession``), or any other (``apply``: what reaches a
    subject's own step)."""
    seating = type(change.subject) is RoomSeating
    kinds = {
        "enter": seating and bool(change.of(AddMember)),
        "leave": seating and bool(change.of(RemoveMember)) and member is not None,
        "apply_departures": seating
        and bool(change.of(RemoveMember))
        and member is None,
        "apply_succession": seating and change.premise(ClaimantIs) is not None,
    }
    return kinds.get(step, True)


class ContractBase(MixedIntoTestCase):
    """Users talking to ``server`` (subclasses mix in a TestCase and
    provide it), with replies awaited however the registry answers."""

    server: DoorHub

    def wait(self) -> defer.Deferred[None]:
        """Let replies that wait on the registry arrive (a no-op in-process)."""
        return defer.succeed(None)

    def race_before(
        self,
        step: str,
        racing: Callable[[], Awaitable[None]],
        backend: object = None,
        subject: type | None = None,
    ) -> None:
        """Run ``racing`` once, between the core's read and the back-end's
        apply of the next change of kind ``step`` (:func:`of_kind`): what
        the change rests on moves under it; of a change of ``subject``
        alone, if given. ``backend``: another than the server's (a second
        node's).

        The core's parts hold the back-end's ``apply`` itself, so the race
        is put in the back-end's own steps behind it: its room's seating
        (``_apply_seating``), each subject's step (``_appliers``)."""
        applier: Any = backend or cast(Any, self.server.registry).backend
        raced: list[bool] = []

        def before(
            apply: Callable[..., Awaitable[Any]], kind: str
        ) -> Callable[..., Awaitable[Any]]:
            async def applying(*args: Any) -> Any:
                ours = subject is None or isinstance(args[0].subject, subject)
                if not raced and ours and of_kind(kind, *args):
                    raced.append(True)
                    await racing()
                return await apply(*args)

            return applying

        if step == "apply":
            table = applier._appliers
            kept = dict(table)
            table.update({k: before(f, step) for k, f in kept.items()})
            self.addCleanup(table.update, kept)
            return
        applier._apply_seating = before(applier._apply_seating, step)
        self.addCleanup(delattr, applier, "_apply_seating")

    @defer.inlineCallbacks
    def expect(
        self,
        user: User,
        prefix: str,
        wait: Callable[[], defer.Deferred[None]] | None = None,
    ) -> Generator[Any, Any, str]:
        """The next line of ``user`` that starts with ``prefix``, waiting
        between looks with ``wait`` (default :meth:`wait`), as long as
        :class:`Looks` says."""
        looks = Looks()
        while looks.more():
            line = user.take(prefix)
            if line is not None:
                return line
            yield looks.wait((wait or self.wait)())
        raise AssertionError(f"no line {prefix!r}; unread: {user.unread()}")

    @defer.inlineCallbacks
    def refusal(self, user: User, line: str, code: str) -> Generator[Any, Any, str]:
        """``user`` says ``line`` and is refused with ``code``: the reply."""
        user.say(line)
        reply = yield self.expect(user, "ERR ")
        self.assertTrue(reply.startswith(f"ERR {code} "), (line, reply))
        return reply

    @defer.inlineCallbacks
    def connect(self, name: str) -> Generator[Any, Any, User]:
        user = User(FakeClient(self.server))
        user.say(name)
        yield self.expect(user, f"WELCOME {name}")
        yield self.expect(user, "ROOMS ")
        return user

    @defer.inlineCallbacks
    def joiner_sees(
        self, name: str, room: str, count: int
    ) -> Generator[Any, Any, tuple[User, list[str]]]:
        """``name`` joins ``room``: the user, and the last word of each of
        the first ``count`` ``HISTORY`` lines it is replayed."""
        user = yield self.connect(name)
        user.say(f"/join {room}")
        yield self.expect(user, f"MEMBERS {room} ")
        words = []
        for _ in range(count):
            words.append((yield self.expect(user, "HISTORY ")).rpartition(" ")[2])
        return user, words

    @defer.inlineCallbacks
    def in_room(self, room: str, *names: str) -> Generator[Any, Any, list[User]]:
        """The first name creates ``room``, the others join it, in order."""
        users = []
        for index, name in enumerate(names):
            user = yield self.connect(name)
            user.say(f"/{'create' if index == 0 else 'join'} {room}")
            yield self.expect(user, f"MEMBERS {room} ")
            users.append(user)
        for index, user in enumerate(users):
            for joiner in names[index + 1 :]:
                yield self.expect(user, f"JOIN {room} {joiner}")
        return users


class HandlerContract(ContractBase):
    """What users of every registry see."""

    @defer.inlineCallbacks
    def test_names_are_unique_whatever_the_case(self) -> Generator[Any, Any, None]:
        """A second ``ALICE`` is refused; the first keeps the name."""
        yield self.connect("alice")
        other = User(FakeClient(self.server))
        other.say("ALICE")
        line = yield self.expect(other, "ERR ")
        self.assertTrue(line.startswith("ERR NAME_TAKEN ALICE is taken"), line)
        other.say("bad name")
        line = yield self.expect(other, "ERR ")
        self.assertTrue(line.startswith("ERR BAD_NAME "), line)

    @defer.inlineCallbacks
    def test_create_join_and_talk(self) -> Generator[Any, Any, None]:
        """Creator and joiner see the room, each other, and every message."""
        alice = yield self.connect("alice")
        alice.say("/create tea")
        self.assertEqual((yield self.expect(alice, "JOINED ")), "JOINED tea 1 3")
        self.assertEqual((yield self.expect(alice, "MEMBERS ")), "MEMBERS tea alice")
        bob = yield self.connect("bob")
        bob.say("/join TEA")
        self.assertEqual((yield self.expect(bob, "JOINED ")), "JOINED tea 2 3")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS tea alice bob")
        yield self.expect(alice, "JOIN tea bob")
        bob.say("hello alice")
        for user in (alice, bob):
            event = parse_event((yield self.expect(user, "MSG ")))
            self.assertEqual(event.fields[:2], ("tea", "bob"))
            self.assertEqual(event.text, "hello alice")
        alice.say("/me waves")
        event = parse_event((yield self.expect(bob, "ACTION ")))
        self.assertEqual((event.fields[:2], event.text), (("tea", "alice"), "waves"))

    def test_a_broken_member_spoils_no_fan_out(self) -> defer.Deferred[None]:
        """A member whose door fails to take a message is disconnected (its
        room hears it go); the members after it still get the message, and
        its sender hears no error."""
        return self.broken_member_spoils_nothing(BrokenDoor)

    def test_a_broken_send_queue_spoils_no_fan_out(self) -> defer.Deferred[None]:
        """The same of a member whose send queue's ``write`` fails, as the
        room's fan-out writes a message's bytes to it."""
        return self.broken_member_spoils_nothing(BrokenWriter)

    @defer.inlineCallbacks
    def test_a_broken_event_writer_spoils_no_fan_out(
        self,
    ) -> Generator[Any, Any, None]:
        """The same of a member whose send queue takes every room event
        as its bytes and fails at a topic: disconnected, and the member
        after it still sees the topic."""
        (alice,) = yield self.in_room("tea", "alice")
        broken = BrokenEventWriter(self.server.registry, "broken")
        registry = self.server.registry
        yield defer.ensureDeferred(registry.claim_name(broken, "broken"))
        yield defer.ensureDeferred(registry.rooms.join_room(broken, "tea"))
        yield self.expect(alice, "JOIN tea broken")
        bob = yield self.connect("bob")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea alice broken bob")
        alice.say("/topic oolong only")
        for user in (alice, bob):
            line = yield self.expect(user, "TOPIC ")
            self.assertEqual(line, "TOPIC tea alice oolong only")
            line = yield self.expect(user, "PART tea broken")
            self.assertEqual(line, f"PART tea broken {DELIVERY_FAILED}")
        self.assertEqual(broken.closed, DELIVERY_FAILED)
        self.assertEqual(len(self.flushLoggedErrors(DeliveryBugError)), 1)

    @defer.inlineCallbacks
    def broken_member_spoils_nothing(
        self, door: type[BrokenDoor]
    ) -> Generator[Any, Any, None]:
        (alice,) = yield self.in_room("tea", "alice")
        broken = door(self.server.registry, "broken")
        registry = self.server.registry
        yield defer.ensureDeferred(registry.claim_name(broken, "broken"))
        yield defer.ensureDeferred(registry.rooms.join_room(broken, "tea"))
        self.assertEqual(broken.rooms, ["tea"])
        yield self.expect(alice, "JOIN tea broken")
        bob = yield self.connect("bob")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS tea alice broken bob")
        alice.say("hello")
        for user in (alice, bob):
            event = parse_event((yield self.expect(user, "MSG ")))
            self.assertEqual(
                (event.fields[:2], event.text), (("tea", "alice"), "hello")
            )
        for user in (alice, bob):
            line = yield self.expect(user, "PART tea broken")
            self.assertEqual(line, f"PART tea broken {DELIVERY_FAILED}")
        self.assertEqual(broken.closed, DELIVERY_FAILED)
        self.assertFalse([line for line in alice.unread() if line.startswith("ERR")])
        alice.say("still talking")
        yield self.expect(bob, "MSG tea alice ")
        self.assertEqual(len(self.flushLoggedErrors(DeliveryBugError)), 1)

    @defer.inlineCallbacks
    def test_joining_refusals(self) -> Generator[Any, Any, None]:
        """No such room, already there, full: each a clear ERR, nobody moved."""
        alice, _bob, _carol = yield self.in_room("tea", "alice", "bob", "carol")
        dave = yield self.connect("dave")
        dave.say("/join nowhere")
        self.assertTrue(
            (yield self.expect(dave, "ERR ")).startswith("ERR NO_SUCH_ROOM")
        )
        dave.say("/join tea")
        self.assertEqual(
            (yield self.expect(dave, "ERR ")), "ERR ROOM_FULL tea is full (3)"
        )
        alice.say("/join tea")
        line = yield self.expect(alice, "ERR ")
        self.assertEqual(line, "ERR ALREADY_IN_ROOM you are already in tea")
        alice.say("still here")
        yield self.expect(alice, "MSG tea alice ")

    @defer.inlineCallbacks
    def test_creating_refusals(self) -> Generator[Any, Any, None]:
        """An existing name, a bad name and one room too many are refused."""
        alice = yield self.connect("alice")
        alice.say("/create General")
        self.assertTrue(
            (yield self.expect(alice, "ERR ")).startswith("ERR ROOM_EXISTS")
        )
        alice.say("/create no!")
        self.assertTrue((yield self.expect(alice, "ERR ")).startswith("ERR BAD_NAME"))
        alice.say("/create one")
        yield self.expect(alice, "JOINED one")
        bob = yield self.connect("bob")
        bob.say("/create two")
        yield self.expect(bob, "JOINED two")
        carol = yield self.connect("carol")
        carol.say("/create three")
        line = yield self.expect(carol, "ERR ")
        self.assertTrue(line.startswith("ERR TOO_MANY_ROOMS "), line)

    @defer.inlineCallbacks
    def test_only_the_owner_deletes(self) -> Generator[Any, Any, None]:
        """Non-owners and permanent rooms are refused; the owner's delete
        sends everyone back to the lobby."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        bob.say("/delete tea")
        line = yield self.expect(bob, "ERR ")
        self.assertEqual(line, "ERR NOT_ALLOWED only the owner of tea can delete it")
        alice.say("/delete general")
        self.assertEqual(
            (yield self.expect(alice, "ERR ")), "ERR NOT_ALLOWED general is permanent"
        )
        alice.say("/delete tea")
        for user in (alice, bob):
            self.assertEqual((yield self.expect(user, "DELETED ")), "DELETED tea alice")
            self.assertEqual((yield self.expect(user, "ROOMS ")), "ROOMS 1")
        bob.say("/who")
        self.assertTrue((yield self.expect(bob, "ERR ")).startswith("ERR NOT_IN_ROOM"))

    @defer.inlineCallbacks
    def test_a_permanent_room_stays_when_empty_and_a_plain_one_goes(
        self,
    ) -> Generator[Any, Any, None]:
        """The last member leaves tea, then general (named at start-up):
        the lobby lists general, empty, and no longer tea (whether a room
        stays is the core's to say, from the facts each back-end reads)."""
        (alice,) = yield self.in_room("tea", "alice")
        for room in ("tea", "general"):
            if room == "general":
                alice.say("/join general")
                yield self.expect(alice, "MEMBERS general ")
            alice.say("/leave")
            yield self.expect(alice, f"LEFT {room}")
            yield self.expect(alice, "ROOMS ")
        rows = [line for line in alice.unread() if line.startswith("ROOM ")]
        self.assertEqual([row.split()[1] for row in rows], ["general"])
        bob = yield self.connect("bob")
        bob.say("/join tea")
        line = yield self.expect(bob, "ERR ")
        self.assertTrue(line.startswith("ERR NO_SUCH_ROOM"), line)

    @defer.inlineCallbacks
    def test_ownership_passes_to_the_earliest(self) -> Generator[Any, Any, None]:
        """When the owner leaves, the longest present member owns the room."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        alice.say("/leave")
        self.assertEqual((yield self.expect(alice, "LEFT ")), "LEFT tea")
        yield self.expect(alice, "ROOMS ")
        self.assertEqual((yield self.expect(carol, "PART ")), "PART tea alice left")
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea bob")
        carol.say("/who")
        self.assertEqual(
            (yield self.expect(carol, "MEMBERS ")), "MEMBERS tea bob carol"
        )
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea bob")
        bob.say("/delete tea")
        yield self.expect(carol, "DELETED tea bob")

    @defer.inlineCallbacks
    def test_topic(self) -> Generator[Any, Any, None]:
        """Any member sets the topic; all see it, joiners and the lobby too."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        bob.say("/topic oolong only")
        for user in (alice, bob):
            self.assertEqual(
                (yield self.expect(user, "TOPIC ")), "TOPIC tea bob oolong only"
            )
        alice.say("/topic")
        self.assertEqual(
            (yield self.expect(alice, "TOPIC ")), "TOPIC tea bob oolong only"
        )
        carol = yield self.connect("carol")
        carol.say("/list")
        self.assertEqual(
            (yield self.expect(carol, "ROOM tea")), "ROOM tea 2 3 oolong only"
        )
        carol.say("/join tea")
        self.assertEqual(
            (yield self.expect(carol, "TOPIC ")), "TOPIC tea bob oolong only"
        )
        alice.say("/topic \x1b[2J")
        self.assertTrue((yield self.expect(alice, "ERR ")).startswith("ERR BAD_TEXT"))

    @defer.inlineCallbacks
    def test_rename_in_a_room(self) -> Generator[Any, Any, None]:
        """``/nick`` is announced to the room, which shows the new name as
        typed, also when only its case changes; the old name is free again."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("/nick Alicia")
        for user in (alice, bob):
            self.assertEqual((yield self.expect(user, "NICK ")), "NICK alice Alicia")
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS tea Alicia bob")
        alice.say("/nick ALICIA")
        for user in (alice, bob):
            self.assertEqual((yield self.expect(user, "NICK ")), "NICK Alicia ALICIA")
        carol = yield self.connect("carol")
        carol.say("/join tea")
        members = yield self.expect(carol, "MEMBERS ")
        self.assertEqual(members, "MEMBERS tea ALICIA bob carol")
        yield self.connect("alice")

    @defer.inlineCallbacks
    def test_private_messages(self) -> Generator[Any, Any, None]:
        """``/msg`` reaches its target in any state; both see one copy."""
        (alice,) = yield self.in_room("tea", "alice")
        bob = yield self.connect("bob")
        bob.say("/msg ALICE psst")
        for user in (alice, bob):
            event = parse_event((yield self.expect(user, "PRIVMSG ")))
            self.assertEqual((event.fields[:2], event.text), (("bob", "alice"), "psst"))
        bob.say("/msg bob note to self")
        yield self.expect(bob, "PRIVMSG bob bob ")
        self.assertEqual(bob.unread(), [])
        bob.say("/msg nobody hi")
        self.assertEqual(
            (yield self.expect(bob, "ERR ")), "ERR NO_SUCH_USER nobody is called nobody"
        )

    @defer.inlineCallbacks
    def test_disconnect_is_harvested(self) -> Generator[Any, Any, None]:
        """A lost connection leaves its room (PART) and frees its name."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        bob.client.lose()
        self.assertEqual(
            (yield self.expect(alice, "PART ")), "PART tea bob connection lost"
        )
        yield self.connect("bob")

    @defer.inlineCallbacks
    def test_history_for_joiners(self) -> Generator[Any, Any, None]:
        """A joiner sees the last ``--history`` messages, oldest first."""
        (alice,) = yield self.in_room("tea", "alice")
        for text in ("one", "two", "three"):
            alice.say(text)
            yield self.expect(alice, "MSG ")
        bob = yield self.connect("bob")
        bob.say("/join tea")
        yield self.expect(bob, "MEMBERS ")
        said = [parse_event(line).text for line in bob.unread()]
        self.assertEqual(said, ["two", "three"])

    # -- positions: /caps ids, /join ROOM since ID, /history ----------------------

    @defer.inlineCallbacks
    def say_all(self, user: User, *texts: str) -> Generator[Any, Any, list[str]]:
        """Say each text and wait for its echo; returns the echoed lines."""
        lines = []
        for text in texts:
            user.say(text)
            name = user.client.protocol.name
            lines.append((yield self.expect(user, f"MSG tea {name} ")))
        return lines

    @defer.inlineCallbacks
    def test_caps_ids_only_for_who_asked(self) -> Generator[Any, Any, None]:
        """After ``/caps ids`` a connection's stored events carry ``@ID``,
        from the next message on (one said before it, in the room, too);
        everyone else's lines are unchanged, and ids increase."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("zero")
        for user in (alice, bob):
            yield self.expect(user, "MSG tea alice ")
        bob.say("/caps ids")
        self.assertEqual((yield self.expect(bob, "CAPS ")), "CAPS ids")
        alice.say("one")
        alice.say("/me two")
        plain = yield self.expect(alice, "MSG tea alice ")
        first = yield self.expect(bob, "@")
        second = yield self.expect(bob, "@")
        self.assertRegex(first, r"^@\d+ MSG tea alice \S+ one$")
        self.assertEqual(first.partition(" ")[2], plain)
        self.assertRegex(second, r"^@\d+ ACTION tea alice \S+ two$")
        ids = [int(line.split()[0][1:]) for line in (first, second)]
        self.assertEqual(ids[1], ids[0] + 1)
        self.assertTrue((yield self.expect(alice, "ACTION ")).startswith("ACTION"))
        alice.say("/part-of-nothing")
        yield self.expect(alice, "ERR UNKNOWN_COMMAND")
        self.assertFalse([line for line in alice.lines if line.startswith("@")])

    @defer.inlineCallbacks
    def test_resume_gets_exactly_what_was_missed(self) -> Generator[Any, Any, None]:
        """``/join tea since ID``: the events after ID, oldest first, no more."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        bob.say("/caps ids")
        yield self.expect(bob, "CAPS ")
        yield self.say_all(alice, "before")
        last_seen = (yield self.expect(bob, "@")).split()[0][1:]
        bob.say("/leave")
        yield self.expect(bob, "ROOMS ")
        yield self.say_all(alice, "m1", "m2", "m3")
        bob.say(f"/join tea since {last_seen}")
        yield self.expect(bob, "MEMBERS tea ")
        replayed = bob.unread()  # the welcome is one write
        self.assertEqual([line.split(" ", 2)[1] for line in replayed], ["HISTORY"] * 3)
        self.assertEqual([parse_event(line).text for line in replayed],
                         ["m1", "m2", "m3"])  # fmt: skip
        ids = [int(line.split()[0][1:]) for line in replayed]
        self.assertEqual(ids, [int(last_seen) + n for n in (1, 2, 3)])
        alice.say("live")
        yield self.expect(bob, "MSG tea alice ")
        self.assertEqual(bob.unread(), [])

    @defer.inlineCallbacks
    def test_resume_from_the_newest_gets_nothing(self) -> Generator[Any, Any, None]:
        """Nothing missed: no history at all, not the usual last --history."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("/caps ids")
        yield self.expect(alice, "CAPS ")
        yield self.say_all(alice, "a", "b")
        newest = alice.lines[-1].split()[0][1:]
        bob = yield self.connect("bob")
        bob.say(f"/join tea since {newest}")
        yield self.expect(bob, "MEMBERS tea ")
        alice.say("c")
        yield self.expect(bob, "MSG tea alice ")
        self.assertEqual(bob.unread(), [])

    @defer.inlineCallbacks
    def test_gap_when_older_than_kept(self) -> Generator[Any, Any, None]:
        """An id older than what is kept: ``GAP tea ?``, then the newest
        events up to the bound."""
        (alice,) = yield self.in_room("tea", "alice")
        texts = [f"m{n}" for n in range(1, 11)]
        yield self.say_all(alice, *texts)
        bob = yield self.connect("bob")
        bob.say("/caps ids")
        yield self.expect(bob, "CAPS ")
        bob.say("/join tea since 0")
        yield self.expect(bob, "MEMBERS tea ")
        self.assertEqual((yield self.expect(bob, "GAP ")), "GAP tea ?")
        replayed = [parse_event(line) for line in bob.unread()]
        self.assertEqual([event.text for event in replayed], texts[-5:])
        self.assertEqual({event.name for event in replayed}, {"HISTORY"})

    @defer.inlineCallbacks
    def test_history_pages_back_to_the_first(self) -> Generator[Any, Any, None]:
        """``/history N before ID`` pages backwards until nothing is left."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.say("/caps ids")
        yield self.expect(alice, "CAPS ")
        yield self.say_all(alice, "m1", "m2", "m3", "m4")
        before = ""
        pages = []
        while True:
            alice.say(f"/history 3{before}")
            end = yield self.expect(alice, "HISTORY_END ")
            page = alice.lines[alice.lines.index(end) - int(end.split()[2]) :][:-1]
            self.assertEqual(end, f"HISTORY_END tea {len(page)}")
            if not page:
                break
            pages.append([parse_event(line).text for line in page])
            before = f" before {page[0].split()[0][1:]}"
        self.assertEqual(pages, [["m2", "m3", "m4"], ["m1"]])

    @defer.inlineCallbacks
    def test_bad_positions_are_refused(self) -> Generator[Any, Any, None]:
        """Garbage ids, counts out of range, no room: each a clear ERR."""
        alice = yield self.connect("alice")
        alice.say("/history 5")
        self.assertTrue(
            (yield self.expect(alice, "ERR ")).startswith("ERR NOT_IN_ROOM")
        )
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS ")
        for bad, why in [
            ("/join general since yesterday", "not an event id"),
            ("/join general since -3", "not an event id"),
            ("/join general until 3", "usage: /join NAME [KEY] [since ID]"),
            ("/history 0", "/history asks for 1 to 200 events"),
            ("/history 100000", "/history asks for 1 to 200 events"),
            ("/history many", "usage: /history N [before ID]"),
            ("/history 5 before x", "not an event id"),
            ("/caps everything", "usage: /caps ids"),
        ]:
            alice.say(bad)
            line = yield self.expect(alice, "ERR ")
            self.assertTrue(line.startswith("ERR BAD_ARGS "), (bad, line))
            self.assertIn(why, line)
        alice.say("still in tea")
        yield self.expect(alice, "MSG tea alice ")


class IRCContractBase(ContractBase):
    """A contract that drives IRC clients too (``IRCProtocol`` over
    ``StringTransport``), whose replies may wait on the registry."""

    @defer.inlineCallbacks
    def heard(self, client: IRCClient, word: str) -> Generator[Any, Any, list[str]]:
        """What ``client`` receives up to the first line with `` word `` in
        it (waiting on Redis), that line last; the lines after it wait for
        the next call."""
        unread = self.__dict__.setdefault("_unread", {}).setdefault(id(client), [])
        lines: list[str] = []
        for _ in range(500):
            unread += client.received()
            while unread:
                lines.append(unread.pop(0))
                if f" {word} " in lines[-1]:
                    return lines
            yield self.wait()
        raise AssertionError(f"no {word} in {lines!r}")
