"""Pastes (issue 22) against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.handler_contract import CONFIG
from tests.paste_contract import PasteContract


class RedisRegistryPasteTests(RedisRegistryTestCase, PasteContract):
    """A paste is said once Redis has answered, as any message."""

    config = CONFIG
