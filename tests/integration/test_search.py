"""``/search`` on the real ``twistd chatroom`` over real sockets, with the
search index on its own thread: in memory (the default ``--db``) and in a
SQLite file, where it also survives a restart."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Generator
from typing import Any

from twisted.internet import defer, error, reactor
from twisted.trial import unittest

from tests.integration.test_twistd import spawn_twistd
from tests.support import connect_client


class SearchOverSocketsTests(unittest.TestCase):
    """A user finds what was said, newest first, and nothing of other rooms."""

    timeout = 60  # two servers start, on a machine that may be loaded

    @defer.inlineCallbacks
    def serve(self, *args: str) -> Generator[Any, Any, tuple[Any, int]]:
        process = spawn_twistd(
            self, "--port", "tcp:0:interface=127.0.0.1", "--rate", "0", *args
        )
        port = yield process.listening
        return process, port

    @defer.inlineCallbacks
    def conversation(self, port: int) -> Generator[Any, Any, list[str]]:
        """alice and bob talk in tea, carol in coffee; alice searches."""
        alice = yield connect_client(reactor, port, "alice")
        alice.say("/create tea")
        yield alice.expect_line("MEMBERS tea")
        carol = yield connect_client(reactor, port, "carol")
        carol.say("/create coffee")
        yield carol.expect_line("MEMBERS coffee")
        carol.say("the Crème is in coffee")
        yield carol.expect_line("MSG coffee carol")
        alice.say("crème brûlée first")
        alice.say("no creme here, cream")
        alice.say("CREME brulee again")
        yield alice.expect(lambda line: line.endswith("CREME brulee again"))
        alice.say("/search creme brulee")
        yield alice.expect_line("FOUND_END ")
        found = [line for line in alice.lines if line.startswith("FOUND")]
        for client in (alice, carol):
            # Connected until the test ends: a room emptied before a
            # SIGTERM would go, with its messages, before the restart.
            self.addCleanup(client.transport.loseConnection)
        return found

    @defer.inlineCallbacks
    def test_in_memory(self) -> Generator[Any, Any, None]:
        """The default ``--db :memory:`` searches its in-memory index."""
        _, port = yield self.serve()
        found = yield self.conversation(port)
        self.assertEqual(len(found), 3, found)
        self.assertRegex(found[0], r"^FOUND tea \d+ alice \S+ CREME brulee again$")
        self.assertRegex(found[1], r"^FOUND tea \d+ alice \S+ crème brûlée first$")
        self.assertEqual(found[2], "FOUND_END 2")

    @defer.inlineCallbacks
    def test_in_a_file_and_after_a_restart(self) -> Generator[Any, Any, None]:
        """With ``--db FILE`` the same, and again from the next process."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        db = os.path.join(directory, "chat.sqlite3")
        process, port = yield self.serve("--db", db)
        found = yield self.conversation(port)
        self.assertEqual(found[-1], "FOUND_END 2")
        process.transport.signalProcess("TERM")
        (ended,) = yield process.ended
        ended.trap(error.ProcessDone, error.ProcessTerminated)
        _, port = yield self.serve("--db", db)
        alice = yield connect_client(reactor, port, "alice")
        alice.say("/join tea")
        yield alice.expect_line("MEMBERS tea")
        alice.say("/search brulee")
        yield alice.expect_line("FOUND_END ")
        found_again = [line for line in alice.lines if line.startswith("FOUND")]
        self.assertEqual(found_again, found)
        alice.transport.loseConnection()
        yield alice.closed

    @defer.inlineCallbacks
    def test_own_private_conversations_in_a_file(self) -> Generator[Any, Any, None]:
        """Accounts alice and bob talk in private, bob and carol too: alice
        finds her conversation with bob, named ``@bob``, and not bob's with
        carol; ``in:@bob`` keeps to it."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        _, port = yield self.serve("--db", os.path.join(directory, "chat.sqlite3"))
        users = {}
        for name in ("alice", "bob", "carol"):
            user = yield connect_client(reactor, port, name)
            self.addCleanup(user.transport.loseConnection)
            user.say("/register horse-battery-staple")
            yield user.expect_line("REGISTERED ")
            users[name] = user
        alice, bob = users["alice"], users["bob"]
        alice.say("/msg bob picnic at noon?")
        yield alice.expect_line("PRIVMSG alice bob ")
        bob.say("/msg carol picnic without alice")
        yield bob.expect_line("PRIVMSG bob carol ")
        for search in ("/search picnic", "/search picnic in:@bob"):
            before = len(alice.lines)
            alice.say(search)
            yield alice.expect_line("FOUND_END ")
            found = [x for x in alice.lines[before:] if x.startswith("FOUND")]
            self.assertEqual(len(found), 2, found)
            self.assertRegex(found[0], r"^FOUND @bob 1 alice \S+ picnic at noon\?$")
            self.assertEqual(found[1], "FOUND_END 1")
