"""Big rooms' joins and parts (chatroom.core.rooms.big_rooms), for every registry.

:class:`BigRoomsContract` drives real :class:`LineProtocol` connections (over
``StringTransport``) into a room past ``--big-room`` (3 here) and checks what
each member sees: quiet arrivals, the ``JOIN`` just before a quiet member's
first words, no ``PART`` for one who never spoke, a joiner's welcome, and
``/who`` listing everyone. It runs against the in-process registry
(``tests/backends/local/test_big_rooms.py``) and the Redis one on a real redis-server
(``tests/backends/redis/test_big_rooms.py``).

A line that must *not* arrive is checked up to a later line everyone does
get (a message of alice's), so the check waits for the registry however
it answers.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from tests.backends.contracts.handler import ContractBase, User

CONFIG = ServerConfig(rate=0, room_capacity=10, big_room=3, history=0)

NOTICE = (
    "NOTICE tea {} members: arrivals and departures are shown only for "
    "members who speak; /who lists everyone"
)


class BigRoomsContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def big_room(self) -> Generator[Any, Any, list[User]]:
        """alice, bob and carol in ``tea``: every arrival shown, as ever."""
        users = yield self.in_room("tea", "alice", "bob", "carol")
        return users

    @defer.inlineCallbacks
    def quiet(self, name: str) -> Generator[Any, Any, tuple[User, list[str]]]:
        """``name`` joins ``tea``; its welcome up to the history (none)."""
        user = yield self.connect(name)
        user.say("/join tea")
        joined = yield self.expect(user, "JOINED tea ")
        members = yield self.expect(user, "MEMBERS tea")
        welcome = [joined, members, *user.unread()]
        user.seen = len(user.lines)
        return user, welcome

    @defer.inlineCallbacks
    def seen_until(
        self, users: list[User], text: str
    ) -> Generator[Any, Any, list[list[str]]]:
        """alice (``users[0]``) says ``text``; what each user read up to it."""
        users[0].say(text)
        seen = []
        for user in users:
            start = user.seen
            yield self.expect(user, "MSG tea alice ")
            seen.append(user.lines[start : user.seen])
        return seen

    def lines_of(self, seen: list[list[str]], prefix: str) -> list[str]:
        return [line for lines in seen for line in lines if line.startswith(prefix)]

    @defer.inlineCallbacks
    def test_a_room_below_the_threshold_shows_every_arrival(
        self,
    ) -> Generator[Any, Any, None]:
        """Up to ``--big-room`` members, joins and parts are shown as ever,
        and a joiner is shown every member with no notice."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        carol, welcome = yield self.quiet("carol")
        self.assertEqual(welcome, ["JOINED tea 3 10", "MEMBERS tea alice bob carol"])
        for user in (alice, bob):
            yield self.expect(user, "JOIN tea carol")
        carol.say("/leave")
        for user in (alice, bob):
            self.assertEqual(
                (yield self.expect(user, "PART tea")), "PART tea carol left"
            )

    @defer.inlineCallbacks
    def test_a_joiner_of_a_big_room_arrives_unannounced(
        self,
    ) -> Generator[Any, Any, None]:
        """The fourth member of a room of ``--big-room`` 3 joins quietly: no
        one is told; it gets the true count, the members and a notice."""
        users = yield self.big_room()
        dave, welcome = yield self.quiet("dave")
        self.assertEqual(
            welcome,
            ["JOINED tea 4 10", "MEMBERS tea alice bob carol dave", NOTICE.format(4)],
        )
        seen = yield self.seen_until([*users, dave], "tick")
        self.assertEqual(self.lines_of(seen, "JOIN tea dave"), [])

    @defer.inlineCallbacks
    def test_a_quiet_member_is_announced_just_before_its_first_words(
        self,
    ) -> Generator[Any, Any, None]:
        """dave's ``JOIN`` reaches everyone right before its first message,
        once; its next messages come alone."""
        users = yield self.big_room()
        dave, _ = yield self.quiet("dave")
        dave.say("hello all")
        for user in [*users, dave]:
            yield self.expect(user, "JOIN tea dave")
            message = yield self.expect(user, "")
            self.assertTrue(message.startswith("MSG tea dave "), message)
            self.assertTrue(message.endswith(" hello all"), message)
        dave.say("/me waves")
        # Once dave sees it, it is stored before alice's line, which two
        # senders' lines otherwise need not be.
        yield self.expect(dave, "ACTION tea dave")
        seen = yield self.seen_until(users, "tick")
        self.assertEqual(self.lines_of(seen, "JOIN"), [])
        self.assertEqual(len(self.lines_of(seen, "ACTION tea dave")), 3)

    @defer.inlineCallbacks
    def test_a_quiet_member_leaves_unannounced(self) -> Generator[Any, Any, None]:
        """A member that never spoke leaves (or quits) without a ``PART``; one
        that spoke is seen leaving."""
        users = yield self.big_room()
        dave, _ = yield self.quiet("dave")
        erin, _ = yield self.quiet("erin")
        dave.say("hi")
        for user in [*users, erin]:
            yield self.expect(user, "JOIN tea dave")
        erin.say("/quit bye")
        yield self.expect(erin, "BYE")
        dave.say("/leave")
        for user in users:
            part = yield self.expect(user, "PART tea")
            self.assertEqual(part, "PART tea dave left")
        seen = yield self.seen_until(users, "tick")
        self.assertEqual(self.lines_of(seen, "PART"), [])
        self.assertEqual(self.lines_of(seen, "JOIN"), [])

    @defer.inlineCallbacks
    def test_a_joiner_is_shown_the_announced_members_and_who_lists_all(
        self,
    ) -> Generator[Any, Any, None]:
        """With quiet members in the room, a joiner's ``MEMBERS`` lists the
        announced ones and itself (``JOINED`` counts everyone); ``/who``
        lists every member; both in order of arrival."""
        users = yield self.big_room()
        dave, _ = yield self.quiet("dave")
        erin, _ = yield self.quiet("erin")
        erin.say("I speak")
        yield self.expect(users[0], "JOIN tea erin")
        frank, welcome = yield self.quiet("frank")
        self.assertEqual(
            welcome,
            [
                "JOINED tea 6 10",
                "MEMBERS tea alice bob carol erin frank",
                NOTICE.format(6),
            ],
        )
        frank.say("/who")
        members = yield self.expect(frank, "MEMBERS tea")
        self.assertEqual(members, "MEMBERS tea alice bob carol dave erin frank")
        dave.say("me too")  # announced after erin, listed in order of arrival
        yield self.expect(frank, "JOIN tea dave")
        _, welcome = yield self.quiet("gina")
        self.assertEqual(welcome[1], "MEMBERS tea alice bob carol dave erin gina")

    @defer.inlineCallbacks
    def test_a_renamed_quiet_member_is_announced_by_its_new_name(
        self,
    ) -> Generator[Any, Any, None]:
        """A quiet member's rename is shown as ever; when it speaks, its
        ``JOIN`` carries the new name."""
        users = yield self.big_room()
        dave, _ = yield self.quiet("dave")
        dave.say("/nick david")
        for user in users:
            self.assertEqual((yield self.expect(user, "NICK")), "NICK dave david")
        dave.say("here")
        for user in users:
            self.assertEqual((yield self.expect(user, "JOIN tea")), "JOIN tea david")
        dave.say("/leave")
        for user in users:
            self.assertEqual(
                (yield self.expect(user, "PART tea")), "PART tea david left"
            )

    @defer.inlineCallbacks
    def test_the_owner_leaving_a_big_room_hands_it_on(
        self,
    ) -> Generator[Any, Any, None]:
        """alice, who made the room, leaves it once it is big: every member
        is shown her departure (her arrival was), then that bob, the
        longest present, owns it; dave, quiet, sees it too."""
        alice, bob, carol = yield self.big_room()
        dave, _ = yield self.quiet("dave")
        alice.say("/leave")
        for user in (bob, carol, dave):
            self.assertEqual(
                (yield self.expect(user, "PART tea ")), "PART tea alice left"
            )
            self.assertEqual((yield self.expect(user, "OWNER tea ")), "OWNER tea bob")
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "OWNER tea")), "OWNER tea bob")
