"""Messages to a room's operators (IRC ``STATUSMSG``) against the Redis
registry (a real redis-server): the audience travels with the event, and
each node's fan-out keeps to it."""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.handler_contract import CONFIG
from tests.operators_contract import OperatorsContract


class RedisRegistryOperatorsTests(RedisRegistryTestCase, OperatorsContract):
    """Deliveries come once Redis has answered."""

    config = CONFIG
