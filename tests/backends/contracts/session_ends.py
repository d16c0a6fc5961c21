"""A session's end, its rooms' departures decided by the core, on every back-end.

A session that ends takes its user out of every room it was in. The
back-end finds who leaves and reads those rooms; the core decides each
room's departures (:mod:`chatroom.core.rooms.departures`: the departure shown,
the heir when the owner goes, the room dropped once empty) and hands the
back-end one change per room, with its premises.
:class:`SessionEndsContract` runs that through a back-end, and a premise
that fails between the decision and the apply: the heir leaves in
between, and the room goes to the member who is the heir then. And a
name is free the moment its connection is gone, however many went in the
same moment: the user who comes straight back gets it, and the rooms
still hear it leave, once.

A cluster's node harvested as it shuts down is the Redis back-end's own
(``tests/backends/redis/test_session_ends.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock

from chatroom.core.model.config import ServerConfig
from chatroom.doors.base.leaving import LostConnections
from tests.backends.contracts.handler import ContractBase, User
from tests.support import FakeClient

CONFIG = ServerConfig(rate=0, room_capacity=5)


class SessionEndsContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def test_an_owner_who_quits_hands_the_room_on(self) -> Generator[Any, Any, None]:
        """alice owns tea and quits, in her own words: the others see her
        go with them, and bob, there longest, owns it."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        alice.say("/quit off to bed")
        part = yield self.expect(carol, "PART tea alice")
        self.assertEqual(part, "PART tea alice quit: off to bed")
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea bob")
        bob.say("/who")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS tea bob carol")

    @defer.inlineCallbacks
    def test_the_last_to_go_takes_the_room(self) -> Generator[Any, Any, None]:
        """alice is alone in tea and her connection drops: the room goes."""
        (alice,) = yield self.in_room("tea", "alice")
        alice.client.lose()
        bob = yield self.connect("bob")
        yield self.refusal(bob, "/join tea", "NO_SUCH_ROOM")

    @defer.inlineCallbacks
    def test_the_heir_gone_meanwhile_is_decided_again(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's departure was decided with bob her heir, and bob left
        before it was applied: its premise failed, and the core decided
        again on the room as it is: carol owns it."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")

        async def bob_leaves() -> None:
            bob.say("/leave")
            await self.expect(carol, "PART tea bob")

        self.race_before("apply_departures", bob_leaves)
        alice.say("/quit")
        yield self.expect(carol, "PART tea alice")
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea carol")
        carol.say("/who")
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea carol")

    @defer.inlineCallbacks
    def test_a_name_is_free_the_moment_its_connection_is_gone(
        self,
    ) -> Generator[Any, Any, None]:
        """alice, bob, carol and dave lose their connections in the same
        moment, as in a network blip; the door gives them back one a turn
        (a crowd's backlog), so bob, carol and dave still wait their turn.
        dave comes straight back: he gets his name at once, erin sees him
        leave and come back, and once the others' turns come she sees
        them leave; dave's own turn, come last, takes nothing from him."""
        clock = Clock()  # the door's turns, moved on by this test alone
        self.server.lost_connections = LostConnections(clock, per_turn=1)
        users = yield self.in_room("tea", "erin", "alice", "bob", "carol", "dave")
        erin, dropped = users[0], users[1:]
        for user in dropped:
            user.client.lose()
        self.assertEqual(self.server.lost_connections.waiting, 3)
        dave = User(FakeClient(self.server))
        dave.say("dave")
        yield self.expect(dave, "WELCOME dave")
        self.assertEqual(
            (yield self.expect(erin, "PART tea dave")),
            "PART tea dave connection lost",
        )
        dave.say("/join tea")
        yield self.expect(dave, "MEMBERS tea ")
        yield self.expect(erin, "JOIN tea dave")
        while self.server.lost_connections.waiting:
            clock.advance(0)
        for name in ("bob", "carol"):
            yield self.expect(erin, f"PART tea {name} connection lost")
        erin.say("/who")
        self.assertEqual((yield self.expect(erin, "MEMBERS ")), "MEMBERS tea erin dave")
        self.assertNotIn("PART tea dave", " ".join(erin.unread()))
        self.assertFalse(dave.client.closing)
