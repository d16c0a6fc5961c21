"""Pastes (issue 22) against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.paste import PasteContract
from tests.cluster.support import RedisRegistryTestCase


class RedisRegistryPasteTests(RedisRegistryTestCase, PasteContract):
    """A paste is said once Redis has answered, as any message."""

    config = CONFIG
