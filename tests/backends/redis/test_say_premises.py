"""A message's and a read marker's premises, on a real redis-server: the
``SAY`` and ``ADVANCE`` scripts check them."""

from __future__ import annotations

from tests.backends.contracts.say_premises import CONFIG, SayPremisesContract
from tests.cluster.support import RedisRegistryTestCase


class RedisSayPremisesTests(RedisRegistryTestCase, SayPremisesContract):
    """Replies come once Redis has answered."""

    config = CONFIG
