"""Every premise failing, on a real redis-server
(:class:`~chatroom.backends.redis.redis_backend.RedisBackend`): each checked
by the one interpreter of the scripts' prelude, ``premise_holds``
(``tests/backends/contracts/premise_matrix.py``)."""

from __future__ import annotations

from tests.backends.contracts.premise_matrix import CONFIG, PremiseMatrixContract
from tests.cluster.support import RedisRegistryTestCase


class RedisPremiseMatrixTests(RedisRegistryTestCase, PremiseMatrixContract):
    """Replies come once Redis has answered."""

    config = CONFIG
