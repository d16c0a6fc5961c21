"""Changes of messages said before, their premises failing, on a real
redis-server: the ``AMEND``, ``REACT`` and ``KEEP`` scripts check them."""

from __future__ import annotations

from tests.backends.contracts.message_premises import MessagePremisesContract
from tests.backends.contracts.say_premises import CONFIG
from tests.cluster.support import RedisRegistryTestCase


class RedisMessagePremisesTests(RedisRegistryTestCase, MessagePremisesContract):
    """Replies come once Redis has answered."""

    config = CONFIG
