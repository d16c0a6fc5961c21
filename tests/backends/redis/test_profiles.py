"""Profiles against the Redis registry (a real redis-server)."""

from __future__ import annotations

from tests.backends.contracts.profiles import ProfilesContract, profiles_config
from tests.cluster.support import RedisRegistryTestCase


class RedisProfilesTests(RedisRegistryTestCase, ProfilesContract):
    config = profiles_config()
