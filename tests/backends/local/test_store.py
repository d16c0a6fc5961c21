"""The SQLite store under the in-process registry: what survives a restart.

Each test runs a server on a ``task.Clock`` with a :class:`SqliteStore` in
a temporary directory whose writer runs in place (no thread), "restarts" it
by building a second server on the same file, and looks at what users see.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import replace

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import (
    FLUSH_INTERVAL,
    MemoryStore,
    SqliteStore,
    open_store,
)
from chatroom.core.config import ServerConfig
from chatroom.core.events import (
    Message,
    PrivateTagMessage,
    Reaction,
    Redacted,
    TagMessage,
    TopicChanged,
)
from chatroom.doors.base.hub import DoorHub
from chatroom.doors.irc.protocol import IRCFactory
from chatroom.wire.lines import parse_event
from tests.doors.irc.test_irc import IRCClient
from tests.support import FakeClient, in_place, local_server

CONFIG = ServerConfig(rate=0, history=2, resume_bound=3, retention=8, grace=300)


class StoreTests(unittest.TestCase):
    """Rooms, owners, topics and history come back after a restart."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.sqlite3")
        self.clock = Clock()
        self.server = self.start()

    def start(self, config: ServerConfig = CONFIG) -> DoorHub:
        store = SqliteStore(self.path, self.clock, in_place, config.retention)
        self.addCleanup(store.db.close)
        return local_server(config, self.clock, store)

    def user(self, name: str, server: DoorHub | None = None) -> FakeClient:
        client = FakeClient(server or self.server)
        client.send(name)
        client.received()
        return client

    def restart(self, config: ServerConfig = CONFIG) -> DoorHub:
        """Crash (nothing closed, only what was flushed counts) and start."""
        self.clock.advance(FLUSH_INTERVAL)
        self.server = self.start(config)
        return self.server

    def test_rooms_topics_owners_and_history_survive(self) -> None:
        """After a crash the room is listed with its topic; its owner owns
        it again on rejoining and a joiner sees its history."""
        alice = self.user("alice")
        alice.send("/create tea")
        alice.send("/topic oolong")
        for text in ("one", "two", "three"):
            alice.send(text)
        dave = self.user("dave")
        dave.send("/join general")
        dave.send("in general")
        self.restart()
        bob = self.user("bob")
        bob.send("/list")
        self.assertIn("ROOM tea 0 256 oolong", bob.received())
        bob.send("/join tea")
        lines = bob.received()
        self.assertEqual([parse_event(x).text for x in lines[2:4]], ["two", "three"])
        self.assertEqual(lines[-1], "TOPIC tea alice oolong")
        dave = self.user("dave")
        dave.send("/join general")
        self.assertIn("in general", dave.received()[-1])
        alice = self.user("alice")
        alice.send("/join tea")
        alice.send("/who")
        self.assertEqual(alice.received()[-1], "OWNER tea alice")

    def test_room_and_topic_times_survive(self) -> None:
        """When a room was made and who set its topic when (IRC's 329 and
        333) are the same after a restart, and the topic change is still in
        the room's history (IRC's event playback); a room made since is
        stamped with its own time."""
        self.clock.advance(1_000_000)
        alice = self.user("alice")
        alice.send("/create tea")
        self.clock.advance(60)
        alice.send("/topic oolong")
        self.restart()
        self.clock.advance(5)
        bob = self.user("bob")
        bob.send("/create coffee")
        details = self.server.registry.rooms.room_details
        tea = self.successResultOf(defer.ensureDeferred(details("tea")))
        self.assertEqual((tea.created_at, tea.topic_at), (1_000_000, 1_000_060))
        self.assertEqual(tea.topic_by, "alice")
        coffee = self.successResultOf(defer.ensureDeferred(details("coffee")))
        self.assertEqual((coffee.created_at, coffee.topic_at), (1_000_065, 0))
        bob.send("/join tea")
        kept = self.server.registry.messages.room_history(bob.protocol, "tea", 10)
        (change,) = self.successResultOf(defer.ensureDeferred(kept))
        self.assertEqual(
            change,
            TopicChanged("tea", "alice", "oolong", "1970-01-12T13:47:40.000Z", "1"),
        )

    def test_a_kept_tagmsg_survives(self) -> None:
        """An IRC client's TAGMSG of its own tags is in the room's history
        after a restart, with its tags, time and id (IRC's event playback
        plays it back with the msgid its echo had)."""
        self.clock.advance(1_000_000)
        ian = IRCClient(IRCFactory(self.server))
        ian.send("CAP REQ :message-tags", "NICK ian", "USER i 0 * :I", "CAP END")
        ian.send("JOIN #tea", "@+x/tag=a\\sb;+draft/persist TAGMSG #tea")
        self.restart()
        bob = self.user("bob")
        bob.send("/join tea")
        kept = self.server.registry.messages.room_history(bob.protocol, "tea", 10)
        (tags,) = self.successResultOf(defer.ensureDeferred(kept))
        said = (("+x/tag", "a b"), ("+draft/persist", ""))
        stamp = "1970-01-12T13:46:40.000Z"
        self.assertEqual(tags, TagMessage("tea", "ian", said, stamp, "1"))

    def test_a_reaction_and_a_deletion_keep_their_time(self) -> None:
        """A reaction and a deletion are in the room's history after a
        restart with the time the server accepted each."""
        self.clock.advance(1_000_000)
        alice = self.user("alice")
        for line in ("/create tea", "hello", "bye", "/react 1 x"):
            alice.send(line)
        self.clock.advance(2)
        alice.send("/redact 2")
        self.restart()
        bob = self.user("bob")
        bob.send("/join tea")
        kept = self.server.registry.messages.room_history(bob.protocol, "tea", 10)
        reaction, deletion = self.successResultOf(defer.ensureDeferred(kept))[-2:]
        stamp = "1970-01-12T13:46:40.000Z"
        said = Reaction(
            "tea",
            "1",
            "alice",
            "x",
            time=stamp,
            quoted_user="alice",
            quoted_text="hello",
            id="3",
        )
        self.assertEqual(reaction, said)
        later = "1970-01-12T13:46:42.000Z"
        self.assertEqual(
            deletion,
            Redacted(
                "tea",
                "2",
                "alice",
                time=later,
                quoted_user="alice",
                quoted_time=stamp,
                id="4",
            ),
        )

    def test_a_reply_and_its_notes_keep_their_quotes(self) -> None:
        """After a restart a reply still carries whom it answers and that
        message's first words, and a reaction and a deletion what they
        concern: an IRC client without tags joining then reads the reply as
        ``alice: “who has the scones?” → ...`` (the page and the terminal
        draw the same quote from the history)."""
        self.clock.advance(1_000_000)
        alice, bob = self.user("alice"), self.user("bob")
        alice.send("/create tea")
        bob.send("/join tea")
        for client, line in (
            (alice, "who has the scones?"),
            (alice, "a slip"),
            (bob, "/reply 1 yes, in the blue tin"),
            (bob, "/react 1 x"),
            (alice, "/redact 2"),
        ):
            client.send(line)
        self.restart(replace(CONFIG, history=10))
        carol = self.user("carol")
        carol.send("/join tea")
        kept = self.server.registry.messages.room_history(carol.protocol, "tea", 10)
        events = self.successResultOf(defer.ensureDeferred(kept))
        (reply,) = [
            e for e in events if isinstance(e, Message) and e.text.endswith("tin")
        ]
        self.assertEqual(
            (reply.quoted_user, reply.quoted_text), ("alice", "who has the scones?")
        )
        (reaction,) = [e for e in events if isinstance(e, Reaction)]
        self.assertEqual(
            (reaction.quoted_user, reaction.quoted_text),
            ("alice", "who has the scones?"),
        )
        (deletion,) = [e for e in events if isinstance(e, Redacted)]
        stamp = "1970-01-12T13:46:40.000Z"
        self.assertEqual((deletion.quoted_user, deletion.quoted_time), ("alice", stamp))
        ian = IRCClient(IRCFactory(self.server))
        ian.send("NICK ian", "USER i 0 * :I", "JOIN #tea")
        (replayed,) = [line for line in ian.received() if "blue tin" in line]
        quoted = "alice: “who has the scones?” → yes, in the blue tin"
        self.assertIn(quoted, replayed)

    def test_a_kept_private_tagmsg_survives(self) -> None:
        """A TAGMSG to an account is kept in the conversation, which after
        a restart still holds it as tags (not as a message without text),
        with its time and its id there."""
        self.clock.advance(1_000_000)
        alice = self.user("alice")
        alice.send("/register horse-battery-staple")
        ian = IRCClient(IRCFactory(self.server))
        ian.send("CAP REQ :message-tags", "NICK ian", "USER i 0 * :I", "CAP END")
        ian.send("@+x/tag=1 TAGMSG alice")
        self.restart()
        again = FakeClient(self.server)
        again.send("/login alice horse-battery-staple")
        kept = self.server.registry.messages.private_history(again.protocol, "ian", 10)
        (tags,) = self.successResultOf(defer.ensureDeferred(kept))
        stamp = "1970-01-12T13:46:40.000Z"
        said = PrivateTagMessage("ian", "alice", (("+x/tag", "1"),), stamp, "1")
        self.assertEqual(tags, said)

    def test_ids_go_on_after_a_restart(self) -> None:
        """A resume across a restart gets exactly what came after its id."""
        alice = self.user("alice")
        alice.send("/caps ids")
        alice.send("/create tea")
        alice.send("seen")
        last = alice.received()[-1].split()[0][1:]
        alice.send("missed")
        self.restart()
        bob = self.user("bob")
        bob.send("/join tea")
        bob.send("after")
        alice = self.user("alice")
        alice.send("/caps ids")
        alice.received()
        alice.send(f"/join tea since {last}")
        lines = alice.received()
        self.assertEqual([parse_event(x).text for x in lines[2:]], ["missed", "after"])
        ids = [int(x.split()[0][1:]) for x in lines[2:]]
        self.assertEqual(ids, [int(last) + 1, int(last) + 2])

    def test_gap_counts_what_is_left_out(self) -> None:
        """More missed than the bound: ``GAP room count``, then the newest."""
        alice = self.user("alice")
        alice.send("/create tea")
        for n in range(1, 7):
            alice.send(f"m{n}")
        bob = self.user("bob")
        bob.send("/join tea since 1")
        lines = bob.received()
        self.assertEqual(lines[2], "GAP tea 2")
        self.assertEqual([parse_event(x).text for x in lines[3:]], ["m4", "m5", "m6"])

    def test_history_reads_the_disk_past_memory(self) -> None:
        """``/history`` further back than memory holds reads the store."""
        alice = self.user("alice")
        alice.send("/create tea")
        for n in range(1, 9):
            alice.send(f"m{n}")
        alice.received()
        alice.send("/history 6 before 4")
        lines = alice.received()
        self.assertEqual([parse_event(x).text for x in lines[:-1]], ["m1", "m2", "m3"])
        self.assertEqual(lines[-1], "HISTORY_END tea 3")

    def test_retention_keeps_the_newest(self) -> None:
        """Past ``--retention`` the oldest events are deleted from disk."""
        alice = self.user("alice")
        alice.send("/create tea")
        for n in range(1, 13):
            alice.send(f"m{n}")
        self.clock.advance(FLUSH_INTERVAL)
        db = sqlite3.connect(self.path)
        self.addCleanup(db.close)
        ids = [row[0] for row in db.execute("SELECT id FROM events ORDER BY id")]
        self.assertEqual(ids, list(range(5, 13)))
        alice.send("/history 200")
        self.assertEqual(alice.received()[-1], "HISTORY_END tea 8")

    def test_retention_age(self) -> None:
        """With ``--retention-age``, events older than that are deleted, from
        memory too: a resume from before them has a gap."""
        store = SqliteStore(self.path, self.clock, in_place, 100)
        self.addCleanup(store.db.close)
        server = local_server(replace(CONFIG, retention_age=60), self.clock, store)
        alice = self.user("alice", server)
        alice.send("/create tea")
        alice.send("old")
        self.clock.advance(61)
        alice.send("new")
        self.clock.advance(FLUSH_INTERVAL)
        db = sqlite3.connect(self.path)
        self.addCleanup(db.close)
        self.assertEqual([r[0] for r in db.execute("SELECT text FROM events")], ["new"])
        alice.send("/history 10")
        lines = alice.received()
        self.assertEqual([parse_event(x).text for x in lines[-2:-1]], ["new"])
        self.assertEqual(lines[-1], "HISTORY_END tea 1")
        bob = self.user("bob", server)
        bob.send("/join tea since 0")
        self.assertEqual(bob.received()[2:], ["GAP tea ?", lines[-2]])

    def test_restored_room_waits_for_its_members(self) -> None:
        """A restored room nobody rejoins goes after the grace period; one
        that was rejoined stays; emptied later, it goes at once."""
        for name, room in (("alice", "tea"), ("bob", "cake")):
            client = self.user(name)
            client.send(f"/create {room}")
        self.restart()
        carol = self.user("carol")
        carol.send("/join cake")
        self.clock.advance(CONFIG.grace)
        carol.send("/list")
        listed = [
            line.split()[1] for line in carol.received() if line.startswith("ROOM ")
        ]
        self.assertEqual(listed, ["general", "cake"])
        carol.send("/who")
        self.assertEqual(carol.received()[-1], "OWNER cake carol")
        carol.send("/leave")
        self.assertNotIn("ROOM cake 0 256", carol.received())

    def test_emptied_room_goes_from_the_store(self) -> None:
        """In normal operation a room emptied goes at once, store included."""
        alice = self.user("alice")
        alice.send("/create tea")
        alice.send("hello")
        alice.send("/leave")
        self.restart()
        bob = self.user("bob")
        bob.send("/join tea")
        self.assertTrue(bob.received()[-1].startswith("ERR NO_SUCH_ROOM"))

    def test_shutdown_keeps_every_room(self) -> None:
        """A graceful shutdown empties rooms without removing them."""
        alice = self.user("alice")
        alice.send("/create tea")
        self.server.stop()
        alice.protocol.close("server shutting down")
        self.successResultOf(self.server.detach())
        self.server = self.start()
        bob = self.user("bob")
        bob.send("/join tea")
        self.assertTrue(bob.received()[0].startswith("JOINED tea 1"))

    def test_read_markers_survive_a_restart(self) -> None:
        """An account's read marker is where it was after a crash; a
        ``multi`` session hears it when it joins the room again."""
        alice = self.user("alice")
        alice.send("/register horse-battery-staple")
        alice.send("/caps ids multi")
        alice.send("/create tea")
        alice.send("one")
        alice.send("two")
        first = alice.received()[-2].split()[0][1:]
        alice.send(f"/read tea {first}")
        self.assertEqual(alice.received(), [f"READ tea {first}"])
        self.restart()
        again = FakeClient(self.server)
        again.send("/login alice horse-battery-staple")
        again.send("/caps multi")
        again.send("/join tea")
        again.send("/unread")
        lines = again.received()
        self.assertIn(f"READ tea {first}", lines)
        self.assertEqual(lines[-2:], ["UNREAD tea 1 0", "UNREAD_END"])

    def test_sent_positions_follow_a_rename_and_a_deletion_across_a_restart(
        self,
    ) -> None:
        """alice's IRC sent positions in tea and cafe: tea renamed chai
        keeps its own as chai's after a crash; cafe deleted has none."""
        alice = self.user("alice")
        alice.send("/register horse-battery-staple")
        for line in ("/create tea", "/create cafe", "/join tea"):
            alice.send(line)
        users = self.server.registry.users
        kept = users.keep_sent("alice", "irc", {"tea": 4, "cafe": 2})
        self.successResultOf(defer.ensureDeferred(kept))
        alice.send("/rename chai more spice")
        alice.send("/delete cafe")
        self.restart()
        state = self.server.registry.users.door_state("alice", "irc")
        self.assertEqual(
            self.successResultOf(defer.ensureDeferred(state)).sent, {"chai": 4}
        )


