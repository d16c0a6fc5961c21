"""The lockdown switch's rules, and its level kept across a restart
(:mod:`chatroom.core.moderation.lockdown`)."""

from __future__ import annotations

import os

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from chatroom.core.moderation.lockdown import (
    ACCOUNTS,
    CLOSED,
    OPEN,
    Lockdown,
    check_claim,
    check_registration,
)
from chatroom.doors.base.hub import DoorHub
from tests.support import FakeClient, in_place, local_server

CONFIG = ServerConfig(rate=0, admins=("root",))
PASSWORD = "horse-battery-staple"


class RuleTests(unittest.TestCase):
    def refused(self, check: object, *args: object) -> str:
        with self.assertRaises(ChatError) as refused:
            check(*args)  # type: ignore[operator]
        return refused.exception.code

    def test_accounts(self) -> None:
        locked = Lockdown(ACCOUNTS, "root")
        self.assertEqual(
            self.refused(check_claim, locked, "", False), "ACCOUNT_REQUIRED"
        )
        check_claim(locked, "alice", False)
        self.assertEqual(
            self.refused(check_registration, locked), "REGISTRATION_CLOSED"
        )

    def test_closed(self) -> None:
        locked = Lockdown(CLOSED, "root")
        self.assertEqual(
            self.refused(check_claim, locked, "alice", False), "SERVER_CLOSED"
        )
        self.assertEqual(self.refused(check_claim, locked, "", False), "SERVER_CLOSED")
        check_claim(locked, "root", True)

    def test_off(self) -> None:
        check_claim(OPEN, "", False)
        check_registration(OPEN)

    def test_kept_form(self) -> None:
        self.assertEqual(
            Lockdown.decoded(Lockdown(CLOSED, "root").encoded()),
            Lockdown(CLOSED, "root"),
        )
        self.assertEqual(Lockdown.decoded("nonsense x"), OPEN)


class RestartTests(unittest.TestCase):
    def test_the_level_holds_across_a_restart(self) -> None:
        clock = Clock()
        path = os.path.join(self.mktemp() + "-dir", "chat.sqlite3")
        os.makedirs(os.path.dirname(path))

        def started() -> DoorHub:
            clock.advance(FLUSH_INTERVAL)
            store = SqliteStore(path, clock, in_place, 50)
            self.addCleanup(store.db.close)
            return local_server(CONFIG, clock, store)

        server = started()
        root = FakeClient(server)
        root.send("root")
        root.send(f"/register {PASSWORD}")
        root.send("/lockdown closed")
        self.assertIn("LOCKDOWN closed root", root.received())
        server.stop()
        again = started()
        plain = FakeClient(again)
        plain.received()
        plain.send("dave")
        self.assertEqual(plain.received()[0].split()[:2], ["ERR", "SERVER_CLOSED"])
        admin = FakeClient(again)
        admin.send(f"/login root {PASSWORD}")
        admin.send("/lockdown")
        self.assertEqual(admin.received()[-1], "LOCKDOWN closed root")
