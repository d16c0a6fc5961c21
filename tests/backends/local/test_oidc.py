"""Accounts bound to an OpenID provider's subject against the in-process
back-end (``tests/backends/contracts/oidc.py``), and what one process
alone shows: a ticket's expiry on the clock, and ``--oidc-only``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import SqliteStore
from chatroom.core.accounts.oidc import TICKET_SECONDS, OidcSignIn
from tests.backends.contracts.account_changes import CONFIG, FIRST, AccountsBase
from tests.backends.contracts.handler import User
from tests.backends.contracts.oidc import (
    ALICE,
    KeptTokens,
    OidcContract,
    with_provider,
)
from tests.support import FakeClient, in_place, local_server


class LocalOidcTests(OidcContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)

    @defer.inlineCallbacks
    def test_a_ticket_expires(self) -> Generator[Any, Any, None]:
        """A ticket signs in until :data:`TICKET_SECONDS` have passed."""
        ticket = self.oidc.ticket((yield self.signed_in(ALICE)))
        self.clock.advance(TICKET_SECONDS - 1)
        self.assertTrue((yield self.with_ticket(ticket)).startswith("WELCOME alice"))
        self.clock.advance(1)
        refused = yield self.with_ticket(ticket)
        self.assertTrue(refused.startswith("ERR BAD_TOKEN "), refused)
        self.assertIn("expired", refused)


class RestartTests(unittest.TestCase):
    """The binding is kept in the ``--db`` file: after a restart alice's
    sign-in finds her account, and her ticket still signs in."""

    def test_the_binding_outlives_a_restart(self) -> None:
        path = os.path.join(tempfile.mkdtemp(), "chat.sqlite3")
        clock = Clock()

        def started(store: SqliteStore) -> OidcSignIn:
            return with_provider(local_server(CONFIG, clock, store), KeptTokens())

        store = SqliteStore(path, clock, in_place, 10)
        first = started(store)
        made = self.successResultOf(defer.ensureDeferred(first.signed_in(ALICE)))
        ticket = first.ticket(made)
        self.successResultOf(store.close())
        store = SqliteStore(path, clock, in_place, 10)
        self.addCleanup(store.db.close)
        again = started(store)
        found = self.successResultOf(defer.ensureDeferred(again.signed_in(ALICE)))
        self.assertEqual((found.key, found.oidc), (made.key, made.oidc))
        by_ticket = again.sign_in_ticket(ticket)
        self.assertEqual(self.successResultOf(defer.ensureDeferred(by_ticket)), found)


class OidcOnlyTests(AccountsBase, unittest.TestCase):
    """``--oidc-only``: no password registers an account."""

    def setUp(self) -> None:
        self.server = local_server(
            replace(CONFIG, oidc_only=True, oidc_name="Example SSO"), Clock()
        )

    @defer.inlineCallbacks
    def test_registering_is_refused(self) -> Generator[Any, Any, None]:
        user = yield self.connect("zoe")
        reply = yield self.refusal(user, f"/register {FIRST}", "NOT_ALLOWED")
        self.assertIn("signing in with Example SSO", reply)
        newcomer = User(FakeClient(self.server))
        yield self.refusal(newcomer, f"/register ann {FIRST}", "NOT_ALLOWED")
