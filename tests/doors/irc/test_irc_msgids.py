"""IRC ``msgid``\\ s (``chatroom/doors/irc/msgids.py``): unique across rooms,
store lifetimes and restarts, and read back wherever a client names one.

The line door's ids stay as they are (a room's events count from 1); the
IRC door's ``msgid`` of event ID is ``EPOCH-ROOM-ID``. These tests check
the mapping itself, and that a ``--db`` file keeps its epoch across a
restart (so a ``msgid`` a client kept still names its message) while a new
file or a server without one gets a new epoch. Both registries' rooms are
``tests/backends/contracts/msgid.py``'s; Redis's epoch is
``tests/backends/redis/test_msgids.py``'s.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.model.config import ServerConfig
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.irc.msgids import MsgIds, room_digest
from chatroom.doors.irc.protocol import IRCFactory
from tests.backends.contracts.msgid import CHATHISTORY_CAPS, MsgidContract
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_ircv3 import tags_of, untagged
from tests.support import NOW, FakeClient, in_place, local_server

CONFIG = ServerConfig(rate=0, history=5, rooms=())


class MsgIdsTests(unittest.TestCase):
    """The mapping both ways, on its own."""

    def test_room_and_epoch_make_every_msgid_unique(self) -> None:
        """Event 7 of two rooms, or of one room under two epochs, has two
        msgids; a room's name in another case is the same room."""
        ours, theirs = MsgIds(lambda: "0a1b2c3d4e"), MsgIds(lambda: "9f8e7d6c5b")
        self.assertEqual(ours.of("tea", 7), f"0a1b2c3d4e-{room_digest('tea')}-7")
        self.assertNotEqual(ours.of("tea", 7), ours.of("cafe", 7))
        self.assertNotEqual(ours.of("tea", 7), theirs.of("tea", 7))
        self.assertEqual(ours.of("Tea", 7), ours.of("tea", 7))
        for msgid in (ours.of("tea", 7), ours.of("ÄÖÜ", 12)):
            self.assertFalse(msgid.startswith(":"))
            self.assertNotIn(" ", msgid)

    def test_only_our_own_msgids_are_read_back(self) -> None:
        """A msgid is read back to its id in its own room and epoch only:
        another room's, another epoch's, a bare id or a mangled one name
        nothing."""
        epoch = ["0a1b2c3d4e"]
        msgids = MsgIds(lambda: epoch[0])
        msgid = msgids.of("tea", 42)
        self.assertEqual(msgids.event_id("tea", msgid), 42)
        self.assertEqual(msgids.event_id("TEA", msgid), 42)
        for wrong in (
            "42",
            msgids.of("cafe", 42),
            msgid + "x",
            msgid.replace("-42", "-042"),
            msgid.replace("-42", "-"),
            msgid.replace("-42", "-٤٢"),  # Arabic-Indic digits are digits too
            "p" + msgid,
            "",
        ):
            self.assertIsNone(msgids.event_id("tea", wrong), wrong)
        epoch[0] = "5b6c7d8e9f"  # the store's data was lost: a new epoch
        self.assertIsNone(msgids.event_id("tea", msgid))


class LocalMsgidTests(MsgidContract, unittest.TestCase):
    """The contract on the in-process registry: replies come at once."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.clock.advance(NOW)
        self.server = local_server(CONFIG, self.clock)


class MsgidsAcrossRestartsTests(unittest.TestCase):
    """A ``--db`` file's epoch is kept with its ids: msgids survive."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.directory = directory
        self.clock = Clock()
        self.clock.advance(NOW)

    def start(self, name: str = "chat.sqlite3") -> DoorHub:
        path = os.path.join(self.directory, name)
        store = SqliteStore(path, self.clock, in_place, 100)
        self.addCleanup(store.db.close)
        return local_server(CONFIG, self.clock, store)

    def history_ids(
        self, server: DoorHub, request: str, nick: str = "ian"
    ) -> list[tuple[str, str]]:
        """(msgid, text) of what ``CHATHISTORY request`` plays back to a new
        IRC client of ``server`` called ``nick``."""
        client = IRCClient(IRCFactory(server))
        client.send(f"CAP REQ :{CHATHISTORY_CAPS}", f"NICK {nick}", "USER i 0 * :I")
        client.send("CAP END", "JOIN #tea")
        client.received()
        client.send(f"CHATHISTORY {request}")
        lines = client.received()[1:-1]  # inside the batch
        return [(tags_of(x)["msgid"], untagged(x).split(" :", 1)[1]) for x in lines]

    def test_a_msgid_names_the_same_message_after_a_restart(self) -> None:
        """Messages said before a restart keep their msgids after it, and a
        msgid a client kept is still a CHATHISTORY reference."""
        server = self.start()
        lina = FakeClient(server)
        for line in ("lina", "/create tea", "one", "two", "three"):
            lina.send(line)
        before = self.history_ids(server, "LATEST #tea * 10")
        self.assertEqual([text for _, text in before], ["one", "two", "three"])
        self.clock.advance(FLUSH_INTERVAL)
        again = self.start()
        self.assertEqual(again.registry.store_epoch, server.registry.store_epoch)
        self.assertEqual(self.history_ids(again, "LATEST #tea * 10"), before)
        two = before[1][0]
        self.assertEqual(
            self.history_ids(again, f"BEFORE #tea msgid={two} 10", "ivy"), before[:1]
        )

    def test_a_new_file_or_no_file_is_a_new_epoch(self) -> None:
        """A new ``--db`` file, whose ids start again, has an epoch of its
        own; so has each start of a server without one."""
        kept = self.start().registry.store_epoch
        self.assertEqual(len(kept), 10)
        self.assertNotEqual(self.start("other.sqlite3").registry.store_epoch, kept)
        memory = {local_server(CONFIG, self.clock).registry.store_epoch for _ in "ab"}
        self.assertEqual(len(memory), 2)
