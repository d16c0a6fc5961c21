"""Accounts and moderation on the real ``twistd chatroom`` plugin.

Accounts, server bans and rooms' settings live in the ``--db`` store: the
restart test registers, bans and keeps, SIGKILLs the server once the last
of them is committed to the file (the documented crash window: a change is
committed by the next flush), starts it again on the same file and checks
that all of it holds, past the restored rooms' grace. The guessing test
runs a password guesser over a real socket and reads the server's log for
any password.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile

from twisted.internet import defer, error, reactor
from twisted.trial import unittest

from tests.integration.test_twistd import spawn_twistd
from tests.support import LineClient, committed, connect_client, until

PASSWORD = "tea-and-biscuits"


def server_bans_committed(db: str) -> list[str]:
    """The server bans committed to the ``--db`` file, read as another
    process would (the server's own writes are in WAL mode)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as reading:
        return [mask for (mask,) in reading.execute("SELECT mask FROM server_bans")]


@defer.inlineCallbacks
def listed(client: LineClient):
    """The ``ROOM`` lines of one ``/list``."""
    client.say("/list")
    count = int((yield client.expect_line("ROOMS ")).split()[1])
    rooms = []
    for _ in range(count):
        rooms.append((yield client.expect_line("ROOM ")))
    return rooms


def listed_once_gone(client: LineClient, room: str, what: str):
    """The ``ROOM`` lines of the first ``/list`` that no longer lists
    ``room`` (a restored room dropped after its grace), looking again for
    10 seconds at most (``what``: the wait, in a failure)."""

    def without(rooms: list[str]) -> list[str] | None:
        return (
            None if any(line.startswith(f"ROOM {room} ") for line in rooms) else rooms
        )

    return until(lambda: listed(client).addCallback(without), 10, what)


class AccountsOnTheRealServerTests(unittest.TestCase):
    timeout = 30

    @defer.inlineCallbacks
    def serve(self, db: str, *options: str):
        process = spawn_twistd(
            self,
            "--port",
            "tcp:0:interface=127.0.0.1",
            "--db",
            db,
            "--rate",
            "0",
            "--admins",
            "root",
            *options,
        )
        port = yield process.listening
        return process, port

    @defer.inlineCallbacks
    def signed_in(self, port: int, name: str):
        client = yield connect_client(reactor, port)
        client.say(f"/login {name} {PASSWORD}")
        yield client.expect_line(f"WELCOME {name}")
        return client

    @defer.inlineCallbacks
    def registered(self, port: int, name: str):
        client = yield connect_client(reactor, port, name)
        client.say(f"/register {PASSWORD}")
        yield client.expect_line(f"REGISTERED {name}")
        return client

    @defer.inlineCallbacks
    def test_accounts_bans_and_kept_rooms_survive_sigkill(self):
        """Registered names, a server ban, and a kept room with its key, ban
        and owner are all back after SIGKILL and a restart; a room that was
        not kept goes once the restored rooms' grace is over."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        db = os.path.join(directory, "chat.sqlite3")
        process, port = yield self.serve(db)
        alice = yield self.registered(port, "alice")
        root = yield self.registered(port, "root")
        alice.say("/create tea")
        yield alice.expect_line("MEMBERS tea")
        for command, reply in [
            ("/set keep on", "SET tea keep on alice"),
            ("/set key s3cret", "SET tea key on alice"),
            ("/ban bob", "BAN tea name:bob alice"),
        ]:
            alice.say(command)
            yield alice.expect_line(reply)
        alice.say("/leave")
        yield alice.expect_line("LEFT tea")
        root.say("/create coffee")
        yield root.expect_line("MEMBERS coffee")
        root.say("/set keep off")  # a scratch room: an account's own is kept
        yield root.expect_line("SET coffee keep off")
        root.say("/gban mallory")
        yield root.expect_line("GBAN name:mallory root")
        # The ban is the last change acknowledged; flushes commit in order.
        yield until(
            lambda: defer.succeed(
                any("mallory" in mask for mask in server_bans_committed(db))
            ),
            10,
            "the server ban committed to the file",
        )
        process.transport.signalProcess("KILL")
        (ended,) = yield process.ended
        ended.trap(error.ProcessTerminated)
        yield alice.closed

        process, port = yield self.serve(db, "--grace", "0.5")
        stranger = yield connect_client(reactor, port)
        stranger.say("alice")
        yield stranger.expect_line("ERR NAME_REGISTERED")
        stranger.say("mallory")
        yield stranger.expect_line("ERR BANNED")
        stranger.say("bob")
        yield stranger.expect_line("WELCOME bob")
        rooms = yield listed_once_gone(
            stranger, "coffee", "the room nobody kept dropped after the grace"
        )
        self.assertTrue(any(room.startswith("ROOM tea 0 256") for room in rooms), rooms)
        stranger.say("/join tea s3cret")
        yield stranger.expect_line("ERR BANNED")
        alice = yield self.signed_in(port, "alice")
        alice.say("/join tea")
        yield alice.expect_line("MEMBERS tea alice")
        alice.say("/info")
        yield alice.expect_line("INFO tea owner alice")
        yield alice.expect_line("INFO tea key s3cret")
        yield alice.expect_line("INFO tea keep on")
        for client in (alice, stranger):
            client.transport.loseConnection()
            yield client.closed

    @defer.inlineCallbacks
    def test_guessing_is_slowed_and_no_password_is_logged(self):
        """Five wrong guesses, then RATE_LIMITED; the log has no password."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        process, port = yield self.serve(os.path.join(directory, "chat.sqlite3"))
        alice = yield self.registered(port, "alice")
        alice.say(f"/password {PASSWORD} {PASSWORD}-2")
        yield alice.expect_line("PASSWORD_CHANGED alice")
        guesser = yield connect_client(reactor, port)
        replies = []
        for guess in range(8):
            guesser.say(f"/login alice guess-number-{guess}")
            replies.append((yield guesser.expect_line("ERR ")))
        codes = [reply.split()[1] for reply in replies]
        self.assertEqual(codes, ["BAD_PASSWORD"] * 5 + ["RATE_LIMITED"] * 3, replies)
        self.assertIn("try again in", replies[-1])
        alice.say(f"/password {PASSWORD}-2 {PASSWORD}-3")
        yield alice.expect_line("PASSWORD_CHANGED alice")  # the owner is not locked out
        for client in (alice, guesser):
            client.transport.loseConnection()
            yield client.closed
        process.transport.signalProcess("TERM")
        yield process.ended
        log = process.output.decode("utf-8", "replace")
        self.assertIn("failed sign-in to alice", log)
        for secret in (PASSWORD, "guess-number"):
            self.assertNotIn(secret, log)

    @defer.inlineCallbacks
    def test_a_device_session_outlives_a_restart(self):
        """A token ``/session new`` gave signs in after the server was
        killed and started again on the same ``--db`` file, as alice, a
        device of hers; the file holds its hash, never the token, and the
        log never shows it."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        db = os.path.join(directory, "chat.sqlite3")
        process, port = yield self.serve(db)
        alice = yield self.registered(port, "alice")
        alice.say("/session new")
        token = (yield alice.expect_line("SESSION ")).split()[1]
        yield until(
            lambda: defer.succeed(committed(db, "SELECT count(*) FROM sign_in_tokens")),
            10,
            "the token committed to the file",
        )
        kept = committed(db, "SELECT token || ' ' || kept FROM sign_in_tokens")
        self.assertNotIn(token, kept)
        process.transport.signalProcess("KILL")
        (ended,) = yield process.ended
        ended.trap(error.ProcessTerminated)
        yield alice.closed
        self.assertNotIn(token, process.output.decode("utf-8", "replace"))

        process, port = yield self.serve(db)
        page = yield connect_client(reactor, port)
        page.say(f"/session {token}")
        yield page.expect_line("WELCOME alice")
        page.say("/devices")
        yield page.expect_line("DEVICES_END 1")
        page.transport.loseConnection()
        yield page.closed
        process.transport.signalProcess("TERM")
        yield process.ended
        self.assertNotIn(token, process.output.decode("utf-8", "replace"))
