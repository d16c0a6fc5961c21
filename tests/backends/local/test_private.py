"""Offline private messages and conversations against the in-process registry."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.moderation import PASSWORD
from tests.backends.contracts.private import CONFIG, PrivateContract
from tests.support import FakeClient, in_place, local_server


class LocalPrivateTests(PrivateContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class StoredPrivateTests(unittest.TestCase):
    """Conversations and kept messages in the ``--db`` file outlive a crash."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.sqlite3")
        self.clock = Clock()
        self.server = self.start()

    def start(self) -> DoorHub:
        config = replace(CONFIG, conversation_retention=3)
        store = SqliteStore(self.path, self.clock, in_place, config.retention)
        self.addCleanup(store.db.close)
        return local_server(config, self.clock, store)

    def restart(self) -> None:
        """Crash (only what was flushed counts) and start on the same file."""
        self.clock.advance(FLUSH_INTERVAL)
        self.server = self.start()

    def test_kept_and_conversation_survive_a_restart(self) -> None:
        """A message kept for absent alice reaches her first sign-in after a
        restart, once; the conversation pages back with the same ids, and
        keeps only its newest ``conversation_retention``."""
        alice = FakeClient(self.server)
        alice.send("alice")
        alice.send(f"/register {PASSWORD}")
        alice.send("/quit")
        bob = FakeClient(self.server)
        bob.send("bob")
        bob.send("/caps ids")
        for n in range(4):
            bob.send(f"/msg alice note {n}")
        lines = bob.received()
        sent = [x for x in lines if "PRIVMSG" in x]
        self.assertEqual([x.split()[0] for x in sent], ["@1", "@2", "@3"])
        self.assertTrue(lines[-1].startswith("ERR INBOX_FULL "), lines)
        self.restart()
        FakeClient(self.server).send("bob")  # bob is back too
        again = FakeClient(self.server)
        again.send("/caps ids")
        again.send(f"/login alice {PASSWORD}")
        self.assertEqual([x for x in again.received() if "PRIVMSG" in x], sent)
        again.send("/msg bob back now")
        (answer,) = again.received()  # bob's is his
        self.assertTrue(answer.startswith("@4 PRIVMSG alice bob "), answer)
        self.restart()
        third = FakeClient(self.server)
        third.send("/caps ids")
        third.send(f"/login alice {PASSWORD}")
        self.assertFalse([x for x in third.received() if "PRIVMSG" in x])
        third.send("/history @bob 10")
        self.assertEqual(third.received(), [*sent[1:], answer, "HISTORY_END @bob 3"])

    def test_a_deleted_message_stays_deleted(self) -> None:
        """bob deletes his second message to absent alice (IRC's ``REDACT``
        of a private message, :meth:`MessageService.redact_private`): after a
        restart it is neither delivered to her nor in the conversation, nor
        found by search; his first message is."""
        alice = FakeClient(self.server)
        for line in ("alice", f"/register {PASSWORD}", "/quit"):
            alice.send(line)
        bob = FakeClient(self.server)
        for line in ("bob", f"/register {PASSWORD}", "/msg alice first words"):
            bob.send(line)
        bob.send("/msg alice regret these words")
        registry = self.server.registry
        gone = self.successResultOf(
            defer.ensureDeferred(
                registry.messages.redact_private(bob.protocol, "alice", 2)
            )
        )
        self.assertEqual((gone.sender, gone.target), ("bob", "2"))
        self.restart()
        again = FakeClient(self.server)
        again.send(f"/login alice {PASSWORD}")
        self.assertEqual(
            [x.split(" ", 4)[-1] for x in again.received() if "PRIVMSG" in x],
            ["first words"],
        )
        again.send("/history @bob 10")
        self.assertEqual(again.received()[-1], "HISTORY_END @bob 1")
        again.send("/search words")
        found = [x for x in again.received() if x.startswith("FOUND ")]
        self.assertEqual([x.rsplit(" ", 2)[1:] for x in found], [["first", "words"]])