class MarkerTableTests(unittest.TestCase):
    """A file made before read markers gains their table when opened."""

    def test_an_older_file_gains_the_table(self) -> None:
        """The ``read_markers`` table is made on a file without it, and
        markers written there load again, the last one written (the
        back-end checks that a marker moves forward before it writes)."""
        path = os.path.join(tempfile.mkdtemp(), "old.sqlite3")
        self.addCleanup(shutil.rmtree, os.path.dirname(path))
        old = sqlite3.connect(path)
        old.executescript(
            "CREATE TABLE accounts (key TEXT PRIMARY KEY, name TEXT NOT NULL, "
            "hash TEXT NOT NULL);"
        )
        old.close()
        clock = Clock()
        store = SqliteStore(path, clock, in_place, 10)
        store.save_marker("alice", "tea", 3)
        store.save_marker("alice", "tea", 7)
        self.successResultOf(store.close())
        store = SqliteStore(path, clock, in_place, 10)
        self.addCleanup(store.db.close)
        self.assertEqual(store.load_markers(), [("alice", "tea", 7)])


class OpenStoreTests(unittest.TestCase):
    """``--db``: a file, or nothing kept."""

    def test_memory(self) -> None:
        """``:memory:`` keeps nothing."""
        self.assertIsInstance(open_store(":memory:", Clock(), 10), MemoryStore)

    def test_file(self) -> None:
        """A path opens (and creates) an SQLite file."""
        path = os.path.join(tempfile.mkdtemp(), "x.sqlite3")
        store = open_store(path, Clock(), 10, run=in_place)
        self.addCleanup(os.remove, path)
        self.assertIsInstance(store, SqliteStore)
        self.successResultOf(store.close())
        self.assertTrue(os.path.exists(path))
