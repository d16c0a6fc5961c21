"""Uploaded files' metadata against the Redis registry.

The same tests as ``tests/backends/local/test_files.py``'s contract (see
``tests/backends/contracts/files.py``), with the metadata in a real redis-server.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer

from tests.backends.contracts.files import FilesContract, files_config
from tests.cluster.support import RedisRegistryTestCase


class RedisFilesTests(RedisRegistryTestCase, FilesContract):
    """Replies come once Redis has answered."""

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.config = files_config(self.files_directory())
        yield super().setUp()

    def test_removed_twice(self) -> Any:
        """Removing a file Redis no longer has answers None (no usage below 0)."""
        return defer.ensureDeferred(self._removed_twice())

    async def _removed_twice(self) -> None:
        await self.registered("alice")
        record = await self.uploaded("alice", b"x" * 5)
        self.assertEqual(await self.files.store.remove(record.id), record)
        self.assertIsNone(await self.files.store.remove(record.id))
        self.assertEqual(await self.files.store.usage("alice"), 0)
