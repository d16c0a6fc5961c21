"""The command-handler contract against the Redis registry (a real redis-server).

The same tests as ``tests/test_handlers.py`` (see
``tests/handler_contract.py``), with the server's registry in Redis: what
users see must not depend on where names and rooms live.
"""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.handler_contract import CONFIG, HandlerContract


class RedisRegistryHandlerTests(RedisRegistryTestCase, HandlerContract):
    """Replies come once Redis has answered."""

    config = CONFIG
