"""Messages with a life (issue 22) with the in-process registry, and tags."""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.config import ServerConfig
from chatroom.core.events import (
    Event,
    format_tags,
    from_line,
    parse_tags,
    to_id_line,
    to_rich_line,
)
from chatroom.wiring.registries import local_registry
from chatroom.wiring.server import ChatServer
from tests.handler_contract import CONFIG
from tests.rich_contract import RichContract
from tests.support import FakeClient, in_place


class LocalRegistryRichTests(RichContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = ChatServer(CONFIG, clock=self.clock)


class TagTests(unittest.TestCase):
    """Tags are escaped as IRCv3 message tags are, and read back."""

    def test_escaping_round_trips(self) -> None:
        """``;``, spaces, backslashes, CR and LF survive the ``@ID;tags`` prefix."""
        tags = (("reply", "12"), ("odd", "a;b c\\d\r\ne"), ("flag", ""))
        text = format_tags(tags)
        self.assertEqual(text, "reply=12;odd=a\\:b\\sc\\\\d\\r\\ne;flag")
        self.assertEqual(parse_tags(text), tags)

    def test_rich_line_and_its_reading(self) -> None:
        """A tagged event: rich clients see the tags, ids clients the id only,
        and a node reading the rich line back gets the same event."""
        event = Event("MSG", ("tea", "bob", "T"), "hi there", "7", (("reply", "3"),))
        self.assertEqual(to_rich_line(event), b"@7;reply=3 MSG tea bob T hi there\r\n")
        self.assertEqual(to_id_line(event), b"@7 MSG tea bob T hi there\r\n")
        read = from_line(to_rich_line(event))
        self.assertEqual((read.id, read.tags), ("7", (("reply", "3"),)))
        self.assertEqual(to_id_line(read), to_id_line(event))


class RichStoreTests(unittest.TestCase):
    """A reply's tag is kept in the ``--db`` file across a restart."""

    def test_reply_tag_survives_a_restart(self) -> None:
        """After a crash, a rich joiner's history still says what answered what."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        path = os.path.join(directory, "chat.sqlite3")
        clock = Clock()
        config = ServerConfig(rate=0, history=5, retention=50)

        def start() -> ChatServer:
            store = SqliteStore(path, clock, in_place, config.retention)
            self.addCleanup(store.db.close)
            return ChatServer(config, clock, local_registry(config, clock, store))

        alice = FakeClient(start())
        for line in ("alice", "/caps rich", "/create tea", "first", "/reply 1 second"):
            alice.send(line)
        clock.advance(FLUSH_INTERVAL)
        bob = FakeClient(start())
        for line in ("bob", "/caps rich", "/join tea"):
            bob.send(line)
        history = [line for line in bob.received() if line.startswith("@")]
        self.assertEqual([line.split(" ", 2)[:2] for line in history],
                         [["@1", "HISTORY"], ["@2;reply=1", "HISTORY"]])  # fmt: skip
