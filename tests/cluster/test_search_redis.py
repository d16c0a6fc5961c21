"""``/search`` in cluster mode: refused, plainly, until it has an engine.

Cluster mode has no full-text index yet (``docs/scaling.md``, *Search*):
a search answers ``ERR UNAVAILABLE`` saying so, and nothing else changes.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from tests.cluster.support import RedisRegistryTestCase
from tests.handler_contract import ContractBase
from tests.search_contract import SEARCH_CONFIG


class RedisRegistrySearchTests(RedisRegistryTestCase, ContractBase):
    """A real redis-server behind the registry."""

    config = SEARCH_CONFIG

    @defer.inlineCallbacks
    def test_search_is_refused_in_cluster_mode(self) -> Generator[Any, Any, None]:
        """``/search`` says it is not available in cluster mode; a bad
        search is still ``BAD_ARGS``; the room goes on as before."""
        alice, bob = yield self.in_room("tea", "alice", "bob")
        alice.say("hello")
        yield self.expect(bob, "MSG tea alice ")
        alice.say("/search hello")
        line = yield self.expect(alice, "ERR ")
        self.assertEqual(
            line,
            "ERR UNAVAILABLE /search is not available in cluster mode (--redis) yet",
        )
        alice.say("/search")
        self.assertRegex((yield self.expect(alice, "ERR ")), "^ERR BAD_ARGS ")
        alice.say("still talking")
        self.assertRegex((yield self.expect(bob, "MSG tea alice ")), " still talking$")
