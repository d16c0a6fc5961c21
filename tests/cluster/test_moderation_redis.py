"""The accounts and moderation contract against the Redis registry.

The same tests as ``tests/test_moderation.py`` (see
``tests/moderation_contract.py``), with accounts, bans, room policies and
sessions in a real redis-server: what users see must not depend on where
they are kept.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.backends.redis import moderation_scripts
from chatroom.core import codec
from chatroom.core.events import Kicked
from chatroom.core.moderation import Target
from tests.cluster.redis_cluster import (
    OneServerClusterRegistryTestCase,
    RoomsApartRegistryTestCase,
)
from tests.cluster.support import RedisRegistryTestCase
from tests.handler_contract import ContractBase
from tests.moderation_contract import CONFIG, ModerationContract


class TargetReadApart(ContractBase):
    """The node reads who a moderation's target is (``TARGET``, the
    server's keys) apart from the room (``FACTS``): a target that changes
    between the two reads must not be acted on as it was."""

    registry: Any  # the Redis registry (RedisRegistryTestCase)

    @defer.inlineCallbacks
    def test_a_target_changed_between_the_reads_is_decided_again(
        self,
    ) -> Generator[Any, Any, None]:
        """alice makes bob an operator; between the reads, bob quits and
        another bob joins: ``MODERATE`` refuses the first bob's session,
        the node decides again, and the bob in the room is the operator."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        backend = self.registry.backend
        read = backend._target
        reads: list[str] = []
        newcomer = []

        async def target(key: str) -> Target | None:
            found = await read(key)
            reads.append(key)
            if len(reads) == 1:  # bob gone, another bob in, before FACTS
                bob.say("/quit")
                await self.expect(bob, "BYE ")
                bob.client.lose()
                newcomer.append(await self.connect("bob"))
                newcomer[0].say("/join tea")
                await self.expect(newcomer[0], "MEMBERS tea ")
            return found

        backend._target = target
        alice.say("/op bob")
        self.assertEqual((yield self.expect(alice, "OP ")), "OP tea bob alice")
        self.assertEqual(reads, ["bob", "bob"])
        newcomer[0].say("/kick carol")
        self.assertEqual(
            (yield self.expect(carol, "KICKED ")), "KICKED tea bob no reason given"
        )


class KickToldFirst(ContractBase):
    """A kick's server step tells the kicked member's node ``kicked seq``
    before the room's step stores the kick as event seq
    (:mod:`chatroom.backends.redis.moderation_steps`)."""

    registry: Any  # the Redis registry (RedisRegistryTestCase)

    @defer.inlineCallbacks
    def test_a_kick_told_but_refused_by_the_room_kicks_nobody(
        self,
    ) -> Generator[Any, Any, None]:
        """``MODERATING`` alone (the room's step then refused it, or its
        node died): event seq turns out to be another (alice speaks), so
        bob hears it, is not kicked, and speaks on in the room."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        backend = self.registry.backend
        seq = backend.here.get("tea").seq + 1
        kicked = codec.encode(Kicked("tea", "alice", "rude"))
        told = backend.calls.eval(
            moderation_scripts.MODERATING, "bob", "", str(seq), kicked
        )
        self.assertEqual((yield defer.Deferred.fromCoroutine(told)), b"OK")
        alice.say("still friends")
        self.assertTrue((yield self.expect(bob, "MSG tea alice ")).endswith("friends"))
        bob.say("good")
        self.assertTrue((yield self.expect(alice, "MSG tea bob ")).endswith("good"))
        self.assertFalse([line for line in bob.unread() if line.startswith("KICKED")])


class RedisModerationTests(
    RedisRegistryTestCase, ModerationContract, TargetReadApart, KickToldFirst
):
    """Replies come once Redis has answered."""

    config = CONFIG


class RedisClusterModerationTests(OneServerClusterRegistryTestCase, ModerationContract):
    """On a Redis Cluster (every key in one slot, reached by ``cluster://``)."""

    config = CONFIG


class RoomsApartTargetTests(RoomsApartRegistryTestCase, TargetReadApart, KickToldFirst):
    """With each room in a slot of its own (``FACTS`` on the room's slot,
    ``TARGET`` on the server's; the rest of the contract runs in
    ``tests/cluster/test_rooms_apart.py``)."""

    config = CONFIG
