"""Joins, creates and leaves against the Redis back-end on a real
redis-server (``tests/backends/entries_contract.py``): a premise is checked
by the script that applies the change, and a refusal brings the room's
seating, on which the core decides again."""

from __future__ import annotations

from tests.backends.entries_contract import CONFIG, EntriesContract
from tests.cluster.support import RedisRegistryTestCase


class RedisEntriesTests(RedisRegistryTestCase, EntriesContract):
    """Replies come once Redis has answered."""

    config = CONFIG
