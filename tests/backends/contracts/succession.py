"""A room's succession once its wait for its members is over, on every back-end.

A room waits for its members after a restart (``--grace``) or when the
node they were on went; its owner may not come back. When the wait is
over the back-end reports the room with its facts, the core decides
(:mod:`chatroom.core.rooms.settling`: the longest-present member inherits from
an owner who is away) and hands the back-end one change with its
premises. :class:`SuccessionContract` runs that through a back-end, and a
premise that fails between the decision and the apply: the heir leaves
in between, and the room goes to the member who is the heir then.

Each back-end's tests say how a room comes to wait with its owner away
(:meth:`SuccessionContract.owner_away`: what a restart or a node's
departure leaves) and how its wait ends (:meth:`SuccessionContract.wait_over`:
the grace timer, the heartbeat that finds the wait due).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from tests.backends.contracts.handler import ContractBase

CONFIG = ServerConfig(rate=0, room_capacity=5)


class SuccessionContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server``, :meth:`owner_away`
    and :meth:`wait_over`."""

    def owner_away(self, room: str, owner: str, until: int) -> defer.Deferred[None]:
        """Room ``room`` waits for its members until ``until`` (ms), owned
        by ``owner`` (a name key), who is not in it."""
        raise NotImplementedError

    def wait_over(self, room: str, due: int) -> defer.Deferred[None]:
        """Room ``room``'s wait is over at ``due`` (ms), as the back-end
        finds it: reported to the core, decided and applied."""
        raise NotImplementedError

    @defer.inlineCallbacks
    def test_the_longest_present_inherits_from_an_absent_owner(
        self,
    ) -> Generator[Any, Any, None]:
        """tea waited for alice, its owner, who did not come back: bob, its
        longest-present member, owns it, and carol is told."""
        bob, carol = yield self.in_room("tea", "bob", "carol")
        yield self.owner_away("tea", "alice", 1_000)
        yield self.wait_over("tea", 2_000)
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea bob")
        carol.say("/who")
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea bob")
        bob.say("/topic mine now")
        yield self.expect(carol, "TOPIC tea ")

    @defer.inlineCallbacks
    def test_a_wait_not_over_changes_nothing(self) -> Generator[Any, Any, None]:
        """tea waits till later than the wait found over: its owner may still
        come back, and nobody else owns it yet."""
        _, carol = yield self.in_room("tea", "bob", "carol")
        yield self.owner_away("tea", "alice", 5_000)
        yield self.wait_over("tea", 2_000)
        carol.say("/who")
        yield self.expect(carol, "MEMBERS tea ")
        self.assertNotIn("OWNER tea bob", carol.unread())

    @defer.inlineCallbacks
    def test_the_heir_gone_meanwhile_is_decided_again(
        self,
    ) -> Generator[Any, Any, None]:
        """The succession was decided for bob, and bob left before it was
        applied: its premise (bob the heir) failed, and the core decided
        again on the room as it is, for carol."""
        bob, carol, _ = yield self.in_room("tea", "bob", "carol", "dave")
        yield self.owner_away("tea", "alice", 1_000)

        async def bob_leaves() -> None:
            bob.say("/leave")
            await self.expect(carol, "PART tea bob")

        self.race_before("apply_succession", bob_leaves)
        yield self.wait_over("tea", 2_000)
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea carol")
        carol.say("/who")
        self.assertEqual((yield self.expect(carol, "OWNER ")), "OWNER tea carol")
