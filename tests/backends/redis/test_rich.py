"""Messages with a life (issue 22) against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.handler_contract import CONFIG
from tests.rich_contract import RichContract


class RedisRegistryRichTests(RedisRegistryTestCase, RichContract):
    """Replies come once Redis has answered."""

    config = CONFIG
