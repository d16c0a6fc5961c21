"""Messages to a room's operators (IRC ``STATUSMSG``) against the Redis
registry (a real redis-server): the audience travels with the event, and
each node's fan-out keeps to it."""

from __future__ import annotations

from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.operators import OperatorsContract
from tests.cluster.support import RedisRegistryTestCase


class RedisRegistryOperatorsTests(RedisRegistryTestCase, OperatorsContract):
    """Deliveries come once Redis has answered."""

    config = CONFIG
