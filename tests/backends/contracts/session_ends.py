"""A session's end, its rooms' departures decided by the core, on every back-end.

A session that ends takes its user out of every room it was in. The
back-end finds who leaves and reads those rooms; the core decides each
room's departures (:mod:`chatroom.core.rooms.departures`: the departure shown,
the heir when the owner goes, the room dropped once empty) and hands the
back-end one change per room, with its premises.
:class:`SessionEndsContract` runs that through a back-end, and a premise
that fails between the decision and the apply: the heir leaves in
between, and the room goes to the member who is the heir then.

A cluster's node harvested as it shuts down is the Redis back-end's own
(``tests/backends/redis/test_session_ends.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from tests.backends.contracts.handler import ContractBase

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
