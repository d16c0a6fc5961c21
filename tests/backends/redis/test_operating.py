"""The operator's commands (chatroom-admin) against the Redis registry (a
real redis-server): a lock ends the account's session on every node."""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.handler_contract import CONFIG
from tests.operating_contract import OperatingContract


class RedisRegistryOperatingTests(RedisRegistryTestCase, OperatingContract):
    """Answers come once Redis has answered."""

    config = CONFIG
