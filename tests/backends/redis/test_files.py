"""Uploaded files' metadata against the Redis registry.

The same tests as ``tests/backends/local/test_files.py``'s contract (see
``tests/backends/contracts/files.py``), with the metadata in a real redis-server.
"""

from __future__ import annotations

from twisted.internet import defer

from tests.backends.contracts.files import FilesContract, files_config
from tests.cluster.support import RedisRegistryTestCase


class RedisFilesTests(RedisRegistryTestCase, FilesContract):
    """Replies come once Redis has answered."""

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.config = files_config(self.files_directory())
        yield super().setUp()
