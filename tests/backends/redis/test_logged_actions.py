"""Moderation actions logged in their own change, against the Redis registry
(a real redis-server)."""

from __future__ import annotations

from tests.backends.contracts.logged_actions import CONFIG, LoggedActionsContract
from tests.cluster.support import RedisRegistryTestCase


class RedisLoggedActionsTests(RedisRegistryTestCase, LoggedActionsContract):
    config = CONFIG
