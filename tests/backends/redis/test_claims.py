"""A name's claim against the Redis back-end on a real redis-server
(``tests/backends/contracts/claims.py``): ``CLAIM`` checks the claim's
premises before it gives the name, and a refusal brings the claim's facts
as it found them, on which the core decides again."""

from __future__ import annotations

from tests.backends.contracts.claims import CONFIG, ClaimsContract
from tests.cluster.support import RedisRegistryTestCase


class RedisClaimsTests(RedisRegistryTestCase, ClaimsContract):
    """Replies come once Redis has answered."""

    config = CONFIG
    presence_kept = frozenset({"ivy", "ian"})
