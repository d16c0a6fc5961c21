"""Many devices per account and remembered rooms against the Redis registry.

The same tests as ``tests/test_devices.py`` (see ``tests/devices_contract.py``),
with names, rooms, accounts and their remembered rooms in a real redis-server.
"""

from __future__ import annotations

from tests.cluster.support import RedisRegistryTestCase
from tests.devices_contract import CONFIG, DevicesContract


class RedisDevicesTests(RedisRegistryTestCase, DevicesContract):
    """Replies come once Redis has answered."""

    config = CONFIG
