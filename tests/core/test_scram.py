"""SCRAM-SHA-256 keys in the core and the in-process store (SQLite).

The keys must survive a restart, reach accounts registered before them at
their next sign-in, and never bring back an old password: these tests use
a real SQLite file, and ``scramp``'s client to check that the keys stored
are the password's. The Redis store's side is
tests/cluster/test_scram_redis.py.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace

from argon2 import PasswordHasher
from scramp import ScramClient
from twisted.internet.defer import ensureDeferred
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.accounts import StoredAccounts
from chatroom.backends.local.store import SqliteStore
from chatroom.core.accounts.accounts import (
    Account,
    keys_added,
    password_set,
    registering,
)
from chatroom.core.accounts.scram import MECHANISM, ScramExchange, ScramKeys, derive
from chatroom.core.model.changes.base import PremiseFailedError
from chatroom.core.model.config import ServerConfig
from chatroom.core.services.accounts import AccountService
from tests.support import account_service, in_place

PASSWORD = "tea-and-biscuits"
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def proves(stored: str, password: str) -> bool:
    """Whether a client knowing ``password`` completes an exchange with
    the keys ``stored`` (and accepts the server's proof)."""
    keys = ScramKeys.decode(stored)
    if keys is None:
        return False
    client = ScramClient([MECHANISM], "alice", password)
    server = ScramExchange(keys)
    client.set_server_first(server.server_first(client.get_client_first()))
    try:
        client.set_server_final(server.server_final(client.get_client_final()))
    except Exception:
        return False
    return True


class ScramKeysTests(unittest.TestCase):
    """The stored form (RFC 5803) and what it proves."""

    def test_keys_prove_their_password_only(self) -> None:
        """Keys derived from a password let its holder in, nobody else;
        the stored form names the mechanism and count, not the password."""
        stored = derive(PASSWORD, 4096)
        self.assertTrue(stored.startswith("SCRAM-SHA-256$4096:"), stored)
        self.assertNotIn(PASSWORD, stored)
        self.assertTrue(proves(stored, PASSWORD))
        self.assertFalse(proves(stored, "biscuits-and-tea"))

    def test_password_saslprep_refuses_has_no_keys(self) -> None:
        """A password with a control character cannot be used by SCRAM
        (RFC 4013): no keys, so the account signs in by PLAIN only."""
        self.assertEqual(derive("bell\x07ringer", 4096), "")
        self.assertIsNone(ScramKeys.decode(""))


class SqliteScramTests(unittest.TestCase):
    """Keys written through the SQLite store, read back after a restart."""

    def setUp(self) -> None:
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        self.path = os.path.join(directory, "chat.db")
        self.clock = Clock()

    def service(self) -> tuple[AccountService, SqliteStore]:
        """The account service on a freshly opened store of ``path``."""
        store = SqliteStore(self.path, self.clock, in_place, 100)
        service = account_service(
            StoredAccounts(store),
            self.clock,
            in_place,
            ServerConfig(scram_iterations=4096),
            hasher=CHEAP,
        )
        return service, store

    def restart(self, store: SqliteStore) -> AccountService:
        self.successResultOf(store.close())
        service, store = self.service()
        self.addCleanup(store.close)
        return service

    def account(self, service: AccountService) -> Account:
        found = self.successResultOf(ensureDeferred(service.store.get("alice")))
        assert found is not None
        return found

    def test_keys_made_at_registration_survive_a_restart(self) -> None:
        """/register's keys are on disk; /password's replace them."""
        service, store = self.service()
        ensureDeferred(service.register("alice", PASSWORD, "192.0.2.1"))
        service = self.restart(store)
        self.assertTrue(proves(self.account(service).scram, PASSWORD))
        changed = ensureDeferred(
            service.change_password("alice", PASSWORD, "new-password-9", "x")
        )
        self.successResultOf(changed)
        self.assertFalse(proves(self.account(service).scram, PASSWORD))
        self.assertTrue(proves(self.account(service).scram, "new-password-9"))

    def test_a_passphrase_s_keys_take_it_as_sasl_clients_type_it(self) -> None:
        """A passphrase's keys are made from the form every door hashes,
        and a SCRAM client (which SASLpreps what it is given) proves them
        with the phrase typed in another Unicode form too."""
        service, store = self.service()
        self.addCleanup(store.close)
        phrase = "café au lait, s'il vous plaît"
        ensureDeferred(service.register("alice", phrase, "192.0.2.1"))
        keys = self.account(service).scram
        self.assertTrue(proves(keys, phrase))
        self.assertTrue(proves(keys, "cafe\u0301\u00a0au lait,\u2003s'il vous plaît"))
        self.assertFalse(proves(keys, "café au lait, sil vous plaît"))

    def test_an_older_account_gets_keys_at_its_next_sign_in(self) -> None:
        """An account stored without keys gets them (on disk) when it next
        signs in with the right password, not with a wrong one."""
        service, store = self.service()
        older = Account("alice", "alice", CHEAP.hash(PASSWORD))
        made = registering(None, older)
        self.successResultOf(ensureDeferred(service.apply(made)))
        wrong = ensureDeferred(service.sign_in("alice", "wrong-password", "x"))
        self.failureResultOf(wrong)
        self.assertEqual(self.account(service).scram, "")
        self.successResultOf(ensureDeferred(service.sign_in("alice", PASSWORD, "x")))
        service = self.restart(store)
        self.assertTrue(proves(self.account(service).scram, PASSWORD))

    def test_keys_never_bring_back_an_old_password(self) -> None:
        """Keys made from a sign-in with the old password are not written
        over a password changed meanwhile."""
        service, store = self.service()
        self.addCleanup(store.close)
        older = Account("alice", "alice", CHEAP.hash(PASSWORD))
        accounts = service
        self.successResultOf(ensureDeferred(accounts.apply(registering(None, older))))
        changed = replace(older, hash=CHEAP.hash("new-password-9"), scram="x")
        new_password = password_set(older, changed.hash, changed.scram)
        self.successResultOf(ensureDeferred(accounts.apply(new_password)))
        keys = keys_added(older, derive(PASSWORD, 4096))
        added = ensureDeferred(accounts.apply(keys))
        self.failureResultOf(added, PremiseFailedError)
        self.assertEqual(self.account(service), changed)
