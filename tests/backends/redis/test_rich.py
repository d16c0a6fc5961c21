"""Messages with a life (issue 22) against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.rich import RichContract
from tests.cluster.support import RedisRegistryTestCase


class RedisRegistryRichTests(RedisRegistryTestCase, RichContract):
    """Replies come once Redis has answered."""

    config = CONFIG
