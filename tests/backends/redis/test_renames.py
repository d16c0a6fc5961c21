"""Renaming a room against the Redis registry (a real redis-server): refused.

A room's keys stay under the name it was made with on a cluster (with
rooms apart, each room's keys hash to a slot of their own, by name), so
the Redis back-end answers a rename ``NOT_SUPPORTED`` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.handler import CONFIG, ContractBase
from tests.cluster.support import RedisRegistryTestCase


class RedisRenameRefusedTests(RedisRegistryTestCase, ContractBase):
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
