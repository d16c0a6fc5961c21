"""Coming back shows the room, against the Redis back-end on a real
redis-server (``tests/backends/contracts/catch_up.py``)."""

from __future__ import annotations

from tests.backends.contracts.catch_up import CONFIG, CatchUpContract
from tests.cluster.support import RedisRegistryTestCase


class RedisCatchUpTests(RedisRegistryTestCase, CatchUpContract):
    """Replies come once Redis has answered."""

    config = CONFIG
