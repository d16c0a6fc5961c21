"""The rooms-apart contracts on a Redis Cluster of three primaries.

The classes of ``tests/cluster/test_rooms_apart.py``, each room's keys and
channel on the primary serving its slot and every call routed there
(:mod:`chatroom.backends.redis.routing`), switched to the shared cluster
of three primaries by :class:`~tests.cluster.redis_cluster.OnThreePrimaries`.
"""

from __future__ import annotations

from tests.cluster import test_moderation_redis
from tests.cluster import test_rooms_apart as apart
from tests.cluster.redis_cluster import OnThreePrimaries


class ThreePrimariesHandlerTests(OnThreePrimaries, apart.RoomsApartHandlerTests):
    pass


class ThreePrimariesModerationTests(OnThreePrimaries, apart.RoomsApartModerationTests):
    pass


class ThreePrimariesPrivateTests(OnThreePrimaries, apart.RoomsApartPrivateTests):
    pass


class ThreePrimariesMultiTests(OnThreePrimaries, apart.RoomsApartMultiTests):
    pass


class ThreePrimariesOperatingTests(OnThreePrimaries, apart.RoomsApartOperatingTests):
    pass


class ThreePrimariesReactionTests(OnThreePrimaries, apart.RoomsApartReactionTests):
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
    OnThreePrimaries, test_moderation_redis.RoomsApartTargetTests
):
    pass
