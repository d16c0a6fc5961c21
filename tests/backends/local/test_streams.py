"""A bot's event streams in one process: the contract, and a restart (the
death of the one node) that frees every place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Generator
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import SqliteStore
from tests.backends.contracts.streams import (
    STREAMS_CONFIG,
    StreamsContract,
    counted,
    opened,
)
from tests.support import in_place, local_server


class LocalStreamsTests(StreamsContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(STREAMS_CONFIG, self.clock)

    @defer.inlineCallbacks
    def test_a_restart_frees_every_place(self) -> Generator[Any, Any, None]:
        """A server on a ``--db`` file with the bot's two streams open
        stops (its connections, the streams, go with it); the next one on
        the file counts none, and opens two."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        path = os.path.join(directory, "chat.sqlite3")

        def start():  # a server on the file
            store = SqliteStore(path, self.clock, in_place, STREAMS_CONFIG.retention)
            self.addCleanup(store.db.close)
            return local_server(STREAMS_CONFIG, self.clock, store)

        first = start()
        yield opened(first)
        yield opened(first)
        yield self.refused(first)
        first.stop()
        second = start()
        self.assertEqual((yield counted(second)), 0)
        yield opened(second)
        yield opened(second)
        yield self.refused(second)
