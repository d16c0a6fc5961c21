"""E-mail addresses and resets by mail against the in-process back-end
(``tests/backends/contracts/mailbox.py``)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import SqliteStore
from chatroom.core.services.mailbox import RESET_SECONDS, SWEEP_INTERVAL
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.account_changes import CONFIG, FIRST, SECOND
from tests.backends.contracts.mailbox import (
    REQUIRED,
    KeptLetters,
    MailboxContract,
    RequiredEmailContract,
)
from tests.support import FakeClient, in_place, local_server


class LocalMailboxTests(MailboxContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(CONFIG, Clock())


class LocalRequiredEmailTests(RequiredEmailContract, unittest.TestCase):
    def setUp(self) -> None:
        self.server = local_server(REQUIRED, Clock())


class SweepTests(unittest.TestCase):
    """A server with ``--require-email`` removes unverified accounts by
    itself, on its clock, once their window is over."""

    def test_the_server_removes_them_in_time(self) -> None:
        clock = Clock()
        quiet = replace(REQUIRED, login_timeout=1e6, ping_interval=1e6)
        server = local_server(quiet, clock)
        server.start()
        self.addCleanup(server.stop)
        client = FakeClient(server)
        client.send("alice")
        client.send(f"/register {FIRST}")
        self.assertIn("EMAIL_REQUIRED alice 3600", client.received())
        clock.advance(3599)  # the window still open
        self.assertEqual(client.received(), [])
        clock.advance(SWEEP_INTERVAL)
        self.assertEqual(
            client.received(),
            ["BYE account removed: no e-mail address was verified in time"],
        )
        names = defer.ensureDeferred(server.registry.accounts.store.names())
        self.assertEqual(self.successResultOf(names), [])


class ExpiryTests(unittest.TestCase):
    """Codes expire on the server's clock (a task.Clock here)."""

    def setUp(self) -> None:
        self.clock = Clock()
        # No connection times out while the clock runs past a code's life.
        quiet = replace(CONFIG, login_timeout=1e6, ping_interval=1e6)
        self.server = local_server(quiet, self.clock)
        self.letters = KeptLetters()
        self.server.mailbox.mailer = self.letters
        self.client = self.connected()

    def connected(self) -> FakeClient:
        client = FakeClient(self.server)
        client.received()  # HELLO
        return client

    def said(self, line: str) -> list[str]:
        self.client.send(line)
        return self.client.received()

    def test_a_verification_code_expires_after_the_window(self) -> None:
        self.server.mailbox.verify_window = 3600
        self.said("alice")
        self.assertEqual(self.said(f"/register {FIRST}"), ["REGISTERED alice"])
        self.assertEqual(
            self.said("/email a@example.org"), ["EMAIL_PENDING a@example.org"]
        )
        code = self.letters.code()
        self.clock.advance(3601)
        [refused] = self.said(f"/verify {code}")
        self.assertTrue(refused.startswith("ERR BAD_CODE "), refused)
        self.said("/email a@example.org")  # a new code, a new window
        self.clock.advance(3599)
        self.assertEqual(
            self.said(f"/verify {self.letters.code()}"),
            ["EMAIL_VERIFIED a@example.org"],
        )

    def test_a_reset_code_expires_after_30_minutes(self) -> None:
        self.said("alice")
        self.said(f"/register {FIRST}")
        self.said("/email a@example.org")
        self.said(f"/verify {self.letters.code()}")
        asker = self.connected()
        asker.send("/reset alice")
        self.assertEqual(asker.received(), ["RESET_SENT alice"])
        self.clock.advance(RESET_SECONDS + 1)
        asker.send(f"/reset alice {self.letters.code()} {SECOND}")
        [refused] = asker.received()
        self.assertTrue(refused.startswith("ERR BAD_CODE "), refused)

    def test_guessing_codes_is_slowed_down(self) -> None:
        asker = self.connected()
        answers = []
        for _ in range(7):
            asker.send(f"/reset alice WRONGCODE2 {SECOND}")
            answers += [line.split(" ")[1] for line in asker.received()]
        self.assertEqual(answers[:5], ["BAD_CODE"] * 5)
        self.assertEqual(answers[6], "RATE_LIMITED")


class ResetRevokesTests(unittest.TestCase):
    """A reset by mail revokes the account's upload tokens (``/token``)."""

    def test_upload_tokens_go(self) -> None:
        config = replace(CONFIG, files_dir=self.mktemp())
        server = local_server(config, Clock())
        letters = KeptLetters()
        server.mailbox.mailer = letters
        alice = FakeClient(server)
        for line in ("alice", f"/register {FIRST}", "/email a@example.org"):
            alice.send(line)
        alice.send(f"/verify {letters.code()}")
        alice.send("/token")
        [token_line] = [line for line in alice.received() if line.startswith("TOKEN ")]
        token = token_line.split(" ")[1]
        files = server.registry.files
        assert files is not None
        self.assertEqual(
            self.successResultOf(defer.ensureDeferred(files.tokens.account(token))),
            "alice",
        )
        asker = FakeClient(server)
        asker.send("/reset alice")
        asker.send(f"/reset alice {letters.code()} {SECOND}")
        self.assertIn("PASSWORD_CHANGED alice", asker.received())
        self.assertIn("BYE password reset", alice.received())
        self.assertIsNone(
            self.successResultOf(defer.ensureDeferred(files.tokens.account(token)))
        )


class RestartTests(unittest.TestCase):
    """Mailed codes are kept (as hashes) in the ``--db`` file: a server
    started again on it takes a code mailed before, once."""

    def setUp(self) -> None:
        self.path = os.path.join(tempfile.mkdtemp(), "chat.sqlite3")
        self.clock = Clock()
        self.letters = KeptLetters()
        self.store: SqliteStore | None = None

    def started(self) -> DoorHub:
        """A server on the file, mailing to :attr:`letters`; the one before
        it stopped."""
        if self.store is not None:
            self.successResultOf(self.store.close())
        self.store = store = SqliteStore(self.path, self.clock, in_place, 10)
        self.addCleanup(store.db.close)
        server = local_server(CONFIG, self.clock, store)
        server.mailbox.mailer = self.letters
        return server

    def test_codes_outlive_a_restart(self) -> None:
        alice = FakeClient(self.started())
        for line in ("alice", f"/register {FIRST}", "/email a@example.org"):
            alice.send(line)
        server = self.started()
        again = FakeClient(server)
        for line in (f"/login alice {FIRST}", f"/verify {self.letters.code()}"):
            again.send(line)
        self.assertIn("EMAIL_VERIFIED a@example.org", again.received())
        FakeClient(server).send("/reset alice")
        code = self.letters.code()
        asker = FakeClient(self.started())
        asker.send(f"/reset alice {code} {SECOND}")
        self.assertIn("PASSWORD_CHANGED alice", asker.received())
        asker.send(f"/reset alice {code} {FIRST}")
        self.assertTrue(asker.received()[-1].startswith("ERR BAD_CODE "))
