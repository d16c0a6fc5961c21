"""Server bans as decided changes against the Redis back-end on a real
redis-server (``tests/backends/contracts/server_bans.py``): the premises
are checked by the one script that stores the bans and starts the ends of
the sessions they cover, before anything is written."""

from __future__ import annotations

from tests.backends.contracts.server_bans import CONFIG, ServerBanChangesContract
from tests.cluster.support import RedisRegistryTestCase


class RedisServerBanChangesTests(RedisRegistryTestCase, ServerBanChangesContract):
    """Replies come once Redis has answered."""

    config = CONFIG
