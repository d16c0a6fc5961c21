"""Renaming a room against the Redis registry (a real redis-server).

The contract in every layout: where every key is in one slot (one Redis;
a Redis Cluster with the rooms with the rest) a rename is one script; with
each room in a slot of its own the old keys and the new are in two slots,
and a rename is journalled steps (``room_renames``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

from twisted.internet import defer

from chatroom.backends.redis import scripts
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.renames import RenamesContract
from tests.cluster.redis_cluster import (
    OneServerClusterRegistryTestCase,
    RoomsApartRegistryTestCase,
)
from tests.cluster.support import RedisRegistryTestCase


class RedisRenames(RenamesContract):
    config = CONFIG

    def lobby_pushed(self) -> defer.Deferred[None]:
        """The server runs on the reactor: the push comes within the
        expectation's waits."""
        return self.wait()

    @defer.inlineCallbacks
    def test_a_deleted_rooms_former_name_is_free_before_its_last_step(
        self,
    ) -> Generator[Any, Any, None]:
        """tea renamed chai, then deleted: bob heard ``DELETED`` while the
        deletion's last step (``UNLIST``, the server's indexes) has not
        run yet, and his ``/create tea`` at once makes a new tea (the
        former name leads to no room), not ``ROOM_EXISTS``."""
        alice, bob = yield self.owned_tea()
        alice.say("/rename chai")
        yield self.expect(bob, "RENAMED tea chai alice")
        calls = cast(Any, self.server.registry).backend.calls
        evaluate = calls.eval
        unlisting: defer.Deferred[None] = defer.Deferred()

        async def held(script: Any, *args: Any, **options: Any) -> Any:
            if script is scripts.UNLIST:
                await unlisting
            return await evaluate(script, *args, **options)

        calls.eval = held
        self.addCleanup(delattr, calls, "eval")
        alice.say("/delete chai")
        yield self.expect(bob, "DELETED chai alice")
        bob.say("/create tea")
        self.assertEqual((yield self.expect(bob, "MEMBERS ")), "MEMBERS tea bob")
        unlisting.callback(None)


class RedisRegistryRenamesTests(RedisRegistryTestCase, RedisRenames):
    pass


class RedisClusterRenamesTests(OneServerClusterRegistryTestCase, RedisRenames):
    """A Redis Cluster whose rooms' keys are in the prefix's slot."""


class RoomsApartRenamesTests(RoomsApartRegistryTestCase, RedisRenames):
    """Each room in a slot of its own: a rename is journalled steps, and
    what members see is the same (every key where the layout puts it
    after each test: no sealed key and no journal left)."""
