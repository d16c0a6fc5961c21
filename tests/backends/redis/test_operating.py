"""The operator's commands (chatroom-admin) against the Redis registry (a
real redis-server): a lock ends the account's session on every node."""

from __future__ import annotations

from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.operating import OperatingContract
from tests.cluster.support import RedisRegistryTestCase


class RedisRegistryOperatingTests(RedisRegistryTestCase, OperatingContract):
    """Answers come once Redis has answered."""

    config = CONFIG
