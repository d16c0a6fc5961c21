"""Invitations against the in-process back-end
(``tests/backends/contracts/invitations.py``), and what only a clock one
can turn: expiry."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import SqliteStore
from chatroom.core import operating
from chatroom.core.urlsecrets import without_secrets
from tests.backends.contracts.account_changes import FIRST
from tests.backends.contracts.invitations import (
    CLOSED,
    INVITE,
    ClosedContract,
    InvitationsContract,
)
from tests.support import FakeClient, in_place, local_server


class LocalInvitationsTests(InvitationsContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.server = local_server(INVITE, Clock())


class LocalClosedTests(ClosedContract, unittest.TestCase):
    def setUp(self) -> None:
        self.server = local_server(CLOSED, Clock())


class ExpiryTests(unittest.TestCase):
    """An invitation is good for its hours on the server's clock."""

    def test_a_code_expires(self) -> None:
        clock = Clock()
        quiet = replace(INVITE, login_timeout=1e6, ping_interval=1e6)
        server = local_server(quiet, clock)
        made = server.invitations.make(operating.operator(quiet), 5, 2, "")
        code, _ = self.successResultOf(defer.ensureDeferred(made))
        early = FakeClient(server)
        early.send("carol")
        clock.advance(2 * 3600 - 1)
        early.received()
        early.send(f"/redeem {code}")
        self.assertEqual(early.received(), [f"REDEEMED {code}"])
        clock.advance(1)
        late = FakeClient(server)
        late.send("dave")
        late.received()
        late.send(f"/redeem {code}")
        [refused] = late.received()
        self.assertTrue(refused.startswith("ERR BAD_CODE "), refused)
        listed = server.invitations.listed(operating.operator(quiet))
        self.assertEqual(self.successResultOf(defer.ensureDeferred(listed)), [])

    def test_guessing_codes_is_slowed_down(self) -> None:
        server = local_server(INVITE, Clock())
        guesser = FakeClient(server)
        guesser.send("mallory")
        guesser.received()
        answers = []
        for _ in range(7):
            guesser.send("/redeem WRONGCODE2")
            answers += [line.split(" ")[1] for line in guesser.received()]
        self.assertEqual(answers[:5], ["BAD_CODE"] * 5)
        self.assertEqual(answers[6], "RATE_LIMITED")


class LinkTests(unittest.TestCase):
    """The link an invitation comes with is the web page's, and no log
    line holds its code."""

    def test_the_link_hides_its_code_in_logs(self) -> None:
        server = local_server(INVITE, Clock())
        self.assertEqual(server.invitations.link("7KQ2MWXH3C"), "")  # no HTTP door
        server.http_url = "https://chat.example.org"
        link = server.invitations.link("7KQ2MWXH3C")
        self.assertEqual(link, "https://chat.example.org/?invite=7KQ2MWXH3C")
        self.assertEqual(
            without_secrets(f'"GET {link} HTTP/1.1" 200'),
            '"GET https://chat.example.org/?invite=- HTTP/1.1" 200',
        )


class RestartTests(unittest.TestCase):
    """Invitations are kept in the ``--db`` file: a server started again
    on it honours the codes made before, with the uses they had left."""

    def test_a_code_outlives_a_restart(self) -> None:
        path = os.path.join(tempfile.mkdtemp(), "chat.sqlite3")
        clock = Clock()
        store = SqliteStore(path, clock, in_place, 10)
        first = local_server(INVITE, clock, store)
        made = first.invitations.make(operating.operator(INVITE), 2, 24, "")
        code, _ = self.successResultOf(defer.ensureDeferred(made))
        carol = FakeClient(first)
        for line in ("carol", f"/redeem {code}", f"/register {FIRST}"):
            carol.send(line)
        self.assertIn("REGISTERED carol", carol.received())
        self.successResultOf(store.close())
        store = SqliteStore(path, clock, in_place, 10)
        self.addCleanup(store.db.close)
        again = local_server(INVITE, clock, store)
        dave = FakeClient(again)
        for line in ("dave", f"/redeem {code}", f"/register {FIRST}"):
            dave.send(line)
        self.assertIn("REGISTERED dave", dave.received())
        erin = FakeClient(again)
        erin.send("erin")
        erin.send(f"/redeem {code}")
        self.assertTrue(erin.received()[-1].startswith("ERR BAD_CODE "))
