"""Messages with a life (issue 22) with the in-process registry, and tags."""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.model import codec
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.events import Message
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.line.rendering import live_id_line, live_rich_line
from chatroom.wire.tags import format_tags, parse_pairs
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.rich import RichContract
from tests.support import FakeClient, in_place, local_server


class LocalRegistryRichTests(RichContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class EditWindowTests(unittest.TestCase):
    """``--edit-window`` on the injected clock."""

    def talk(self, config: ServerConfig) -> tuple[FakeClient, Clock]:
        clock = Clock()
        alice = FakeClient(local_server(config, clock))
        for line in ("alice", "/caps rich", "/create tea", "typo"):
            alice.send(line)
        alice.received()
        return alice, clock

    def test_edits_within_the_window_only(self) -> None:
        """An edit at the window's last second works; one a second later is
        refused, and nothing is sent."""
        alice, clock = self.talk(ServerConfig(rate=0, edit_window=60))
        clock.advance(60)
        alice.send("/edit 1 fixed")
        self.assertRegex(alice.received()[-1], r"^@2 EDIT tea 1 alice \S+ fixed$")
        clock.advance(0.001)
        alice.send("/edit 1 again")
        refusal = "messages may be edited for 60 seconds after they are sent"
        self.assertEqual(alice.received(), [f"ERR NOT_ALLOWED {refusal}"])

    def test_a_window_of_zero_turns_editing_off(self) -> None:
        """``--edit-window 0``: every edit is refused."""
        alice, _clock = self.talk(ServerConfig(rate=0, edit_window=0))
        alice.send("/edit 1 fixed")
        self.assertEqual(
            alice.received(), ["ERR NOT_ALLOWED editing is turned off on this server"]
        )


class TagTests(unittest.TestCase):
    """Tags are escaped as IRCv3 message tags are, and read back."""

    def test_escaping_round_trips(self) -> None:
        """``;``, spaces, backslashes, CR and LF survive the ``@ID;tags`` prefix."""
        tags = (("reply", "12"), ("odd", "a;b c\\d\r\ne"), ("flag", ""))
        text = format_tags(tags)
        self.assertEqual(text, "reply=12;odd=a\\:b\\sc\\\\d\\r\\ne;flag")
        self.assertEqual(parse_pairs(text), tags)

    def test_rich_line_and_its_reading(self) -> None:
        """A tagged event: rich clients see the tags, ids clients the id only,
        and a node reading the rich line back gets the same event."""
        event = Message("tea", "bob", "T", "hi there", tags=(("reply", "3"),), id="7")
        rich = b"@7;reply=3 MSG tea bob T hi there\r\n"
        self.assertEqual(live_rich_line(event), rich)
        self.assertEqual(live_id_line(event), b"@7 MSG tea bob T hi there\r\n")
        read = codec.decode_event(codec.encode(event))
        self.assertEqual(live_rich_line(read), rich)


class RichStoreTests(unittest.TestCase):
    """Tags, edits and redactions are kept in the ``--db`` file."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.sqlite3")
        self.clock = Clock()

    def start(self, history: int = 5) -> DoorHub:
        """A server on the file (a restart, when one ran before: a crash,
        since only what was flushed counts)."""
        self.clock.advance(FLUSH_INTERVAL)
        config = ServerConfig(rate=0, history=history, resume_bound=5, retention=50)
        store = SqliteStore(self.path, self.clock, in_place, config.retention)
        self.addCleanup(store.db.close)
        return local_server(config, self.clock, store)

    def test_edits_and_redactions_survive_a_restart(self) -> None:
        """After a crash, the edited message reads as edited and the redacted
        one is gone with its edit, for rich and plain joiners and for a
        /history that reaches past what memory holds."""
        alice = FakeClient(self.start(history=2))
        for line in ("alice", "/caps rich", "/create tea", "one", "two"):
            alice.send(line)
        for line in ("/edit 1 one!", "/edit 2 two!", "/redact 2 gone", "three"):
            alice.send(line)
        server = self.start(history=2)
        carol = FakeClient(server)
        for line in ("carol", "/caps rich", "/join tea", "/history 50"):
            carol.send(line)
        history = [line for line in carol.received() if line.startswith("@")]
        self.assertEqual(
            [line.split(" ", 2)[:2] for line in history[2:]],
            [["@1", "HISTORY"], ["@3", "EDIT"], ["@5", "REDACT"], ["@6", "HISTORY"]],
        )
        self.assertTrue(history[2].endswith(" one!"))
        bob = FakeClient(server)
        for line in ("bob", "/join tea", "/history 50"):
            bob.send(line)
        replay = [line for line in bob.received() if line.startswith("HISTORY ")]
        texts = [line.rsplit(" ", 1)[1] for line in replay]
        self.assertEqual(texts, ["three", "one!", "three"])  # welcome, /history

    def test_reply_tag_survives_a_restart(self) -> None:
        """After a crash, a rich joiner's history still says what answered what."""
        start = self.start
        alice = FakeClient(start())
        for line in ("alice", "/caps rich", "/create tea", "first", "/reply 1 second"):
            alice.send(line)
        bob = FakeClient(start())
        for line in ("bob", "/caps rich", "/join tea"):
            bob.send(line)
        history = [line for line in bob.received() if line.startswith("@")]
        self.assertEqual([line.split(" ", 2)[:2] for line in history],
                         [["@1", "HISTORY"], ["@2;reply=1", "HISTORY"]])  # fmt: skip
