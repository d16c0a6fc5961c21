"""The accounts and moderation contract against the Redis registry.

The same tests as ``tests/backends/local/test_moderation.py`` (see
``tests/backends/contracts/moderation.py``), with accounts, bans, room policies and
sessions in a real redis-server: what users see must not depend on where
they are kept.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.policy.moderation import Target
from tests.backends.contracts.handler import ContractBase
from tests.backends.contracts.moderation import CONFIG, ModerationContract
from tests.cluster.redis_cluster import (
    OneServerClusterRegistryTestCase,
    RoomsApartRegistryTestCase,
)
from tests.cluster.support import RedisRegistryTestCase
from tests.support import redis_backend, redis_command


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
        rooms = self.registry.backend.rooms
        read = rooms.target
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

        rooms.target = target
        alice.say("/op bob")
        self.assertEqual((yield self.expect(alice, "OP ")), "OP tea bob alice")
        self.assertEqual(reads, ["bob", "bob"])
        newcomer[0].say("/kick carol")
        self.assertEqual(
            (yield self.expect(carol, "KICKED ")), "KICKED tea bob no reason given"
        )


class KickInTheRoomsOrder(ContractBase):
    """A kick reaches the kicked session through the room's own entry (its
    departure's head names the session: :class:`~.delivery.Kick`), so it
    is in order with the room's events whichever link or catch-up brings
    them, and needs nothing on the node's channel."""

    registry: Any  # the Redis registry (RedisRegistryTestCase)

    def command(self, *args: Any) -> defer.Deferred[Any]:
        """A plain command on the Redis that holds its key (on three
        primaries, the key's slot's)."""
        return redis_command(self.server, *args)

    def members(self, room: str) -> defer.Deferred[Any]:
        """Room ``room``'s members as Redis has them (the node's layout)."""
        calls = redis_backend(self.server).calls
        key = f"{calls.prefix}members:{room}"
        if calls.rooms_apart:
            tag = calls.prefix[1:].split("}", 1)[0]
            key = f"{{{tag}/{room}}}:members"
        return self.command("ZRANGE", key, 0, -1)

    @defer.inlineCallbacks
    def test_a_kick_needs_nothing_on_the_node_channel(
        self,
    ) -> Generator[Any, Any, None]:
        """The node's channel goes unheard during the kick (on a Redis
        Cluster it is another link, in no order with the room's): bob is
        kicked all the same, and carol sees the kick."""
        alice, bob, carol = yield self.in_room("tea", "alice", "bob", "carol")
        backend = redis_backend(self.server)
        unheard: list[bytes] = []
        backend._for_sessions = unheard.append  # type: ignore[method-assign,assignment]
        alice.say("/kick bob rude")
        self.assertEqual((yield self.expect(bob, "KICKED ")), "KICKED tea alice rude")
        yield self.expect(bob, "ROOMS ")
        self.assertEqual((yield self.expect(carol, "KICK ")), "KICK tea bob alice rude")
        self.assertEqual(unheard, [])  # nothing was told there either
        self.assertEqual((yield self.members("tea")), [b"alice", b"carol"])

    @defer.inlineCallbacks
    def test_a_kick_caught_up_by_a_resume(self) -> Generator[Any, Any, None]:
        """The node holds the room's events (its link dropped) while alice
        kicks bob, then resumes: the resume's step does not seat bob again
        (the kick's head in the events it missed names his session), and
        the catch-up from the room's log kicks him here."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        backend = redis_backend(self.server)
        backend.here.hold()
        alice.say("/kick bob rude")
        for _ in range(500):  # the kick stored, its events held here
            if (yield self.members("tea")) == [b"alice"]:
                break
            yield self.wait()
        self.assertEqual([line for line in bob.unread() if "KICK" in line], [])
        backend.node.start_resume()
        yield backend.node.when_available()
        self.assertEqual((yield self.expect(bob, "KICKED ")), "KICKED tea alice rude")
        yield self.expect(bob, "ROOMS ")
        self.assertEqual((yield self.expect(alice, "KICK ")), "KICK tea bob alice rude")
        self.assertEqual((yield self.members("tea")), [b"alice"])
        alice.say("/who")
        self.assertEqual((yield self.expect(alice, "MEMBERS ")), "MEMBERS tea alice")


class RedisModerationTests(
    RedisRegistryTestCase, ModerationContract, TargetReadApart, KickInTheRoomsOrder
):
    """Replies come once Redis has answered."""

    config = CONFIG


class RedisClusterModerationTests(OneServerClusterRegistryTestCase, ModerationContract):
    """On a Redis Cluster (every key in one slot, reached by ``cluster://``)."""

    config = CONFIG


class RoomsApartTargetTests(
    RoomsApartRegistryTestCase, TargetReadApart, KickInTheRoomsOrder
):
    """With each room in a slot of its own (``FACTS`` on the room's slot,
    ``TARGET`` on the server's; the rest of the contract runs in
    ``tests/cluster/test_rooms_apart.py``)."""

    config = CONFIG
