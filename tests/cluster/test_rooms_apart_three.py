"""The rooms-apart contracts on a Redis Cluster of three primaries.

The classes of ``tests/cluster/test_rooms_apart.py``, each room's keys and
channel on the primary serving its slot and every call routed there
(:mod:`chatroom.backends.redis.routing`), switched to the shared cluster
of three primaries by :class:`~tests.cluster.redis_cluster.OnThreePrimaries`.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from chatroom.backends.redis.routing import RoutedCalls
from chatroom.bench.servers import free_port
from chatroom.redisclient.slots import key_slot
from tests.backends.contracts import handler as handler_contract
from tests.backends.contracts.handler import ContractBase
from tests.backends.redis import test_moderation, test_renames
from tests.cluster import test_renames_apart
from tests.cluster import test_rooms_apart as apart
from tests.cluster.redis_cluster import (
    OnThreePrimaries,
    RoomsApartRegistryTestCase,
    emptied_three_primaries,
)
from tests.support import redis_backend, until


class ThreePrimariesHandlerTests(OnThreePrimaries, apart.RoomsApartHandlerTests):
    pass


class ThreePrimariesModerationTests(OnThreePrimaries, apart.RoomsApartModerationTests):
    pass


class ThreePrimariesLoggedActionsTests(
    OnThreePrimaries, apart.RoomsApartLoggedActionsTests
):
    pass


class ThreePrimariesPrivateTests(OnThreePrimaries, apart.RoomsApartPrivateTests):
    pass


class ThreePrimariesMultiTests(OnThreePrimaries, apart.RoomsApartMultiTests):
    pass


class ThreePrimariesOperatingTests(OnThreePrimaries, apart.RoomsApartOperatingTests):
    pass


class ThreePrimariesReactionTests(OnThreePrimaries, apart.RoomsApartReactionTests):
    pass


class ThreePrimariesRetentionTests(OnThreePrimaries, apart.RoomsApartRetentionTests):
    pass


class ThreePrimariesWebhookTests(OnThreePrimaries, apart.RoomsApartWebhookTests):
    pass


class ThreePrimariesNamesTests(OnThreePrimaries, apart.RoomsApartNamesTests):
    pass


class ThreePrimariesHalfDoneRoomTests(
    OnThreePrimaries, apart.RoomsApartHalfDoneRoomTests
):
    pass


class ThreePrimariesRoomStepsTests(OnThreePrimaries, apart.RoomsApartRoomStepsTests):
    pass


class ThreePrimariesResumeTests(OnThreePrimaries, apart.RoomsApartResumeTests):
    pass


class ThreePrimariesUserDataTests(OnThreePrimaries, apart.RoomsApartUserDataTests):
    pass


class ThreePrimariesEndingsTests(OnThreePrimaries, apart.RoomsApartEndingsTests):
    pass


class ThreePrimariesTargetTests(
    OnThreePrimaries, test_moderation.RoomsApartTargetTests
):
    pass


class ThreePrimariesRenamesTests(OnThreePrimaries, test_renames.RoomsApartRenamesTests):
    """Renames: the old room's steps on its primary, the new room's on
    its own, the server's on the server slot's."""


class ThreePrimariesTwoNodeRenameTests(
    OnThreePrimaries, test_renames_apart.RoomsApartTwoNodeRenameTests
):
    pass


class ThreePrimariesRenameCutShortTests(
    OnThreePrimaries, test_renames_apart.RenameCutShortTests
):
    pass


class ThreePrimariesSearchTests(apart.RoomsApartSearchTests):
    """Search's two nodes and PostgreSQL on the shared cluster of three
    primaries: each room's feed (``ROOM_FEED``) read on its own primary,
    the outbox (private conversations) on the server slot's; every key
    where the layout puts it, and the outbox unwritten, read on every
    primary."""

    @defer.inlineCallbacks
    def start_redis(self):
        self.cluster_ports = yield emptied_three_primaries()
        self.addCleanup(self.every_key_in_its_slot)  # once the nodes stopped


class ThreePrimariesRelinkTests(
    OnThreePrimaries, RoomsApartRegistryTestCase, ContractBase
):
    """A node whose links follow a changed map."""

    config = handler_contract.CONFIG

    @defer.inlineCallbacks
    def test_a_relink_that_only_stops_links_resumes_the_node(self) -> Any:
        """The node lost a link (it serves ``UNAVAILABLE``) while the map
        named a primary that cannot be reached (one killed, its
        replacement not yet told): the map asked again drops that primary,
        every link left serves, and none comes up to say so. The node
        resumes all the same, and serves."""
        backend = redis_backend(self.server)
        calls = backend.calls
        assert isinstance(calls, RoutedCalls) and calls.shards.map is not None
        gone = ("127.0.0.1", free_port())  # nothing listens there
        calls.shards.map.moved(key_slot("{chatroom/tea}:room"), gone)
        calls.shards._relink()  # links to it: refused, so the map is asked again
        calls.subscribers.on_down()  # a link lost, in the same turn
        self.assertFalse(backend.node.available)

        def served() -> defer.Deferred[bool]:
            links = calls.shards.links()
            return defer.succeed(gone not in links and backend.node.available)

        yield until(served, 10, "the unreachable primary left, the node serving")
        alice = yield self.connect("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea alice")
