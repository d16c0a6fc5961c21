"""Renaming a room against the Redis registry (a real redis-server).

The contract's cases where every key is in one slot (one Redis; a Redis
Cluster with the rooms with the rest), where a rename is one script; with
each room in a slot of its own the old keys and the new are in two slots,
and a rename is refused (``NOT_SUPPORTED``) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.handler import CONFIG, ContractBase
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


class RedisRegistryRenamesTests(RedisRegistryTestCase, RedisRenames):
    pass


class RedisClusterRenamesTests(OneServerClusterRegistryTestCase, RedisRenames):
    """A Redis Cluster whose rooms' keys are in the prefix's slot."""


class RoomsApartRenameRefusedTests(RoomsApartRegistryTestCase, ContractBase):
    config = CONFIG

    @defer.inlineCallbacks
    def test_a_rename_is_refused_and_changes_nothing(
        self,
    ) -> Generator[Any, Any, None]:
        """The owner's ``/rename`` is ``NOT_SUPPORTED``; nobody hears
        ``RENAMED``; tea talks on as tea and no room chai appears."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        yield self.refusal(alice, "/rename chai", "NOT_SUPPORTED")
        self.assertEqual(bob.take("RENAMED "), None)
        bob.say("hello")
        self.assertRegex((yield self.expect(alice, "MSG ")), r"^MSG tea bob \S+ hello$")
        carol = yield self.connect("carol")
        yield self.refusal(carol, "/join chai", "NO_SUCH_ROOM")
