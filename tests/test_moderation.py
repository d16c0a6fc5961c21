"""Accounts, moderation and admins against the in-process registry."""

from __future__ import annotations

from dataclasses import replace

from twisted.internet.defer import ensureDeferred
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.server import ChatServer
from tests.moderation_contract import CONFIG, PASSWORD, ModerationContract
from tests.support import FakeClient


class LocalModerationTests(ModerationContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = ChatServer(CONFIG, clock=self.clock)


class RequireAccountTests(unittest.TestCase):
    """``--require-account``: plain names are refused, signed-in users may
    still rename."""

    def test_only_accounts_get_a_name(self) -> None:
        """A plain name gets ACCOUNT_REQUIRED; an account signs in and may
        /nick to another unregistered name."""
        server = ChatServer(replace(CONFIG, require_account=True), clock=Clock())
        alice = FakeClient(server)
        alice.received()
        alice.send("alice")
        self.assertEqual(
            alice.received(),
            [
                "ERR ACCOUNT_REQUIRED this server requires an account: "
                "/login NAME PASSWORD"
            ],
        )
        self.successResultOf(
            ensureDeferred(server.accounts.register("alice", PASSWORD, "192.0.2.1"))
        )
        alice.send(f"/login alice {PASSWORD}")
        self.assertEqual(alice.received()[0], "WELCOME alice")
        alice.send("/nick ally")
        self.assertEqual(alice.received(), ["NICK alice ally"])
